/**
 * Crash safety: a CLI run killed with SIGKILL midway, or stopped with SIGINT, resumes to exactly one result per
 * (sample, epoch): never a duplicate, never a loss.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '../../src/report/build-report.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { runArgv, runCliCapture, spawnCli, waitForExit } from '../helpers/cli.js';
import { writeChoiceSuite } from '../helpers/write-suite.js';

let dir: string;
let suitePath: string;
let sim: Awaited<ReturnType<typeof startSimulator>>;
const SAMPLES = 300;
const EPOCHS = 2;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-resume-'));
  suitePath = await writeChoiceSuite(join(dir, 'suite'), { count: SAMPLES });
  // Latency keeps the run going long enough to be killed midway.
  sim = await startSimulator({
    suite: await openSuite(suitePath),
    port: 0,
    skill: 0.6,
    latencyMs: 15,
    seed: 3,
  });
});

afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/** Polls the database until `predicate(count of stored results)` holds. */
async function waitForResults(dbFile: string, predicate: (n: number) => boolean): Promise<number> {
  for (;;) {
    try {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        const { n } = db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number };
        if (predicate(n)) return n;
      } finally {
        db.close();
      }
    } catch {
      // Not created yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function unitCounts(dbFile: string): {
  rows: number;
  distinct: number;
  scored: number;
  runStatus: string;
  runId: string;
} {
  const db = new Database(dbFile, { readonly: true });
  const c = db
    .prepare(
      `SELECT COUNT(*) AS rows, COUNT(DISTINCT sample_id || '/' || epoch) AS distinct_units,
              SUM(status = 'scored') AS scored FROM results`,
    )
    .get() as { rows: number; distinct_units: number; scored: number };
  const run = db.prepare('SELECT id, status FROM runs').get() as { id: string; status: string };
  db.close();
  return { rows: c.rows, distinct: c.distinct_units, scored: c.scored, runStatus: run.status, runId: run.id };
}

describe('resume', () => {
  it('after SIGKILL midway re-runs exactly the missing units', async () => {
    const db = join(dir, 'kill.db');
    const child = spawnCli(runArgv(suitePath, sim.url, db, '--epochs', String(EPOCHS), '--concurrency', '8'));
    const exited = waitForExit(child);
    const before = await waitForResults(db, (n) => n >= 60);
    child.kill('SIGKILL');
    const { signal } = await exited;
    expect(signal).toBe('SIGKILL');

    const killed = unitCounts(db);
    expect(killed.runStatus).toBe('running');
    expect(killed.rows).toBeGreaterThanOrEqual(before);
    expect(killed.rows).toBeLessThan(SAMPLES * EPOCHS);

    const resumed = await runCliCapture(['run', suitePath, '--resume', killed.runId, '--db', db, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.samples).toEqual({ total: SAMPLES * EPOCHS, scored: SAMPLES * EPOCHS, errors: 0 });
    const after = unitCounts(db);
    expect(after.rows).toBe(SAMPLES * EPOCHS);
    expect(after.distinct).toBe(SAMPLES * EPOCHS);
    expect(after.scored).toBe(SAMPLES * EPOCHS);
    // The rows stored before the kill were kept, not redone: attempts of 1 each for a fault-free endpoint.
    const conn = new Database(db, { readonly: true });
    const { maxAttempts } = conn.prepare('SELECT MAX(attempts) AS maxAttempts FROM results').get() as {
      maxAttempts: number;
    };
    const { sessions } = conn.prepare('SELECT sessions FROM runs').get() as { sessions: number };
    conn.close();
    expect(maxAttempts).toBe(1);
    expect(sessions).toBe(2);
  });

  it('on SIGINT records the run as interrupted, exits 130 and prints the resume command', async () => {
    const db = join(dir, 'sigint.db');
    const child = spawnCli(runArgv(suitePath, sim.url, db, '--concurrency', '4'));
    const exited = waitForExit(child);
    await waitForResults(db, (n) => n >= 20);
    child.kill('SIGINT');
    const result = await exited;
    expect(result.code).toBe(130);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.status).toBe('interrupted');
    expect(result.stderr).toContain(`--resume ${report.runId}`);
    const stopped = unitCounts(db);
    expect(stopped.runStatus).toBe('interrupted');
    expect(stopped.rows).toBeLessThan(SAMPLES);

    const resumed = await runCliCapture(['run', suitePath, '--resume', report.runId, '--db', db, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = unitCounts(db);
    expect(after.rows).toBe(SAMPLES);
    expect(after.distinct).toBe(SAMPLES);
  });

  it('refuses to resume when the suite content changed', async () => {
    const db = join(dir, 'changed.db');
    // A run that fails (wrong key) stays resumable, so only the changed suite can explain a refusal.
    const locked = await startSimulator({ suite: await openSuite(suitePath), port: 0, apiKey: 'sk-lab' });
    try {
      const first = await runCliCapture(
        runArgv(suitePath, locked.url, db, '--limit', '3', '--api-key-env', 'K'),
        { K: 'sk-wrong' },
      );
      expect(first.code).toBe(4);
      const { runId } = JSON.parse(first.stdout) as RunReport;
      const other = await writeChoiceSuite(join(dir, 'other'), { count: 10 });
      const changed = await runCliCapture(['run', other, '--resume', runId, '--db', db], { K: 'sk-lab' });
      expect(changed.code).toBe(3);
      const same = await runCliCapture(
        ['run', suitePath, '--resume', runId, '--db', db, '--json', '--api-key-env', 'K'],
        { K: 'sk-lab' },
      );
      expect(same.code, same.stderr).toBe(0);
      expect((JSON.parse(same.stdout) as RunReport).samples).toEqual({ total: 3, scored: 3, errors: 0 });
    } finally {
      await locked.close();
    }
  });
});
