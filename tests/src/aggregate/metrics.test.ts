import { describe, expect, it } from 'vitest';
import { computeMean, computeStderr, computeVariance } from '../../../src/aggregate/metrics.js';
import {
  EMPTY_STATS,
  computeSufficientStats,
  mergeSufficientStats,
} from '../../../src/aggregate/sufficient-stats.js';

/** Two-pass textbook variance, as an independent reference. */
function twoPassVariance(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
}

describe('computeSufficientStats', () => {
  it('counts, sums and sums squares', () => {
    expect(computeSufficientStats([1, 0, 0.5, 1])).toEqual({ n: 4, sum: 2.5, sumSq: 2.25 });
    expect(computeSufficientStats(new Float64Array([0.25]))).toEqual({ n: 1, sum: 0.25, sumSq: 0.0625 });
    expect(computeSufficientStats([])).toEqual(EMPTY_STATS);
  });

  it('sums without drift: ten scores of 0.6 sum to exactly 6', () => {
    const naive = Array.from({ length: 10 }, () => 0.6).reduce((a, b) => a + b, 0);
    expect(naive).not.toBe(6); // the reason compensation is needed
    expect(computeSufficientStats(Array.from({ length: 10 }, () => 0.6)).sum).toBe(6);
  });

  it('rejects a score outside [0, 1] or not a number with E_USAGE', () => {
    for (const bad of [1.5, -0.1, Number.NaN, Infinity]) {
      expect(() => computeSufficientStats([0.5, bad])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
  });
});

describe('mergeSufficientStats', () => {
  it('gives the statistics of the union of the values', () => {
    const a = [1, 0, 1, 0.5];
    const b = [0, 0.25];
    expect(mergeSufficientStats([computeSufficientStats(a), computeSufficientStats(b)])).toEqual(
      computeSufficientStats([...a, ...b]),
    );
    expect(mergeSufficientStats([])).toEqual(EMPTY_STATS);
  });
});

describe('computeMean / computeVariance / computeStderr', () => {
  it('match a hand-computed example: [1, 0, 1, 1] has mean 0.75, variance 0.25, stderr 0.25', () => {
    const stats = computeSufficientStats([1, 0, 1, 1]);
    expect(computeMean(stats)).toBe(0.75);
    expect(computeVariance(stats)).toBeCloseTo(0.25, 15);
    expect(computeStderr(stats)).toBeCloseTo(0.25, 15);
  });

  it('match a two-pass computation on irregular data (n - 1 denominator, as Inspect)', () => {
    const values = Array.from({ length: 37 }, (_, i) => ((i * 7919) % 101) / 100);
    const stats = computeSufficientStats(values);
    expect(computeVariance(stats)).toBeCloseTo(twoPassVariance(values), 14);
    expect(computeStderr(stats)).toBeCloseTo(Math.sqrt(twoPassVariance(values) / 37), 14);
  });

  it('are null where undefined: no mean for n = 0, no variance or stderr below n = 2', () => {
    expect(computeMean(EMPTY_STATS)).toBeNull();
    expect(computeStderr(EMPTY_STATS)).toBeNull();
    const one = computeSufficientStats([0.4]);
    expect(computeMean(one)).toBe(0.4);
    expect(computeVariance(one)).toBeNull();
    expect(computeStderr(one)).toBeNull();
  });

  it('give exactly 0 variance for a constant sample, also when the value is not a binary fraction', () => {
    for (const value of [0, 1, 0.3, 0.7, 0.1]) {
      const stats = computeSufficientStats(Array.from({ length: 1000 }, () => value));
      expect(computeVariance(stats)).toBe(0);
      expect(computeStderr(stats)).toBe(0);
    }
  });

  it('keep a real but small spread: one success in 10^6 binary scores', () => {
    const stats = { n: 1e6, sum: 1, sumSq: 1 };
    expect(computeVariance(stats)).toBeCloseTo(1 / 1e6, 15);
    // and one failure in 10^6
    const failures = { n: 1e6, sum: 1e6 - 1, sumSq: 1e6 - 1 };
    expect(computeVariance(failures)).toBeCloseTo((1e6 - 1) / 1e6 / (1e6 - 1), 12);
  });
});
