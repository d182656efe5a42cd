import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import {
  incompleteBetaTails,
  inverseIncompleteBeta,
  regularizedIncompleteBeta,
} from '../../../src/aggregate/incomplete-beta.js';
import { logBeta, logGamma } from '../../../src/aggregate/log-beta.js';
import { normalQuantile } from '../../../src/aggregate/normal-quantile.js';
import { studentTCdf, studentTQuantile } from '../../../src/aggregate/t-quantile.js';

/** |actual - expected| <= tolerance · |expected|. */
function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

describe('studentTQuantile', () => {
  it('matches the printed t tables at 97.5% (4 decimals)', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.3027, 4);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.0423, 4);
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.9623, 4);
  });

  // Reference values from scipy.stats.t.ppf (Boost), cross-checked against 40-digit mpmath root finding.
  it.each([
    [0.975, 1, 12.706204736174694],
    [0.975, 2, 4.302652729749462],
    [0.975, 10, 2.228138851986274],
    [0.975, 30, 2.0422724563012378],
    [0.975, 1000, 1.9623390808264083],
    [0.995, 1, 63.656741162871526],
    [0.995, 5, 4.032142983555228],
    [0.995, 20, 2.8453397097861077],
    [0.9, 3, 1.637744353696209],
    [0.95, 7, 1.8945786050900062],
    [0.9995, 1, 636.6192487687897],
    [0.9999, 3, 22.203742273205],
    [0.999999, 4, 41.5778541501515],
    [0.6, 2, 0.2886751345948128],
    [0.975, 0.5, 164.55767348048818],
    [0.975, 2.5, 3.5746548420036817],
    [0.975, 17.3, 2.1070320037534676],
    [0.975, 99999, 1.9599877077718442],
    [0.975, 1e5, 1.9599877075346095],
    [0.975, 123456.7, 1.9599832001362323],
    [0.995, 3e6, 2.5758309423990817],
    [0.975, 1e7, 1.959964221767205],
  ])('t(%d, df=%d) agrees with an independent implementation to 1e-12', (p, df, expected) => {
    expectRelative(studentTQuantile(p, df), expected, 1e-12);
  });

  it('is antisymmetric: t(1 - p) = -t(p)', () => {
    for (const df of [1, 3.5, 12, 250, 6000]) {
      for (const p of [0.6, 0.9, 0.975, 0.9999]) {
        expect(studentTQuantile(1 - p, df)).toBeCloseTo(-studentTQuantile(p, df), 12);
      }
    }
  });

  it('agrees with the closed forms for df = 1 (Cauchy), 2 and 4 across the range', () => {
    for (const p of [0.5001, 0.55, 0.7, 0.9, 0.975, 0.999, 0.999999]) {
      // Written in their well-conditioned forms: 1 - p is exact for p >= 1/2.
      const cauchy = p < 0.75 ? Math.tan(Math.PI * (p - 0.5)) : 1 / Math.tan(Math.PI * (1 - p));
      expectRelative(studentTQuantile(p, 1), cauchy, 1e-13);
      expectRelative(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-13);
      if (p < 0.55) continue; // the df = 4 form cancels near the median (q - 1 -> 0)
      const alpha = 4 * p * (1 - p);
      const q = Math.cos(Math.acos(Math.sqrt(alpha)) / 3) / Math.sqrt(alpha);
      expectRelative(studentTQuantile(p, 4), 2 * Math.sqrt(q - 1), 1e-12);
    }
    // Near the median, 40-digit mpmath of the same closed forms.
    expectRelative(studentTQuantile(0.5001, 1), 0.0003141592756943707, 1e-14);
    expectRelative(studentTQuantile(0.5001, 4), 0.0002666666706172547, 1e-14);
  });

  it('approaches the normal quantile for large df, and equals it for df = Infinity', () => {
    expect(studentTQuantile(0.975, Infinity)).toBe(normalQuantile(0.975));
    expect(studentTQuantile(0.975, 1e9)).toBeCloseTo(1.959963984540054, 8);
    expect(studentTQuantile(0.975, 1e5) - studentTQuantile(0.975, 1e6)).toBeGreaterThan(0);
  });

  it('is continuous where it switches from the beta route to the expansion (df = 5000)', () => {
    // Over a step of 1e-6 in df the quantile moves by less than 3e-13 (dt/dν ≈ -(z³ + z) / 4ν²).
    for (const p of [0.6, 0.9, 0.975, 0.9999999]) {
      expectRelative(studentTQuantile(p, 5000 - 1e-6), studentTQuantile(p, 5000), 1e-12);
    }
  });

  it('inverts the CDF', () => {
    for (const df of [0.7, 1, 2.3, 9, 80, 4000]) {
      for (const p of [1e-9, 0.01, 0.3, 0.5, 0.8, 0.99, 1 - 1e-9]) {
        const t = studentTQuantile(p, df);
        const tail = Math.min(p, 1 - p);
        expect(Math.abs(studentTCdf(t, df) - p)).toBeLessThanOrEqual(1e-11 * tail);
      }
    }
  });

  it('returns 0 at the median and ±Infinity at 0 and 1', () => {
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0, 7)).toBe(-Infinity);
    expect(studentTQuantile(1, 7)).toBe(Infinity);
  });

  it('rejects p outside [0, 1] and df <= 0 with E_USAGE', () => {
    for (const [p, df] of [
      [1.1, 3],
      [-0.1, 3],
      [Number.NaN, 3],
      [0.5, 0],
      [0.5, -2],
      [0.5, Number.NaN],
    ] as const) {
      expect(() => studentTQuantile(p, df)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
  });
});

describe('studentTCdf', () => {
  it('matches independent values', () => {
    // scipy.stats.t.cdf / t.sf
    expectRelative(studentTCdf(-2.5, 3), 0.04385332350403278, 1e-13);
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 15);
    expectRelative(1 - studentTCdf(40, 2), 0.0003122073360923703, 1e-10);
    expect(studentTCdf(0, 5)).toBe(0.5);
    expect(studentTCdf(Infinity, 5)).toBe(1);
  });
});

describe('normalQuantile', () => {
  it('matches independent values to 1e-15 relative', () => {
    // scipy.stats.norm.ppf
    expectRelative(normalQuantile(0.975), 1.959963984540054, 1e-15);
    expectRelative(normalQuantile(0.995), 2.5758293035489004, 1e-15);
    expectRelative(normalQuantile(0.9), 1.2815515655446004, 1e-15);
    expectRelative(normalQuantile(0.05), -1.6448536269514729, 1e-15);
    expectRelative(normalQuantile(1e-10), -6.361340902404056, 1e-15);
    expectRelative(normalQuantile(1e-300), -37.0470962993612, 1e-14);
    expectRelative(normalQuantile(0.5000001), 2.506628273311648e-7, 1e-9);
  });

  it('is ±Infinity at the ends and rejects values outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(2)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('regularizedIncompleteBeta', () => {
  it('matches independent values (scipy.special.betainc)', () => {
    expectRelative(regularizedIncompleteBeta(0.4, 2, 3), 0.5248, 1e-14);
    expectRelative(regularizedIncompleteBeta(0.1, 0.5, 0.5), 0.20483276469913345, 1e-14);
    expectRelative(regularizedIncompleteBeta(0.99, 10, 0.5), 0.6579281751567845, 1e-14);
    expectRelative(regularizedIncompleteBeta(0.001, 0.5, 500), 0.6826895526902824, 1e-14);
    expectRelative(regularizedIncompleteBeta(0.41, 200, 300), 0.677628164772179, 1e-12);
  });

  it('agrees with closed forms: I_x(1, b) = 1 - (1-x)^b and I_x(a, 1) = x^a', () => {
    for (const x of [0.001, 0.2, 0.5, 0.93]) {
      expectRelative(regularizedIncompleteBeta(x, 1, 3.5), 1 - Math.pow(1 - x, 3.5), 1e-13);
      expectRelative(regularizedIncompleteBeta(x, 2.5, 1), Math.pow(x, 2.5), 1e-13);
    }
  });

  it('keeps a tiny upper tail precise instead of rounding it to 0', () => {
    // I_x(a, 1) = x^a, so the upper tail is 1 - x^a; at x = 1 - 1e-12, a = 1: 1e-12.
    const tails = incompleteBetaTails(1 - 1e-12, 1, 1);
    expectRelative(tails.upper, 1e-12, 1e-3);
    expect(tails.lower + tails.upper).toBeCloseTo(1, 15);
  });

  it('is 0 at x = 0 and 1 at x = 1', () => {
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });
});

describe('inverseIncompleteBeta', () => {
  it('matches independent values (scipy.special.betaincinv)', () => {
    expectRelative(inverseIncompleteBeta(0.3, 2, 3), 0.27238394207510536, 1e-14);
    expectRelative(inverseIncompleteBeta(0.01, 0.5, 0.5), 0.00024671981713422146, 1e-13);
    expectRelative(inverseIncompleteBeta(0.5, 200, 300), 0.39986656271411614, 1e-13);
  });

  it('inverts both tails', () => {
    for (const [a, b] of [
      [0.5, 0.5],
      [0.5, 40],
      [30, 0.5],
      [3, 7],
    ] as const) {
      for (const p of [1e-10, 0.05, 0.5, 0.95]) {
        const lower = inverseIncompleteBeta(p, a, b, 'lower');
        expectRelative(incompleteBetaTails(lower, a, b).lower, p, 1e-10);
        // A tiny upper tail of a b <= 1 distribution lies within 1e-16 of x = 1, where doubles cannot resolve it.
        if (p < 0.01) continue;
        const upper = inverseIncompleteBeta(p, a, b, 'upper');
        expectRelative(incompleteBetaTails(upper, a, b).upper, p, 1e-10);
      }
    }
  });

  it('finds tiny upper tails of a b > 1 distribution to full precision', () => {
    // I_x(1, b) = 1 - (1-x)^b, so the upper tail p is reached at x = 1 - p^(1/b).
    expectRelative(1 - inverseIncompleteBeta(1e-12, 1, 2, 'upper'), 1e-6, 1e-9);
  });
});

describe('logGamma and logBeta', () => {
  it('match factorials and Γ(1/2) = √π', () => {
    expectRelative(logGamma(5), Math.log(24), 1e-14);
    expectRelative(logGamma(21), Math.log(2432902008176640000), 1e-14);
    expectRelative(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14);
    expectRelative(logGamma(12.5), 18.73434751193645, 1e-14); // scipy.special.gammaln
  });

  it('computes log B(a, b) without cancellation for a large argument', () => {
    // B(1/2, n + 1/2) = π (2n)! / (4^n (n!)^2) ... checked instead through B(1, b) = 1/b exactly.
    for (const b of [3, 15, 1e4, 1e8]) expectRelative(logBeta(1, b), -Math.log(b), 1e-14);
    expectRelative(logBeta(20, 30), logGamma(20) + logGamma(30) - logGamma(50), 1e-13);
    // B(a, b) = B(b, a)
    expect(logBeta(0.5, 3e5)).toBe(logBeta(3e5, 0.5));
  });

  it('throws E_USAGE on bad shapes in the incomplete beta', () => {
    try {
      regularizedIncompleteBeta(0.5, 0, 1);
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_USAGE')).toBe(true);
    }
  });
});
