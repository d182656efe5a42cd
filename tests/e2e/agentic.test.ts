/**
 * Agentic CTF tasks end to end: the simulated agent solves the shipped challenges by running their solution
 * commands in real bubblewrap sandboxes; transcripts are stored and shown; an interrupted agentic run leaves no
 * sandbox process or directory behind and resumes to exactly one result per (sample, epoch).
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/build-report.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import {
  AGENTIC_SUITE,
  expectSolvedTranscript,
  hasBwrap,
  runSolvedAgentic,
  showTranscripts,
} from '../helpers/agentic-run.js';
import { runArgv, runCliCapture, spawnCli, waitForExit } from '../helpers/cli.js';

const SUITE = AGENTIC_SUITE;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-agentic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Host processes whose command line names a sandbox directory of process `pid`. */
function sandboxProcessesOf(pid: number): number[] {
  const marker = `redline-sbx-${pid}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

describe.skipIf(!hasBwrap)('agentic runs (bubblewrap is installed by .ci/run)', () => {
  it('solves every shipped challenge by executing its solution commands in the sandbox', async () => {
    const suite = await openSuite(SUITE);
    expect(suite.sampleCount).toBeGreaterThanOrEqual(8);
    const db = join(dir, 'solve.db');
    const report = await runSolvedAgentic(suite, db);
    const stored = await showTranscripts(report.runId, 'enc-layers', db);
    expectSolvedTranscript(stored[0]!);
  });

  it('scores a wrong submission 0: the flag must really be found', async () => {
    const suite = await openSuite(SUITE);
    const sim = await startSimulator({ suite, port: 0, skill: 0, seed: 1 });
    try {
      const run = await runCliCapture([...runArgv(SUITE, sim.url, join(dir, 'wrong.db')), '--limit', '3']);
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as RunReport).overall.mean).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('leaves no sandbox process or directory behind when interrupted, and resumes', async () => {
    const suite = await openSuite(SUITE);
    // Latency keeps episodes running long enough to interrupt them mid-way.
    const sim = await startSimulator({ suite, port: 0, skill: 1, seed: 1, latencyMs: 150 });
    try {
      const db = join(dir, 'interrupt.db');
      const child = spawnCli([...runArgv(SUITE, sim.url, db), '--concurrency', '3', '--epochs', '2']);
      const exited = waitForExit(child);
      const pid = child.pid!;
      // Wait until episodes are live (a sandbox's work directory lasts the whole episode, while its processes
      // live only as long as each command, too briefly to be caught reliably on a loaded machine), then interrupt.
      const root = join(tmpdir(), `redline-sbx-${pid}`);
      const liveSandboxes = (): number => (existsSync(root) ? readdirSync(root).length : 0);
      for (let i = 0; i < 800 && liveSandboxes() === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(liveSandboxes()).toBeGreaterThan(0);
      child.kill('SIGINT');
      const result = await exited;
      expect(result.code).toBe(130);
      expect(sandboxProcessesOf(pid)).toEqual([]);
      expect(existsSync(join(tmpdir(), `redline-sbx-${pid}`))).toBe(false);

      const runId = (JSON.parse(result.stdout) as RunReport).runId;
      const resumed = await runCliCapture(['run', SUITE, '--resume', runId, '--db', db, '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const conn = new Database(db, { readonly: true });
      const counts = conn
        .prepare(
          `SELECT COUNT(*) AS n, COUNT(DISTINCT sample_id || '/' || epoch) AS d FROM results WHERE run_id = ?`,
        )
        .get(runId) as { n: number; d: number };
      const transcripts = conn
        .prepare('SELECT COUNT(*) AS n FROM transcripts WHERE run_id = ?')
        .get(runId) as { n: number };
      conn.close();
      expect(counts).toEqual({ n: suite.sampleCount * 2, d: suite.sampleCount * 2 });
      expect(transcripts.n).toBe(suite.sampleCount * 2);
    } finally {
      await sim.close();
    }
  });
});
