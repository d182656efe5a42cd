/**
 * Writes a run and its result rows straight into a lab database, for tests of what reads runs (reports,
 * comparisons) without running a suite.
 */
import type { Db } from '../../src/store/open-store.js';
import { createResultWriter, type ResultRecord } from '../../src/store/results.js';
import { endSession, insertRun, type NewRun } from '../../src/store/runs.js';

/** The parameters of a stored test run: one epoch, mean, t intervals. */
export const RUN_PARAMS: NewRun['params'] = {
  epochs: 1,
  limit: null,
  seed: 1,
  reducer: 'mean',
  ci: 't',
  timeoutMs: 1000,
  maxAttempts: 1,
  apiKeyEnv: 'K',
};

/** A run record for insertRun: `fields` over neutral defaults (endpoint, developer, host, one sample). */
export function newRunRecord(fields: Partial<NewRun> & Pick<NewRun, 'id'>): NewRun {
  return {
    suite: { id: 'cyber', version: '1.0.0', sha256: 'ab'.repeat(32), title: 'Cyber', path: 'suites/c' },
    categories: {},
    model: 'model-a',
    endpoint: 'http://127.0.0.1:1/v1',
    developer: 'dev',
    params: RUN_PARAMS,
    policy: {},
    harnessVersion: '0.0.0',
    sampleCount: 1,
    totalUnits: 1,
    startedAt: '2026-11-26T10:00:00.000Z',
    host: 'h',
    pid: 1,
    ...fields,
  };
}

/** A run to write: [sampleId, category, per-epoch score or 'error'] per sample. */
export interface RunSpec {
  id: string;
  model?: string;
  suite?: string;
  suiteVersion?: string;
  suiteSha256?: string;
  /** The suite's classification marking. */
  classification?: string;
  developer?: string;
  reducer?: string;
  epochs?: number;
  categories?: NewRun['categories'];
  units: [string, string, (number | 'error')[]][];
  /** When the run started (default 2026-11-26T10:00:00Z). */
  startedAt?: string;
  /** The status the run's session ends with; 'running' leaves it open. */
  status?: 'completed' | 'interrupted' | 'failed' | 'running';
}

/** Inserts a run, writes its result rows, and ends its session with the status (completed by default). */
export function addRun(db: Db, spec: RunSpec): void {
  const epochs = spec.epochs ?? 1;
  const startedAt = spec.startedAt ?? '2026-11-26T10:00:00.000Z';
  insertRun(
    db,
    newRunRecord({
      id: spec.id,
      suite: {
        id: spec.suite ?? 'cyber',
        version: spec.suiteVersion ?? '1.0.0',
        sha256: spec.suiteSha256 ?? 'ab'.repeat(32),
        title: 'Cyber',
        path: 'suites/c',
        ...(spec.classification === undefined ? {} : { classification: spec.classification }),
      },
      ...(spec.developer === undefined ? {} : { developer: spec.developer }),
      categories: spec.categories ?? { crypto: { weight: 2 }, web: { weight: 1 } },
      model: spec.model ?? 'model-a',
      params: { ...RUN_PARAMS, epochs, seed: 7, reducer: spec.reducer ?? 'mean' },
      sampleCount: spec.units.length,
      totalUnits: spec.units.length * epochs,
      startedAt,
    }),
  );
  const records: ResultRecord[] = [];
  for (const [sampleId, category, scores] of spec.units) {
    scores.forEach((score, e) => records.push(resultOf(spec.id, sampleId, e + 1, category, score)));
  }
  createResultWriter(db).write(records);
  if (spec.status !== 'running') {
    endSession(db, spec.id, { status: spec.status ?? 'completed', at: startedAt, elapsedMs: 1 });
  }
}

/** One stored unit: scored with `score`, or errored (E_ENDPOINT) for 'error'. */
export function resultOf(
  runId: string,
  sampleId: string,
  epoch: number,
  category: string,
  score: number | 'error',
): ResultRecord {
  const error = score === 'error';
  return {
    runId,
    sampleId,
    epoch,
    category,
    status: error ? 'error' : 'scored',
    score: error ? null : score,
    answer: null,
    output: null,
    attempts: 1,
    errorCode: error ? 'E_ENDPOINT' : null,
    errorMessage: error ? 'down' : null,
    latencyMs: 1,
    promptTokens: null,
    completionTokens: null,
    finishedAt: '2026-11-26T10:00:01.000Z',
  };
}
