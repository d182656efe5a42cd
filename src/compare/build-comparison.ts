/**
 * Reads two runs from the lab database and compares them (`redline compare`): the per-sample values are reduced
 * exactly as each run's report reduces them (the run's own reducer), then paired by sample id.
 */
import type { Db } from '../store/open-store.js';
import { forEachReducedSample } from '../store/run-stats.js';
import { getRun, type RunRecord } from '../store/runs.js';
import {
  assertComparable,
  compareRuns,
  type CompareRunsOptions,
  type ComparedRun,
  type ReducedSample,
  type RunComparison,
} from './compare-runs.js';

/**
 * Compares run B with run A. Throws E_NOT_FOUND for an unknown run id, and refuses (before reading any result row)
 * runs of different suites (E_USAGE) or runs that are not completed (E_STATE).
 *
 * @example
 * const comparison = buildComparison(db, '20261126-101500-a1b2c3', '20261127-091200-d4e5f6', { seed: 0 });
 */
export function buildComparison(
  db: Db,
  runIdA: string,
  runIdB: string,
  options: CompareRunsOptions = {},
): RunComparison {
  const a = getRun(db, runIdA);
  const b = getRun(db, runIdB);
  assertComparable(
    { runId: a.id, status: a.status, suite: a.suite },
    { runId: b.id, status: b.status, suite: b.suite },
  );
  return compareRuns(readComparedRun(db, a), readComparedRun(db, b), options);
}

/** A stored run as `compareRuns` takes it: its identity, declared weights and reduced values by sample id. */
export function readComparedRun(db: Db, run: RunRecord): ComparedRun {
  const samples = new Map<string, ReducedSample>();
  forEachReducedSample(db, run, (sampleId, category, value) => {
    samples.set(sampleId, { category, value });
  });
  const weights: Record<string, number> = {};
  for (const [name, category] of Object.entries(run.categories)) weights[name] = category.weight;
  return {
    runId: run.id,
    status: run.status,
    model: run.model,
    suite: { id: run.suite.id, version: run.suite.version, sha256: run.suite.sha256 },
    epochs: run.params.epochs,
    reducer: run.params.reducer,
    weights,
    samples,
  };
}
