/**
 * Reads and parses a suite file (JSON or YAML) into a plain value, turning syntax errors into problems with line
 * numbers, and maps JSON pointers back to the line where they start (for problems found later).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { RedlineError, type Problem } from '../errors.js';
import { lineAndColumn, locateJsonSyntaxError } from './locate-json-error.js';
import type { SuiteLocation } from './locate-suite.js';

/** A parsed suite file: `value` is undefined when the file does not parse. */
export interface ParsedSuiteFile {
  value: unknown;
  /** Syntax errors (and YAML warnings), located by line. */
  problems: Problem[];
  /** The 1-based line where the value at `pointer` starts (or its nearest existing ancestor), when known. */
  lineOf: (pointer: string) => number | undefined;
}

/** Reads (from the disk, or a sealed suite's tree) and parses the suite file of `location`; E_INPUT when unreadable. */
export async function parseSuiteFile(location: SuiteLocation): Promise<ParsedSuiteFile> {
  let text: string;
  try {
    // A sealed suite's file is in memory, under its name at the root (locateSuiteInTree).
    const sealed = location.tree?.files.get(basename(location.file));
    text =
      sealed === undefined
        ? await readFile(location.file, 'utf8')
        : Buffer.from(sealed.data).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RedlineError(
      'E_INPUT',
      `cannot read ${location.displayFile} (${code}): check the file and its permissions`,
      {
        cause: error,
      },
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lineOf = createLineLocator(text);
  return location.format === 'json'
    ? { ...parseJsonText(text, location.displayFile), lineOf }
    : { ...parseYamlText(text, location.displayFile), lineOf };
}

function parseJsonText(text: string, file: string): { value: unknown; problems: Problem[] } {
  try {
    return { value: JSON.parse(text) as unknown, problems: [] };
  } catch (error) {
    const located = locateJsonSyntaxError(text);
    if (located !== undefined) {
      return {
        value: undefined,
        problems: [
          {
            file,
            line: located.line,
            pointer: '',
            message: `invalid JSON at column ${located.column}: ${located.message}`,
          },
        ],
      };
    }
    // The scanner gave up (nesting too deep): fall back on the parser's own words and position, if any.
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : lineAndColumn(text, Number(position)).line;
    return {
      value: undefined,
      problems: [
        { file, ...(line === undefined ? {} : { line }), pointer: '', message: `invalid JSON: ${message}` },
      ],
    };
  }
}

function parseYamlText(text: string, file: string): { value: unknown; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const issue of [...doc.errors, ...doc.warnings]) {
    problems.push({
      file,
      line: lineCounter.linePos(issue.pos[0]).line,
      pointer: '',
      message: `invalid YAML: ${issue.message}`,
    });
  }
  if (doc.errors.length > 0) return { value: undefined, problems };
  try {
    // maxAliasCount bounds alias expansion ("billion laughs").
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, problems };
  } catch (error) {
    problems.push({
      file,
      pointer: '',
      message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}`,
    });
    return { value: undefined, problems };
  }
}

/**
 * Builds a pointer-to-line lookup. The YAML parser reads JSON too (YAML 1.2 is a superset of JSON), so both
 * formats share it; the document is parsed lazily, on the first lookup, since only invalid suites need it.
 */
function createLineLocator(text: string): (pointer: string) => number | undefined {
  let located: { doc: Document; lineCounter: LineCounter } | null | undefined;
  return (pointer) => {
    if (located === undefined) {
      const lineCounter = new LineCounter();
      const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
      located = doc.errors.length === 0 ? { doc, lineCounter } : null;
    }
    if (located === null) return undefined;
    const { doc, lineCounter } = located;
    const lineAt = (value: unknown): number | undefined =>
      isNode(value) && value.range != null ? lineCounter.linePos(value.range[0]).line : undefined;

    let node: unknown = doc.contents;
    let line = lineAt(node);
    for (const segment of parsePointer(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((item) => {
          const key: unknown = isScalar(item.key) ? item.key.value : item.key;
          return (
            key === segment ||
            ((typeof key === 'number' || typeof key === 'boolean') && String(key) === segment)
          );
        });
        if (pair === undefined) break;
        line = lineAt(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node)) {
        const item: unknown = /^(0|[1-9]\d*)$/.test(segment) ? node.items[Number(segment)] : undefined;
        if (item === undefined) break;
        line = lineAt(item) ?? line;
        node = item;
      } else {
        break;
      }
    }
    return line;
  };
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}
