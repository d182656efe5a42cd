/**
 * What crosses the worker-thread boundary: a unit of work in, an outcome out. Both are plain data; a worker never
 * throws for an expected failure (piscina would keep only the message of an error, not its code).
 */
import type { Transcript } from '../../src/agent/transcript.js';
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
  /** The suite directory: sandbox files given as {"path": ...} are read relative to it. */
  suiteDir: string;
  /** Host directory holding this session's sandbox work directories (removed by the main thread at the end). */
  sandboxRoot: string;
  temperature?: number;
  maxTokens?: number;
  /** The run, for the labels of docker sandboxes. */
  runId?: string;
  /** The lab's OCI runtime for docker sandboxes (e.g. runsc), from --docker-runtime or REDLINE_DOCKER_RUNTIME. */
  dockerRuntime?: string;
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
  /** Agentic samples: every message, tool call, output and timing (stored, never shared in assessments). */
  transcript?: Transcript;
  /** Agentic samples: how long the sandbox took to start, in ms. */
  sandboxStartMs?: number;
  /** Agentic samples: how long removing the sandbox took, in ms. */
  sandboxTeardownMs?: number;
  value: number;
  answer: string | null;
  output: string;
  latencyMs: number;
  promptTokens: number | null;
  completionTokens: number | null;
}

/**
 * A failed attempt: `kind` says whether to retry it, fail the sample, or stop the run. `invalid` is an
 * infrastructure failure (sandbox engine, image, service health): retried like `retryable`, and when it stays, the
 * unit is recorded as invalid (error code E_SANDBOX), never as a score of 0.
 */
export interface ErrorOutcome {
  status: 'error';
  kind: 'retryable' | 'sample' | 'fatal' | 'invalid';
  error: ErrorData;
  retryAfterMs: number | null;
  rateLimited: boolean;
  latencyMs: number;
}

/** The result of one attempt. */
export type UnitOutcome = ScoredOutcome | ErrorOutcome;
