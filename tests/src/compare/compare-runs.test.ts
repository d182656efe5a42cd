/**
 * The paired comparison of two runs. Expected means and differences are recomputed here with plain loops; the
 * intervals are checked against a paired bootstrap written out in this file (resampling sample ids, both runs'
 * values moving together), against the normal approximation, and for coverage of a known true difference.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentile } from '../../../src/aggregate/bootstrap-interval.js';
import { createSeededRng } from '../../../src/aggregate/seeded-rng.js';
import { buildComparison, readComparedRun } from '../../../src/compare/build-comparison.js';
import { compareRuns, type ComparedRun, type ReducedSample } from '../../../src/compare/compare-runs.js';
import { openStore } from '../../../src/store/open-store.js';
import { forEachReducedSample, reduceSampleValues } from '../../../src/store/run-stats.js';
import { getRun } from '../../../src/store/runs.js';
import { addRun } from '../../helpers/add-run.js';
import { codeOf } from '../../helpers/error-of.js';

type Entry = [sampleId: string, category: string, value: number];

/** A completed run of suite "cyber" with these samples. */
function run(runId: string, entries: readonly Entry[], overrides: Partial<ComparedRun> = {}): ComparedRun {
  const samples = new Map<string, ReducedSample>();
  for (const [sampleId, category, value] of entries) samples.set(sampleId, { category, value });
  return {
    runId,
    status: 'completed',
    model: `model-${runId}`,
    suite: { id: 'cyber', version: '1.0.0', sha256: 'ab'.repeat(32) },
    epochs: 1,
    reducer: 'mean',
    weights: { crypto: 2, web: 1 },
    samples,
    ...overrides,
  };
}

/** Two categories, 0/1 values: crypto c0..c5, web w0..w3; A and B differ on some. */
const A: Entry[] = [
  ['c0', 'crypto', 0],
  ['c1', 'crypto', 1],
  ['c2', 'crypto', 0],
  ['c3', 'crypto', 1],
  ['c4', 'crypto', 0],
  ['c5', 'crypto', 1],
  ['w0', 'web', 1],
  ['w1', 'web', 1],
  ['w2', 'web', 0],
  ['w3', 'web', 1],
];
const B: Entry[] = [
  ['c0', 'crypto', 1], // fixed
  ['c1', 'crypto', 1],
  ['c2', 'crypto', 1], // fixed
  ['c3', 'crypto', 0], // broken
  ['c4', 'crypto', 0],
  ['c5', 'crypto', 1],
  ['w0', 'web', 0], // broken
  ['w1', 'web', 1],
  ['w2', 'web', 0],
  ['w3', 'web', 1],
];

/** Plain mean. */
function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Per category, the paired (a, b) values, computed with plain loops. */
function pairsByCategory(
  a: readonly Entry[],
  b: readonly Entry[],
): Map<string, { a: number[]; b: number[] }> {
  const inB = new Map(b.map(([id, , value]) => [id, value]));
  const groups = new Map<string, { a: number[]; b: number[] }>();
  for (const [id, category, value] of a) {
    const other = inB.get(id);
    if (other === undefined) continue;
    const group = groups.get(category) ?? { a: [], b: [] };
    group.a.push(value);
    group.b.push(other);
    groups.set(category, group);
  }
  return groups;
}

/**
 * A paired, stratified percentile bootstrap written out here: per resample, per category (in name order), draw
 * sample ids with replacement and take mean(B) − mean(A) over them; weigh the categories; R type-7 percentiles.
 */
function pairedBootstrap(
  strata: readonly { a: readonly number[]; b: readonly number[]; weight: number }[],
  options: { seed: number; stream: string; resamples: number; confidence: number },
): [number, number] {
  const total = strata.reduce((sum, s) => sum + s.weight, 0);
  const rng = createSeededRng(options.seed, options.stream);
  const estimates: number[] = [];
  for (let r = 0; r < options.resamples; r++) {
    let estimate = 0;
    for (const s of strata) {
      let sumA = 0;
      let sumB = 0;
      for (let i = 0; i < s.a.length; i++) {
        const j = rng.nextIndex(s.a.length);
        sumA += s.a[j]!;
        sumB += s.b[j]!;
      }
      estimate += (s.weight / total) * ((sumB - sumA) / s.a.length);
    }
    estimates.push(estimate);
  }
  estimates.sort((x, y) => x - y);
  const tail = (1 - options.confidence) / 2;
  return [percentile(estimates, tail), percentile(estimates, 1 - tail)];
}

describe('compareRuns', () => {
  it('computes per-category and weighted overall differences B − A over the paired samples', () => {
    const c = compareRuns(run('a', A), run('b', B));
    const groups = pairsByCategory(A, B);
    for (const name of ['crypto', 'web']) {
      const g = groups.get(name)!;
      const category = c.categories[name]!;
      expect(category.n).toBe(g.a.length);
      expect(category.meanA).toBeCloseTo(mean(g.a), 12);
      expect(category.meanB).toBeCloseTo(mean(g.b), 12);
      expect(category.difference).toBeCloseTo(mean(g.b) - mean(g.a), 12);
    }
    // crypto: 3/6 -> 4/6 (+1/6); web: 3/4 -> 2/4 (-1/4); weights 2 and 1.
    expect(c.categories.crypto!.difference).toBeCloseTo(1 / 6, 12);
    expect(c.categories.web!.difference).toBeCloseTo(-1 / 4, 12);
    expect(c.overall.difference).toBeCloseTo((2 / 3) * (1 / 6) + (1 / 3) * (-1 / 4), 12);
    expect(c.overall.meanA).toBeCloseTo((2 / 3) * (3 / 6) + (1 / 3) * (3 / 4), 12);
    expect(c.overall.meanB).toBeCloseTo((2 / 3) * (4 / 6) + (1 / 3) * (2 / 4), 12);
    expect(c.overall.n).toBe(10);
    expect(c.categories.crypto!.weight).toBe(2);
    expect(c.sameSuiteContent).toBe(true);
    expect(c.warnings).toEqual([]);
    expect(c.interval).toEqual({ method: 'paired-bootstrap', confidence: 0.95, resamples: 2000, seed: 0 });
    expect(c.a).toEqual({
      runId: 'a',
      model: 'model-a',
      suite: { id: 'cyber', version: '1.0.0', sha256: 'ab'.repeat(32) },
      epochs: 1,
      reducer: 'mean',
      n: 10,
    });
  });

  it('lists the changed samples by id with fixed, broken, improved and worsened counts', () => {
    const partialA = [...A, ['x9', 'web', 1] as Entry, ['a-only', 'crypto', 0] as Entry];
    const partialB = [
      ...B.filter(([id]) => id !== 'c4'), // c4 errored in B: only in A
      ['b-only', 'web', 1] as Entry,
      ['x9', 'web', 0.5] as Entry, // a fractional change: worsened, not broken
    ];
    const c = compareRuns(run('a', partialA), run('b', partialB));
    expect(c.changed).toEqual([
      { sampleId: 'c0', category: 'crypto', a: 0, b: 1 },
      { sampleId: 'c2', category: 'crypto', a: 0, b: 1 },
      { sampleId: 'c3', category: 'crypto', a: 1, b: 0 },
      { sampleId: 'w0', category: 'web', a: 1, b: 0 },
      { sampleId: 'x9', category: 'web', a: 1, b: 0.5 },
    ]);
    expect(c.samples).toEqual({
      both: 10,
      onlyA: 2,
      onlyB: 1,
      changed: 5,
      improved: 2,
      worsened: 3,
      fixed: 2,
      broken: 2,
    });
  });

  it('sorts the changed samples by id whatever order the runs list them in', () => {
    const c = compareRuns(run('a', [...A].reverse()), run('b', B));
    expect(c.changed.map((x) => x.sampleId)).toEqual(['c0', 'c2', 'c3', 'w0']);
  });

  it('gives the intervals of a paired bootstrap over sample ids, stratified by category', () => {
    const options = { seed: 5, resamples: 500, confidence: 0.9 };
    const c = compareRuns(run('a', A), run('b', B), options);
    const groups = pairsByCategory(A, B);
    const crypto = pairedBootstrap([{ ...groups.get('crypto')!, weight: 1 }], {
      ...options,
      stream: 'category:crypto',
    });
    expect(c.categories.crypto!.ci![0]).toBeCloseTo(crypto[0], 12);
    expect(c.categories.crypto!.ci![1]).toBeCloseTo(crypto[1], 12);
    const overall = pairedBootstrap(
      [
        { ...groups.get('crypto')!, weight: 2 },
        { ...groups.get('web')!, weight: 1 },
      ],
      { ...options, stream: 'overall' },
    );
    expect(c.overall.ci![0]).toBeCloseTo(overall[0], 12);
    expect(c.overall.ci![1]).toBeCloseTo(overall[1], 12);
    expect(c.overall.ci![0]).toBeLessThan(c.overall.ci![1]);
  });

  it('gives a zero-width interval when every sample moves by the same amount (pairing removes the spread)', () => {
    // A spreads over [0, 0.9]; B = A + 0.1 on every sample. Unpaired, the means' interval would be wide.
    const a: Entry[] = Array.from({ length: 40 }, (_, i) => [`s${i}`, 'crypto', (i % 10) / 10]);
    const b: Entry[] = a.map(([id, category, value]) => [id, category, value + 0.1]);
    const c = compareRuns(run('a', a, { weights: { crypto: 1 } }), run('b', b, { weights: { crypto: 1 } }));
    expect(c.overall.difference).toBeCloseTo(0.1, 12);
    expect(c.overall.ci![1] - c.overall.ci![0]).toBeLessThan(1e-12);
    expect(c.overall.ci![0]).toBeCloseTo(0.1, 12);
  });

  it('keeps category sizes fixed: categories that each moved uniformly give an exact overall difference', () => {
    // crypto all 0 -> 1 (+1), web all 1 -> 0 (-1), equal weights: the overall difference is 0 in every stratified
    // resample; a resample pooling the categories would mix +1 and -1 and spread.
    const a: Entry[] = [];
    const b: Entry[] = [];
    for (let i = 0; i < 8; i++) {
      a.push([`c${i}`, 'crypto', 0], [`w${i}`, 'web', 1]);
      b.push([`c${i}`, 'crypto', 1], [`w${i}`, 'web', 0]);
    }
    const weights = { crypto: 1, web: 1 };
    const c = compareRuns(run('a', a, { weights }), run('b', b, { weights }));
    expect(c.overall.difference).toBeCloseTo(0, 12);
    expect(c.overall.ci).toEqual([0, 0]);
    expect(c.categories.crypto!.ci).toEqual([1, 1]);
    expect(c.categories.web!.ci).toEqual([-1, -1]);
  });

  it('contains the true difference and matches the normal approximation on a constructed case', () => {
    // 100 paired samples: 30 fixed (+1), 10 broken (-1), 60 unchanged: the difference is 0.2 and the standard
    // deviation of the per-sample differences sqrt(0.4 - 0.04) = 0.6, so the normal interval is 0.2 ± 1.96 · 0.06.
    const a: Entry[] = [];
    const b: Entry[] = [];
    for (let i = 0; i < 100; i++) {
      const id = `s${String(i).padStart(3, '0')}`;
      const [before, after] = i < 30 ? [0, 1] : i < 40 ? [1, 0] : i % 2 === 0 ? [1, 1] : [0, 0];
      a.push([id, 'crypto', before]);
      b.push([id, 'crypto', after]);
    }
    const weights = { crypto: 1 };
    const c = compareRuns(run('a', a, { weights }), run('b', b, { weights }));
    expect(c.overall.difference).toBeCloseTo(0.2, 12);
    const [lo, hi] = c.overall.ci!;
    expect(lo).toBeLessThan(0.2);
    expect(hi).toBeGreaterThan(0.2);
    expect(lo).toBeGreaterThan(0); // the improvement is clear at 95%
    expect(Math.abs(lo - (0.2 - 1.96 * 0.06))).toBeLessThan(0.02);
    expect(Math.abs(hi - (0.2 + 1.96 * 0.06))).toBeLessThan(0.02);
    expect(c.samples).toMatchObject({ both: 100, changed: 40, fixed: 30, broken: 10 });
  });

  it('covers a known true difference in about the stated share of repeated draws', () => {
    // Each draw: 60 samples from a population where P(fixed) = 0.3, P(broken) = 0.1: the true difference is 0.2.
    const draws = 150;
    let covered = 0;
    const population = createSeededRng(11, 'population');
    for (let d = 0; d < draws; d++) {
      const a: Entry[] = [];
      const b: Entry[] = [];
      for (let i = 0; i < 60; i++) {
        const u = population.nextUint32() / 4294967296;
        const [before, after] = u < 0.3 ? [0, 1] : u < 0.4 ? [1, 0] : u < 0.7 ? [1, 1] : [0, 0];
        a.push([`s${i}`, 'crypto', before]);
        b.push([`s${i}`, 'crypto', after]);
      }
      const weights = { crypto: 1 };
      const c = compareRuns(run('a', a, { weights }), run('b', b, { weights }), { seed: d, resamples: 400 });
      const [lo, hi] = c.overall.ci!;
      if (lo <= 0.2 && 0.2 <= hi) covered++;
    }
    expect(covered / draws).toBeGreaterThan(0.88);
    expect(covered / draws).toBeLessThan(0.995);
  });

  it('is deterministic for a seed and changes with it', () => {
    const first = compareRuns(run('a', A), run('b', B), { seed: 3, resamples: 300 });
    expect(compareRuns(run('a', A), run('b', B), { seed: 3, resamples: 300 })).toEqual(first);
    const other = compareRuns(run('a', A), run('b', B), { seed: 4, resamples: 300 });
    expect(other.overall.ci).not.toEqual(first.overall.ci);
    expect(other.overall.difference).toBe(first.overall.difference);
  });

  it('weighs categories as the report does: weight 0 drops out, undeclared categories weigh 1', () => {
    const extraA: Entry[] = [...A, ['m0', 'misc', 0], ['m1', 'misc', 0]];
    const extraB: Entry[] = [...B, ['m0', 'misc', 1], ['m1', 'misc', 1]];
    const weights = { crypto: 0, web: 3 };
    const c = compareRuns(run('a', extraA, { weights }), run('b', extraB, { weights }));
    expect(Object.keys(c.categories)).toEqual(['crypto', 'web', 'misc']);
    expect(c.categories.misc).toMatchObject({ weight: 1, n: 2, difference: 1 });
    // crypto (weight 0) drops out: (3 · (-1/4) + 1 · 1) / 4.
    expect(c.overall.difference).toBeCloseTo((3 * (-1 / 4) + 1) / 4, 12);
    expect(c.overall.n).toBe(6);
    expect(c.categories.crypto!.difference).toBeCloseTo(1 / 6, 12);
  });

  it("uses run A's weights when the runs differ, and says so", () => {
    const c = compareRuns(
      run('a', A, { weights: { crypto: 2, web: 1 } }),
      run('b', B, { weights: { crypto: 1, web: 1, extra: 5 } }),
    );
    expect(c.categories.crypto!.weight).toBe(2);
    expect(c.categories.extra).toMatchObject({ weight: 5, n: 0, difference: null, ci: null });
    expect(c.overall.difference).toBeCloseTo((2 / 3) * (1 / 6) + (1 / 3) * (-1 / 4), 12);
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toContain('crypto');
  });

  it('has null means and intervals for a category with no paired sample, and [-1, 1] for one pair', () => {
    const c = compareRuns(
      run('a', [
        ['c0', 'crypto', 0],
        ['w0', 'web', 1],
      ]),
      run('b', [
        ['c0', 'crypto', 1],
        ['w1', 'web', 1],
      ]),
    );
    expect(c.categories.web).toEqual({
      n: 0,
      meanA: null,
      meanB: null,
      difference: null,
      ci: null,
      weight: 1,
    });
    expect(c.categories.crypto).toMatchObject({ n: 1, difference: 1, ci: [-1, 1] });
    expect(c.overall).toMatchObject({ n: 1, difference: 1, ci: [-1, 1] });
    const none = compareRuns(run('a', [['c0', 'crypto', 0]]), run('b', [['c1', 'crypto', 0]]));
    expect(none.overall).toEqual({ n: 0, meanA: null, meanB: null, difference: null, ci: null });
  });

  it('flags a different suite version or content, and samples that moved category', () => {
    const moved: Entry[] = B.map(([id, category, value]) => [id, id === 'w3' ? 'crypto' : category, value]);
    const c = compareRuns(
      run('a', A),
      run('b', moved, { suite: { id: 'cyber', version: '1.1.0', sha256: 'cd'.repeat(32) } }),
    );
    expect(c.sameSuiteContent).toBe(false);
    expect(c.warnings).toHaveLength(2);
    expect(c.categories.web!.n).toBe(4); // counted in run A's category
    const shaOnly = compareRuns(
      run('a', A),
      run('b', B, { suite: { id: 'cyber', version: '1.0.0', sha256: 'cd'.repeat(32) } }),
    );
    expect(shaOnly.sameSuiteContent).toBe(false);
  });

  it('refuses runs of different suites (E_USAGE) and runs that are not completed (E_STATE)', () => {
    const other = run('b', B, { suite: { id: 'other', version: '1.0.0', sha256: 'ab'.repeat(32) } });
    expect(codeOf(() => compareRuns(run('a', A), other))).toBe('E_USAGE');
    for (const status of ['running', 'interrupted', 'failed'] as const) {
      expect(codeOf(() => compareRuns(run('a', A), run('b', B, { status })))).toBe('E_STATE');
      expect(codeOf(() => compareRuns(run('a', A, { status }), run('b', B)))).toBe('E_STATE');
    }
  });

  it('rejects bad options and values with E_USAGE, even when nothing needs resampling', () => {
    const empty = run('a', []);
    expect(codeOf(() => compareRuns(empty, empty, { confidence: 1 }))).toBe('E_USAGE');
    expect(codeOf(() => compareRuns(empty, empty, { resamples: 0 }))).toBe('E_USAGE');
    expect(codeOf(() => compareRuns(empty, empty, { seed: 0.5 }))).toBe('E_USAGE');
    expect(codeOf(() => compareRuns(run('a', [['c0', 'crypto', 2]]), run('b', [['c0', 'crypto', 1]])))).toBe(
      'E_USAGE',
    );
  });
});

describe('compareRuns on stored runs (forEachReducedSample)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redline-compare-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** pass@k written out: 1 - C(n - c, k) / C(n, k). */
  function passAt(n: number, c: number, k: number): number {
    const choose = (m: number, r: number): number => {
      if (r > m) return 0;
      let result = 1;
      for (let i = 1; i <= r; i++) result = (result * (m - r + i)) / i;
      return result;
    };
    return 1 - choose(n - c, k) / choose(n, k);
  }

  it("reduces each run's epochs with its own reducer before pairing (mean vs pass@2)", () => {
    const db = openStore(join(dir, 'reducers.db'));
    try {
      const scores: [string, string, (number | 'error')[]][] = [
        ['c0', 'crypto', [1, 0, 0]],
        ['c1', 'crypto', [1, 1, 0]],
        ['c2', 'crypto', [0, 0, 0]],
        ['w0', 'web', [1, 1, 1]],
        ['w1', 'web', [0, 'error', 1]],
        ['w2', 'web', ['error', 'error', 1]], // one scored epoch: fine for mean, too few for pass@2
      ];
      addRun(db, { id: 'mean', epochs: 3, reducer: 'mean', units: scores });
      addRun(db, { id: 'pass2', epochs: 3, reducer: 'pass@2', units: scores });
      const c = buildComparison(db, 'mean', 'pass2', { resamples: 200 });
      expect(c.a).toMatchObject({ reducer: 'mean', epochs: 3, n: 6 });
      expect(c.b).toMatchObject({ reducer: 'pass@2', epochs: 3, n: 5 });
      expect(c.samples).toMatchObject({ both: 5, onlyA: 1, onlyB: 0 });
      expect(c.warnings).toHaveLength(1); // the reducers differ
      const expectedA = { c0: 1 / 3, c1: 2 / 3, c2: 0, w0: 1, w1: 1 / 2 };
      const expectedB = {
        c0: passAt(3, 1, 2),
        c1: passAt(3, 2, 2),
        c2: 0,
        w0: 1,
        w1: passAt(2, 1, 2),
      };
      const changed = Object.keys(expectedA).filter(
        (id) => expectedA[id as keyof typeof expectedA] !== expectedB[id as keyof typeof expectedB],
      );
      expect(c.changed.map((x) => x.sampleId)).toEqual(changed);
      for (const x of c.changed) {
        expect(x.a).toBeCloseTo(expectedA[x.sampleId as keyof typeof expectedA], 12);
        expect(x.b).toBeCloseTo(expectedB[x.sampleId as keyof typeof expectedB], 12);
      }
      expect(c.categories.crypto!.meanA).toBeCloseTo(mean([1 / 3, 2 / 3, 0]), 12);
      expect(c.categories.crypto!.meanB).toBeCloseTo(mean([passAt(3, 1, 2), passAt(3, 2, 2), 0]), 12);
      expect(c.categories.web!.difference).toBeCloseTo(mean([0, passAt(2, 1, 2) - 1 / 2]), 12);
    } finally {
      db.close();
    }
  });

  it('yields the samples reduceSampleValues groups by category, by sample id', () => {
    const db = openStore(join(dir, 'same.db'));
    try {
      addRun(db, {
        id: 'r',
        epochs: 2,
        reducer: 'max',
        categories: { crypto: { weight: 1 }, web: { weight: 1 }, empty: { weight: 1 } },
        units: [
          ['b', 'web', [0, 1]],
          ['a', 'crypto', [0, 0]],
          ['c', 'other', [1, 'error']],
          ['d', 'crypto', ['error', 'error']],
        ],
      });
      const record = getRun(db, 'r');
      const seen: [string, string, number][] = [];
      forEachReducedSample(db, record, (id, category, value) => seen.push([id, category, value]));
      expect(seen).toEqual([
        ['a', 'crypto', 0],
        ['b', 'web', 1],
        ['c', 'other', 1],
      ]);
      const grouped = new Map<string, number[]>([
        ['crypto', []],
        ['web', []],
        ['empty', []],
      ]);
      for (const [, category, value] of seen)
        grouped.set(category, [...(grouped.get(category) ?? []), value]);
      expect(reduceSampleValues(db, record)).toEqual(grouped);
      expect([...readComparedRun(db, record).samples.keys()]).toEqual(['a', 'b', 'c']);
    } finally {
      db.close();
    }
  });
});
