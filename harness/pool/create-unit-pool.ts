/**
 * The piscina pool that carries endpoint calls and scoring.
 *
 * Piscina owns the threads; the units travel on a session of our own. `start` runs one long piscina task per
 * worker, a session that receives the run's configuration and a MessagePort; units then go down those ports and
 * outcomes come back up, batched per turn of each event loop (a 0 ms endpoint answers dozens in one turn). One
 * piscina task per unit cost the main thread about 20 µs per unit in bookkeeping and a message each way.
 *
 * The first thread starts when the pool is created, before the run knows its configuration, so that loading the
 * worker's code overlaps opening the suite and the database; the others start with their sessions.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type {
  OutcomeBatch,
  PoolOutcome,
  SessionMessage,
  SessionTask,
  UnitTask,
  WorkerConfig,
} from './unit-messages.js';

/** A pool of worker threads running units. */
export interface UnitPool {
  /** Starts `sessions` worker sessions (at most the pool's workers) with the run's configuration. */
  start(config: WorkerConfig, sessions?: number): void;
  /**
   * How many units may run at once across the sessions (Infinity until set): split evenly into the sessions' caps.
   * Units sent past it wait in a session's queue and start as others finish; at 0, the sessions give their queued
   * units back as `unstarted` (a stopping run). Setting the same limit again costs nothing.
   */
  setLimit(limit: number): void;
  /**
   * Runs one attempt of a unit on the session with the most room under its cap; rejects only when its worker thread
   * fails. Resolves `unstarted` if the session gave the unit back without starting it.
   */
  run(task: UnitTask): Promise<PoolOutcome>;
  /** Ends the sessions and the threads; units still running are abandoned. Safe to call more than once. */
  destroy(): Promise<void>;
}

interface Session {
  port: MessagePort;
  /** Units sent and not yet answered: running, or waiting in the session's queue. */
  inFlight: number;
  /** How many of them may run at once (the session's share of the limit). */
  cap: number;
  outbox: Array<[number, UnitTask]>;
  done: Promise<void>;
}

interface Waiter {
  resolve: (outcome: PoolOutcome) => void;
  reject: (error: Error) => void;
  session: Session;
}

// The defaults of sizeWorkers: a worker thread per this many units, and at most this many threads.
const UNITS_PER_WORKER = 2_000;
const MAX_DEFAULT_WORKERS = 4;

/**
 * How many worker threads a run of `units` units gets on `cores` cores when the user does not say (--workers):
 * one per 2,000 units, at most 4, and never more than the cores left beside the main thread (which schedules and
 * writes SQLite), at least 1. One thread carries about 20,000 units/s of a 0 ms endpoint; more threads than cores
 * only add switching: on 2 cores one thread runs 10,000 units faster than two (docs/development.md).
 */
export function sizeWorkers(units: number, cores: number): number {
  return Math.max(1, Math.min(maxDefaultWorkers(cores), Math.ceil(units / UNITS_PER_WORKER)));
}

/** The most threads sizeWorkers can choose on `cores` cores: what a pool created before the run is known holds. */
export function maxDefaultWorkers(cores: number): number {
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, cores - 1));
}

/** Whether `a` should take the next unit rather than `b`. */
function hasMoreRoom(a: Session, b: Session): boolean {
  if (a.cap === 0) return false;
  if (b.cap === 0) return true;
  const roomA = a.cap - a.inFlight;
  const roomB = b.cap - b.inFlight;
  return roomA > roomB || (roomA === roomB && a.inFlight < b.inFlight);
}

// How long destroy waits for sessions to end on their own before the threads are terminated.
const SESSION_END_GRACE_MS = 1_000;

/** A pool of up to `workers` threads; the first starts loading now. */
export function createUnitPool(options: { workers: number }): UnitPool {
  const here = import.meta.url;
  // Under tsx or vitest this module is TypeScript, and so is the worker: the thread needs tsx's loader too. In the
  // bundle (dist/cli/redline.cjs, harness/build/bundle-cli.ts) the worker is run-unit-boot.cjs beside it, which
  // piscina requires by path.
  const isSource = here.endsWith('.ts');
  const filename = here.endsWith('.cjs')
    ? fileURLToPath(new URL('./run-unit-boot.cjs', here))
    : new URL(`../worker/run-unit.${isSource ? 'ts' : 'js'}`, here).href;
  const workers = Math.max(1, options.workers);
  const pool = new Piscina({
    filename,
    minThreads: 1,
    maxThreads: workers,
    // One session per thread: a session's units run concurrently inside it.
    concurrentTasksPerWorker: 1,
    // Workers hold open sockets between units: Atomics.wait would freeze their event loops.
    atomics: 'disabled',
    // The longest timer Node accepts: a thread is never retired for idling during a run.
    idleTimeout: 2 ** 31 - 1,
    ...(isSource ? { execArgv: ['--import', 'tsx'] } : {}),
  });

  const sessions: Session[] = [];
  const waiters = new Map<number, Waiter>();
  let nextId = 0;
  let limit = Infinity;
  let flushQueued = false;
  let destroyed: Promise<void> | undefined;

  const flush = (): void => {
    flushQueued = false;
    for (const session of sessions) {
      if (session.outbox.length === 0) continue;
      const message: SessionMessage = { units: session.outbox };
      session.outbox = [];
      session.port.postMessage(message);
    }
  };

  const queueFlush = (): void => {
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  };

  // Splits the limit into the sessions' caps (the first ones get the remainder) and sends those that changed; they
  // travel after any units already queued for the session, in order.
  const shareLimit = (): void => {
    const count = sessions.length;
    sessions.forEach((session, i) => {
      const cap = limit === Infinity ? Infinity : Math.floor(limit / count) + (i < limit % count ? 1 : 0);
      if (cap === session.cap) return;
      session.cap = cap;
      flush();
      session.port.postMessage({ cap } satisfies SessionMessage);
    });
  };

  const failSession = (session: Session, error: Error): void => {
    for (const [id, waiter] of waiters) {
      if (waiter.session !== session) continue;
      waiters.delete(id);
      waiter.reject(error);
    }
  };

  const startSession = (config: WorkerConfig): void => {
    const { port1, port2 } = new MessageChannel();
    const task: SessionTask = { config, port: port2 };
    const session: Session = { port: port1, inFlight: 0, cap: Infinity, outbox: [], done: Promise.resolve() };
    port1.on('message', (batch: OutcomeBatch) => {
      for (const [id, outcome] of batch) {
        const waiter = waiters.get(id);
        if (waiter === undefined) continue;
        waiters.delete(id);
        session.inFlight--;
        waiter.resolve(outcome);
      }
    });
    session.done = (pool.run(task, { transferList: [port2] }) as Promise<void>).then(
      () => {
        if (destroyed === undefined) failSession(session, new Error('the worker session ended early'));
      },
      (error: unknown) => {
        // After destroy, the threads' end is expected: the units still waiting are abandoned, not failed.
        if (destroyed === undefined) failSession(session, error as Error);
      },
    );
    sessions.push(session);
  };

  return {
    start(config, count = workers) {
      if (sessions.length > 0) throw new Error('createUnitPool: start was already called');
      for (let i = 0; i < Math.max(1, Math.min(count, workers)); i++) startSession(config);
      shareLimit();
    },
    setLimit(value) {
      if (value === limit) return;
      limit = value;
      shareLimit();
    },
    run(task) {
      if (sessions.length === 0) return Promise.reject(new Error('createUnitPool: run before start'));
      // The session with the most room under its cap, then the fewest units; one with a cap of 0 only if all have
      // (it gives the unit back).
      let session = sessions[0]!;
      for (const other of sessions) if (hasMoreRoom(other, session)) session = other;
      const id = nextId++;
      session.inFlight++;
      session.outbox.push([id, task]);
      queueFlush();
      return new Promise<PoolOutcome>((resolve, reject) => {
        waiters.set(id, { resolve, reject, session });
      });
    },
    destroy() {
      destroyed ??= (async () => {
        for (const session of sessions) session.port.postMessage({ end: true } satisfies SessionMessage);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all(sessions.map((s) => s.done)),
          new Promise((resolve) => {
            timer = setTimeout(resolve, SESSION_END_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
        for (const session of sessions) session.port.close();
        await pool.destroy();
      })();
      return destroyed;
    },
  };
}
