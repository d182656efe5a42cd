/**
 * Records for the access tests: an engagement, runs and assessments built in memory (no database needed).
 */
import type { IssuedAssessment } from '../../../src/store/assessments.js';
import type { Engagement } from '../../../src/store/engagements.js';
import type { RunRecord, RunStatus } from '../../../src/store/runs.js';
import { isRedlineError } from '../../../src/errors.js';

/** An engagement of model m1 by acme, 2025-06-01..2025-06-30 unless overridden. */
export function makeEngagement(over: Partial<Engagement> = {}): Engagement {
  return {
    id: 'eng-1',
    developer: 'acme',
    model: 'm1',
    startDate: '2025-06-01',
    releaseDate: '2025-06-30',
    partners: ['partner-a', 'partner-b'],
    terms: 'NDA-7',
    registeredAt: '2025-05-20T10:00:00.000Z',
    registeredBy: 'alice@lab',
    ...over,
  };
}

/** A run of m1 by acme, completed at `finishedAt` unless overridden. */
export function makeRun(id: string, finishedAt: string | null, over: Partial<RunRecord> = {}): RunRecord {
  const status: RunStatus = finishedAt === null ? 'running' : 'completed';
  return {
    id,
    status,
    suite: {
      id: 'ctf-flags',
      version: '1.0.0',
      sha256: 'a'.repeat(64),
      title: 'CTF',
      path: 'suites/ctf-flags',
    },
    categories: {},
    model: 'm1',
    endpoint: 'http://127.0.0.1:1/v1',
    developer: 'acme',
    params: {} as RunRecord['params'],
    policy: {},
    harnessVersion: '0.0.0',
    sampleCount: 1,
    totalUnits: 1,
    startedAt: finishedAt ?? '2025-06-02T00:00:00.000Z',
    updatedAt: finishedAt ?? '2025-06-02T00:00:00.000Z',
    finishedAt,
    sessions: 1,
    elapsedMs: 1,
    host: null,
    pid: null,
    error: null,
    engagementId: null,
    shared: false,
    ...over,
  };
}

/** An assessment of m1 for acme issued at `issuedAt`. */
export function makeAssessment(
  id: string,
  issuedAt: string,
  over: Partial<IssuedAssessment> = {},
): IssuedAssessment {
  return {
    id,
    developer: 'acme',
    model: 'm1',
    runs: [],
    decision: 'covered',
    fileSha256: 'b'.repeat(64),
    issuedAt,
    ...over,
  };
}

/** The RedlineError code `fn` throws, 'not a RedlineError', or undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : 'not a RedlineError';
  }
  return undefined;
}
