/**
 * The classification marking of a suite (its `classification` field) as a banner line: printed at the top and at
 * the bottom of every human-readable output that shows a run of it (report, transcript), as documents are marked.
 */

/** The banner line of `label`, e.g. `//// CUI ////`. */
export function classificationBanner(label: string): string {
  return `//// ${label} ////`;
}

/**
 * `text` between two banner lines of `label` when the run has one, unchanged otherwise. `text` ends with a newline;
 * so does the result.
 *
 * @example withClassification('Run r1 completed\n', 'CUI') // '//// CUI ////\nRun r1 completed\n//// CUI ////\n'
 */
export function withClassification(text: string, label: string | undefined): string {
  if (label === undefined) return text;
  const banner = classificationBanner(label);
  return `${banner}\n${text}${text.endsWith('\n') ? '' : '\n'}${banner}\n`;
}
