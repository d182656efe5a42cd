import { describe, expect, it } from 'vitest';
import { decideOnBasis, designate, designateFromStats } from '../../../src/aggregate/designate.js';
import { computeSufficientStats } from '../../../src/aggregate/sufficient-stats.js';
import { tInterval } from '../../../src/aggregate/t-interval.js';
import type { Policy } from '../../../src/schema/policy.js';

/** n binary scores of which round(n · share) are 1. */
function binary(n: number, share: number): number[] {
  const ones = Math.round(n * share);
  return Array.from({ length: n }, (_, i) => (i < ones ? 1 : 0));
}

function policy(overrides: Partial<Policy> = {}): Policy {
  return { id: 'test-policy', version: 3, metric: 'mean', cutoff: 0.6, basis: 'lower', ...overrides };
}

function run(
  values: Record<string, number[]>,
  p: Policy,
  errorRate = 0,
  weights: Record<string, number> = {},
) {
  return designate({ values: new Map(Object.entries(values)), weights, policy: p, errorRate, method: 't' });
}

const strong = binary(100, 0.95); // 95% ± ~4%: covered at 0.6
const weak = binary(100, 0.1); // 10% ± ~6%: not covered at 0.6

describe('decideOnBasis', () => {
  it('basis lower: covered when lo >= cutoff (including lo == cutoff)', () => {
    expect(decideOnBasis(0.7, [0.6, 0.8], 0.6, 'lower')).toBe('covered');
    expect(decideOnBasis(0.7, [0.61, 0.8], 0.6, 'lower')).toBe('covered');
  });

  it('basis lower: not-covered only when hi < cutoff; hi == cutoff is inconclusive', () => {
    expect(decideOnBasis(0.5, [0.4, 0.6 - 1e-12], 0.6, 'lower')).toBe('not-covered');
    expect(decideOnBasis(0.5, [0.4, 0.6], 0.6, 'lower')).toBe('inconclusive');
    expect(decideOnBasis(0.6, [0.5, 0.7], 0.6, 'lower')).toBe('inconclusive');
  });

  it('basis point: covered when the estimate >= cutoff (including ==), otherwise not-covered', () => {
    expect(decideOnBasis(0.6, [0, 1], 0.6, 'point')).toBe('covered');
    expect(decideOnBasis(0.6 - 1e-12, [0, 1], 0.6, 'point')).toBe('not-covered');
  });

  it('is inconclusive without an estimate or (basis lower) without an interval', () => {
    expect(decideOnBasis(null, null, 0.6, 'lower')).toBe('inconclusive');
    expect(decideOnBasis(null, null, 0.6, 'point')).toBe('inconclusive');
    expect(decideOnBasis(0.9, null, 0.6, 'lower')).toBe('inconclusive');
  });
});

describe('designate', () => {
  it('returns the DESIGN §4 contract fields, extended', () => {
    const d = run({ x: strong }, policy());
    expect(d).toMatchObject({
      policy: { id: 'test-policy', version: 3 },
      decision: 'covered',
      metric: 'mean',
      cutoff: 0.6,
      basis: 'lower',
    });
    expect(Object.keys(d).sort()).toEqual(
      [
        'basis',
        'confidence',
        'cutoff',
        'decision',
        'errorRate',
        'estimate',
        'interval',
        'maxErrorRate',
        'metric',
        'policy',
        'reasons',
        'rule',
      ].sort(),
    );
    expect(d.reasons.length).toBeGreaterThan(0);
  });

  it('is covered when the lower bound clears the cutoff, with the t-interval at the policy confidence', () => {
    const d = run({ x: strong }, policy());
    expect(d.decision).toBe('covered');
    expect(d.estimate).toBeCloseTo(0.95, 15);
    expect(d.interval).toEqual(tInterval(computeSufficientStats(strong), 0.95));
    expect(d.interval?.[0]).toBeGreaterThan(0.6);
  });

  it('is not-covered when the upper bound is below the cutoff', () => {
    const d = run({ x: weak }, policy());
    expect(d.decision).toBe('not-covered');
    expect(d.interval?.[1]).toBeLessThan(0.6);
  });

  it('is inconclusive when the interval straddles the cutoff', () => {
    const d = run({ x: binary(10, 0.6) }, policy());
    expect(d.decision).toBe('inconclusive');
  });

  it('decides the edges: lower bound == cutoff is covered, upper bound == cutoff is inconclusive', () => {
    // zero variance: interval [0.5, 0.5]
    expect(run({ x: [0.5, 0.5, 0.5, 0.5] }, policy({ cutoff: 0.5 })).decision).toBe('covered');
    // one sample: interval [0, 1], and cutoff 1 == upper bound
    const single = run({ x: [0.3] }, policy({ cutoff: 1 }));
    expect(single.interval).toEqual([0, 1]);
    expect(single.decision).toBe('inconclusive');
  });

  it('basis point decides on the estimate, an estimate equal to the cutoff being covered', () => {
    expect(run({ x: new Array<number>(10).fill(0.6) }, policy({ basis: 'point' })).decision).toBe('covered');
    expect(run({ x: binary(10, 0.5) }, policy({ basis: 'point' })).decision).toBe('not-covered');
    // a single sample: the point estimate still decides
    expect(run({ x: [1] }, policy({ basis: 'point' })).decision).toBe('covered');
  });

  it('is inconclusive without samples', () => {
    const d = run({}, policy());
    expect(d).toMatchObject({ decision: 'inconclusive', estimate: null, interval: null });
    expect(run({ x: [] }, policy({ basis: 'point' })).decision).toBe('inconclusive');
  });

  it('computes its intervals at the policy confidence, which can change the decision', () => {
    const values = binary(40, 0.7);
    const loose = run({ x: values }, policy({ confidence: 0.5 }));
    const strict = run({ x: values }, policy({ confidence: 0.99 }));
    expect(loose.confidence).toBe(0.5);
    expect(loose.interval).toEqual(tInterval(computeSufficientStats(values), 0.5));
    expect(strict.interval).toEqual(tInterval(computeSufficientStats(values), 0.99));
    expect(loose.decision).toBe('covered');
    expect(strict.decision).toBe('inconclusive');
  });

  it('decides on the weighted mean for metric weighted', () => {
    const values = { x: strong, y: weak };
    const weights = { x: 1, y: 3 };
    const byMean = run(values, policy({ cutoff: 0.5 }), 0, weights);
    const byWeighted = run(values, policy({ cutoff: 0.5, metric: 'weighted' }), 0, weights);
    expect(byMean.estimate).toBeCloseTo(0.525, 15);
    expect(byMean.decision).toBe('inconclusive');
    expect(byWeighted.estimate).toBeCloseTo(0.25 * 0.95 + 0.75 * 0.1, 15);
    expect(byWeighted.metric).toBe('weighted');
    expect(byWeighted.decision).toBe('not-covered');
  });

  describe('error-rate gate', () => {
    it('makes a covered run inconclusive when the error rate exceeds maxErrorRate, and says why', () => {
      const clean = run({ x: strong }, policy({ maxErrorRate: 0.05 }), 0.05);
      expect(clean.decision).toBe('covered'); // equal is not above
      const gated = run({ x: strong }, policy({ maxErrorRate: 0.05 }), 0.06);
      expect(gated.decision).toBe('inconclusive');
      expect(gated).toMatchObject({
        errorRate: 0.06,
        maxErrorRate: 0.05,
        estimate: clean.estimate,
        interval: clean.interval,
      });
      expect(gated.reasons.length).toBe(clean.reasons.length + 1);
    });

    it('tolerates no errors by default', () => {
      const d = run({ x: strong }, policy(), 0.001);
      expect(d.maxErrorRate).toBe(0);
      expect(d.decision).toBe('inconclusive');
    });

    it('makes a not-covered run inconclusive too', () => {
      expect(run({ x: weak }, policy(), 0.5).decision).toBe('inconclusive');
    });

    it('rejects an error rate outside [0, 1] with E_USAGE', () => {
      expect(() => run({ x: strong }, policy(), 1.5)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
      expect(() => run({ x: strong }, policy(), Number.NaN)).toThrow(
        expect.objectContaining({ code: 'E_USAGE' }),
      );
    });
  });

  describe('categories and rules', () => {
    // overall mean of strong + weak is 0.525, interval about [0.45, 0.60): not-covered at 0.6
    const values = { x: strong, y: weak };

    it('rule any: overall not-covered OR category x covered is covered', () => {
      const d = run(values, policy({ rule: 'any', categories: { x: { cutoff: 0.6 } } }));
      expect(d.categories?.x).toMatchObject({ decision: 'covered', cutoff: 0.6, basis: 'lower', n: 100 });
      expect(d.decision).toBe('covered');
    });

    it('rule any: overall covered OR categories not-covered is covered', () => {
      const d = run(values, policy({ cutoff: 0.3, rule: 'any', categories: { y: { cutoff: 0.6 } } }));
      expect(d.categories?.y?.decision).toBe('not-covered');
      expect(d.decision).toBe('covered');
    });

    it('rule all: overall not-covered AND anything is not-covered', () => {
      const d = run(values, policy({ rule: 'all', categories: { x: { cutoff: 0.6 } } }));
      expect(d.decision).toBe('not-covered');
    });

    it('rule all: covered AND inconclusive is inconclusive; rule any: covered OR inconclusive is covered', () => {
      const categories = { x: { cutoff: 0.6 }, absent: { cutoff: 0.5 } };
      const all = run(values, policy({ cutoff: 0.3, rule: 'all', categories }));
      expect(all.categories?.absent).toEqual({
        decision: 'inconclusive',
        estimate: null,
        interval: null,
        cutoff: 0.5,
        basis: 'lower',
        n: 0,
      });
      expect(all.decision).toBe('inconclusive');
      expect(run(values, policy({ cutoff: 0.3, rule: 'any', categories })).decision).toBe('covered');
    });

    it('rule any: not-covered OR inconclusive is inconclusive', () => {
      const d = run(
        values,
        policy({ rule: 'any', categories: { y: { cutoff: 0.6 }, absent: { cutoff: 0.5 } } }),
      );
      expect(d.categories?.y?.decision).toBe('not-covered');
      expect(d.decision).toBe('inconclusive');
    });

    it("applies a category's own basis", () => {
      const d = run(values, policy({ rule: 'any', categories: { y: { cutoff: 0.1, basis: 'point' } } }));
      expect(d.categories?.y).toMatchObject({ decision: 'covered', basis: 'point' });
      expect(d.categories?.y?.estimate).toBeCloseTo(0.1, 15);
    });

    it('rule overall: reports the category decisions but decides on the overall one', () => {
      const d = run(values, policy({ rule: 'overall', categories: { x: { cutoff: 0.6 } } }));
      expect(d.categories?.x?.decision).toBe('covered');
      expect(d.decision).toBe('not-covered');
    });

    it('leaves categories out of the result when the policy has none', () => {
      expect(run(values, policy())).not.toHaveProperty('categories');
    });
  });

  it('is deterministic with the bootstrap method for a seed', () => {
    const options = {
      values: new Map([['x', binary(30, 0.7)]]),
      weights: {},
      policy: policy(),
      errorRate: 0,
      method: 'bootstrap' as const,
      seed: 9,
    };
    const d = designate(options);
    expect(designate(options)).toEqual(d);
    expect(d.interval).not.toEqual(tInterval(computeSufficientStats(binary(30, 0.7)), 0.95));
  });

  it('shows enough digits in its reasons to tell a bound from the cutoff', () => {
    // lower bound 0.59996... must not print as 0.6 next to "< cutoff 0.6"
    const d = designate({
      values: new Map([['x', [0.59996, 0.59996]]]),
      weights: {},
      policy: policy({ basis: 'point' }),
      errorRate: 0,
      method: 't',
    });
    expect(d.decision).toBe('not-covered');
    expect(d.reasons[0]).toContain('0.59996');
  });
});

describe('designateFromStats', () => {
  it('decides as designate does with t-intervals, from sufficient statistics', () => {
    const p = policy({
      metric: 'weighted',
      rule: 'all',
      categories: { x: { cutoff: 0.9 } },
      confidence: 0.9,
    });
    const weights = { x: 2, y: 1 };
    const fromValues = designate({
      values: new Map([
        ['x', strong],
        ['y', weak],
      ]),
      weights,
      policy: p,
      errorRate: 0,
      method: 't',
    });
    const fromStats = designateFromStats({
      stats: new Map([
        ['x', computeSufficientStats(strong)],
        ['y', computeSufficientStats(weak)],
      ]),
      weights,
      policy: p,
      errorRate: 0,
    });
    expect(fromStats).toEqual(fromValues);
  });
});
