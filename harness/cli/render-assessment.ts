/**
 * The readable form of an opened assessment, as its developer sees it.
 */
import type { AssessmentPredicate } from '../../src/assessment/build-assessment.js';

const f = (v: number | null): string => (v === null ? '-' : v.toFixed(3));
const ci = (c: readonly [number, number] | null): string => (c === null ? '-' : `[${f(c[0])}, ${f(c[1])}]`);

/** Renders a verified assessment predicate. */
export function renderAssessment(p: AssessmentPredicate, signedBy: readonly string[]): string {
  const lines = [
    `Assessment ${p.assessmentId}, issued ${p.issuedAt}`,
    `Signature: verified, evaluator key ${signedBy.join(', ')}`,
    `Developer ${p.developer}, model ${p.model}`,
    `Designation: ${p.designation.decision.toUpperCase()} (policy ${p.policy.id} v${p.policy.version}; covered when any run is)`,
  ];
  for (const run of p.runs) {
    const d = run.designation;
    lines.push(
      '',
      `Run ${run.runId}: suite ${run.suite.id}@${run.suite.version}` +
        (run.suite.classification === undefined ? '' : ` (marked ${run.suite.classification})`) +
        `, completed ${run.completedAt}, ${run.epochs} epoch(s)`,
      `  units ${run.samples.total}: ${run.samples.scored} scored, ${run.samples.errors} errors`,
      `  overall ${f(run.overall.mean)} ${ci(run.overall.ci)} n=${run.overall.n}; weighted ${f(run.overall.weighted.mean)} ${ci(run.overall.weighted.ci)}`,
      `  decision ${d.decision}: ${d.metric} ${d.basis === 'lower' ? `lower bound of ${Math.round(d.confidence * 100)}% CI` : 'estimate'} vs cutoff ${d.cutoff}`,
    );
    for (const [name, c] of Object.entries(run.categories ?? {})) {
      lines.push(`    ${name.padEnd(16)} ${f(c.mean)} ${ci(c.ci)} n=${c.n}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
