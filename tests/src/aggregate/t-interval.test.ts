import { describe, expect, it } from 'vitest';
import { computeSufficientStats } from '../../../src/aggregate/sufficient-stats.js';
import { tInterval, tIntervalAround } from '../../../src/aggregate/t-interval.js';

describe('tInterval', () => {
  it('is mean ± t(0.975, n-1) · stderr (hand-computed, t from scipy)', () => {
    // [1, 0, 1, 1, 0, 0, 1]: mean 4/7, variance 2/7, stderr √2/7, t(0.975, 6) = 2.4469118511449786.
    const ci = tInterval(computeSufficientStats([1, 0, 1, 1, 0, 0, 1]), 0.95);
    const half = (2.4469118511449786 * Math.SQRT2) / 7;
    expect(ci?.[0]).toBeCloseTo(4 / 7 - half, 14);
    expect(4 / 7 + half).toBeGreaterThan(1);
    expect(ci?.[1]).toBe(1); // clamped
  });

  it('uses the requested confidence', () => {
    // ten values 0.5 ± 0.1 alternating: mean 0.5, variance 0.01·10/9, t(0.95, 9) = 1.833112932656237.
    const values = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 0.4 : 0.6));
    const stderr = Math.sqrt(0.1 / 9 / 10);
    const ci90 = tInterval(computeSufficientStats(values), 0.9);
    expect(ci90?.[0]).toBeCloseTo(0.5 - 1.833112932656237 * stderr, 13);
    const ci99 = tInterval(computeSufficientStats(values), 0.99);
    expect(ci99?.[1]).toBeCloseTo(0.5 + 3.249835541592126 * stderr, 13);
  });

  it('clamps to [0, 1]', () => {
    expect(tInterval(computeSufficientStats([1, 1, 1, 0]), 0.95)).toEqual([expect.any(Number), 1]);
    expect(tInterval(computeSufficientStats([0, 0, 0, 1]), 0.95)?.[0]).toBe(0);
  });

  it('is null for no values, [0, 1] for one value (unknown spread), [m, m] for zero variance', () => {
    expect(tInterval(computeSufficientStats([]), 0.95)).toBeNull();
    expect(tInterval(computeSufficientStats([0.8]), 0.95)).toEqual([0, 1]);
    expect(tInterval(computeSufficientStats([0.3, 0.3, 0.3]), 0.95)).toEqual([0.3, 0.3]);
  });

  it('rejects a confidence outside (0, 1) with E_USAGE', () => {
    for (const bad of [0, 1, 95, -0.5, Number.NaN]) {
      expect(() => tInterval(computeSufficientStats([0, 1]), bad)).toThrow(
        expect.objectContaining({ code: 'E_USAGE' }),
      );
    }
  });
});

describe('tIntervalAround', () => {
  it('takes non-integer degrees of freedom (Welch–Satterthwaite)', () => {
    // t(0.975, 867/385) = 3.872729534394529 (scipy)
    const [lo, hi] = tIntervalAround(0.5, 0.1, 867 / 385, 0.95);
    expect(lo).toBeCloseTo(0.5 - 0.3872729534394529, 13);
    expect(hi).toBeCloseTo(0.5 + 0.3872729534394529, 13);
  });
});
