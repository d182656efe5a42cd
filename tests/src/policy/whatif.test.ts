/**
 * What-if: stored runs decided under the active and a proposed policy. The runs are real (a temp SQLite file,
 * result rows with chosen scores) and built around the cutoff; the expected decisions are recomputed here from
 * the rows (own means, variances and intervals; only the t quantile is the project's).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designateFromStats } from '../../../src/aggregate/designate.js';
import type { Decision } from '../../../src/aggregate/kleene.js';
import type { SufficientStats } from '../../../src/aggregate/sufficient-stats.js';
import { studentTQuantile } from '../../../src/aggregate/t-quantile.js';
import { applyPolicyDefaults, type ResolvedPolicy } from '../../../src/policy/load-policy.js';
import { decideRun } from '../../../src/policy/run-decision.js';
import { whatIf } from '../../../src/policy/whatif.js';
import type { Policy } from '../../../src/schema/policy.js';
import { openStore, type Db } from '../../../src/store/open-store.js';
import { createResultWriter, type ResultRecord } from '../../../src/store/results.js';
import { loadRunStats, type RunStats } from '../../../src/store/run-stats.js';
import { endSession, insertRun } from '../../../src/store/runs.js';
import { newRunRecord, resultOf } from '../../helpers/add-run.js';

let dir: string;
let db: Db;
let runs: RunStats[];

const policy = (over: Partial<Policy> = {}): ResolvedPolicy =>
  applyPolicyDefaults({
    id: 'covered-frontier-cyber',
    version: 1,
    metric: 'mean',
    cutoff: 0.6,
    basis: 'lower',
    confidence: 0.95,
    maxErrorRate: 0.05,
    ...over,
  });
const active = policy();

/**
 * Binary scores, 60 crypto + 40 web samples per run. Pooled 95% t intervals: A [0.6305, 0.8095] just above 0.6,
 * B [0.5023, 0.6977] straddling it, C [0.4003, 0.5997] just below it, D [0.8402, 0.9598] but with 10 errored
 * units of 110 (9.1% > maxErrorRate 5%).
 */
const SPECS = [
  { id: 'run-a', model: 'model-x', crypto: 45, web: 27, errors: 0, startedAt: '2026-11-04T00:00:00.000Z' },
  { id: 'run-b', model: 'model-y', crypto: 38, web: 22, errors: 0, startedAt: '2026-11-03T00:00:00.000Z' },
  { id: 'run-c', model: 'model-x', crypto: 28, web: 22, errors: 0, startedAt: '2026-11-02T00:00:00.000Z' },
  { id: 'run-d', model: 'model-y', crypto: 55, web: 35, errors: 10, startedAt: '2026-11-01T00:00:00.000Z' },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-whatif-'));
  db = openStore(join(dir, 'lab.db'));
  const writer = createResultWriter(db);
  for (const spec of SPECS) {
    insertRun(
      db,
      newRunRecord({
        id: spec.id,
        suite: {
          id: 'cyber',
          version: '1.0.0',
          sha256: 'ab'.repeat(32),
          title: 'Cyber',
          path: 'suites/cyber',
        },
        categories: { crypto: { weight: 2 }, web: { weight: 1 } },
        model: spec.model,
        developer: null,
        sampleCount: 100 + spec.errors,
        totalUnits: 100 + spec.errors,
        startedAt: spec.startedAt,
      }),
    );
    const records: ResultRecord[] = [];
    const add = (category: string, count: number, ones: number): void => {
      for (let i = 0; i < count; i++)
        records.push(resultOf(spec.id, `${category}-${i}`, 1, category, i < ones ? 1 : 0));
    };
    add('crypto', 60, spec.crypto);
    add('web', 40, spec.web);
    for (let i = 0; i < spec.errors; i++) records.push(resultOf(spec.id, `err-${i}`, 1, 'crypto', 'error'));
    writer.write(records);
    endSession(db, spec.id, { status: 'completed', at: spec.startedAt, elapsedMs: 1 });
  }
  runs = loadRunStats(db);
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

interface Independent {
  decision: Decision;
  estimate: number | null;
  lower: number | null;
}

/** The decision recomputed from the rows: own reduction, mean, two-pass variance, interval and rules. */
function decideFromRows(runId: string, p: ResolvedPolicy): Independent {
  const rows = db
    .prepare('SELECT sample_id, category, status, score FROM results WHERE run_id = ?')
    .all(runId) as { sample_id: string; category: string; status: string; score: number | null }[];
  const bySample = new Map<string, { category: string; scores: number[] }>();
  let errors = 0;
  for (const row of rows) {
    if (row.status === 'error') {
      errors++;
      continue;
    }
    const entry = bySample.get(row.sample_id) ?? { category: row.category, scores: [] };
    entry.scores.push(row.score as number);
    bySample.set(row.sample_id, entry);
  }
  const values = new Map<string, number[]>();
  for (const { category, scores } of bySample.values()) {
    const list = values.get(category) ?? [];
    list.push(scores.reduce((a, b) => a + b, 0) / scores.length);
    values.set(category, list);
  }
  const weights: Record<string, number> = { crypto: 2, web: 1 };
  const describe = (xs: number[]): { mean: number; variance: number; n: number } => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
    return { mean, variance, n: xs.length };
  };
  const interval = (estimate: number, stderr: number, df: number): [number, number] => {
    const t = -studentTQuantile((1 - p.confidence) / 2, df);
    return [Math.max(0, estimate - t * stderr), Math.min(1, estimate + t * stderr)];
  };
  const compare = (estimate: number, [lo, hi]: [number, number], cutoff: number, basis: string): Decision => {
    if (basis === 'point') return estimate >= cutoff ? 'covered' : 'not-covered';
    return lo >= cutoff ? 'covered' : hi < cutoff ? 'not-covered' : 'inconclusive';
  };

  let estimate: number;
  let ci: [number, number];
  if (p.metric === 'mean') {
    const all = describe([...values.values()].flat());
    estimate = all.mean;
    ci = interval(all.mean, Math.sqrt(all.variance / all.n), all.n - 1);
  } else {
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    let variance = 0;
    let dfDenominator = 0;
    estimate = 0;
    for (const [name, w] of Object.entries(weights)) {
      const c = describe(values.get(name) ?? []);
      const share = w / total;
      estimate += share * c.mean;
      const a = (share * share * c.variance) / c.n;
      variance += a;
      dfDenominator += (a * a) / (c.n - 1);
    }
    ci = interval(estimate, Math.sqrt(variance), (variance * variance) / dfDenominator);
  }
  let decision = compare(estimate, ci, p.cutoff, p.basis);
  if (p.categories !== undefined && p.rule !== 'overall') {
    const parts = Object.entries(p.categories).map(([name, rule]) => {
      const c = describe(values.get(name) ?? []);
      return compare(c.mean, interval(c.mean, Math.sqrt(c.variance / c.n), c.n - 1), rule.cutoff, rule.basis);
    });
    const all = [decision, ...parts];
    const or = all.includes('covered')
      ? 'covered'
      : all.includes('inconclusive')
        ? 'inconclusive'
        : 'not-covered';
    const and = all.includes('not-covered')
      ? 'not-covered'
      : all.includes('inconclusive')
        ? 'inconclusive'
        : 'covered';
    decision = p.rule === 'any' ? or : and;
  }
  if (errors / (bySample.size + errors) > p.maxErrorRate) decision = 'inconclusive';
  return { decision, estimate, lower: p.basis === 'lower' ? ci[0] : estimate };
}

const decisionsOf = (p: ResolvedPolicy): Record<string, Decision> =>
  Object.fromEntries(SPECS.map((s) => [s.id, decideFromRows(s.id, p).decision]));

describe('whatIf', () => {
  it('the runs sit where they were built: above, across and below the active cutoff, and one over the error gate', () => {
    expect(decisionsOf(active)).toEqual({
      'run-a': 'covered',
      'run-b': 'inconclusive',
      'run-c': 'not-covered',
      'run-d': 'inconclusive',
    });
  });

  const proposals: [string, ResolvedPolicy, Record<string, Decision>][] = [
    [
      'a higher cutoff: covered -> inconclusive and inconclusive -> not-covered',
      policy({ version: 2, cutoff: 0.7 }),
      { 'run-a': 'inconclusive', 'run-b': 'not-covered', 'run-c': 'not-covered', 'run-d': 'inconclusive' },
    ],
    [
      'a lower cutoff: not-covered -> inconclusive',
      policy({ version: 2, cutoff: 0.55 }),
      { 'run-a': 'covered', 'run-b': 'inconclusive', 'run-c': 'inconclusive', 'run-d': 'inconclusive' },
    ],
    [
      'a cutoff that changes nothing',
      policy({ version: 2, cutoff: 0.62 }),
      { 'run-a': 'covered', 'run-b': 'inconclusive', 'run-c': 'not-covered', 'run-d': 'inconclusive' },
    ],
    [
      'a tolerated error rate: inconclusive -> covered',
      policy({ version: 2, maxErrorRate: 0.1 }),
      { 'run-a': 'covered', 'run-b': 'inconclusive', 'run-c': 'not-covered', 'run-d': 'covered' },
    ],
    [
      'the point estimate',
      policy({ version: 2, basis: 'point' }),
      { 'run-a': 'covered', 'run-b': 'covered', 'run-c': 'not-covered', 'run-d': 'inconclusive' },
    ],
    [
      'the weighted metric with a category cutoff, rule all',
      policy({ version: 2, metric: 'weighted', categories: { crypto: { cutoff: 0.6 } }, rule: 'all' }),
      { 'run-a': 'covered', 'run-b': 'inconclusive', 'run-c': 'not-covered', 'run-d': 'inconclusive' },
    ],
    [
      'a category cutoff, rule any, at 90% confidence',
      policy({
        version: 2,
        confidence: 0.9,
        categories: { web: { cutoff: 0.5, basis: 'point' } },
        rule: 'any',
      }),
      { 'run-a': 'covered', 'run-b': 'covered', 'run-c': 'covered', 'run-d': 'inconclusive' },
    ],
  ];

  for (const [name, proposed, expected] of proposals) {
    it(`matches the decisions recomputed from the rows: ${name}`, () => {
      expect(decisionsOf(proposed)).toEqual(expected);
      const result = whatIf(runs, active, proposed);
      expect(result.active).toEqual({ id: active.id, version: 1 });
      expect(result.proposed).toEqual({ id: proposed.id, version: 2 });
      expect(result.runs.map((r) => r.runId)).toEqual(['run-a', 'run-b', 'run-c', 'run-d']);
      for (const run of result.runs) {
        const before = decideFromRows(run.runId, active);
        const after = decideFromRows(run.runId, proposed);
        expect(run.active, run.runId).toBe(before.decision);
        expect(run.proposed, run.runId).toBe(after.decision);
        expect(run.changed).toBe(before.decision !== after.decision);
        expect(run.estimate).toBeCloseTo(after.estimate as number, 12);
        expect(run.margin).toBeCloseTo((after.lower as number) - proposed.cutoff, 12);
      }
    });
  }

  it('counts runs, transitions and models (a model is covered when any of its runs is)', () => {
    const result = whatIf(runs, active, proposals[0]![1]);
    expect(result.summary).toEqual({
      runs: 4,
      changed: 2,
      active: { covered: 1, notCovered: 1, inconclusive: 2 },
      proposed: { covered: 0, notCovered: 2, inconclusive: 2 },
      transitions: {
        'covered->not-covered': 0,
        'covered->inconclusive': 1,
        'not-covered->covered': 0,
        'not-covered->inconclusive': 0,
        'inconclusive->covered': 0,
        'inconclusive->not-covered': 1,
      },
      models: {
        models: 2,
        changed: 1,
        active: { covered: 1, notCovered: 0, inconclusive: 1 },
        proposed: { covered: 0, notCovered: 0, inconclusive: 2 },
        transitions: {
          'covered->not-covered': 0,
          'covered->inconclusive': 1,
          'not-covered->covered': 0,
          'not-covered->inconclusive': 0,
          'inconclusive->covered': 0,
          'inconclusive->not-covered': 0,
        },
      },
    });
    expect(result.models).toEqual([
      { model: 'model-x', runs: 2, active: 'covered', proposed: 'inconclusive', changed: true },
      { model: 'model-y', runs: 2, active: 'inconclusive', proposed: 'inconclusive', changed: false },
    ]);
  });

  it('reports the margin under the proposed metric and basis, and null without an estimate', () => {
    const empty: RunStats = {
      runId: 'empty',
      model: 'model-z',
      suite: { id: 'cyber', version: '1.0.0' },
      developer: null,
      categories: new Map([['crypto', { weight: 1, stats: { n: 0, sum: 0, sumSq: 0 } }]]),
      scored: 0,
      errors: 0,
    };
    const point = policy({ version: 2, basis: 'point', cutoff: 0.5 });
    const result = whatIf([...runs, empty], active, point);
    expect(result.runs[0]?.margin).toBeCloseTo(0.72 - 0.5, 12);
    expect(result.runs[4]).toMatchObject({ margin: null, estimate: null, active: 'inconclusive' });
  });

  it('attaches the reasons of both designations to changed runs only, when asked', () => {
    const proposed = proposals[0]![1];
    const result = whatIf(runs, active, proposed, { explain: true });
    for (const [i, run] of result.runs.entries()) {
      if (!run.changed) {
        expect(run.reasons).toBeUndefined();
        continue;
      }
      const stats = new Map([...runs[i]!.categories].map(([k, v]) => [k, v.stats]));
      const weights = Object.fromEntries([...runs[i]!.categories].map(([k, v]) => [k, v.weight]));
      const errorRate = runs[i]!.errors / (runs[i]!.scored + runs[i]!.errors);
      expect(run.reasons).toEqual({
        active: designateFromStats({ stats, weights, policy: active, errorRate }).reasons,
        proposed: designateFromStats({ stats, weights, policy: proposed, errorRate }).reasons,
      });
    }
    expect(whatIf(runs, active, proposed).runs.every((r) => r.reasons === undefined)).toBe(true);
  });
});

describe('decideRun', () => {
  // A seeded generator: the same cases on every run of the suite.
  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('reaches the decision, estimate and interval of designateFromStats, bit for bit, on 3,000 random cases', () => {
    const next = random(20261126);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const names = ['crypto', 'web', 'pwn', 'forensics'];
    for (let i = 0; i < 3000; i++) {
      const categories = new Map<string, { weight: number; stats: SufficientStats }>();
      for (const name of names) {
        if (next() < 0.2) continue;
        const n = pick([0, 1, 2, 3, 10, 47, 200]);
        const kind = pick(['binary', 'fraction', 'constant']);
        let sum = 0;
        let sumSq = 0;
        const constant = Math.round(next() * 4) / 4;
        for (let j = 0; j < n; j++) {
          const x = kind === 'binary' ? (next() < 0.6 ? 1 : 0) : kind === 'constant' ? constant : next();
          sum += x;
          sumSq += x * x;
        }
        categories.set(name, { weight: pick([0, 0.5, 1, 2, 3]), stats: { n, sum, sumSq } });
      }
      const scored = [...categories.values()].reduce((a, c) => a + c.stats.n, 0);
      const run: RunStats = {
        runId: `r${i}`,
        model: 'm',
        suite: { id: 's', version: '1' },
        developer: null,
        categories,
        scored,
        errors: pick([0, 0, 0, 1, 5]),
      };
      const withCategories = next() < 0.5;
      const p = policy({
        metric: pick(['mean', 'weighted'] as const),
        basis: pick(['lower', 'point'] as const),
        cutoff: pick([0, 0.25, 0.5, 0.6, 0.75, 1, next()]),
        confidence: pick([0.8, 0.9, 0.95, 0.99]),
        maxErrorRate: pick([0, 0.05, 0.5]),
        ...(withCategories
          ? {
              rule: pick(['overall', 'any', 'all'] as const),
              categories: Object.fromEntries(
                names
                  .filter(() => next() < 0.5)
                  .concat('crypto')
                  .map((name) => [
                    name,
                    { cutoff: pick([0.3, 0.6, 0.9]), basis: pick(['lower', 'point'] as const) },
                  ]),
              ),
            }
          : {}),
      });
      const stats = new Map([...categories].map(([k, v]) => [k, v.stats]));
      const weights = Object.fromEntries([...categories].map(([k, v]) => [k, v.weight]));
      const attempted = run.scored + run.errors;
      const reference = designateFromStats({
        stats,
        weights,
        policy: p,
        errorRate: attempted === 0 ? 0 : run.errors / attempted,
      });
      const fast = decideRun(run, p);
      expect(
        { decision: fast.decision, estimate: fast.estimate, interval: fast.interval },
        `case ${i}`,
      ).toEqual({
        decision: reference.decision,
        estimate: reference.estimate,
        interval: reference.interval,
      });
      if (reference.categories !== undefined) {
        expect(fast.categories).toEqual(
          Object.fromEntries(Object.entries(reference.categories).map(([k, v]) => [k, v.decision])),
        );
      }
    }
  });
});
