/**
 * Builds the report of a run (DESIGN.md §4) from the stored per-(sample, epoch) rows: epochs reduced per sample,
 * means and intervals per category and overall, and the designation under the run's policy.
 */
import { designate, type Designation } from '../aggregate/designate.js';
import { parseReducer, reduceEpochs } from '../aggregate/reducers.js';
import { summarizeScores, type ScoreSummary } from '../aggregate/summarize.js';
import type { Policy } from '../schema/policy.js';
import { validatePolicyValue } from '../policy/load-policy.js';
import type { Db } from '../store/open-store.js';
import { countResults, iterateScores } from '../store/results.js';
import { getRun, type RunStatus } from '../store/runs.js';

/** The report object printed by `run --json` and `report --json` (DESIGN.md §4, extended). */
export interface RunReport {
  runId: string;
  status: RunStatus;
  suite: { id: string; version: string; sha256: string };
  model: string;
  developer: string | null;
  samples: { total: number; scored: number; errors: number };
  overall: ScoreSummary['overall'];
  categories: ScoreSummary['categories'];
  designation: Designation;
  /** Extensions beyond the contract. */
  suiteTitle: string;
  endpoint: string;
  startedAt: string;
  finishedAt: string | null;
  elapsedMs: number;
  epochs: number;
  reducer: string;
  ci: { method: 't' | 'bootstrap'; confidence: number };
  harnessVersion: string;
}

/** Options of buildReport. */
export interface BuildReportOptions {
  /** Decide under this policy instead of the one the run was started with (read-only what-if). */
  policy?: Policy;
  /** Override the interval method recorded on the run. */
  ci?: 't' | 'bootstrap';
  /** Confidence of the reported intervals (the designation uses the policy's). */
  confidence?: number;
}

/**
 * Reads a run and computes its report.
 *
 * @example
 * const report = buildReport(db, '20261126-101500-a1b2c3');
 */
export function buildReport(db: Db, runId: string, options: BuildReportOptions = {}): RunReport {
  const run = getRun(db, runId);
  const policy = options.policy ?? validatePolicyValue(run.policy, `run ${runId} (stored policy)`);
  const reducer = parseReducer(run.params.reducer);
  const method = options.ci ?? run.params.ci;
  const confidence = options.confidence ?? 0.95;
  const seed = run.params.seed ?? 0;

  // Stream the rows (ordered by sample, then epoch) and reduce each sample's epochs as soon as it is complete.
  const values = new Map<string, number[]>();
  for (const category of Object.keys(run.categories)) values.set(category, []);
  let currentSample: string | null = null;
  let currentCategory = '';
  let epochScores: number[] = [];
  // A sample with fewer scored epochs than pass@k needs (some epochs errored) has no defined value: it is left
  // out of the means, like an errored sample; its errored epochs are counted in samples.errors.
  const minEpochs = reducer.kind === 'pass@k' ? reducer.k : 1;
  const emit = (): void => {
    if (currentSample === null || epochScores.length < minEpochs) return;
    let list = values.get(currentCategory);
    if (list === undefined) {
      list = [];
      values.set(currentCategory, list);
    }
    list.push(reduceEpochs(epochScores, reducer));
  };
  for (const row of iterateScores(db, runId)) {
    if (row.sampleId !== currentSample) {
      emit();
      currentSample = row.sampleId;
      currentCategory = row.category;
      epochScores = [];
    }
    epochScores.push(row.score);
  }
  emit();

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
    samples: { total: run.totalUnits, scored: counts.scored, errors: counts.errors },
    overall: summary.overall,
    categories: summary.categories,
    designation,
    suiteTitle: run.suite.title,
    endpoint: run.endpoint,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    elapsedMs: run.elapsedMs,
    epochs: run.params.epochs,
    reducer: run.params.reducer,
    ci: { method, confidence },
    harnessVersion: run.harnessVersion,
  };
}
