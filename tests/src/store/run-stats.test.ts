/**
 * Per-run sufficient statistics: computed from the stored rows exactly as a report reduces them, stored, loaded
 * in bulk, and computed on load for runs that lack them (databases from before migration 3) or whose results
 * changed after. Expected values are recomputed here from the rows with raw SQL and plain arithmetic.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedlineError } from '../../../src/errors.js';
import { openStore, type Db } from '../../../src/store/open-store.js';
import { createResultWriter } from '../../../src/store/results.js';
import {
  computeRunStats,
  loadRunStats,
  reduceSampleValues,
  type RunStats,
} from '../../../src/store/run-stats.js';
import { endSession, getRun, listRuns } from '../../../src/store/runs.js';
import { addRun, resultOf, type RunSpec } from '../../helpers/add-run.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-run-stats-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof RedlineError ? error.code : 'not a RedlineError';
  }
  return undefined;
}

interface Expected {
  categories: Record<string, { weight: number; n: number; sum: number; sumSq: number }>;
  scored: number;
  errors: number;
}

/** The statistics recomputed from the raw rows: plain loops, plain sums, its own reducers. */
function expectedFromRows(db: Db, runId: string): Expected {
  const run = db.prepare('SELECT categories, params FROM runs WHERE id = ?').get(runId) as {
    categories: string;
    params: string;
  };
  const declared = JSON.parse(run.categories) as Record<string, { weight: number }>;
  const reducer = (JSON.parse(run.params) as { reducer: string }).reducer;
  const rows = db
    .prepare('SELECT sample_id, category, status, score FROM results WHERE run_id = ?')
    .all(runId) as { sample_id: string; category: string; status: string; score: number | null }[];
  const samples = new Map<string, { category: string; scores: number[] }>();
  let scored = 0;
  let errors = 0;
  for (const row of rows) {
    if (row.status === 'error') {
      errors++;
      continue;
    }
    scored++;
    const sample = samples.get(row.sample_id) ?? { category: row.category, scores: [] };
    sample.scores.push(row.score as number);
    samples.set(row.sample_id, sample);
  }
  const categories: Expected['categories'] = {};
  for (const [name, { weight }] of Object.entries(declared))
    categories[name] = { weight, n: 0, sum: 0, sumSq: 0 };
  for (const { category, scores } of samples.values()) {
    let value: number;
    if (reducer === 'mean') value = scores.reduce((a, b) => a + b, 0) / scores.length;
    else if (reducer === 'max') value = Math.max(...scores);
    else {
      const k = Number(reducer.slice('pass@'.length));
      if (scores.length < k) continue; // too few scored epochs: no value
      const n = scores.length;
      const c = scores.filter((s) => s >= 1).length;
      value = 1 - choose(n - c, k) / choose(n, k);
    }
    const entry = (categories[category] ??= { weight: 1, n: 0, sum: 0, sumSq: 0 });
    entry.n++;
    entry.sum += value;
    entry.sumSq += value * value;
  }
  return { categories, scored, errors };
}

function choose(n: number, k: number): number {
  if (k > n) return 0;
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

function expectMatches(stats: RunStats, expected: Expected): void {
  expect([...stats.categories.keys()]).toEqual(Object.keys(expected.categories).sort());
  for (const [name, e] of Object.entries(expected.categories)) {
    const got = stats.categories.get(name);
    expect(got?.weight, name).toBe(e.weight);
    expect(got?.stats.n, name).toBe(e.n);
    expect(got?.stats.sum, name).toBeCloseTo(e.sum, 12);
    expect(got?.stats.sumSq, name).toBeCloseTo(e.sumSq, 12);
  }
  expect(stats.scored).toBe(expected.scored);
  expect(stats.errors).toBe(expected.errors);
}

function storedStats(db: Db, runId: string): { rows: unknown[]; totals: unknown } {
  return {
    rows: db
      .prepare('SELECT category, weight, n, sum, sum_sq FROM run_stats WHERE run_id = ? ORDER BY category')
      .all(runId),
    totals: db.prepare('SELECT scored, errors, computed_at FROM run_totals WHERE run_id = ?').get(runId),
  };
}

const mixed: RunSpec = {
  id: 'mixed',
  epochs: 3,
  categories: { crypto: { weight: 2 }, web: { weight: 1 }, forensics: { weight: 0.5 } },
  units: [
    ['c1', 'crypto', [1, 0, 1]],
    ['c2', 'crypto', [0.5, 0.25, 'error']], // two scored epochs: their mean
    ['c3', 'crypto', ['error', 'error', 'error']], // no scored epoch: no value
    ['w1', 'web', [0.1, 0.2, 0.7]],
    ['w2', 'web', [1, 1, 1]],
    ['x1', 'pwn', [0.3, 0.3, 0.9]], // a category the run does not declare: weight 1
    // forensics has no samples: n = 0
  ],
};

describe.each(storeBackends())('run stats on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  describe('computeRunStats', () => {
    it('stores per-category stats equal to those recomputed from the rows (epochs reduced by mean)', () => {
      const db = backend.open().db;
      addRun(db, mixed);
      const stats = computeRunStats(db, 'mixed', '2026-11-26T11:00:00.000Z');
      const expected = expectedFromRows(db, 'mixed');
      expect(Object.keys(expected.categories).sort()).toEqual(['crypto', 'forensics', 'pwn', 'web']);
      expect(expected.categories.crypto?.n).toBe(2);
      expectMatches(stats, expected);
      expect(stats).toMatchObject({
        runId: 'mixed',
        model: 'model-a',
        suite: { id: 'cyber', version: '1.0.0' },
      });

      const stored = storedStats(db, 'mixed');
      expect(stored.totals).toEqual({ scored: 14, errors: 4, computed_at: '2026-11-26T11:00:00.000Z' });
      expect(stored.rows).toEqual(
        [...stats.categories].map(([category, c]) => ({
          category,
          weight: c.weight,
          n: c.stats.n,
          sum: c.stats.sum,
          sum_sq: c.stats.sumSq,
        })),
      );
      db.close();
    });

    it('leaves out samples with fewer scored epochs than pass@k needs, and reduces with max', () => {
      const db = backend.open().db;
      addRun(db, {
        id: 'pass',
        epochs: 4,
        reducer: 'pass@2',
        units: [
          ['a', 'crypto', [1, 0, 0, 1]],
          ['b', 'crypto', [0, 0, 0, 1]],
          ['c', 'crypto', [1, 'error', 'error', 'error']], // one scored epoch: pass@2 undefined
          ['d', 'web', [0, 0, 'error', 0]],
        ],
      });
      addRun(db, {
        id: 'max',
        epochs: 2,
        reducer: 'max',
        units: [
          ['a', 'crypto', [0.2, 0.6]],
          ['b', 'web', [0, 0]],
        ],
      });
      for (const id of ['pass', 'max']) {
        const expected = expectedFromRows(db, id);
        expectMatches(computeRunStats(db, id, '2026-11-26T11:00:00.000Z'), expected);
      }
      expect(expectedFromRows(db, 'pass').categories.crypto?.n).toBe(2);
      db.close();
    });

    it('replaces an earlier computation instead of adding to it', () => {
      const db = backend.open().db;
      addRun(db, mixed);
      computeRunStats(db, 'mixed', '2026-11-26T11:00:00.000Z');
      const first = storedStats(db, 'mixed');
      computeRunStats(db, 'mixed', '2026-11-26T12:00:00.000Z');
      const second = storedStats(db, 'mixed');
      expect(second.rows).toEqual(first.rows);
      expect(second.totals).toMatchObject({ computed_at: '2026-11-26T12:00:00.000Z' });
      expect(db.prepare('SELECT count(*) FROM run_totals').pluck().get()).toBe(1);
      db.close();
    });

    it('throws E_NOT_FOUND for an unknown run', () => {
      const db = backend.open().db;
      expect(codeOf(() => computeRunStats(db, 'nope', '2026-11-26T11:00:00.000Z'))).toBe('E_NOT_FOUND');
      db.close();
    });
  });

  describe('loadRunStats', () => {
    /** A fresh database holding four runs: completed ones of two models and suites, and an interrupted one. */
    function fleet(db: Db = backend.open().db): Db {
      addRun(db, { ...mixed, id: 'r1', model: 'model-a', startedAt: '2026-11-26T10:00:00.000Z' });
      addRun(db, {
        id: 'r2',
        model: 'model-b',
        suite: 'other',
        startedAt: '2026-11-27T10:00:00.000Z',
        units: [
          ['a', 'crypto', [1]],
          ['b', 'web', [0.5]],
          ['c', 'web', ['error']],
        ],
      });
      addRun(db, {
        id: 'r3',
        model: 'model-a',
        startedAt: '2026-11-27T10:00:00.000Z', // same start as r2: ordered by id
        units: [['a', 'crypto', [0.75]]],
      });
      addRun(db, {
        id: 'r4',
        status: 'interrupted',
        startedAt: '2026-11-28T10:00:00.000Z',
        units: [['a', 'crypto', [1]]],
      });
      return db;
    }

    it('computes and stores the stats of completed runs that lack them, newest first, and skips the others', () => {
      const db = fleet();
      expect(db.prepare('SELECT count(*) FROM run_totals').pluck().get()).toBe(0);
      const runs = loadRunStats(db);
      const completed = listRuns(db)
        .filter((r) => r.status === 'completed')
        .map((r) => r.id);
      expect(runs.map((r) => r.runId)).toEqual(completed);
      expect(completed).toEqual(['r2', 'r3', 'r1']);
      for (const run of runs) expectMatches(run, expectedFromRows(db, run.runId));
      // Stored, with computed_at defaulting to the run's updated_at, and not for the interrupted run.
      expect(db.prepare('SELECT run_id, computed_at FROM run_totals ORDER BY run_id').raw().all()).toEqual([
        ['r1', '2026-11-26T10:00:00.000Z'],
        ['r2', '2026-11-27T10:00:00.000Z'],
        ['r3', '2026-11-27T10:00:00.000Z'],
      ]);
      // The second load reads the stored rows: the same values, bit for bit.
      const again = loadRunStats(db);
      expect(again).toEqual(runs);
      expect(again.map((r) => r.developer)).toEqual(['dev', 'dev', 'dev']);
      db.close();
    });

    it('reads exactly what computeRunStats stored', () => {
      const db = fleet();
      const computed = ['r1', 'r2', 'r3'].map((id) => {
        // The per-sample values it also returns (for the run's report) are the ones the report would read.
        const { values, ...stats } = computeRunStats(db, id, '2030-01-01T00:00:00.000Z');
        expect(values).toEqual(reduceSampleValues(db, getRun(db, id)));
        return stats;
      });
      const loaded = loadRunStats(db);
      expect(loaded).toEqual([computed[1], computed[2], computed[0]]);
      db.close();
    });

    it('filters by model, suite and run ids', () => {
      const db = fleet();
      expect(loadRunStats(db, { model: 'model-a' }).map((r) => r.runId)).toEqual(['r3', 'r1']);
      expect(loadRunStats(db, { suite: 'other' }).map((r) => r.runId)).toEqual(['r2']);
      expect(loadRunStats(db, { runIds: ['r1', 'r2'] }).map((r) => r.runId)).toEqual(['r2', 'r1']);
      expect(
        loadRunStats(db, { model: 'model-a', suite: 'cyber', runIds: ['r1'] }).map((r) => r.runId),
      ).toEqual(['r1']);
      expect(loadRunStats(db, { runIds: [] })).toEqual([]);
      expect(loadRunStats(db, { model: 'nobody' })).toEqual([]);
      db.close();
    });

    it('refuses requested runs that are unknown, not completed, or outside the other filters', () => {
      const db = fleet();
      expect(codeOf(() => loadRunStats(db, { runIds: ['r1', 'missing'] }))).toBe('E_NOT_FOUND');
      expect(codeOf(() => loadRunStats(db, { runIds: ['r4'] }))).toBe('E_STATE');
      expect(codeOf(() => loadRunStats(db, { runIds: ['r2'], model: 'model-a' }))).toBe('E_USAGE');
      db.close();
    });

    it('recomputes stats that are older than the run (results written by a later session)', () => {
      const db = fleet();
      computeRunStats(db, 'r3', '2026-11-27T10:00:00.000Z');
      createResultWriter(db).write([resultOf('r3', 'b', 1, 'web', 0.25)]);
      endSession(db, 'r3', { status: 'completed', at: '2026-11-29T10:00:00.000Z', elapsedMs: 1 });
      const [r3] = loadRunStats(db, { runIds: ['r3'], at: '2026-11-29T11:00:00.000Z' });
      expect(r3?.categories.get('web')?.stats).toEqual({ n: 1, sum: 0.25, sumSq: 0.0625 });
      expectMatches(r3 as RunStats, expectedFromRows(db, 'r3'));
      expect(storedStats(db, 'r3').totals).toMatchObject({
        scored: 2,
        computed_at: '2026-11-29T11:00:00.000Z',
      });
      db.close();
    });

    it('computes missing stats in memory on a read-only database, writing nothing', () => {
      const store = backend.open();
      fleet(store.db).close();
      const db = store.reopen({ readonly: true });
      const runs = loadRunStats(db);
      expect(runs.map((r) => r.runId)).toEqual(['r2', 'r3', 'r1']);
      for (const run of runs) expectMatches(run, expectedFromRows(db, run.runId));
      expect(db.prepare('SELECT count(*) FROM run_totals').pluck().get()).toBe(0);
      db.close();
    });
  });
});

describe('loadRunStats on SQLite', () => {
  it('leaves no row callback that a trigger or view could call', () => {
    const db = openStore(join(dir, 'callback.db'));
    addRun(db, mixed);
    loadRunStats(db);
    expect(() =>
      db.exec('CREATE VIEW v AS SELECT redline_run_stats_stat_row(1) AS x; SELECT * FROM v'),
    ).toThrow(/unsafe use|prohibited/);
    db.close();
  });
});
