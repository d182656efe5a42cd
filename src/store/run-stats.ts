/**
 * The `run_stats` and `run_totals` tables: per run and category, the sufficient statistics `{n, sum, sumSq}` of
 * the per-sample values (epochs reduced with the run's reducer), and the run's scored and errored unit counts.
 * What-if and cutoff sweeps read these instead of the per-sample rows.
 *
 * They are derived data: recomputing a run replaces its rows. A run's stats are stale when `computed_at` is
 * earlier than the run's `updated_at` (results written by a later session); `loadRunStats` recomputes stale or
 * missing stats (databases from before migration 3), storing them unless the database is read-only.
 */
import { parseReducer, reduceEpochs } from '../aggregate/reducers.js';
import { computeSufficientStats, type SufficientStats } from '../aggregate/sufficient-stats.js';
import { RedlineError } from '../errors.js';
import { dialectOf, jsonArrayValues, type Db } from './db.js';
import type { SqliteDb } from './open-store.js';
import { countResults, iterateScores } from './results.js';
import { getRun, type RunRecord } from './runs.js';

/** One category of a run: its weight and the statistics of its per-sample values. */
export interface CategoryStats {
  /** The category's weight in the weighted mean (1 for a category the run did not declare). */
  weight: number;
  /** n (samples after reducing epochs), sum and sum of squares of the per-sample values. */
  stats: SufficientStats;
}

/** A run's identity and stored statistics: everything a designation from sufficient statistics needs. */
export interface RunStats {
  /** The run id. */
  runId: string;
  /** The model evaluated. */
  model: string;
  /** The suite's id and version. */
  suite: { id: string; version: string };
  /** The developer the run belongs to, or null. */
  developer: string | null;
  /** Per category, in category-name order (declared categories with no scored sample have n = 0). */
  categories: Map<string, CategoryStats>;
  /** Scored (sample, epoch) units. */
  scored: number;
  /** Errored (sample, epoch) units. */
  errors: number;
}

/** What computeRunStats stored, with the per-sample values it reduced (reduceSampleValues), for the report. */
export interface ComputedRunStats extends RunStats {
  values: Map<string, number[]>;
}

/** Which completed runs `loadRunStats` reads (all of them when empty). */
export interface LoadRunStatsFilter {
  /** Only runs of this model. */
  model?: string;
  /** Only runs of this suite id. */
  suite?: string;
  /** Only these runs; each must exist (E_NOT_FOUND) and be completed (E_STATE). */
  runIds?: readonly string[];
  /** `computed_at` of stats computed here (default: each run's `updated_at`; src/ does not read the clock). */
  at?: string;
}

/**
 * Reduces a run's scored rows to per-sample values by category, exactly as its report does: rows are read once,
 * ordered by sample then epoch; each sample's epochs are reduced with the run's reducer; a sample with fewer
 * scored epochs than pass@k needs is left out (like an errored sample). Declared categories come first, in
 * declaration order (empty when they have no scored sample), then undeclared ones in order of appearance.
 */
export function reduceSampleValues(db: Db, run: RunRecord): Map<string, number[]> {
  const values = new Map<string, number[]>();
  for (const category of Object.keys(run.categories)) values.set(category, []);
  forEachReducedSample(db, run, (_sampleId, category, value) => {
    let list = values.get(category);
    if (list === undefined) {
      list = [];
      values.set(category, list);
    }
    list.push(value);
  });
  return values;
}

/**
 * Calls `onSample` with each sample's id, category (that of its first scored epoch) and reduced value, in sample
 * id order: the samples and values `reduceSampleValues` groups by category, for callers that need them by sample
 * (`redline compare` pairs the samples of two runs). Samples without a value (errored, or too few epochs for
 * pass@k) are not called.
 */
export function forEachReducedSample(
  db: Db,
  run: RunRecord,
  onSample: (sampleId: string, category: string, value: number) => void,
): void {
  const reducer = parseReducer(run.params.reducer);
  const minEpochs = reducer.kind === 'pass@k' ? reducer.k : 1;
  let currentSample: string | null = null;
  let currentCategory = '';
  let epochScores: number[] = [];
  const emit = (): void => {
    if (currentSample === null || epochScores.length < minEpochs) return;
    onSample(currentSample, currentCategory, reduceEpochs(epochScores, reducer));
  };
  for (const row of iterateScores(db, run.id)) {
    if (row.sampleId !== currentSample) {
      emit();
      currentSample = row.sampleId;
      currentCategory = row.category;
      epochScores = [];
    }
    epochScores.push(row.score);
  }
  emit();
}

/**
 * Computes a run's per-category statistics and unit counts from its rows and stores them (replacing an earlier
 * computation) in one transaction, with `computed_at = at`; returns what it stored. Throws E_NOT_FOUND for an
 * unknown run. Call it after the run's last session ends, with an `at` no earlier than the run's `updated_at`.
 *
 * @example
 * computeRunStats(db, '20261126-101500-a1b2c3', new Date().toISOString());
 */
export function computeRunStats(db: Db, runId: string, at: string): ComputedRunStats {
  const store = db.transaction((): ComputedRunStats => {
    const stats = collectRunStats(db, getRun(db, runId));
    db.prepare('DELETE FROM run_stats WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM run_totals WHERE run_id = ?').run(runId);
    const insert = db.prepare(
      'INSERT INTO run_stats (run_id, category, weight, n, sum, sum_sq) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const [category, { weight, stats: s }] of stats.categories) {
      insert.run(runId, category, weight, s.n, s.sum, s.sumSq);
    }
    db.prepare('INSERT INTO run_totals (run_id, scored, errors, computed_at) VALUES (?, ?, ?, ?)').run(
      runId,
      stats.scored,
      stats.errors,
      at,
    );
    return stats;
  });
  // IMMEDIATE: the rows, the counts and the stored stats are one snapshot, with no writer in between.
  return store.immediate();
}

/**
 * Reads the statistics of every completed run matching `filter`, newest first (as `listRuns`), computing and
 * storing them for runs that lack them or whose stats are stale (in memory only on a read-only database).
 * One query over `runs` + `run_totals` and one over `run_stats`; only runs needing a computation read their rows.
 *
 * @example
 * const runs = loadRunStats(db, { suite: 'cyber-mcq' });
 */
export function loadRunStats(db: Db, filter: LoadRunStatsFilter = {}): RunStats[] {
  const where = ["r.status = 'completed'"];
  const params: string[] = [];
  if (filter.model !== undefined) {
    where.push('r.model = ?');
    params.push(filter.model);
  }
  if (filter.suite !== undefined) {
    where.push('r.suite_id = ?');
    params.push(filter.suite);
  }
  if (filter.runIds !== undefined) {
    where.push(`r.id IN (${jsonArrayValues(db)})`);
    params.push(JSON.stringify(filter.runIds));
  }
  const condition = where.join(' AND ');
  // SQLite's integer rowid of the run (less to carry per row than its id); PostgreSQL tables have none.
  const runKey = dialectOf(db) === 'postgres' ? 'r.id' : 'r.rowid';

  // Both reads in one (deferred, read-only) transaction: one snapshot, whatever other processes write.
  const found: FoundRun[] = [];
  const unsorted = new Set<RunStats>();
  db.transaction(() => {
    // The runs with their totals and a flag for missing or stale stats; sorted here, newest first.
    forEachRow(
      db,
      RUN_ROW,
      (
        rowid: RunKey,
        id: string,
        model: string,
        suiteId: string,
        suiteVersion: string,
        developer: string | null,
        scored: number | null,
        errors: number | null,
        stale: number,
        startedAt: string,
      ) => {
        found.push({
          rowid,
          startedAt,
          stale: stale === 1,
          stats: {
            runId: id,
            model,
            suite: { id: suiteId, version: suiteVersion },
            developer,
            categories: new Map(),
            scored: scored ?? 0,
            errors: errors ?? 0,
          },
        });
        return null;
      },
      `${runKey}, r.id, r.model, r.suite_id, r.suite_version, r.developer, t.scored, t.errors,
       CASE WHEN t.run_id IS NULL OR t.computed_at < r.updated_at THEN 1 ELSE 0 END, r.started_at`,
      `runs r LEFT JOIN run_totals t ON t.run_id = r.id WHERE ${condition}`,
      params,
    );
    if (filter.runIds !== undefined) checkRequested(db, filter.runIds, found);
    found.sort(newestFirst);

    const byRowid = new Map<RunKey, RunStats>();
    for (const run of found) if (!run.stale) byRowid.set(run.rowid, run.stats);
    // The run's integer rowid instead of its id: less to carry per row. Rows arrive grouped by run, categories in
    // primary-key order within a run (checked: a run whose categories arrive out of order is re-sorted).
    let lastRowid: RunKey = Number.NaN;
    let current: RunStats | undefined;
    let lastCategory = '';
    forEachRow(
      db,
      STAT_ROW,
      (rowid: RunKey, category: string, weight: number, n: number, sum: number, sumSq: number) => {
        if (rowid !== lastRowid) {
          lastRowid = rowid;
          current = byRowid.get(rowid);
          lastCategory = '';
        }
        if (current === undefined) return null;
        // Out of order, or the run's rows resumed after another run's: sort its categories afterwards.
        if (category <= lastCategory || (lastCategory === '' && current.categories.size > 0))
          unsorted.add(current);
        lastCategory = category;
        current.categories.set(category, { weight, stats: { n, sum, sumSq } });
        return null;
      },
      `${runKey}, s.category, s.weight, s.n, s.sum, s.sum_sq`,
      `runs r JOIN run_stats s ON s.run_id = r.id WHERE ${condition}`,
      params,
    );
  })();
  for (const run of unsorted) run.categories = sortCategories(run.categories);

  const runs: RunStats[] = [];
  for (const run of found) {
    if (!run.stale) {
      runs.push(run.stats);
      continue;
    }
    const record = getRun(db, run.stats.runId);
    // The per-sample values are not kept: a sweep over many runs needs only their statistics.
    const { values: _values, ...stats } = db.readonly
      ? collectRunStats(db, record)
      : computeRunStats(db, record.id, filter.at ?? record.updatedAt);
    runs.push(stats);
  }
  return runs;
}

// Rows reach JavaScript through a function SQLite calls once per row, not as row arrays: for 100,000 rows of
// run_stats that is about 25 ms instead of about 90 ms with raw() (the binding's cost is per row array, not in
// SQLite). Names are prefixed so they cannot collide with a caller's functions.
const RUN_ROW = 'redline_run_stats_run_row';
const STAT_ROW = 'redline_run_stats_stat_row';

interface FoundRun {
  rowid: RunKey;
  startedAt: string;
  stale: boolean;
  stats: RunStats;
}

/** The key of a run in the row callbacks: SQLite's rowid, or the id on PostgreSQL. */
type RunKey = number | string;

/**
 * Calls `onRow` with the `columns` of each row of `from`. On SQLite, as an aggregate over `name(columns)`, with
 * `name` bound to `onRow` for its duration, then to a no-op (the connection keeps the function; it must not keep
 * this call's data alive); the function is non-deterministic (SQLite calls it for every row) and direct-only (no
 * trigger or view can call it). On PostgreSQL, over the rows as arrays.
 */
function forEachRow(
  db: Db,
  name: string,
  onRow: (...values: never[]) => null,
  columns: string,
  from: string,
  params: readonly string[],
): void {
  if (dialectOf(db) === 'postgres') {
    const call = onRow as (...values: unknown[]) => null;
    for (const row of db
      .prepare(`SELECT ${columns} FROM ${from}`)
      .raw()
      .all(...params))
      call(...(row as unknown[]));
    return;
  }
  const sqlite = db as SqliteDb;
  const options = { deterministic: false, directOnly: true, safeIntegers: false, varargs: true } as const;
  // The driver types a function's arguments as unknown[]: the SQL above fixes what they are.
  sqlite.function(name, options, onRow as (...values: unknown[]) => null);
  try {
    db.prepare(`SELECT count(${name}(${columns})) FROM ${from}`)
      .pluck()
      .get(...params);
  } finally {
    sqlite.function(name, options, () => null);
  }
}

function newestFirst(a: FoundRun, b: FoundRun): number {
  if (a.startedAt !== b.startedAt) return a.startedAt > b.startedAt ? -1 : 1;
  return compareNames(a.stats.runId, b.stats.runId);
}

function sortCategories(categories: Map<string, CategoryStats>): Map<string, CategoryStats> {
  return new Map([...categories].sort(([a], [b]) => compareNames(a, b)));
}

/** The statistics of one run from its rows, without storing them. */
function collectRunStats(db: Db, run: RunRecord): ComputedRunStats {
  const values = reduceSampleValues(db, run);
  const names = [...values.keys()].sort(compareNames);
  const categories = new Map<string, CategoryStats>();
  for (const name of names) {
    categories.set(name, {
      weight: run.categories[name]?.weight ?? 1,
      stats: computeSufficientStats(values.get(name) ?? []),
    });
  }
  const counts = countResults(db, run.id);
  return {
    runId: run.id,
    model: run.model,
    suite: { id: run.suite.id, version: run.suite.version },
    developer: run.developer,
    categories,
    scored: counts.scored,
    errors: counts.errors,
    values,
  };
}

/** SQLite's BINARY order (category names are ASCII, so UTF-16 order is byte order): as `run_stats` returns them. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names requested runs that do not exist (E_NOT_FOUND) or are not completed (E_STATE). */
function checkRequested(db: Db, requested: readonly string[], found: readonly FoundRun[]): void {
  const have = new Set(found.map((run) => run.stats.runId));
  const missing = [...new Set(requested)].filter((id) => !have.has(id));
  if (missing.length === 0) return;
  const statuses = new Map(
    (
      db
        .prepare(`SELECT id, status FROM runs WHERE id IN (${jsonArrayValues(db)})`)
        .raw()
        .all(JSON.stringify(missing)) as [string, string][]
    ).map(([id, status]) => [id, status]),
  );
  const unknown = missing.filter((id) => !statuses.has(id));
  if (unknown.length > 0) {
    throw new RedlineError(
      'E_NOT_FOUND',
      `no run ${unknown.map((id) => `"${id}"`).join(', ')} in this database (list them with "redline runs")`,
    );
  }
  // Requested runs that exist but did not match: not completed, or outside the model / suite filter.
  const notCompleted = missing.filter((id) => statuses.get(id) !== 'completed');
  if (notCompleted.length > 0) {
    throw new RedlineError(
      'E_STATE',
      `${notCompleted.map((id) => `run "${id}" is ${String(statuses.get(id))}`).join(', ')}: only completed runs ` +
        'can be designated (resume or re-run it first)',
    );
  }
  throw new RedlineError(
    'E_USAGE',
    `${missing.map((id) => `run "${id}"`).join(', ')} does not match the model or suite filter given`,
  );
}
