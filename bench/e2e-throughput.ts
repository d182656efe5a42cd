/**
 * End-to-end throughput and memory of `redline run` against the simulator on loopback, each in its own process,
 * with the compiled CLI (what a lab runs). Figures are ratios or against a stated ideal, never pass/fail timings:
 *   - 10,000 samples at 0 ms latency: samples/s (target >= 3,000 on 2 cores);
 *   - 10,000 samples at 50 ms latency, concurrency 128: % of the ideal 128 / 0.05 s = 2,560/s (target >= 90%);
 *   - 100,000 samples: peak RSS of the runner process (target < 300 MB).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeChoiceSuite } from '../tests/helpers/write-suite.js';

// The built CLI as users run it (bin/redline.js runs the bundle in dist/cli that npm run build writes).
const MAIN = fileURLToPath(new URL('../bin/redline.js', import.meta.url));

/** A figure printed by the benchmark. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

function cli(argv: string[]): ChildProcess {
  return spawn(process.execPath, [MAIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startSim(suite: string, latencyMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = cli([
    'sim',
    '--suite',
    suite,
    '--port',
    '0',
    '--json',
    '--latency-ms',
    String(latencyMs),
    '--skill',
    '0.7',
  ]);
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const { url } = JSON.parse(line) as { url: string };
    return { url, child };
  }
  throw new Error('simulator did not start');
}

/** Peak resident set of a running process, from /proc (VmHWM is the high-water mark), in bytes. */
function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

async function timedRun(
  suite: string,
  url: string,
  db: string,
  extra: string[],
): Promise<{ samplesPerS: number; peakRssBytes: number; units: number }> {
  const child = cli([
    'run',
    suite,
    '--endpoint',
    url,
    '--model',
    'sim',
    '--db',
    db,
    '--json',
    '--quiet',
    ...extra,
  ]);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  let peak = 0;
  const poll = setInterval(() => {
    peak = Math.max(peak, peakRss(child.pid!));
  }, 25);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearInterval(poll);
  if (code !== 0) throw new Error(`run failed (${code}): ${stderr}`);
  const report = JSON.parse(stdout) as { samples: { scored: number }; elapsedMs: number };
  return {
    samplesPerS: (report.samples.scored * 1000) / report.elapsedMs,
    peakRssBytes: peak,
    units: report.samples.scored,
  };
}

/** Runs the three end-to-end measurements and returns their figures. */
export async function benchEndToEnd(log: (line: string) => void): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'redline-bench-'));
  const figures: Figure[] = [];
  try {
    const small = await writeChoiceSuite(join(dir, 's10k'), { count: 10_000 });
    const large = await writeChoiceSuite(join(dir, 's100k'), { count: 100_000 });

    const fast = await startSim(small, 0);
    try {
      // Warm-up (JIT, sockets), then the measured run.
      await timedRun(small, fast.url, join(dir, 'warm.db'), ['--concurrency', '64', '--limit', '2000']);
      const r = await timedRun(small, fast.url, join(dir, 'fast.db'), ['--concurrency', '64']);
      log(`  0 ms latency, 10,000 samples, concurrency 64: ${r.samplesPerS.toFixed(0)} samples/s`);
      figures.push({
        name: 'throughput at 0 ms',
        value: r.samplesPerS,
        unit: 'samples/s',
        target: '>= 3000',
        ok: r.samplesPerS >= 3000,
      });
    } finally {
      fast.child.kill('SIGTERM');
    }

    const slow = await startSim(small, 50);
    try {
      const r = await timedRun(small, slow.url, join(dir, 'slow.db'), ['--concurrency', '128']);
      const ideal = 128 / 0.05;
      const pct = (100 * r.samplesPerS) / ideal;
      log(
        `  50 ms latency, 10,000 samples, concurrency 128: ${r.samplesPerS.toFixed(0)} samples/s = ${pct.toFixed(1)}% of ideal ${ideal}/s`,
      );
      figures.push({
        name: '% of ideal at 50 ms / 128',
        value: pct,
        unit: '%',
        target: '>= 90',
        ok: pct >= 90,
      });
    } finally {
      slow.child.kill('SIGTERM');
    }

    const big = await startSim(large, 0);
    try {
      const r = await timedRun(large, big.url, join(dir, 'big.db'), ['--concurrency', '64']);
      const mb = r.peakRssBytes / 2 ** 20;
      log(
        `  100,000 samples, 0 ms latency: ${r.samplesPerS.toFixed(0)} samples/s, peak RSS ${mb.toFixed(0)} MB`,
      );
      figures.push({
        name: 'peak RSS, 100,000 samples',
        value: mb,
        unit: 'MB',
        target: '< 300',
        ok: mb < 300,
      });
    } finally {
      big.child.kill('SIGTERM');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}
