/**
 * End to end: the CLI runs a suite against the simulator over loopback HTTP, through real worker threads, into a
 * real SQLite file; the report is checked against the stored rows, recomputed independently.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '../../src/report/build-report.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { runArgv, runCliCapture } from '../helpers/cli.js';
import {
  GENERATED_RUN_OPTIONS,
  listedGeneratedRun,
  startGeneratedSimulator,
  writeGeneratedSuite,
} from '../helpers/generated-run.js';

let dir: string;
let suitePath: string;
let sim: Awaited<ReturnType<typeof startSimulator>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-e2e-'));
  suitePath = await writeGeneratedSuite(join(dir, 'suite'));
  sim = await startGeneratedSimulator(suitePath);
});

afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

interface Row {
  sample_id: string;
  epoch: number;
  category: string;
  status: string;
  score: number | null;
}

/** Means recomputed from the stored rows with plain SQL and arithmetic, independent of src/aggregate. */
function recompute(
  dbFile: string,
  runId: string,
): { overall: number; n: number; categories: Record<string, number> } {
  const db = new Database(dbFile, { readonly: true });
  const rows = db
    .prepare('SELECT sample_id, epoch, category, status, score FROM results WHERE run_id = ?')
    .all(runId) as Row[];
  db.close();
  const perSample = new Map<string, { category: string; scores: number[] }>();
  for (const row of rows) {
    if (row.status !== 'scored' || row.score === null) continue;
    const entry = perSample.get(row.sample_id) ?? { category: row.category, scores: [] };
    entry.scores.push(row.score);
    perSample.set(row.sample_id, entry);
  }
  const byCategory = new Map<string, number[]>();
  const all: number[] = [];
  for (const { category, scores } of perSample.values()) {
    const value = scores.reduce((a, b) => a + b, 0) / scores.length;
    all.push(value);
    byCategory.set(category, [...(byCategory.get(category) ?? []), value]);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    overall: mean(all),
    n: all.length,
    categories: Object.fromEntries([...byCategory].map(([c, xs]) => [c, mean(xs)])),
  };
}

describe('redline run', () => {
  it('reports means equal to those recomputed from the stored per-sample rows', async () => {
    const db = join(dir, 'means.db');
    const result = await runCliCapture(
      runArgv(suitePath, sim.url, db, ...GENERATED_RUN_OPTIONS, '--workers', '2'),
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.samples).toEqual({ total: 270, scored: 270, errors: 0 });
    expect(report.developer).toBe('acme');
    const expected = recompute(db, report.runId);
    expect(report.overall.n).toBe(expected.n);
    expect(report.overall.mean).toBeCloseTo(expected.overall, 12);
    for (const [category, mean] of Object.entries(expected.categories)) {
      expect(report.categories[category]?.mean).toBeCloseTo(mean, 12);
    }
    // The simulator's skill is 0.7: the estimate must be plausible, and the interval must contain the mean.
    const mean = report.overall.mean ?? Number.NaN;
    const [lo, hi] = report.overall.ci ?? [Number.NaN, Number.NaN];
    expect(mean).toBeGreaterThan(0.5);
    expect(mean).toBeLessThan(0.9);
    expect(lo).toBeLessThan(mean);
    expect(hi).toBeGreaterThan(mean);
    expect(['covered', 'not-covered', 'inconclusive']).toContain(report.designation.decision);

    const again = await runCliCapture(['report', report.runId, '--db', db, '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as RunReport).overall).toEqual(report.overall);

    const runs = await runCliCapture(['runs', '--db', db, '--json']);
    const listed = JSON.parse(runs.stdout) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject(listedGeneratedRun(report.runId));
    expect(typeof listed[0]!.startedAt).toBe('string');
  });

  it('completes a run against a faulty endpoint with every unit scored exactly once', async () => {
    const faulty = await startSimulator({
      suite: await openSuite(suitePath),
      port: 0,
      skill: 0.7,
      seed: 5,
      faultRate: 0.2,
    });
    try {
      const db = join(dir, 'faults.db');
      const result = await runCliCapture(
        runArgv(
          suitePath,
          faulty.url,
          db,
          '--epochs',
          '2',
          '--retry-base-ms',
          '1',
          '--max-attempts',
          '12',
          '--concurrency',
          '8',
        ),
      );
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as RunReport;
      expect(report.samples).toEqual({ total: 180, scored: 180, errors: 0 });
      const stats = faulty.stats();
      const injected =
        stats.faults.rateLimited + stats.faults.serverError + stats.faults.reset + stats.faults.malformed;
      expect(injected).toBeGreaterThan(10);
      const conn = new Database(db, { readonly: true });
      const counts = conn
        .prepare(
          "SELECT COUNT(*) AS n, COUNT(DISTINCT sample_id || '/' || epoch) AS distinct_units, SUM(attempts) AS attempts FROM results",
        )
        .get() as { n: number; distinct_units: number; attempts: number };
      conn.close();
      expect(counts.n).toBe(180);
      expect(counts.distinct_units).toBe(180);
      expect(counts.attempts).toBeGreaterThan(180);
    } finally {
      await faulty.close();
    }
  });

  it('stops the run as failed with exit 4 when the endpoint rejects the credentials', async () => {
    const locked = await startSimulator({ suite: await openSuite(suitePath), port: 0, apiKey: 'sk-right' });
    try {
      const db = join(dir, 'auth.db');
      const result = await runCliCapture(runArgv(suitePath, locked.url, db, '--api-key-env', 'TEST_KEY'), {
        TEST_KEY: 'sk-wrong-secret',
      });
      expect(result.code).toBe(4);
      const report = JSON.parse(result.stdout) as RunReport;
      expect(report.status).toBe('failed');
      expect(result.stderr).toContain('--resume');
      expect(result.stdout + result.stderr).not.toContain('sk-wrong-secret');
      const conn = new Database(db, { readonly: true });
      const dump =
        JSON.stringify(conn.prepare('SELECT * FROM runs').all()) +
        JSON.stringify(conn.prepare('SELECT * FROM results').all());
      conn.close();
      expect(dump).not.toContain('sk-wrong-secret');
    } finally {
      await locked.close();
    }
  });

  it('refuses a new run without --endpoint as a usage error', async () => {
    const result = await runCliCapture(['run', suitePath, '--model', 'sim', '--db', join(dir, 'x.db')]);
    expect(result.code).toBe(2);
  });

  it('refuses to resume a completed run with nothing left to do', async () => {
    const db = join(dir, 'done.db');
    const first = await runCliCapture(runArgv(suitePath, sim.url, db, '--limit', '5'));
    expect(first.code, first.stderr).toBe(0);
    const { runId } = JSON.parse(first.stdout) as RunReport;
    const again = await runCliCapture(['run', suitePath, '--resume', runId, '--db', db, '--json']);
    expect(again.code).toBe(3);
  });
});
