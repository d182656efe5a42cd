/**
 * The units of a shared run (`run --join`, issue 16): one row per (sample, epoch) in `run_units`, which runners on
 * any number of hosts claim under a lease, and the runners themselves in `run_runners`.
 *
 * - Claiming sets the unit's holder and lease expiry (database clock) on rows that are not done and not leased
 *   by a live holder; on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so runners claiming at once never wait on or
 *   take the same row; on SQLite the one write lock does the same. Both read the partial index of open units (SQLite
 *   is told to: it would otherwise walk the run's done units by its primary key, slower as the run progresses).
 * - A result is stored only by its unit's holder, in the transaction that marks the unit done (completeUnits):
 *   a runner whose lease expired and was taken over stores nothing for that unit. So each unit is stored once.
 * - A runner renews its leases while it works; one that dies (kill -9, power) loses only its leased units, which
 *   others claim once the lease expires.
 */
import { dialectOf, nowMsSql, type Db } from './db.js';
import { unitKey } from './results.js';

/** A claimed unit. */
export interface ClaimedUnit {
  ord: number;
  sampleId: string;
  epoch: number;
}

/** Where the units of a shared run stand. */
export interface RunUnitCounts {
  total: number;
  done: number;
}

/** Adds the units of a new shared run, in run order (`ord` 0, 1, 2 ...), in batches. */
export function addRunUnits(
  db: Db,
  runId: string,
  units: Iterable<{ sampleId: string; epoch: number }>,
): number {
  const insert = db.prepare('INSERT INTO run_units (run_id, ord, sample_id, epoch) VALUES (?, ?, ?, ?)');
  const insertMany =
    dialectOf(db) === 'postgres'
      ? db.prepare(
          `INSERT INTO run_units (run_id, ord, sample_id, epoch)
           SELECT ?, * FROM unnest(CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS bigint[]))`,
        )
      : null;
  let ord = 0;
  db.transaction(() => {
    let batch: Array<{ sampleId: string; epoch: number }> = [];
    const write = (): void => {
      if (insertMany !== null) {
        const first = ord - batch.length;
        insertMany.run(
          runId,
          batch.map((_, i) => first + i),
          batch.map((u) => u.sampleId),
          batch.map((u) => u.epoch),
        );
      } else {
        batch.forEach((u, i) => insert.run(runId, ord - batch.length + i, u.sampleId, u.epoch));
      }
      batch = [];
    };
    for (const unit of units) {
      batch.push(unit);
      ord++;
      if (batch.length >= 1_000) write();
    }
    if (batch.length > 0) write();
  }).immediate();
  return ord;
}

/**
 * Claims up to `limit` units of the run that are not done and not leased by a live holder (including units whose
 * holder's lease expired), in run order, for `runner`, leased for `leaseMs`.
 */
export function claimUnits(
  db: Db,
  runId: string,
  runner: string,
  limit: number,
  leaseMs: number,
): ClaimedUnit[] {
  const now = nowMsSql(db);
  const rows =
    dialectOf(db) === 'postgres'
      ? db
          .prepare(
            `UPDATE run_units u SET holder = ?, lease_until = ${now} + ?
             FROM (SELECT ord FROM run_units
                   WHERE run_id = ? AND done = 0 AND (holder IS NULL OR lease_until < ${now})
                   ORDER BY ord LIMIT ? FOR UPDATE SKIP LOCKED) c
             WHERE u.run_id = ? AND u.ord = c.ord
             RETURNING u.ord, u.sample_id, u.epoch`,
          )
          .raw()
          .all(runner, Math.trunc(leaseMs), runId, Math.trunc(limit), runId)
      : db
          .transaction(() =>
            db
              .prepare(
                `UPDATE run_units SET holder = ?, lease_until = ${now} + ?
                 WHERE run_id = ? AND ord IN (
                   SELECT ord FROM run_units INDEXED BY run_units_open
                   WHERE run_id = ? AND done = 0 AND (holder IS NULL OR lease_until < ${now})
                   ORDER BY ord LIMIT ?)
                 RETURNING ord, sample_id, epoch`,
              )
              .raw()
              .all(runner, Math.trunc(leaseMs), runId, runId, Math.trunc(limit)),
          )
          .immediate();
  return (rows as Array<[number, string, number]>)
    .map(([ord, sampleId, epoch]) => ({ ord, sampleId, epoch }))
    .sort((a, b) => a.ord - b.ord);
}

/**
 * Extends the leases `runner` holds on units not yet done by `leaseMs` from now, and records that it is alive.
 * Returns how many units it holds.
 */
export function renewLeases(db: Db, runId: string, runner: string, leaseMs: number): number {
  const now = nowMsSql(db);
  return db
    .transaction(() => {
      db.prepare(`UPDATE run_runners SET seen_at = ${now} WHERE run_id = ? AND runner = ?`).run(
        runId,
        runner,
      );
      return db
        .prepare(`UPDATE run_units SET lease_until = ${now} + ? WHERE run_id = ? AND holder = ? AND done = 0`)
        .run(Math.trunc(leaseMs), runId, runner).changes;
    })
    .immediate();
}

/** Gives back the units `runner` holds and has not done, for others to claim at once. */
export function releaseUnits(db: Db, runId: string, runner: string): number {
  return db
    .prepare(
      'UPDATE run_units SET holder = NULL, lease_until = NULL WHERE run_id = ? AND holder = ? AND done = 0',
    )
    .run(runId, runner).changes;
}

/**
 * Marks done the units of `units` that `runner` still holds and returns their keys (unitKey); the others were
 * taken over by another runner after this one's lease expired, and their results must not be stored. Call it in
 * the transaction that stores the results.
 */
export function completeUnits(
  db: Db,
  runId: string,
  runner: string,
  units: ReadonlyArray<{ sampleId: string; epoch: number }>,
): Set<string> {
  const kept = new Set<string>();
  if (units.length === 0) return kept;
  if (dialectOf(db) === 'postgres') {
    const rows = db
      .prepare(
        `UPDATE run_units SET done = 1 WHERE run_id = ? AND holder = ? AND done = 0
           AND (sample_id, epoch) IN (SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS bigint[])))
         RETURNING sample_id, epoch`,
      )
      .raw()
      .all(
        runId,
        runner,
        units.map((u) => u.sampleId),
        units.map((u) => u.epoch),
      ) as Array<[string, number]>;
    for (const [sampleId, epoch] of rows) kept.add(unitKey(sampleId, epoch));
  } else {
    const mark = db.prepare(
      'UPDATE run_units SET done = 1 WHERE run_id = ? AND sample_id = ? AND epoch = ? AND holder = ? AND done = 0',
    );
    for (const u of units)
      if (mark.run(runId, u.sampleId, u.epoch, runner).changes === 1) kept.add(unitKey(u.sampleId, u.epoch));
  }
  if (kept.size > 0) {
    db.prepare('UPDATE run_runners SET units = units + ? WHERE run_id = ? AND runner = ?').run(
      kept.size,
      runId,
      runner,
    );
  }
  return kept;
}

/** Makes the units whose stored result is an error claimable again (a resumed shared run re-runs them). */
export function reopenErroredUnits(db: Db, runId: string): number {
  return db
    .prepare(
      `UPDATE run_units SET done = 0, holder = NULL, lease_until = NULL
       WHERE run_id = ? AND done = 1 AND EXISTS (
         SELECT 1 FROM results r
         WHERE r.run_id = run_units.run_id AND r.sample_id = run_units.sample_id AND r.epoch = run_units.epoch
           AND r.status = 'error')`,
    )
    .run(runId).changes;
}

/** Counts the units of a shared run: all, and done. */
export function countRunUnits(db: Db, runId: string): RunUnitCounts {
  return db
    .prepare(
      `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE done = 1) AS done FROM run_units WHERE run_id = ?`,
    )
    .get(runId) as RunUnitCounts;
}

/** Records that `runner` (on `host`, process `pid`) works on the run from now; a runner name joins again. */
export function joinRunner(
  db: Db,
  runId: string,
  runner: string,
  host: string,
  pid: number,
  at: string,
): void {
  db.prepare(
    `INSERT INTO run_runners (run_id, runner, host, pid, joined_at, seen_at) VALUES (?, ?, ?, ?, ?, ${nowMsSql(db)})
     ON CONFLICT (run_id, runner) DO UPDATE SET host = excluded.host, pid = excluded.pid,
       joined_at = excluded.joined_at, seen_at = excluded.seen_at, left_at = NULL`,
  ).run(runId, runner, host, pid, at);
}

/** Records that `runner` stopped working on the run. */
export function leaveRunner(db: Db, runId: string, runner: string, at: string): void {
  db.prepare('UPDATE run_runners SET left_at = ? WHERE run_id = ? AND runner = ?').run(at, runId, runner);
}

/** How many runners other than `runner` are working on the run: not left, and seen within `leaseMs`. */
export function countOtherLiveRunners(db: Db, runId: string, runner: string, leaseMs: number): number {
  return db
    .prepare(
      `SELECT COUNT(*) FROM run_runners
       WHERE run_id = ? AND runner <> ? AND left_at IS NULL AND seen_at >= ${nowMsSql(db)} - ?`,
    )
    .pluck()
    .get(runId, runner, Math.trunc(leaseMs)) as number;
}
