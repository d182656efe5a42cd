/**
 * What crosses the worker-thread boundary: a unit of work in, an outcome out. Both are plain data; a worker never
 * throws for an expected failure (piscina would keep only the message of an error, not its code).
 */
import type { ErrorData } from '../../src/errors.js';
import type { Sample, SuiteDefaults } from '../../src/schema/suite.js';

/** Set once per worker through piscina's workerData. */
export interface WorkerConfig {
  baseUrl: string;
  model: string;
  /** The API key (read by the CLI from the variable the run names); lives only in memory, never stored. */
  apiKey?: string;
  timeoutMs: number;
  /** Keep-alive sockets per worker. */
  maxSockets: number;
  defaults: SuiteDefaults;
  temperature?: number;
  maxTokens?: number;
}

/** One (sample, epoch) attempt. */
export interface UnitTask {
  sample: Sample;
  epoch: number;
  /** Sent as the request's `seed` when the run has one. */
  seed?: number;
}

/** A scored attempt. */
export interface ScoredOutcome {
  status: 'scored';
  value: number;
  answer: string | null;
  output: string;
  latencyMs: number;
  promptTokens: number | null;
  completionTokens: number | null;
}

/** A failed attempt: `kind` says whether to retry it, fail the sample, or stop the run. */
export interface ErrorOutcome {
  status: 'error';
  kind: 'retryable' | 'sample' | 'fatal';
  error: ErrorData;
  retryAfterMs: number | null;
  rateLimited: boolean;
  latencyMs: number;
}

/** The result of one attempt. */
export type UnitOutcome = ScoredOutcome | ErrorOutcome;
