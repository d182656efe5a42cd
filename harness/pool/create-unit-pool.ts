/**
 * The piscina pool that carries endpoint calls and scoring. Each worker runs many units at once (they wait on the
 * network, not the CPU), so the pool admits `concurrency` tasks in flight across `workers` threads.
 */
import { Piscina } from 'piscina';
import type { UnitOutcome, UnitTask, WorkerConfig } from './unit-messages.js';

/** A pool of worker threads running units. */
export interface UnitPool {
  run(task: UnitTask): Promise<UnitOutcome>;
  /** Terminates the threads; tasks still running are abandoned. */
  destroy(): Promise<void>;
}

/** Starts `workers` threads that can hold `concurrency` units in flight between them. */
export function createUnitPool(options: {
  workers: number;
  concurrency: number;
  config: WorkerConfig;
}): UnitPool {
  const here = import.meta.url;
  // Under tsx or vitest this module is TypeScript, and so is the worker: the thread needs tsx's loader too. In the
  // bundle (dist/cli/*.mjs, harness/build/bundle-cli.ts) the worker is the run-unit.mjs entry beside this chunk.
  const isSource = here.endsWith('.ts');
  const filename = here.endsWith('.mjs')
    ? new URL('./run-unit.mjs', here).href
    : new URL(`../worker/run-unit.${isSource ? 'ts' : 'js'}`, here).href;
  const workers = Math.max(1, options.workers);
  const pool = new Piscina({
    filename,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: Math.ceil(options.concurrency / workers) + 1,
    // Workers hold open sockets between tasks: Atomics.wait would freeze their event loops.
    atomics: 'disabled',
    idleTimeout: Number.MAX_SAFE_INTEGER,
    workerData: options.config,
    ...(isSource ? { execArgv: ['--import', 'tsx'] } : {}),
  });
  return {
    run: (task) => pool.run(task) as Promise<UnitOutcome>,
    destroy: () => pool.destroy(),
  };
}
