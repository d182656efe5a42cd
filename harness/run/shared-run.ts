/**
 * One runner's part in a shared run (`run --join`, issue 16): it claims units in batches under a lease, keeps the
 * lease alive while it works, stores only results of units it still holds, and at its end either records the run
 * completed (the first runner to see every unit done) or, when it is the last runner alive, stopped.
 *
 * The rows and their rules are src/store/run-units.ts; this is the runner's side: the clock and the timer.
 */
import { hostname } from 'node:os';
import type { ErrorData } from '../../src/errors.js';
import { RedlineError } from '../../src/errors.js';
import type { Sample } from '../../src/schema/suite.js';
import { ADVISORY_LOCKS, takeTransactionLock, type Db } from '../../src/store/db.js';
import { unitKey } from '../../src/store/results.js';
import { computeRunStats } from '../../src/store/run-stats.js';
import {
  claimUnits,
  completeUnits,
  countOtherLiveRunners,
  countRunUnits,
  joinRunner,
  leaveRunner,
  releaseUnits,
  renewLeases,
  type RunUnitCounts,
} from '../../src/store/run-units.js';
import { endSession, getRun, type RunStatus } from '../../src/store/runs.js';

/** The default lease of a claimed unit: a runner that stops renewing for this long loses its units. */
export const DEFAULT_LEASE_MS = 60_000;

/** Options of joinSharedRun. */
export interface SharedRunOptions {
  db: Db;
  runId: string;
  /** This runner's name: unique among the run's runners (default: host-pid). */
  runner?: string;
  leaseMs?: number;
  /** The run's samples by id (its selection), to turn claimed rows into work. */
  samples: ReadonlyMap<string, Sample>;
  /** Called when renewing the leases fails (the database is gone): the runner must stop. */
  onLost: (error: ErrorData) => void;
  now: () => number;
}

/** A runner's session in a shared run. */
export interface SharedRunSession {
  readonly runner: string;
  readonly leaseMs: number;
  /** Claims up to `limit` units (not those this runner holds already). */
  claim(limit: number): Array<{ sample: Sample; epoch: number }>;
  /** In the transaction storing results: marks done those still held, returns their keys (unitKey). */
  complete(units: ReadonlyArray<{ sampleId: string; epoch: number }>): Set<string>;
  /** Where the run's units stand, across every runner. */
  counts(): RunUnitCounts;
  /**
   * Ends this runner's part: gives back what it holds, and records the run's end when it is this runner's to
   * record. Returns the run's status as this runner leaves it, and whether this runner recorded it.
   */
  end(outcome: { fatal: ErrorData | null; elapsedMs: number }): {
    status: Exclude<RunStatus, 'running'> | 'running';
    recorded: boolean;
    values?: Map<string, number[]>;
  };
}

/**
 * Joins the shared run `runId` as a runner and starts renewing its leases.
 *
 * @example
 * const session = joinSharedRun({ db, runId, samples, onLost: stop, now: Date.now });
 */
export function joinSharedRun(options: SharedRunOptions): SharedRunSession {
  const { db, runId, samples, now } = options;
  const runner = options.runner ?? `${hostname()}-${process.pid}`;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  joinRunner(db, runId, runner, hostname(), process.pid, new Date(now()).toISOString());
  // Units this runner holds (claimed, not yet stored): a claim after its own lease lapsed could return them again.
  const held = new Set<string>();
  // Renewed three times per lease: a runner must miss two renewals in a row to lose its units.
  const heartbeat = setInterval(
    () => {
      try {
        renewLeases(db, runId, runner, leaseMs);
      } catch (error) {
        clearInterval(heartbeat);
        options.onLost({
          code: 'E_STORE',
          message: `lost the lab database while holding units of run ${runId}: ${(error as Error).message}`,
        });
      }
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  heartbeat.unref();

  return {
    runner,
    leaseMs,
    claim(limit) {
      const claimed: Array<{ sample: Sample; epoch: number }> = [];
      if (limit <= 0) return claimed;
      for (const unit of claimUnits(db, runId, runner, limit, leaseMs)) {
        const key = unitKey(unit.sampleId, unit.epoch);
        if (held.has(key)) continue;
        const sample = samples.get(unit.sampleId);
        if (sample === undefined) {
          throw new RedlineError(
            'E_STATE',
            `run ${runId} has a unit of sample "${unit.sampleId}" that this runner's suite does not select; ` +
              'join with the suite the run was created with',
          );
        }
        held.add(key);
        claimed.push({ sample, epoch: unit.epoch });
      }
      return claimed;
    },
    complete(units) {
      for (const unit of units) held.delete(unitKey(unit.sampleId, unit.epoch));
      return completeUnits(db, runId, runner, units);
    },
    counts() {
      return countRunUnits(db, runId);
    },
    end(outcome) {
      clearInterval(heartbeat);
      const at = new Date(now()).toISOString();
      return db
        .transaction(() => {
          releaseUnits(db, runId, runner);
          leaveRunner(db, runId, runner, at);
          // One runner at a time decides the run's end: the first to see every unit done records it completed.
          takeTransactionLock(db, ADVISORY_LOCKS.runEnd);
          const units = countRunUnits(db, runId);
          const current = getRun(db, runId).status;
          // A runner that stopped on a fatal error (the endpoint refused the credentials) never records the run
          // completed, even when its errors were the last units: as on one host, the run failed.
          if (units.done === units.total && outcome.fatal === null) {
            if (current === 'completed') return { status: 'completed' as const, recorded: false };
            endSession(db, runId, { status: 'completed', at, elapsedMs: outcome.elapsedMs });
            const { values } = computeRunStats(db, runId, at);
            return { status: 'completed' as const, recorded: true, values };
          }
          // Not done: the run goes on while another runner works on it; the last one to stop records why.
          if (countOtherLiveRunners(db, runId, runner, leaseMs) > 0) {
            return { status: 'running' as const, recorded: false };
          }
          const status = outcome.fatal !== null ? ('failed' as const) : ('interrupted' as const);
          endSession(db, runId, {
            status,
            at,
            elapsedMs: outcome.elapsedMs,
            ...(outcome.fatal === null ? {} : { error: outcome.fatal }),
          });
          return { status, recorded: true };
        })
        .immediate();
    },
  };
}
