import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval,
  percentile,
  stratifiedBootstrapInterval,
} from '../../../src/aggregate/bootstrap-interval.js';
import { createSeededRng } from '../../../src/aggregate/seeded-rng.js';
import { computeSufficientStats } from '../../../src/aggregate/sufficient-stats.js';
import { tInterval } from '../../../src/aggregate/t-interval.js';

const options = { confidence: 0.95, seed: 42, resamples: 1000 };
/** 50 irregular scores in [0, 1]. */
const scores = Array.from({ length: 50 }, (_, i) => ((i * 37) % 11) / 10);

describe('bootstrapInterval', () => {
  it('is deterministic for a seed', () => {
    expect(bootstrapInterval(scores, options)).toEqual(bootstrapInterval(scores, options));
    expect(bootstrapInterval(scores, { ...options, stream: 'x' })).toEqual(
      bootstrapInterval(scores, { ...options, stream: 'x' }),
    );
  });

  it('changes with the seed and with the stream', () => {
    const base = bootstrapInterval(scores, options);
    expect(bootstrapInterval(scores, { ...options, seed: 43 })).not.toEqual(base);
    expect(bootstrapInterval(scores, { ...options, stream: 'other' })).not.toEqual(base);
  });

  it('is close to the t-interval on a large sample', () => {
    // 2000 binary scores, 70% correct: the t half-width is about 0.020.
    const large = Array.from({ length: 2000 }, (_, i) => (i % 10 < 7 ? 1 : 0));
    const [tLo, tHi] = tInterval(computeSufficientStats(large), 0.95) ?? [Number.NaN, Number.NaN];
    const [bLo, bHi] = bootstrapInterval(large, { ...options, resamples: 2000 }) ?? [Number.NaN, Number.NaN];
    expect(tHi - tLo).toBeGreaterThan(0.035);
    expect(Math.abs(bLo - tLo)).toBeLessThan(0.004);
    expect(Math.abs(bHi - tHi)).toBeLessThan(0.004);
  });

  it('contains the mean and widens with the confidence', () => {
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const [lo90, hi90] = bootstrapInterval(scores, { ...options, confidence: 0.9 }) ?? [1, 0];
    const [lo99, hi99] = bootstrapInterval(scores, { ...options, confidence: 0.99 }) ?? [1, 0];
    expect(lo90).toBeLessThan(mean);
    expect(hi90).toBeGreaterThan(mean);
    expect(lo99).toBeLessThan(lo90);
    expect(hi99).toBeGreaterThan(hi90);
  });

  it('is null for no values, [0, 1] for one value, [m, m] for constant values', () => {
    expect(bootstrapInterval([], options)).toBeNull();
    expect(bootstrapInterval([0.7], options)).toEqual([0, 1]);
    expect(bootstrapInterval([0.3, 0.3, 0.3, 0.3], options)).toEqual([0.3, 0.3]);
  });

  it('rejects bad resample counts and seeds with E_USAGE', () => {
    for (const bad of [{ resamples: 0 }, { resamples: 2.5 }, { seed: 1.5 }, { confidence: 1 }]) {
      expect(() => bootstrapInterval(scores, { ...options, ...bad })).toThrow(
        expect.objectContaining({ code: 'E_USAGE' }),
      );
    }
  });
});

describe('stratifiedBootstrapInterval', () => {
  it('resamples each stratum at its own size: constant strata give the exact weighted mean', () => {
    const strata = [
      { values: [1, 1, 1], weight: 1 },
      { values: [0, 0], weight: 3 },
    ];
    expect(stratifiedBootstrapInterval(strata, options)).toEqual([0.25, 0.25]);
  });

  it('ignores empty and zero-weight strata, is null without any, [0, 1] with a single-value stratum', () => {
    const a = { values: scores, weight: 1 };
    expect(
      stratifiedBootstrapInterval([a, { values: [], weight: 5 }, { values: [0, 0, 0], weight: 0 }], options),
    ).toEqual(stratifiedBootstrapInterval([a], options));
    expect(stratifiedBootstrapInterval([{ values: [], weight: 1 }], options)).toBeNull();
    expect(stratifiedBootstrapInterval([a, { values: [0.5], weight: 1 }], options)).toEqual([0, 1]);
  });

  it('takes another range (differences in [-1, 1]): negative bounds kept, one value gives the whole range', () => {
    const range = [-1, 1] as const;
    const differences = scores.map((s) => s - 0.9); // mostly negative
    const [lo, hi] = bootstrapInterval(differences, { ...options, range }) ?? [0, 0];
    const mean = differences.reduce((a, b) => a + b, 0) / differences.length;
    expect(lo).toBeLessThan(mean);
    expect(hi).toBeGreaterThan(mean);
    expect(hi).toBeLessThan(0);
    expect(bootstrapInterval(differences, options)).toEqual([0, 0]); // the default range is a score's
    expect(bootstrapInterval([-0.5], { ...options, range })).toEqual([-1, 1]);
    expect(bootstrapInterval([-0.5, -0.5], { ...options, range })).toEqual([-0.5, -0.5]);
  });

  it('is narrower than the pooled bootstrap when strata differ in mean (between-strata variance removed)', () => {
    const high = Array.from({ length: 200 }, (_, i) => (i % 10 < 9 ? 1 : 0));
    const low = Array.from({ length: 200 }, (_, i) => (i % 10 < 1 ? 1 : 0));
    const [sLo, sHi] = stratifiedBootstrapInterval(
      [
        { values: high, weight: 1 },
        { values: low, weight: 1 },
      ],
      options,
    ) ?? [0, 1];
    const [pLo, pHi] = bootstrapInterval([...high, ...low], options) ?? [0, 1];
    expect(sHi - sLo).toBeLessThan(0.8 * (pHi - pLo));
  });
});

describe('percentile', () => {
  it('interpolates between order statistics like numpy.percentile', () => {
    expect(percentile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(percentile([10, 20, 30], 0.5)).toBe(20);
    expect(percentile([0.1, 0.4, 0.5, 0.9, 1.0], 0.025)).toBeCloseTo(0.13, 15);
    expect(percentile([0.1, 0.4, 0.5, 0.9, 1.0], 0.975)).toBeCloseTo(0.99, 15);
    expect(percentile([5], 0.3)).toBe(5);
    expect(percentile([1, 2], 1)).toBe(2);
  });
});

describe('createSeededRng', () => {
  it('replays the same sequence for the same seed and stream', () => {
    const a = createSeededRng(7, 's');
    const b = createSeededRng(7, 's');
    const first = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(first);
    const c = createSeededRng(8, 's');
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(first);
  });

  it('draws indices uniformly in [0, n) (chi-square over 10 cells, 100 000 draws)', () => {
    const rng = createSeededRng(1);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const index = rng.nextIndex(10);
      expect(index >= 0 && index < 10).toBe(true);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    const chiSquare = counts.reduce((sum, c) => sum + (c - 10_000) ** 2 / 10_000, 0);
    expect(chiSquare).toBeLessThan(27.88); // the 0.999 quantile of chi-square with 9 df
  });

  it('accepts large safe-integer seeds and tells them apart, rejects others with E_USAGE', () => {
    const big = createSeededRng(2 ** 40).nextUint32();
    expect(createSeededRng(2 ** 40 + 1).nextUint32()).not.toBe(big);
    expect(() => createSeededRng(0.5)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
