/**
 * locateYamlPath: the line of a value inside a parsed YAML document, for problems that point into it.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

/**
 * The 1-based line of the deepest node of `path` found in `doc` (a map entry's key line; aliases are followed), or
 * undefined when the document has no position at all.
 */
export function locateYamlPath(
  doc: Document,
  lines: LineCounter,
  path: ReadonlyArray<string | number>,
): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = isNodeWithRange(node) ? node.range[0] : undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      if (isNodeWithRange(pair.key)) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      if (isNodeWithRange(item)) offset = item.range[0];
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function isNodeWithRange(value: unknown): value is { range: [number, number, number] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { range?: unknown }).range);
}
