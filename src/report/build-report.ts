/**
 * Builds the report of a run (DESIGN.md §4) from the stored per-(sample, epoch) rows: epochs reduced per sample,
 * means and intervals per category and overall, and the designation under the lab's active policy (or the one
 * given), whose id, version and sha256 the report records.
 */
import { designate, type Designation } from '../aggregate/designate.js';
import { summarizeScores, type ScoreSummary } from '../aggregate/summarize.js';
import type { Policy } from '../schema/policy.js';
import { policyDigest } from '../policy/policy-digest.js';
import { activePolicy } from '../store/policies.js';
import type { Db } from '../store/open-store.js';
import { countInvalid, countResults } from '../store/results.js';
import { reduceSampleValues } from '../store/run-stats.js';
import { getRunSandbox, type RunSandboxInfo } from '../store/run-sandbox.js';
import { getRun, type RunStatus } from '../store/runs.js';

/** The report object printed by `run --json` and `report --json` (DESIGN.md §4, extended). */
export interface RunReport {
  runId: string;
  status: RunStatus;
  suite: { id: string; version: string; sha256: string };
  model: string;
  developer: string | null;
  /** `invalid` (present when nonzero): errors where the sandbox infrastructure failed, not the model. */
  samples: { total: number; scored: number; errors: number; invalid?: number };
  overall: ScoreSummary['overall'];
  categories: ScoreSummary['categories'];
  /** The decision; `policy` also carries the sha256 of the policy decided under. */
  designation: Designation & { policy: { id: string; version: number; sha256: string } };
  /** Extensions beyond the contract. */
  suiteTitle: string;
  /** The suite's classification marking, when it has one (renderReport prints it at the top and bottom). */
  classification?: string;
  endpoint: string;
  startedAt: string;
  finishedAt: string | null;
  elapsedMs: number;
  epochs: number;
  reducer: string;
  ci: { method: 't' | 'bootstrap'; confidence: number };
  harnessVersion: string;
  /** Runs with docker samples: the images (ids, digests) and the capabilities challenges added. */
  sandbox?: RunSandboxInfo;
}

/** Options of buildReport. */
export interface BuildReportOptions {
  /** Decide under this policy instead of the active one (read-only what-if, or `run --policy FILE`). */
  policy?: Policy;
  /** Override the interval method recorded on the run. */
  ci?: 't' | 'bootstrap';
  /** Confidence of the reported intervals (the designation uses the policy's). */
  confidence?: number;
  /**
   * The run's per-sample values when the caller has just reduced them (computeRunStats at the end of a run), so
   * that its rows are not read a second time; read from the database otherwise.
   */
  values?: Map<string, number[]>;
}

/**
 * Reads a run and computes its report.
 *
 * @example
 * const report = buildReport(db, '20261126-101500-a1b2c3');
 */
export function buildReport(db: Db, runId: string, options: BuildReportOptions = {}): RunReport {
  const run = getRun(db, runId);
  const policy = options.policy ?? activePolicy(db).policy;
  const method = options.ci ?? run.params.ci;
  const confidence = options.confidence ?? 0.95;
  const seed = run.params.seed ?? 0;

  // Per-sample values by category, epochs reduced with the run's reducer (the same code as the run statistics).
  const values = options.values ?? reduceSampleValues(db, run);

  const weights: Record<string, number> = {};
  for (const category of values.keys()) weights[category] = run.categories[category]?.weight ?? 1;
  const summary = summarizeScores({ values, weights, method, confidence, seed });
  const counts = countResults(db, runId);
  const attempted = counts.scored + counts.errors;
  const designation = designate({
    values,
    weights,
    policy,
    errorRate: attempted === 0 ? 0 : counts.errors / attempted,
    method,
    seed,
  });
  return {
    runId: run.id,
    status: run.status,
    suite: { id: run.suite.id, version: run.suite.version, sha256: run.suite.sha256 },
    model: run.model,
    developer: run.developer,
    samples: {
      total: run.totalUnits,
      scored: counts.scored,
      errors: counts.errors,
      ...invalidCount(db, runId),
    },
    overall: summary.overall,
    categories: summary.categories,
    designation: { ...designation, policy: { ...designation.policy, sha256: policyDigest(policy) } },
    suiteTitle: run.suite.title,
    ...(run.suite.classification === undefined ? {} : { classification: run.suite.classification }),
    endpoint: run.endpoint,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    elapsedMs: run.elapsedMs,
    epochs: run.params.epochs,
    reducer: run.params.reducer,
    ci: { method, confidence },
    harnessVersion: run.harnessVersion,
    ...sandboxOf(db, runId),
  };
}

function sandboxOf(db: Db, runId: string): { sandbox?: RunSandboxInfo } {
  const sandbox = getRunSandbox(db, runId);
  return sandbox === null ? {} : { sandbox };
}

/** `{invalid: n}` when the run has invalid units, else nothing (the contract's shape for every other run). */
function invalidCount(db: Db, runId: string): { invalid?: number } {
  const invalid = countInvalid(db, runId);
  return invalid === 0 ? {} : { invalid };
}
