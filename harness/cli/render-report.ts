/**
 * The human-readable form of a report: a header, a table of categories with intervals, and the designation; between
 * two banners of the suite's classification marking when it has one.
 */
import type { RunReport } from '../../src/report/build-report.js';
import { withClassification } from '../../src/report/classification-banner.js';

const fmt = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined ? '-' : value.toFixed(digits);
const fmtCi = (ci: readonly [number, number] | null | undefined): string =>
  ci === null || ci === undefined ? '-' : `[${fmt(ci[0])}, ${fmt(ci[1])}]`;

/** Renders `report` as text for a terminal. */
export function renderReport(report: RunReport): string {
  const lines: string[] = [];
  const pct = Math.round(report.ci.confidence * 100);
  lines.push(`Run ${report.runId}  ${report.status}`);
  lines.push(
    `Suite ${report.suite.id}@${report.suite.version} (${report.suiteTitle}; sha256 ${report.suite.sha256.slice(0, 12)}…)`,
  );
  lines.push(`Model ${report.model}  endpoint ${report.endpoint}  developer ${report.developer ?? '-'}`);
  lines.push(
    `Units ${report.samples.total} (${report.epochs} epoch${report.epochs === 1 ? '' : 's'}, reducer ${report.reducer}): ` +
      `${report.samples.scored} scored, ${report.samples.errors} errors` +
      (report.samples.invalid === undefined
        ? ''
        : ` (${report.samples.invalid} invalid: the sandbox infrastructure failed, not the model; excluded from the means)`),
  );
  lines.push('');
  const rows: string[][] = [
    ['category', 'n', 'mean', 'stderr', `${pct}% CI (${report.ci.method})`, 'weight'],
  ];
  for (const [name, c] of Object.entries(report.categories)) {
    rows.push([name, String(c.n), fmt(c.mean), fmt(c.stderr), fmtCi(c.ci), String(c.weight)]);
  }
  rows.push([
    'overall',
    String(report.overall.n),
    fmt(report.overall.mean),
    fmt(report.overall.stderr),
    fmtCi(report.overall.ci),
    '',
  ]);
  rows.push([
    'weighted',
    '',
    fmt(report.overall.weighted.mean),
    fmt(report.overall.weighted.stderr),
    fmtCi(report.overall.weighted.ci),
    '',
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const [index, row] of rows.entries()) {
    lines.push(
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0 || index === rows.length - 3) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  lines.push('');
  const d = report.designation;
  lines.push(
    `Designation: ${d.decision.toUpperCase()}  (policy ${d.policy.id} v${d.policy.version}: ${d.metric} ` +
      `${d.basis === 'lower' ? `lower bound of ${Math.round(d.confidence * 100)}% CI` : 'point estimate'} vs cutoff ${d.cutoff})`,
  );
  for (const reason of d.reasons) lines.push(`  - ${reason}`);
  if (report.sandbox !== undefined) {
    lines.push('');
    lines.push(`Images (docker sandboxes; runtime ${report.sandbox.runtime ?? 'engine default'}):`);
    for (const image of report.sandbox.images) lines.push(`  ${image.ref}  ${image.id}`);
    const added = Object.entries(report.sandbox.capabilities);
    if (added.length > 0) {
      lines.push('Capabilities added by challenges (every container starts with none):');
      for (const [sample, caps] of added) lines.push(`  ${sample}: ${caps.join(', ')}`);
    }
  }
  return withClassification(`${lines.join('\n')}\n`, report.classification);
}
