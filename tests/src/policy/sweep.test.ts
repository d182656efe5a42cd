/**
 * Cutoff sweeps: the counts at each cutoff equal a brute-force designation of every run at that cutoff, and the
 * cutoffs are exact decimals.
 */
import { describe, expect, it } from 'vitest';
import { designateFromStats } from '../../../src/aggregate/designate.js';
import { kleeneOr, type Decision } from '../../../src/aggregate/kleene.js';
import { RedlineError } from '../../../src/errors.js';
import { applyPolicyDefaults, type ResolvedPolicy } from '../../../src/policy/load-policy.js';
import { generateCutoffs, sweepCutoffs, type SweepOptions } from '../../../src/policy/sweep.js';
import type { Policy } from '../../../src/schema/policy.js';
import type { RunStats } from '../../../src/store/run-stats.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof RedlineError ? error.code : 'not a RedlineError';
  }
  return undefined;
}

const policy = (over: Partial<Policy> = {}): ResolvedPolicy =>
  applyPolicyDefaults({
    id: 'covered-frontier-cyber',
    version: 3,
    metric: 'mean',
    cutoff: 0.6,
    basis: 'lower',
    maxErrorRate: 0.05,
    ...over,
  });

/** Seeded runs of 12 models: 2-3 categories, binary or fractional scores, some errors, some empty categories. */
function makeRuns(count: number, seed: number): RunStats[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const runs: RunStats[] = [];
  for (let r = 0; r < count; r++) {
    const skill = next();
    const categories = new Map<
      string,
      { weight: number; stats: { n: number; sum: number; sumSq: number } }
    >();
    let scored = 0;
    for (const [name, weight] of [
      ['crypto', 2],
      ['web', 1],
      ['pwn', 1],
    ] as const) {
      if (name === 'pwn' && r % 3 === 0) continue;
      const n = r % 17 === 0 && name === 'web' ? 0 : 5 + Math.floor(next() * 60);
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < n; i++) {
        const x = r % 2 === 0 ? (next() < skill ? 1 : 0) : Math.min(1, skill * 2 * next());
        sum += x;
        sumSq += x * x;
      }
      categories.set(name, { weight, stats: { n, sum, sumSq } });
      scored += n;
    }
    runs.push({
      runId: `run-${r}`,
      model: `model-${r % 12}`,
      suite: { id: 'cyber', version: '1.0.0' },
      developer: null,
      categories,
      scored,
      errors: r % 11 === 0 ? Math.ceil(scored * 0.1) : 0,
    });
  }
  return runs;
}

/** Every run designated at every cutoff by designateFromStats, counted; models by Kleene OR of their runs. */
function bruteForce(runs: readonly RunStats[], base: ResolvedPolicy, options: SweepOptions): unknown[] {
  const points = [];
  for (const cutoff of generateCutoffs(options.from ?? 0, options.to ?? 1, options.step ?? 0.01)) {
    const p: ResolvedPolicy = {
      ...base,
      cutoff,
      metric: options.metric ?? base.metric,
      basis: options.basis ?? base.basis,
    };
    const counts = { covered: 0, notCovered: 0, inconclusive: 0 };
    const models = new Map<string, Decision>();
    for (const run of runs) {
      const stats = new Map([...run.categories].map(([k, v]) => [k, v.stats]));
      const weights = Object.fromEntries([...run.categories].map(([k, v]) => [k, v.weight]));
      const attempted = run.scored + run.errors;
      const { decision } = designateFromStats({
        stats,
        weights,
        policy: p,
        errorRate: attempted === 0 ? 0 : run.errors / attempted,
      });
      counts[decision === 'not-covered' ? 'notCovered' : decision]++;
      models.set(run.model, kleeneOr(models.get(run.model) ?? 'not-covered', decision));
    }
    const modelCounts = { covered: 0, notCovered: 0, inconclusive: 0 };
    for (const d of models.values()) modelCounts[d === 'not-covered' ? 'notCovered' : d]++;
    points.push({ cutoff, ...counts, models: modelCounts });
  }
  return points;
}

describe('sweepCutoffs', () => {
  const runs = makeRuns(90, 7);
  const cases: [string, ResolvedPolicy, SweepOptions][] = [
    ['mean, lower bound', policy(), { step: 0.025 }],
    [
      'weighted metric, point estimate (overrides)',
      policy(),
      { metric: 'weighted', basis: 'point', step: 0.025 },
    ],
    [
      'category cutoffs, rule any',
      policy({ rule: 'any', categories: { crypto: { cutoff: 0.7 }, pwn: { cutoff: 0.4, basis: 'point' } } }),
      { from: 0.2, to: 0.9, step: 0.02 },
    ],
    [
      'category cutoffs, rule all, 90% confidence',
      policy({ rule: 'all', confidence: 0.9, categories: { web: { cutoff: 0.3 } } }),
      { step: 0.025 },
    ],
    [
      'category cutoffs reported only (rule overall), no error tolerance',
      policy({ rule: 'overall', maxErrorRate: 0, categories: { web: { cutoff: 0.9 } } }),
      { step: 0.05 },
    ],
  ];
  for (const [name, base, options] of cases) {
    it(`counts what designating every run at every cutoff counts: ${name}`, () => {
      const sweep = sweepCutoffs(runs, base, options);
      expect(sweep.points).toEqual(bruteForce(runs, base, options));
      expect(sweep).toMatchObject({
        metric: options.metric ?? base.metric,
        basis: options.basis ?? base.basis,
        active: base.cutoff,
        policy: { id: base.id, version: 3 },
        runs: 90,
        models: 12,
      });
      for (const point of sweep.points)
        expect(point.covered + point.notCovered + point.inconclusive).toBe(90);
      // The sweep moves decisions: no case is trivially constant.
      const covered = sweep.points.map((p) => p.covered);
      expect(Math.max(...covered)).toBeGreaterThan(Math.min(...covered));
    });
  }

  it('sweeps 0 to 1 by 0.01 by default, and counts nothing without runs', () => {
    const sweep = sweepCutoffs([], policy());
    expect(sweep.points).toHaveLength(101);
    expect(sweep.points[60]).toEqual({
      cutoff: 0.6,
      covered: 0,
      notCovered: 0,
      inconclusive: 0,
      models: { covered: 0, notCovered: 0, inconclusive: 0 },
    });
  });
});

describe('generateCutoffs', () => {
  it('gives exact decimals, not accumulated floating drift', () => {
    // i / 100 is the double nearest the decimal; from + i * 0.01 is not always (7 * 0.01 = 0.07000000000000001).
    expect(generateCutoffs(0, 1, 0.01)).toEqual(Array.from({ length: 101 }, (_, i) => i / 100));
    expect(generateCutoffs(0.3, 0.9, 0.05)).toEqual(Array.from({ length: 13 }, (_, i) => (30 + 5 * i) / 100));
    expect(generateCutoffs(0.1, 0.2, 0.025)).toEqual([0.1, 0.125, 0.15, 0.175, 0.2]);
    expect(generateCutoffs(0.105, 0.145, 0.01)).toEqual([0.105, 0.115, 0.125, 0.135, 0.145]);
    expect(generateCutoffs(0, 0.00003, 1e-5)).toEqual([0, 0.00001, 0.00002, 0.00003]);
  });

  it('stops at the last cutoff not beyond `to`, and allows a single point', () => {
    expect(generateCutoffs(0, 1, 0.3)).toEqual([0, 0.3, 0.6, 0.9]);
    expect(generateCutoffs(0.6, 0.6, 0.01)).toEqual([0.6]);
    expect(generateCutoffs(0, 1, 0.0001)).toHaveLength(10_001);
  });

  it('refuses a reversed or out-of-range span, a step that is not positive, and too many points', () => {
    expect(codeOf(() => generateCutoffs(0.7, 0.6, 0.01))).toBe('E_USAGE');
    expect(codeOf(() => generateCutoffs(-0.1, 0.6, 0.01))).toBe('E_USAGE');
    expect(codeOf(() => generateCutoffs(0, 1.5, 0.01))).toBe('E_USAGE');
    expect(codeOf(() => generateCutoffs(Number.NaN, 1, 0.01))).toBe('E_USAGE');
    expect(codeOf(() => generateCutoffs(0, 1, 0))).toBe('E_USAGE');
    expect(codeOf(() => generateCutoffs(0, 1, -0.01))).toBe('E_USAGE');
    expect(codeOf(() => generateCutoffs(0, 1, Number.POSITIVE_INFINITY))).toBe('E_USAGE');
    expect(codeOf(() => generateCutoffs(0, 1, 0.00001))).toBe('E_USAGE');
    expect(codeOf(() => sweepCutoffs([], policy(), { from: 0.9, to: 0.1 }))).toBe('E_USAGE');
  });
});
