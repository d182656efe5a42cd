/**
 * What crosses the worker-thread boundary: a session per worker (its configuration and a port), then units in and
 * outcomes out on that port. All plain data; a worker never throws for an expected failure.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Transcript } from '../../src/agent/transcript.js';
import type { ErrorData } from '../../src/errors.js';
import type { Sample, SuiteDefaults } from '../../src/schema/suite.js';

/** The run's configuration, sent once to each worker with its session. */
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

/**
 * A unit a session held in its queue and gave back without starting it, because its cap fell to 0 (the run is
 * stopping, or its concurrency fell below the number of sessions): not an attempt.
 */
export interface UnstartedOutcome {
  status: 'unstarted';
}

/** What the pool answers for a unit: the outcome of its attempt, or that it was given back unstarted. */
export type PoolOutcome = UnitOutcome | UnstartedOutcome;

/** The piscina task that starts a worker's session: it resolves when the main thread ends the session. */
export interface SessionTask {
  config: WorkerConfig;
  /** Units arrive here as {@link SessionMessage}s; outcomes leave as {@link OutcomeBatch}es. */
  port: MessagePort;
}

/**
 * Main thread to worker: units to run, each with the id its outcome comes back under; the session's cap (how many
 * of its units may run at once: the rest wait in its queue, so that a finished unit's successor starts without a
 * round trip to the main thread; at 0 the queue is given back); or the session's end.
 */
export type SessionMessage = { units: Array<[number, UnitTask]> } | { cap: number } | { end: true };

/** Worker to main thread: outcomes by unit id. */
export type OutcomeBatch = Array<[number, PoolOutcome]>;
