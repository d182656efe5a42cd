/**
 * Runs a suite against a model endpoint: suite -> (sample x epoch) units -> worker pool -> SQLite.
 *
 * Main thread only. It owns scheduling: the concurrency limit (AIMD on rate limits), retries with backoff (a
 * unit waiting for its retry holds no slot), the batched writes, and the stop on Ctrl-C. Outcomes are data.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedlineError, type ErrorData } from '../../src/errors.js';
import { AimdLimiter } from '../../src/endpoint/aimd.js';
import { backoffDelayMs } from '../../src/endpoint/backoff.js';
import { parseBaseUrl } from '../../src/endpoint/parse-base-url.js';
import type { Sample } from '../../src/schema/suite.js';
import type { RunParams } from '../../src/schema/run.js';
import type { SuiteHandle } from '../../src/suite/load-suite.js';
import { selectSamples } from '../../src/suite/select-samples.js';
import { withoutAgentic } from '../../src/suite/without-agentic.js';
import type { Db } from '../../src/store/open-store.js';
import {
  countResults,
  createResultWriter,
  scoredUnitKeys,
  unitKey,
  type ResultRecord,
} from '../../src/store/results.js';
import { computeRunStats } from '../../src/store/run-stats.js';
import {
  beginSession,
  endSession,
  getRun,
  insertRun,
  setRunEngagement,
  type NewRun,
  type RunRecord,
} from '../../src/store/runs.js';
import { findOpenEngagement } from '../../src/store/engagements.js';
import { setRunSandbox, type RunSandboxInfo } from '../../src/store/run-sandbox.js';
import { addRunUnits, countRunUnits, reopenErroredUnits } from '../../src/store/run-units.js';
import { joinSharedRun, type SharedRunSession } from './shared-run.js';
import { redactUrl } from '../endpoints/openai-compatible.js';
import { createUnitPool, sizeWorkers, type UnitPool } from '../pool/create-unit-pool.js';
import { cleanupStaleSandboxDirs } from '../sandbox/bwrap-backend.js';
import { dockerSocketPath } from '../docker/docker-client.js';
import { pruneDockerSandboxes } from '../sandbox/prune-docker-sandboxes.js';
import { writeTranscripts, type TranscriptRow } from '../../src/store/transcripts.js';
import type {
  ErrorOutcome,
  PoolOutcome,
  ScoredOutcome,
  UnitOutcome,
  WorkerConfig,
} from '../pool/unit-messages.js';
import { HARNESS_VERSION } from '../version.js';
import { isProcessAlive } from '../is-process-alive.js';

/** Progress of a run, reported after every outcome. */
export interface RunProgress {
  runId: string;
  total: number;
  /** Units with a final result, including those stored by earlier sessions. */
  done: number;
  errors: number;
  retries: number;
  inFlight: number;
  concurrencyLimit: number;
  /** Units finished by this session, and its elapsed time, for the rate. */
  sessionDone: number;
  sessionElapsedMs: number;
}

/** Options of runSuite. */
export interface RunSuiteOptions {
  db: Db;
  suite: SuiteHandle;
  /** Base URL of the OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1. */
  endpoint: string;
  /** Parameters of a new run; ignored on resume (the stored ones apply). */
  model: string;
  developer: string | null;
  params: RunParams;
  policy: unknown;
  concurrency: number;
  /** Worker threads; sized to the run's units (sizeWorkers) when absent. */
  workers?: number;
  /**
   * A pool created early (createUnitPool), so that its threads load while the suite and the database open; the
   * run starts its sessions and destroys it. Without one, the run creates its own.
   */
  pool?: UnitPool;
  /** The API key, if the endpoint wants one (never stored: only the variable's name is, in params). */
  apiKey?: string;
  /** Resume this run instead of starting a new one (a shared run: re-open its errored units, then join it). */
  resume?: string;
  /** Join this shared run: claim its units, with any other runners, until none is left. */
  join?: string;
  /** Start the new run shared, so that runners on other hosts can join it (`run --join`). */
  shared?: boolean;
  /** This runner's name in a shared run (default: host-pid). */
  runner?: string;
  /** How long a claimed unit of a shared run stays leased without renewal (default 60 s). */
  leaseMs?: number;
  /** Create the run (and, shared, its units) and return before running anything. */
  createOnly?: boolean;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Stop dispatching when aborted; the run is recorded as interrupted. */
  signal?: AbortSignal;
  /** When aborted after `signal`, stop waiting for units in flight (a second Ctrl-C). */
  force?: AbortSignal;
  /** How long to wait for units in flight after an interrupt before abandoning them. */
  drainMs?: number;
  onProgress?: (progress: RunProgress) => void;
  /** Receives the run's lifecycle events for the audit log (ids and digests only, never secrets). */
  onAudit?: (event: RunAuditEvent) => void;
  now?: () => number;
  random?: () => number;
  /** Images and capabilities of the docker samples (checked by checkSuiteImages), recorded on the run. */
  sandboxInfo?: RunSandboxInfo;
  /** The lab's OCI runtime for docker sandboxes (e.g. runsc). */
  dockerRuntime?: string;
  /** Told about what could not be cleaned up (docker sandboxes), for the user. */
  onWarning?: (message: string) => void;
}

/** A lifecycle event of a run, for the audit log. */
export interface RunAuditEvent {
  type: 'run.started' | 'run.resumed' | 'run.joined' | 'run.finished' | 'run.interrupted' | 'run.failed';
  data: Record<string, unknown>;
}

/** What a finished session returns. */
export interface RunSummary {
  runId: string;
  /** This session's end; a shared run another runner still works on stays `running` for the others. */
  status: 'completed' | 'interrupted' | 'failed';
  /** Shared runs: the run goes on with other runners after this one stopped. */
  continuesElsewhere?: boolean;
  total: number;
  scored: number;
  errors: number;
  error: ErrorData | null;
  /** A completed run's per-sample values by category (computeRunStats), for its report. */
  sampleValues?: Map<string, number[]>;
}

interface Unit {
  sample: Sample;
  epoch: number;
  attempts: number;
  lastError: ErrorData | null;
}

const WRITE_BATCH = 512;
const WRITE_INTERVAL_MS = 50;

/**
 * Runs (or resumes) a suite and returns when the session ends.
 *
 * @example
 * const summary = await runSuite({ db, suite, endpoint: 'http://127.0.0.1:8000/v1', model: 'm', ... });
 */
export async function runSuite(options: RunSuiteOptions): Promise<RunSummary> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  // Checked here, on the main thread: a bad URL must be a usage error, not a worker that fails to start.
  parseBaseUrl(options.endpoint);
  // The suite as this run sees it: without its agentic samples when the run skips them.
  const suite = options.params.skipAgentic === true ? withoutAgentic(options.suite) : options.suite;
  const endpoint = redactUrl(options.endpoint);
  const sessionStart = now();
  const existing = options.join ?? options.resume;
  const run =
    existing === undefined
      ? await startRun(options, suite, endpoint, sessionStart)
      : resumeRun(options, existing, endpoint, sessionStart);
  const { params } = run;
  if (options.sandboxInfo !== undefined) setRunSandbox(options.db, run.id, options.sandboxInfo);
  options.onAudit?.({
    type: existing === undefined ? 'run.started' : options.join === undefined ? 'run.resumed' : 'run.joined',
    data: {
      runId: run.id,
      suite: { id: run.suite.id, version: run.suite.version, sha256: run.suite.sha256 },
      model: run.model,
      developer: run.developer,
      endpoint: run.endpoint,
      session: run.sessions,
      ...(run.shared ? { shared: true, runner: runnerName(options) } : {}),
    },
  });
  if (options.createOnly === true) {
    return { runId: run.id, status: 'interrupted', total: run.totalUnits, scored: 0, errors: 0, error: null };
  }
  const done = run.shared ? new Set<string>() : scoredUnitKeys(options.db, run.id);
  const stored = countResults(options.db, run.id);
  const writer = createResultWriter(options.db);

  const limiter = new AimdLimiter({ max: options.concurrency, min: 1, cooldownMs: 2_000 });
  // Agentic samples' sandboxes live under one directory per session, removed when the session ends, whatever
  // happened to the worker threads; directories left by a killed session are removed at the next agentic start,
  // and so are docker sandboxes a killed run left (owner process gone). A run without agentic samples makes
  // neither, and does not pay for the look.
  if (suite.agenticCount > 0) {
    cleanupStaleSandboxDirs(tmpdir());
    await pruneLeftDockerSandboxes(options.onWarning);
  }
  let usesDocker = false;
  const workers = Math.max(
    1,
    options.workers ?? sizeWorkers(run.totalUnits - stored.scored, availableParallelism()),
  );
  const sandboxRoot = join(tmpdir(), `redline-sbx-${process.pid}`);
  const config: WorkerConfig = {
    baseUrl: options.endpoint,
    model: run.model,
    ...(options.apiKey === undefined || options.apiKey === '' ? {} : { apiKey: options.apiKey }),
    timeoutMs: params.timeoutMs,
    maxSockets: Math.ceil(options.concurrency / workers) + 1,
    defaults: options.suite.header.defaults,
    suiteDir: options.suite.dir,
    sandboxRoot,
    runId: run.id,
    ...(options.dockerRuntime === undefined ? {} : { dockerRuntime: options.dockerRuntime }),
    ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
    ...(params.maxTokens === undefined ? {} : { maxTokens: params.maxTokens }),
  };
  const pool: UnitPool = options.pool ?? createUnitPool({ workers });
  pool.start(config, workers);
  // The pool's sessions run at most the limiter's limit at once; the main thread sends up to twice that (of units
  // that are not agentic), so that each session holds the next units and starts one as soon as another finishes.
  pool.setLimit(limiter.limit);
  const syncPoolLimit = (): void => pool.setLimit(stopping ? 0 : limiter.limit);

  // Scheduling state. `pending` holds new units read ahead from the suite; `ready` holds units whose retry delay
  // has passed. Both are small (bounded by the read-ahead and the concurrency).
  const pending: Unit[] = [];
  const ready: Unit[] = [];
  const retryTimers = new Map<Unit, NodeJS.Timeout>();
  let inFlight = 0;
  let sourceDone = false;
  let stopping = false;
  let fatal: ErrorData | null = null;
  let sessionDone = 0;
  let sessionErrors = 0;
  let retries = 0;
  let consecutiveFailures = 0;
  const breakerLimit = Math.max(32, options.concurrency * 2);
  const readAhead = Math.max(64, options.concurrency * 2);

  let buffer: ResultRecord[] = [];
  let transcripts: TranscriptRow[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  // A result and its transcript are written in one transaction: a scored unit is never re-run, so a transcript
  // written apart could be lost for good.
  // A shared run's runner stores only the units it still holds (see harness/run/shared-run.ts).
  let shared: SharedRunSession | null = null;
  let sharedDone = 0;
  let sharedCountedAt = -Infinity;
  const writeBoth = options.db.transaction((batch: ResultRecord[], rows: TranscriptRow[]) => {
    if (shared !== null) {
      const kept = shared.complete(batch);
      if (kept.size < batch.length) {
        batch = batch.filter((r) => kept.has(unitKey(r.sampleId, r.epoch)));
        rows = rows.filter((r) => kept.has(unitKey(r.sampleId, r.epoch)));
      }
    }
    writer.write(batch);
    if (rows.length > 0) writeTranscripts(options.db, rows);
  });
  const flush = (): void => {
    if (flushTimer !== null) {
      clearTimeout(flushTimer);
      flushTimer = null;
    }
    if (buffer.length === 0) return;
    const batch = buffer;
    const rows = transcripts;
    buffer = [];
    transcripts = [];
    writeBoth.immediate(batch, rows);
    // Progress of a shared run is the whole run's: counted again at most twice a second.
    if (shared !== null && now() - sharedCountedAt >= 500) {
      sharedDone = shared.counts().done;
      sharedCountedAt = now();
    }
  };
  const record = (unit: Unit, outcome: UnitOutcome | null): void => {
    const finishedAt = new Date(now()).toISOString();
    const scored = outcome !== null && outcome.status === 'scored' ? outcome : null;
    if (scored?.transcript !== undefined) {
      transcripts.push({
        runId: run.id,
        sampleId: unit.sample.id,
        epoch: unit.epoch,
        transcript: scored.transcript,
      });
    }
    buffer.push(resultRecord(run.id, unit, finishedAt, scored, outcome?.latencyMs ?? null));
    if (buffer.length >= WRITE_BATCH) flush();
    else flushTimer ??= setTimeout(flush, WRITE_INTERVAL_MS);
  };

  let wakeProducer: (() => void) | null = null;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const progress = (): void => {
    options.onProgress?.({
      runId: run.id,
      total: run.totalUnits,
      done: shared === null ? stored.scored + sessionDone : sharedDone + buffer.length,
      errors: sessionErrors,
      retries,
      inFlight: Math.min(inFlight, limiter.limit),
      concurrencyLimit: limiter.limit,
      sessionDone,
      sessionElapsedMs: now() - sessionStart,
    });
  };

  const checkFinished = (): void => {
    const idle = inFlight === 0 && retryTimers.size === 0;
    if (idle && (stopping || (sourceDone && pending.length === 0 && ready.length === 0))) finish();
  };

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Units waiting in the sessions' queues come back unstarted; a resume runs them.
    syncPoolLimit();
    // Units waiting for a retry are recorded with their last error: a resume runs them again. A shared run's are
    // given back instead, for another runner to take.
    for (const [unit, timer] of retryTimers) {
      clearTimeout(timer);
      if (!run.shared) record(unit, null);
    }
    retryTimers.clear();
    wakeProducer?.();
    checkFinished();
  };

  let closed = false;
  const onOutcome = (unit: Unit, outcome: PoolOutcome): void => {
    // After the session ended (drain timeout), late outcomes are dropped: those units are re-run on resume.
    if (closed) return;
    inFlight--;
    if (outcome.status === 'unstarted') {
      // Given back from a session's queue: not an attempt. A stopping run leaves it to a resume.
      unit.attempts--;
      if (!stopping) ready.unshift(unit);
      pump();
      return;
    }
    if (outcome.status === 'scored') {
      limiter.onSuccess();
      consecutiveFailures = 0;
      sessionDone++;
      record(unit, outcome);
    } else {
      unit.lastError = outcome.error;
      if (outcome.rateLimited) limiter.onRateLimited(now());
      if (outcome.kind === 'fatal') {
        fatal ??= outcome.error;
        record(unit, outcome);
        stop();
      } else if (isRetried(outcome.kind) && unit.attempts < params.maxAttempts && !stopping) {
        retries++;
        const delay = backoffDelayMs(
          unit.attempts,
          { baseMs: options.retryBaseMs ?? 500, maxMs: options.retryMaxMs ?? 30_000 },
          random,
          outcome.retryAfterMs ?? undefined,
        );
        const timer = setTimeout(() => {
          retryTimers.delete(unit);
          ready.push(unit);
          pump();
        }, delay);
        retryTimers.set(unit, timer);
      } else {
        sessionErrors++;
        record(unit, outcome);
        if (isRetried(outcome.kind) && ++consecutiveFailures >= breakerLimit) {
          fatal ??= {
            code: 'E_ENDPOINT',
            message: `${consecutiveFailures} samples in a row failed after ${params.maxAttempts} attempts (last: ${outcome.error.message}); is the endpoint up?`,
          };
          stop();
        }
      }
    }
    syncPoolLimit();
    progress();
    pump();
  };

  const dispatch = (unit: Unit): void => {
    inFlight++;
    if (unit.sample.sandbox?.backend === 'docker') usesDocker = true;
    unit.attempts++;
    const seed = params.seed === null ? undefined : unitSeed(params.seed, unit.sample.id, unit.epoch);
    pool.run({ sample: unit.sample, epoch: unit.epoch, ...(seed === undefined ? {} : { seed }) }).then(
      (outcome) => onOutcome(unit, outcome),
      // A worker thread that dies (a crash, not an endpoint failure) is a bug: stop the run, keep what is stored.
      (error: unknown) =>
        onOutcome(unit, {
          status: 'error',
          kind: 'fatal',
          error: { code: 'E_INTERNAL', message: `worker thread failed: ${(error as Error).message}` },
          retryAfterMs: null,
          rateLimited: false,
          latencyMs: 0,
        }),
    );
  };

  function pump(): void {
    while (!stopping) {
      const unit = ready[0] ?? pending[0];
      if (unit === undefined) break;
      if (inFlight >= limiter.limit && (inFlight >= 2 * limiter.limit || unit.sample.agent !== undefined))
        break;
      if (ready.length > 0) ready.shift();
      else pending.shift();
      dispatch(unit);
    }
    if (wantsMore() && wakeProducer !== null) {
      const wake = wakeProducer;
      wakeProducer = null;
      wake();
    }
    checkFinished();
  }

  const onAbort = (): void => stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) stop();
  const onForce = (): void => {
    stop();
    finish();
  };
  options.force?.addEventListener('abort', onForce, { once: true });

  const selection = (): AsyncIterable<Sample> => selectSamples(suite, selectionOf(params));
  // A shared run's runner claims only what it can start soon, so that other hosts find the rest: up to twice the
  // limit in flight and queued (the sessions hold knowledge units ahead), or the limit when the suite has agentic
  // units (minutes each, never held ahead).
  const claimDepth = suite.agenticCount > 0 ? 1 : 2;
  const sharedRoom = (): number => claimDepth * limiter.limit - inFlight - pending.length - ready.length;
  function wantsMore(): boolean {
    return run.shared ? sharedRoom() >= Math.max(1, limiter.limit / 2) : pending.length < readAhead / 2;
  }
  const waitForWork = (timeoutMs: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wakeProducer = null;
        resolve();
      }, timeoutMs);
      wakeProducer = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const produceShared = async (): Promise<void> => {
    const samples = new Map<string, Sample>();
    for await (const sample of selection()) samples.set(sample.id, sample);
    if (stopping) return;
    shared = joinSharedRun({
      db: options.db,
      runId: run.id,
      runner: runnerName(options),
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      samples,
      now,
      onLost: (error) => {
        fatal ??= error;
        stop();
      },
    });
    // How often a runner with nothing to claim looks again: soon enough that the run's end is noticed within a
    // tenth of a second of its last result (a count and a claim on an index, about a millisecond each).
    const pollMs = Math.min(100, Math.max(20, shared.leaseMs / 4));
    while (!stopping) {
      const room = sharedRoom();
      if (room <= 0) {
        await waitForWork(pollMs);
        continue;
      }
      const claimed = shared.claim(room);
      for (const { sample, epoch } of claimed) pending.push({ sample, epoch, attempts: 0, lastError: null });
      if (claimed.length > 0) {
        pump();
        continue;
      }
      // Nothing to claim: the run is done when every unit is; until then, units are in flight here or leased by
      // other runners, whose leases may lapse.
      flush();
      const counts = shared.counts();
      sharedDone = counts.done;
      if (counts.done === counts.total) break;
      await waitForWork(pollMs);
    }
    sourceDone = true;
    pump();
  };

  const produce = async (): Promise<void> => {
    if (run.shared) return produceShared();
    for await (const sample of selection()) {
      if (stopping) break;
      for (let epoch = 1; epoch <= params.epochs; epoch++) {
        const key = unitKey(sample.id, epoch);
        if (done.delete(key)) continue;
        pending.push({ sample, epoch, attempts: 0, lastError: null });
      }
      pump();
      if (pending.length >= readAhead) {
        await new Promise<void>((resolve) => {
          wakeProducer = resolve;
        });
      }
    }
    sourceDone = true;
    pump();
  };

  let drainTimer: NodeJS.Timeout | null = null;
  try {
    await produce();
    if (stopping) {
      // Give units in flight a moment to land; what does not is simply re-run on resume.
      drainTimer = setTimeout(finish, options.drainMs ?? 10_000);
    }
    await finished;
  } catch (error) {
    // Reading the suite failed mid-run (e.g. the file vanished): keep what was stored, mark the run failed.
    closed = true;
    flush();
    await pool.destroy();
    rmSync(sandboxRoot, { recursive: true, force: true });
    if (usesDocker) await removeOwnDockerSandboxes(options.onWarning);
    const data: ErrorData =
      error instanceof RedlineError
        ? { code: error.code, message: error.message }
        : { code: 'E_INPUT', message: (error as Error).message };
    if (endThisSession(data).recorded) {
      options.onAudit?.({
        type: 'run.failed',
        data: { runId: run.id, error: data, ...countResults(options.db, run.id) },
      });
    }
    throw error;
  } finally {
    if (drainTimer !== null) clearTimeout(drainTimer);
    options.signal?.removeEventListener('abort', onAbort);
    options.force?.removeEventListener('abort', onForce);
    for (const timer of retryTimers.values()) clearTimeout(timer);
  }
  closed = true;
  flush();
  await pool.destroy();
  rmSync(sandboxRoot, { recursive: true, force: true });
  // Threads ended mid-episode (Ctrl-C, a crash) leave their containers: this process's label finds them.
  if (usesDocker) await removeOwnDockerSandboxes(options.onWarning);

  const ended = endThisSession(fatal);
  const counts = countResults(options.db, run.id);
  if (ended.recorded) {
    options.onAudit?.({
      type:
        ended.status === 'completed'
          ? 'run.finished'
          : ended.status === 'failed'
            ? 'run.failed'
            : 'run.interrupted',
      data: {
        runId: run.id,
        status: ended.status,
        total: run.totalUnits,
        ...counts,
        ...(fatal === null ? {} : { error: fatal }),
      },
    });
  }
  return {
    runId: run.id,
    status: ended.status,
    total: run.totalUnits,
    scored: counts.scored,
    errors: counts.errors,
    error: fatal,
    ...(ended.values === undefined ? {} : { sampleValues: ended.values }),
    ...(ended.continuesElsewhere ? { continuesElsewhere: true } : {}),
  };

  /**
   * Records the session's end on the run: its status, and for a completed run its per-category sufficient
   * statistics (so what-if and sweeps never rescan its rows). A shared run's runner records only what is its to
   * record (harness/run/shared-run.ts); `recorded` says whether it did.
   */
  function endThisSession(error: ErrorData | null): {
    status: RunSummary['status'];
    recorded: boolean;
    continuesElsewhere: boolean;
    values?: Map<string, number[]>;
  } {
    const elapsedMs = now() - sessionStart;
    if (run.shared) {
      // A runner stopped before it joined (while reading the suite) leaves the run to the others.
      if (shared === null) {
        return {
          status: error === null ? 'interrupted' : 'failed',
          recorded: false,
          continuesElsewhere: false,
        };
      }
      const end = shared.end({ fatal: error, elapsedMs });
      return {
        status: end.status === 'completed' ? 'completed' : error === null ? 'interrupted' : 'failed',
        recorded: end.recorded,
        continuesElsewhere: end.status === 'running',
        ...(end.values === undefined ? {} : { values: end.values }),
      };
    }
    const stored = countResults(options.db, run.id);
    const status: RunSummary['status'] =
      error !== null
        ? 'failed'
        : stopping || stored.scored + stored.errors < run.totalUnits
          ? 'interrupted'
          : 'completed';
    const at = new Date(now()).toISOString();
    endSession(options.db, run.id, { status, at, elapsedMs, ...(error === null ? {} : { error }) });
    const values = status === 'completed' ? computeRunStats(options.db, run.id, at).values : undefined;
    return { status, recorded: true, continuesElsewhere: false, ...(values === undefined ? {} : { values }) };
  }
}

/**
 * The stored row of a unit: scored with its outcome, or an error with its last attempt's error. One object literal,
 * never a spread of shared fields: a spread costs V8 about 10 µs a record here.
 */
function resultRecord(
  runId: string,
  unit: Unit,
  finishedAt: string,
  scored: ScoredOutcome | null,
  latencyMs: number | null,
): ResultRecord {
  return {
    runId,
    sampleId: unit.sample.id,
    epoch: unit.epoch,
    category: unit.sample.category ?? 'default',
    attempts: unit.attempts,
    finishedAt,
    status: scored === null ? 'error' : 'scored',
    score: scored === null ? null : scored.value,
    answer: scored === null ? null : scored.answer,
    output: scored === null ? null : scored.output,
    errorCode: unit.lastError?.code ?? (scored === null ? 'E_INTERNAL' : null),
    errorMessage: unit.lastError?.message ?? (scored === null ? 'no attempt completed' : null),
    latencyMs,
    promptTokens: scored === null ? null : scored.promptTokens,
    completionTokens: scored === null ? null : scored.completionTokens,
  };
}

/** Outcome kinds retried with backoff: endpoint hiccups, and infrastructure failures (invalid units). */
function isRetried(kind: ErrorOutcome['kind']): boolean {
  return kind === 'retryable' || kind === 'invalid';
}

/** Removes docker sandboxes of dead Redline processes on this host, when an engine is there to ask. */
async function pruneLeftDockerSandboxes(warn?: (message: string) => void): Promise<void> {
  let socket: string;
  try {
    socket = dockerSocketPath();
  } catch {
    return;
  }
  if (!existsSync(socket)) return;
  try {
    const removed = await pruneDockerSandboxes('dead');
    const count = removed.containers + removed.networks + removed.volumes;
    if (count > 0) {
      warn?.(
        `removed ${removed.containers} container(s), ${removed.networks} network(s) and ${removed.volumes} volume(s) left by a Redline process that is gone`,
      );
    }
  } catch (error) {
    warn?.(`could not check for docker sandboxes left by earlier runs: ${(error as Error).message}`);
  }
}

/** Removes this process's docker sandboxes; a second pass catches a create the engine finished meanwhile. */
async function removeOwnDockerSandboxes(warn?: (message: string) => void): Promise<void> {
  try {
    const first = await pruneDockerSandboxes('own');
    if (first.containers + first.networks > 0) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await pruneDockerSandboxes('own');
    }
  } catch (error) {
    warn?.(
      `could not remove this run's docker sandboxes (run "redline sandbox prune"): ${(error as Error).message}`,
    );
  }
}

/**
 * Creates the run. A shared run gets its units too (every selected sample times every epoch, in run order), in the
 * transaction that creates it: a run is never joinable without them.
 */
async function startRun(
  options: RunSuiteOptions,
  suite: SuiteHandle,
  endpoint: string,
  at: number,
): Promise<RunRecord> {
  const { params } = options;
  const sampleCount = params.limit === null ? suite.sampleCount : Math.min(params.limit, suite.sampleCount);
  const startedAt = new Date(at).toISOString();
  const record: NewRun = {
    id: newRunId(at),
    suite: {
      id: suite.header.id,
      version: suite.header.version,
      sha256: suite.sha256,
      title: suite.header.title,
      path: suite.path,
      ...(suite.header.classification === undefined ? {} : { classification: suite.header.classification }),
    },
    categories: suite.header.categories,
    model: options.model,
    endpoint,
    developer: options.developer,
    params,
    policy: options.policy,
    harnessVersion: HARNESS_VERSION,
    sampleCount,
    totalUnits: sampleCount * params.epochs,
    startedAt,
    host: hostname(),
    pid: process.pid,
    ...(options.shared === true ? { shared: true } : {}),
  };
  const units: Array<{ sampleId: string; epoch: number }> = [];
  if (options.shared === true) {
    for await (const sample of selectSamples(suite, selectionOf(params))) {
      for (let epoch = 1; epoch <= params.epochs; epoch++) units.push({ sampleId: sample.id, epoch });
    }
  }
  options.db
    .transaction(() => {
      insertRun(options.db, record);
      if (options.shared === true) addRunUnits(options.db, record.id, units);
    })
    .immediate();
  // A run of a model under a pre-release engagement belongs to it when model and developer match an open window.
  if (record.developer !== null) {
    const engagement = findOpenEngagement(options.db, record.model, record.developer, startedAt.slice(0, 10));
    if (engagement !== undefined) setRunEngagement(options.db, record.id, engagement.id);
  }
  return getRun(options.db, record.id);
}

/** The sample selection of a run's parameters. */
function selectionOf(params: RunParams): { limit?: number; seed?: string } {
  return {
    ...(params.limit === null ? {} : { limit: params.limit }),
    ...(params.seed === null ? {} : { seed: String(params.seed) }),
  };
}

/**
 * Opens an existing run for this session: `--resume` (a run stopped earlier), or `--join` (a shared run, with any
 * number of runners at once). Resuming a shared run re-opens its errored units and joins it.
 */
function resumeRun(options: RunSuiteOptions, id: string, endpoint: string, at: number): RunRecord {
  const run = getRun(options.db, id);
  if (run.suite.sha256 !== options.suite.sha256) {
    throw new RedlineError(
      'E_STATE',
      `run ${id} was started on suite ${run.suite.id}@${run.suite.version} (sha256 ${run.suite.sha256.slice(0, 12)}…) ` +
        `but ${options.suite.path} now hashes to ${options.suite.sha256.slice(0, 12)}…; ${options.join === undefined ? 'resume' : 'join'} with the same suite content`,
    );
  }
  if (options.join !== undefined && !run.shared) {
    throw new RedlineError(
      'E_STATE',
      `run ${id} is not shared: only a run created shared (on PostgreSQL, or with --shared) can be joined; ` +
        `resume it on one host with --resume ${id}`,
    );
  }
  if (
    !run.shared &&
    run.status === 'running' &&
    run.pid !== null &&
    run.host === hostname() &&
    isAlive(run.pid)
  ) {
    throw new RedlineError(
      'E_STATE',
      `run ${id} is still running in process ${run.pid} on this host; stop it first (Ctrl-C) or wait for it`,
    );
  }
  if (options.join === undefined) {
    const counts = countResults(options.db, id);
    if (run.status === 'completed' && counts.errors === 0 && counts.scored >= run.totalUnits) {
      throw new RedlineError('E_STATE', `run ${id} is completed with no errored samples: nothing to resume`);
    }
    if (run.shared) reopenErroredUnits(options.db, id);
  }
  const units = run.shared ? countRunUnits(options.db, id) : null;
  // A joined run with nothing left keeps its state; any other session makes it running again.
  if (units === null || units.done < units.total) {
    beginSession(options.db, id, new Date(at).toISOString(), hostname(), process.pid, endpoint);
  }
  return getRun(options.db, id);
}

/** This runner's name in a shared run. */
function runnerName(options: RunSuiteOptions): string {
  return options.runner ?? `${hostname()}-${process.pid}`;
}

/** True when `pid` is another live process (this process's own pid, reused from a dead session, is not). */
function isAlive(pid: number): boolean {
  return pid !== process.pid && isProcessAlive(pid);
}

/** A run id that sorts by start time: `YYYYMMDD-HHMMSS-xxxxxx`. */
export function newRunId(at: number): string {
  const iso = new Date(at).toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** A per-(sample, epoch) request seed derived from the run seed (FNV-1a, 31 bits). */
export function unitSeed(seed: number, sampleId: string, epoch: number): number {
  let hash = 0x811c9dc5 ^ (seed | 0);
  const text = `${sampleId}\u0000${epoch}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & 0x7fffffff;
}
