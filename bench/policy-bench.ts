/**
 * Policy analysis at lab scale: loading the statistics of 10,000 completed runs of 10 categories, a what-if over
 * all of them, and a 101-point cutoff sweep. Figures are medians of several timed calls (target: well under 1 s
 * each, aim 100 ms); nothing here fails on a timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPolicyDefaults, type ResolvedPolicy } from '../src/policy/load-policy.js';
import type { Policy } from '../src/schema/policy.js';
import { renderSweepSvg } from '../src/policy/render-sweep-svg.js';
import { sweepCutoffs } from '../src/policy/sweep.js';
import { whatIf } from '../src/policy/whatif.js';
import { openStore, type Db } from '../src/store/open-store.js';
import { loadRunStats } from '../src/store/run-stats.js';
import { insertRun, type NewRun } from '../src/store/runs.js';

const RUNS = 10_000;
const CATEGORIES = 10;
const ITERATIONS = 10;

/** A median timing. */
export interface PolicyFigure {
  name: string;
  medianMs: number;
  iterations: number;
}

/** Builds the database, times the three operations and logs one line per figure; returns the figures. */
export function benchPolicy(log: (line: string) => void): PolicyFigure[] {
  const dir = mkdtempSync(join(tmpdir(), 'redline-policy-bench-'));
  try {
    const db = openStore(join(dir, 'lab.db'));
    try {
      const built = time(1, () => {
        fillDatabase(db);
      });
      log(
        `  (setup: ${RUNS.toLocaleString('en')} completed runs x ${CATEGORIES} categories in ${built.toFixed(0)} ms)`,
      );
      const scale = `${RUNS.toLocaleString('en')} runs x ${CATEGORIES} categories`;
      const runs = loadRunStats(db);
      if (runs.length !== RUNS) throw new Error(`expected ${RUNS} runs, loaded ${runs.length}`);

      const active = policy({ cutoff: 0.6 });
      const sweep = sweepCutoffs(runs, active);
      const figures: PolicyFigure[] = [
        figure(`loadRunStats of ${scale}`, () => loadRunStats(db)),
        figure(`what-if over ${scale} (new cutoff)`, () =>
          whatIf(runs, active, policy({ cutoff: 0.55, version: 2 })),
        ),
        figure(`what-if over ${scale} (weighted metric, 2 category cutoffs, rule any)`, () =>
          whatIf(
            runs,
            active,
            policy({
              metric: 'weighted',
              version: 2,
              rule: 'any',
              categories: { 'category-0': { cutoff: 0.8 }, 'category-1': { cutoff: 0.75 } },
            }),
          ),
        ),
        figure(`101-point sweep over ${scale}`, () => sweepCutoffs(runs, active)),
        figure(`101-point sweep over ${scale} (weighted metric)`, () =>
          sweepCutoffs(runs, active, { metric: 'weighted' }),
        ),
        figure('renderSweepSvg of a 101-point sweep', () => renderSweepSvg(sweep)),
      ];
      for (const f of figures) log(`  ${f.name}: ${formatMs(f.medianMs)} (median of ${f.iterations})`);
      return figures;
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function policy(over: Partial<Policy>): ResolvedPolicy {
  return applyPolicyDefaults({
    id: 'bench',
    version: 1,
    metric: 'mean',
    cutoff: 0.6,
    basis: 'lower',
    confidence: 0.95,
    maxErrorRate: 0.05,
    ...over,
  });
}

function figure(name: string, fn: () => unknown): PolicyFigure {
  fn(); // warm-up: JIT, page cache
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) samples.push(time(1, fn));
  samples.sort((a, b) => a - b);
  const mid = ITERATIONS >> 1;
  const medianMs =
    ITERATIONS % 2 === 1
      ? (samples[mid] as number)
      : ((samples[mid - 1] as number) + (samples[mid] as number)) / 2;
  return { name, medianMs, iterations: ITERATIONS };
}

function time(times: number, fn: () => unknown): number {
  const start = performance.now();
  for (let i = 0; i < times; i++) fn();
  return (performance.now() - start) / times;
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`;
}

/** 10,000 completed runs of 50 models; per category 20-80 samples, varied skill; a few runs with errors. */
function fillDatabase(db: Db): void {
  const categories = Object.fromEntries(
    Array.from({ length: CATEGORIES }, (_, c) => [`category-${c}`, { weight: 1 + (c % 3) }]),
  );
  const insertStats = db.prepare(
    'INSERT INTO run_stats (run_id, category, weight, n, sum, sum_sq) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertTotals = db.prepare(
    'INSERT INTO run_totals (run_id, scored, errors, computed_at) VALUES (?, ?, ?, ?)',
  );
  let seed = 42;
  const random = (): number => {
    // mulberry32: deterministic figures from run to run.
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  db.transaction(() => {
    for (let r = 0; r < RUNS; r++) {
      const id = `20261126-${String(100000 + r)}-${((r * 2654435761) >>> 0).toString(16).padStart(8, '0')}`;
      const startedAt = new Date(Date.UTC(2026, 10, 1) + r * 60_000).toISOString();
      const run: NewRun = {
        id,
        suite: {
          id: `suite-${r % 4}`,
          version: '1.0.0',
          sha256: 'ab'.repeat(32),
          title: 'Bench',
          path: 'suites/bench',
        },
        categories,
        model: `model-${r % 50}`,
        endpoint: 'http://127.0.0.1:8000/v1',
        developer: `developer-${r % 7}`,
        params: {
          epochs: 1,
          limit: null,
          seed: 1,
          reducer: 'mean',
          ci: 't',
          timeoutMs: 60_000,
          maxAttempts: 3,
          apiKeyEnv: 'REDLINE_API_KEY',
        },
        policy: {},
        harnessVersion: '0.0.0',
        sampleCount: 0,
        totalUnits: 0,
        startedAt,
        host: 'bench',
        pid: 1,
      };
      insertRun(db, run);
      const skill = 0.2 + 0.7 * random();
      let scored = 0;
      for (let c = 0; c < CATEGORIES; c++) {
        const n = 20 + Math.floor(random() * 61);
        let sum = 0;
        for (let i = 0; i < n; i++) if (random() < skill) sum++;
        insertStats.run(id, `category-${c}`, 1 + (c % 3), n, sum, sum); // binary scores: sumSq = sum
        scored += n;
      }
      const errors = random() < 0.05 ? Math.floor(scored * 0.1) : 0;
      insertTotals.run(id, scored, errors, startedAt);
    }
    db.prepare(
      `UPDATE runs SET status = 'completed', finished_at = started_at, updated_at = started_at`,
    ).run();
  })();
}
