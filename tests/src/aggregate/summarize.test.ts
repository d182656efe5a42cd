import { describe, expect, it } from 'vitest';
import { computeSufficientStats, type SufficientStats } from '../../../src/aggregate/sufficient-stats.js';
import { summarizeScores, summarizeStats } from '../../../src/aggregate/summarize.js';

// Reference numbers computed independently with numpy (std ddof=1) and scipy.stats.t.ppf.
const a = [1, 0, 1, 1, 1, 1, 0, 1];
const b = [0, 0, 1, 0, 0, 1];
const values = new Map<string, number[]>([
  ['a', a],
  ['b', b],
]);
const weights = { a: 1, b: 3, empty: 2 };

describe('summarizeScores (t)', () => {
  const summary = summarizeScores({ values, weights, method: 't', confidence: 0.95 });

  it('summarizes each category: mean, stderr, clamped t-interval, n, weight', () => {
    const ca = summary.categories.a;
    expect(ca?.mean).toBe(0.75);
    expect(ca?.stderr).toBeCloseTo(0.16366341767699427, 14);
    expect(ca?.ci?.[0]).toBeCloseTo(0.3629975134624202, 13);
    expect(ca?.ci?.[1]).toBe(1);
    expect(ca?.n).toBe(8);
    expect(ca?.weight).toBe(1);
    const cb = summary.categories.b;
    expect(cb?.mean).toBeCloseTo(1 / 3, 15);
    expect(cb?.stderr).toBeCloseTo(0.210818510677892, 14);
    expect(cb?.ci?.[0]).toBe(0);
    expect(cb?.ci?.[1]).toBeCloseTo(0.875259567497823, 13);
  });

  it('gives the plain mean over all samples overall', () => {
    expect(summary.overall.n).toBe(14);
    expect(summary.overall.mean).toBeCloseTo(0.5714285714285714, 15);
    expect(summary.overall.stderr).toBeCloseTo(0.13725270326150324, 14);
    expect(summary.overall.ci?.[0]).toBeCloseTo(0.2749121332876315, 13);
    expect(summary.overall.ci?.[1]).toBeCloseTo(0.8679450095695114, 13);
  });

  it('gives the weighted mean of category means with a Welch–Satterthwaite interval, leaving out empty categories', () => {
    // W = 1 + 3 (the empty category's weight 2 drops out): 0.25 · 0.75 + 0.75 · 1/3; df = 5.6739.
    const weighted = summary.overall.weighted;
    expect(weighted.mean).toBeCloseTo(0.4375, 15);
    expect(weighted.stderr).toBeCloseTo(0.16332209630927821, 14);
    expect(weighted.ci?.[0]).toBeCloseTo(0.03223083716809988, 12);
    expect(weighted.ci?.[1]).toBeCloseTo(0.8427691628319001, 12);
  });

  it('lists a weighted category without samples with n = 0 and null statistics', () => {
    expect(summary.categories.empty).toEqual({ mean: null, stderr: null, ci: null, n: 0, weight: 2 });
  });

  it('has exactly the DESIGN §4 shapes', () => {
    expect(Object.keys(summary).sort()).toEqual(['categories', 'overall']);
    expect(Object.keys(summary.overall).sort()).toEqual(['ci', 'mean', 'n', 'stderr', 'weighted']);
    expect(Object.keys(summary.overall.weighted).sort()).toEqual(['ci', 'mean', 'stderr']);
    expect(Object.keys(summary.categories.a ?? {}).sort()).toEqual(['ci', 'mean', 'n', 'stderr', 'weight']);
    expect(Object.keys(summary.categories)).toEqual(['a', 'b', 'empty']);
  });

  it('uses the requested confidence', () => {
    const at90 = summarizeScores({ values, weights, method: 't', confidence: 0.9 });
    expect(at90.categories.a?.ci?.[0]).toBeCloseTo(0.4399267904332571, 13);
  });

  it('weighs a category missing from the weights 1, and lists it after the declared ones', () => {
    const s = summarizeScores({ values, weights: { b: 1 }, method: 't', confidence: 0.95 });
    expect(Object.keys(s.categories)).toEqual(['b', 'a']);
    expect(s.categories.a?.weight).toBe(1);
    expect(s.overall.weighted.mean).toBeCloseTo((0.75 + 1 / 3) / 2, 15);
  });

  it('has null statistics everywhere without samples', () => {
    const s = summarizeScores({ values: new Map(), weights: { x: 1 }, method: 't', confidence: 0.95 });
    expect(s.overall).toEqual({
      mean: null,
      stderr: null,
      ci: null,
      n: 0,
      weighted: { mean: null, stderr: null, ci: null },
    });
  });

  it('makes the weighted spread unknown when a taking-part category has a single sample', () => {
    const s = summarizeScores({
      values: new Map([
        ['a', a],
        ['one', [1]],
      ]),
      weights: {},
      method: 't',
      confidence: 0.95,
    });
    expect(s.categories.one).toEqual({ mean: 1, stderr: null, ci: [0, 1], n: 1, weight: 1 });
    expect(s.overall.weighted).toEqual({ mean: (0.75 + 1) / 2, stderr: null, ci: [0, 1] });
    // ... unless its weight is 0: then it takes no part
    const s0 = summarizeScores({
      values: new Map([
        ['a', a],
        ['one', [1]],
      ]),
      weights: { one: 0 },
      method: 't',
      confidence: 0.95,
    });
    expect(s0.overall.weighted.mean).toBe(0.75);
    expect(s0.overall.weighted.ci).toEqual(s0.categories.a?.ci);
  });

  it('gives a degenerate weighted interval when every category is constant', () => {
    const s = summarizeScores({
      values: new Map([
        ['x', [1, 1]],
        ['y', [0, 0, 0]],
      ]),
      weights: {},
      method: 't',
      confidence: 0.95,
    });
    expect(s.overall.weighted).toEqual({ mean: 0.5, stderr: 0, ci: [0.5, 0.5] });
    expect(s.categories.x?.ci).toEqual([1, 1]);
  });

  it('has a null weighted mean when every category with samples weighs 0', () => {
    const s = summarizeScores({ values, weights: { a: 0, b: 0 }, method: 't', confidence: 0.95 });
    expect(s.overall.weighted).toEqual({ mean: null, stderr: null, ci: null });
    expect(s.overall.mean).toBeCloseTo(8 / 14, 15);
  });

  it('rejects bad weights, scores and confidences with E_USAGE', () => {
    const usage = expect.objectContaining({ code: 'E_USAGE' });
    expect(() => summarizeScores({ values, weights: { a: -1 }, method: 't', confidence: 0.95 })).toThrow(
      usage,
    );
    expect(() =>
      summarizeScores({ values, weights: { a: Number.NaN }, method: 't', confidence: 0.95 }),
    ).toThrow(usage);
    expect(() =>
      summarizeScores({ values: new Map([['a', [2]]]), weights: {}, method: 't', confidence: 0.95 }),
    ).toThrow(usage);
    expect(() => summarizeScores({ values, weights, method: 't', confidence: 95 })).toThrow(usage);
  });
});

describe('summarizeStats', () => {
  it('gives the same summary as summarizeScores with method t, from sufficient statistics alone', () => {
    const stats = new Map<string, SufficientStats>(
      [...values].map(([k, v]) => [k, computeSufficientStats(v)]),
    );
    expect(summarizeStats({ stats, weights, confidence: 0.95 })).toEqual(
      summarizeScores({ values, weights, method: 't', confidence: 0.95 }),
    );
  });
});

describe('summarizeScores (bootstrap)', () => {
  const large = new Map<string, number[]>([
    ['hi', Array.from({ length: 600 }, (_, i) => (i % 10 < 8 ? 1 : 0))],
    ['lo', Array.from({ length: 400 }, (_, i) => (i % 10 < 3 ? 1 : 0))],
  ]);
  const w = { hi: 1, lo: 2 };

  it('is deterministic for a seed and independent of the Map order', () => {
    const one = summarizeScores({
      values: large,
      weights: w,
      method: 'bootstrap',
      confidence: 0.95,
      seed: 5,
    });
    const reordered = new Map([...large].reverse());
    expect(
      summarizeScores({ values: reordered, weights: w, method: 'bootstrap', confidence: 0.95, seed: 5 }),
    ).toEqual(one);
    expect(
      summarizeScores({ values: large, weights: w, method: 'bootstrap', confidence: 0.95, seed: 6 }),
    ).not.toEqual(one);
  });

  it('keeps the analytic means and stderrs, and gives intervals close to the t ones on large samples', () => {
    const t = summarizeScores({ values: large, weights: w, method: 't', confidence: 0.95 });
    const boot = summarizeScores({
      values: large,
      weights: w,
      method: 'bootstrap',
      confidence: 0.95,
      seed: 1,
      resamples: 2000,
    });
    expect(boot.overall.mean).toBe(t.overall.mean);
    expect(boot.overall.stderr).toBe(t.overall.stderr);
    expect(boot.overall.weighted.stderr).toBe(t.overall.weighted.stderr);
    const pairs = [
      [boot.overall.ci, t.overall.ci],
      [boot.overall.weighted.ci, t.overall.weighted.ci],
      [boot.categories.hi?.ci, t.categories.hi?.ci],
      [boot.categories.lo?.ci, t.categories.lo?.ci],
    ] as const;
    for (const [bootCi, tCi] of pairs) {
      expect(bootCi).not.toEqual(tCi);
      expect(Math.abs((bootCi?.[0] ?? 9) - (tCi?.[0] ?? 0))).toBeLessThan(0.006);
      expect(Math.abs((bootCi?.[1] ?? 9) - (tCi?.[1] ?? 0))).toBeLessThan(0.006);
    }
  });

  it('draws each category from its own stream: adding a category leaves the others unchanged', () => {
    const one = summarizeScores({
      values: large,
      weights: w,
      method: 'bootstrap',
      confidence: 0.95,
      seed: 5,
    });
    const more = new Map([['extra', [0, 1, 1, 0.5]], ...large]);
    const two = summarizeScores({ values: more, weights: w, method: 'bootstrap', confidence: 0.95, seed: 5 });
    expect(two.categories.hi?.ci).toEqual(one.categories.hi?.ci);
    expect(two.categories.lo?.ci).toEqual(one.categories.lo?.ci);
  });

  it('draws the categories independently: equal scores in two categories resample different indices', () => {
    const scores = Array.from({ length: 40 }, (_, i) => ((i * 13) % 7) / 6);
    const s = summarizeScores({
      values: new Map([
        ['p', scores],
        ['q', scores],
      ]),
      weights: {},
      method: 'bootstrap',
      confidence: 0.95,
    });
    expect(s.categories.p?.ci).not.toEqual(s.categories.q?.ci);
  });

  it('follows the same edge cases: n = 0 null, n = 1 [0, 1], constant [m, m]', () => {
    const s = summarizeScores({
      values: new Map([
        ['one', [0.4]],
        ['flat', [0.2, 0.2]],
      ]),
      weights: { none: 1 },
      method: 'bootstrap',
      confidence: 0.95,
    });
    expect(s.categories.none?.ci).toBeNull();
    expect(s.categories.one?.ci).toEqual([0, 1]);
    expect(s.categories.flat?.ci).toEqual([0.2, 0.2]);
    expect(s.overall.weighted.ci).toEqual([0, 1]);
  });
});
