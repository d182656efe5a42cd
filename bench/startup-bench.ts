/**
 * Start-up of the built CLI (issue 13), each command a whole process as a user runs it (`node bin/redline.js ...`,
 * which runs dist/): the median and p90 of 20 cold starts of `--version`, `--help`, `runs` and `report RUN`
 * (target <= 150 ms each), and the time from spawning `redline run` to the arrival of its first
 * POST /v1/chat/completions (target <= 250 ms). The floor is `node -e 0`, measured in the same run; every figure is
 * also printed as a multiple of it. Standalone: `npx tsx bench/startup-bench.ts`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../harness/endpoints/simulator.js';
import { openSuite } from '../src/suite/load-suite.js';
import { writeChoiceSuite } from '../tests/helpers/write-suite.js';
import type { Figure } from './e2e-throughput.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The `redline` executable of package.json (runs dist/ when it exists). */
export const REDLINE_BIN = join(ROOT, 'bin', 'redline.js');
// What `npm run build` writes: tsc's modules, then the esbuild bundle that bin/redline.js prefers.
const COMPILED_MAIN = join(ROOT, 'dist', 'harness', 'cli', 'main.js');
// The build's last output: the bundled CLI's warmed code cache.
const BUNDLED_MAIN = join(ROOT, 'dist', 'cli', 'redline.cjs.cli.cache');

const COLD_STARTS = 20;
const STARTUP_TARGET_MS = 150;
const FIRST_REQUEST_TARGET_MS = 250;
// The suite of the small database and of the time-to-first-request runs.
const SMALL_SUITE_SAMPLES = 20;

/** The argv of `redline run SUITE --json --quiet` against `url` into the database `db`, plus `extra` options. */
export function redlineRunArgs(
  suite: string,
  url: string,
  db: string,
  extra: readonly string[] = [],
): string[] {
  const options = ['--endpoint', url, '--model', 'sim', '--db', db, '--json', '--quiet', ...extra];
  return [REDLINE_BIN, 'run', suite, ...options];
}

/** A finished whole process: wall time from just before spawn to its exit (stdio closed), and its stdout. */
export interface TimedProcess {
  wallMs: number;
  stdout: string;
}

/**
 * Spawns `node ...args` and resolves when it has exited with its stdio closed; rejects with its stderr when it
 * exits non-zero. The clock starts just before spawn, so it includes fork/exec, as a shell's would.
 */
export function timeProcess(args: readonly string[], cwd: string): Promise<TimedProcess> {
  const startedMs = performance.now();
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - startedMs;
      if (code === 0) resolve({ wallMs, stdout });
      else reject(new Error(`node ${args.join(' ')} failed (${code ?? signal}): ${stderr.trim()}`));
    });
  });
}

/** Median of a non-empty list (the mean of the middle two when even). */
export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank quantile of a non-empty list. */
function quantileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** The 1, 5 and 15 minute load averages and the core count, for the record: other work skews timings. */
export function describeLoad(): string {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return `load average ${one.toFixed(2)} ${five.toFixed(2)} ${fifteen.toFixed(2)} on ${cpus().length} cores`;
}

function modifiedMs(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure bin/redline.js runs a current build: runs `npm run build` (as `npm ci` does) when the bundle in
 * dist/cli is missing or older than tsc's output (bench/index.ts runs tsc alone first). False, after logging a skip
 * line, when it cannot be built.
 */
export function ensureBuiltCli(log: (line: string) => void): boolean {
  const bundledMs = modifiedMs(BUNDLED_MAIN);
  const compiledMs = modifiedMs(COMPILED_MAIN);
  if (bundledMs !== undefined && (compiledMs === undefined || bundledMs >= compiledMs)) return true;
  log(
    bundledMs === undefined
      ? '  dist/cli/redline.cjs.cli.cache is missing: building it (npm run build) ...'
      : '  dist/cli is older than the last tsc output: rebuilding it (npm run build) ...',
  );
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  } catch (error) {
    log(`  skipped: npm run build failed (${(error as Error).message.split('\n')[0] ?? ''})`);
    return false;
  }
  if (existsSync(BUNDLED_MAIN)) return true;
  log(`  skipped: npm run build did not write ${BUNDLED_MAIN}`);
  return false;
}

/** A loopback OpenAI-compatible server that notes when the first chat completion arrives (performance.now()). */
interface FirstRequestClock {
  url: string;
  /** Arrival of the first POST /v1/chat/completions since the last reset (its headers parsed), if any. */
  firstRequestAtMs(): number | undefined;
  reset(): void;
  close(): Promise<void>;
}

// Every request gets the same well-formed completion: the clock measures the client, not the model.
const COMPLETION_JSON = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ANSWER: A' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 40, completion_tokens: 3, total_tokens: 43 },
});

async function startFirstRequestClock(): Promise<FirstRequestClock> {
  let firstAtMs: number | undefined;
  const server = createServer((req, res) => {
    // Runs on the bench's main thread, which is otherwise idle while the child starts.
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      firstAtMs ??= performance.now();
      req.resume();
      req.once('end', () => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(COMPLETION_JSON),
        });
        res.end(COMPLETION_JSON);
      });
      return;
    }
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    firstRequestAtMs: () => firstAtMs,
    reset: () => {
      firstAtMs = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface StartupRow {
  label: string;
  samplesMs: number[];
  targetMs?: number;
}

function formatRow(row: StartupRow, floorMs: number): string {
  const median = medianOf(row.samplesMs);
  const p90 = quantileOf(row.samplesMs, 0.9);
  const verdict = row.targetMs === undefined ? 'floor ' : median <= row.targetMs ? 'meets ' : 'MISSES';
  const target = row.targetMs === undefined ? '' : `  (target <= ${row.targetMs} ms)`;
  return (
    `  ${verdict} ${row.label.padEnd(38)} median ${median.toFixed(0).padStart(4)} ms, p90 ` +
    `${p90.toFixed(0).padStart(4)} ms = ${(median / floorMs).toFixed(2)}x node -e 0${target}`
  );
}

/** Measures start-up and time to first request of the built CLI, logs them and returns the figures. */
export async function benchStartup(log: (line: string) => void): Promise<Figure[]> {
  if (!ensureBuiltCli(log)) return [];
  log(`  ${describeLoad()} at start; ${COLD_STARTS} cold starts per command, interleaved`);
  const dir = await mkdtemp(join(tmpdir(), 'redline-bench-startup-'));
  try {
    const suite = await writeChoiceSuite(join(dir, 'suite'), { count: SMALL_SUITE_SAMPLES });

    // The small lab database of `runs` and `report`: one short run against the simulator.
    const labDb = join(dir, 'lab.db');
    const sim = await startSimulator({ suite: await openSuite(suite), port: 0, seed: 1 });
    let runId: string;
    try {
      const run = await timeProcess(redlineRunArgs(suite, sim.url, labDb), dir);
      runId = (JSON.parse(run.stdout) as { runId: string }).runId;
    } finally {
      await sim.close();
    }

    const commands: Array<{ label: string; args: string[]; targetMs?: number }> = [
      { label: 'node -e 0', args: ['-e', '0'] },
      { label: 'redline --version', args: [REDLINE_BIN, '--version'], targetMs: STARTUP_TARGET_MS },
      { label: 'redline --help', args: [REDLINE_BIN, '--help'], targetMs: STARTUP_TARGET_MS },
      { label: 'redline runs', args: [REDLINE_BIN, 'runs', '--db', labDb], targetMs: STARTUP_TARGET_MS },
      {
        label: 'redline report RUN',
        args: [REDLINE_BIN, 'report', runId, '--db', labDb],
        targetMs: STARTUP_TARGET_MS,
      },
    ];
    const rows: StartupRow[] = commands.map((c) => ({
      label: c.label,
      samplesMs: [],
      ...(c.targetMs === undefined ? {} : { targetMs: c.targetMs }),
    }));
    // One unmeasured start each fills the page cache; then round-robin, so load drift hits every command alike.
    for (const c of commands) await timeProcess(c.args, dir);
    for (let i = 0; i < COLD_STARTS; i++) {
      for (let k = 0; k < commands.length; k++) {
        rows[k]!.samplesMs.push((await timeProcess(commands[k]!.args, dir)).wallMs);
      }
    }

    // Time to first request: spawn `redline run` (fresh database each time) against the clock server.
    const clock = await startFirstRequestClock();
    const firstRequest: StartupRow = {
      label: 'redline run: spawn to first request',
      samplesMs: [],
      targetMs: FIRST_REQUEST_TARGET_MS,
    };
    const wholeRunMs: number[] = [];
    try {
      for (let i = -1; i < COLD_STARTS; i++) {
        clock.reset();
        const db = join(dir, `ttfr-${i + 1}.db`);
        const startedMs = performance.now();
        const { wallMs } = await timeProcess(redlineRunArgs(suite, clock.url, db), dir);
        const firstAtMs = clock.firstRequestAtMs();
        if (firstAtMs === undefined) throw new Error('redline run sent no chat completion request');
        // i = -1 is the unmeasured warm-up.
        if (i >= 0) {
          firstRequest.samplesMs.push(firstAtMs - startedMs);
          wholeRunMs.push(wallMs);
        }
        await rm(db, { force: true });
      }
    } finally {
      await clock.close();
    }

    const floorMs = medianOf(rows[0]!.samplesMs);
    for (const row of rows) log(formatRow(row, floorMs));
    log(formatRow(firstRequest, floorMs));
    log(
      `         (whole ${SMALL_SUITE_SAMPLES}-sample run to exit: median ${medianOf(wholeRunMs).toFixed(0)} ms; ` +
        `${describeLoad()} at end)`,
    );

    return [...rows.slice(1), firstRequest].map((row) => {
      const median = medianOf(row.samplesMs);
      return {
        name: `start-up, ${row.label} (median)`,
        value: median,
        unit: 'ms',
        target: `<= ${row.targetMs ?? 0}`,
        ok: median <= (row.targetMs ?? 0),
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  log('Start-up of the built CLI (whole processes, cold):');
  await benchStartup(log);
}
