/**
 * Agentic throughput: the shipped ctf-agentic suite (3 epochs) against the simulator in agentic mode, sandboxes in
 * real bubblewrap, started in parallel within --concurrency; reports units/s and the per-sample sandbox start time.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../harness/endpoints/simulator.js';
import { openSuite } from '../src/suite/load-suite.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(root, 'dist', 'harness', 'cli', 'main.js');

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Runs the agentic benchmark and logs its figures (skipped without bubblewrap). */
export async function benchAgentic(log: (line: string) => void): Promise<void> {
  if (!existsSync('/usr/bin/bwrap')) {
    log('  skipped: bubblewrap is not installed');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'redline-bench-agentic-'));
  const suitePath = join(root, 'suites', 'ctf-agentic');
  const sim = await startSimulator({ suite: await openSuite(suitePath), port: 0, skill: 1, seed: 1 });
  try {
    for (const concurrency of [1, 8]) {
      const db = join(dir, `agentic-${concurrency}.db`);
      const child = spawn(
        process.execPath,
        [
          MAIN,
          'run',
          suitePath,
          '--endpoint',
          sim.url,
          '--model',
          'sim',
          '--db',
          db,
          '--epochs',
          '3',
          '--json',
          '--quiet',
          '--concurrency',
          String(concurrency),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
      if (code !== 0) throw new Error(`agentic run failed (${code})`);
      const report = JSON.parse(out) as {
        samples: { scored: number };
        elapsedMs: number;
        overall: { mean: number };
      };
      const conn = new Database(db, { readonly: true });
      const starts = (
        conn.prepare('SELECT transcript FROM transcripts').all() as Array<{ transcript: string }>
      )
        .map((r) => (JSON.parse(r.transcript) as { sandboxStartMs: number }).sandboxStartMs)
        .sort((a, b) => a - b);
      conn.close();
      log(
        `  ctf-agentic x3 epochs (${report.samples.scored} episodes, score ${report.overall.mean}), concurrency ${concurrency}: ` +
          `${((report.samples.scored * 1000) / report.elapsedMs).toFixed(1)} episodes/s; sandbox start median ` +
          `${quantile(starts, 0.5).toFixed(0)} ms, p95 ${quantile(starts, 0.95).toFixed(0)} ms`,
      );
    }
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}
