/**
 * A plain-text table for the benchmark logs: a header row, a rule, then the rows; the first column left-aligned,
 * the others right-aligned (they hold figures).
 */

/** Lays out `rows` under `header`, each line prefixed by `indent`. */
export function formatTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  indent = '  ',
): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    indent +
    widths
      .map((w, c) => (c === 0 ? (cells[c] ?? '').padEnd(w) : (cells[c] ?? '').padStart(w)))
      .join('  ')
      .trimEnd();
  return [line(header), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}
