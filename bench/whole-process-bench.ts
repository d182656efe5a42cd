/**
 * Whole-process `redline run` (issue 13): the built CLI with --json and a fresh database each time, timed from just
 * before spawn to its exit, against the simulator in its own process, on generated knowledge suites:
 *   - 2,000 samples at 0 ms latency: wall time, median of 3 (target <= 0.7 s);
 *   - 10,000 samples at 0 ms: samples/s over the wall time, median of 3 (target >= 8,000/s);
 *   - 10,000 samples at 50 ms, concurrency 128, median of 3: the run's own throughput (its elapsedMs) as a
 *     fraction of the Little's-law bound 128 / 0.05 s = 2,560/s (target >= 95%), and the whole process's beside it.
 * Beside each, the ideal: a bare Node keep-alive loop (node:http Agent, keepAlive) sending the same request bodies
 * at the same concurrency to the same simulator, also a whole process; Redline/bare is printed as a ratio of wall
 * times. Standalone: `npx tsx bench/whole-process-bench.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildMessages } from '../src/scoring/build-messages.js';
import { openSuite } from '../src/suite/load-suite.js';
import { writeChoiceSuite } from '../tests/helpers/write-suite.js';
import type { Figure } from './e2e-throughput.js';
import {
  describeLoad,
  ensureBuiltCli,
  medianOf,
  REDLINE_BIN,
  redlineRunArgs,
  timeProcess,
} from './startup-bench.js';

// The CLI's default --concurrency, passed explicitly so that the bare loop runs at the same one.
const DEFAULT_CONCURRENCY = 32;
const SMALL_RUN_REPETITIONS = 3;
const LARGE_RUN_REPETITIONS = 3;

/**
 * The ideal client, run as `node -e BARE_LOOP URL BODIES_FILE COUNT CONCURRENCY`: the first COUNT bodies (one JSON
 * request a line) as POST /chat/completions over a keep-alive agent with CONCURRENCY requests in flight; each reply
 * is read whole and parsed, as any client must. Prints {"resets": n, "loopMs": t}: the connection resets it resent,
 * and the time from its first request to its last response. Plain JavaScript so that it starts as fast as Node can.
 */
const BARE_LOOP = `
const http = require('node:http');
const fs = require('node:fs');
const [base, file, countArg, concurrencyArg] = process.argv.slice(1);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const bodies = fs.readFileSync(file, 'utf8').split('\\n', count);
const url = new URL(base + '/chat/completions');
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const options = { agent, method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname,
  headers: { 'content-type': 'application/json', 'content-length': 0 } };
let sent = 0;
let done = 0;
let startedAt = 0;
let resets = 0;
function next() {
  if (sent < count) send(bodies[sent++]);
}
function send(body) {
  options.headers['content-length'] = Buffer.byteLength(body);
  const req = http.request(options, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => (text += chunk));
    res.on('end', () => {
      if (res.statusCode !== 200) throw new Error('status ' + res.statusCode + ': ' + text);
      JSON.parse(text);
      done += 1;
      if (done < count) next();
      else {
        agent.destroy();
        process.stdout.write(JSON.stringify({ resets, loopMs: performance.now() - startedAt }));
      }
    });
  });
  req.on('error', (error) => {
    // A keep-alive socket the server closed as it was reused: resend, as any HTTP client would, and count it.
    if (error.code !== 'ECONNRESET' || ++resets > 100) throw error;
    send(body);
  });
  req.end(body);
}
startedAt = performance.now();
for (let i = 0; i < concurrency; i++) next();
`;

/** Writes the request body Redline sends for each sample, one JSON a line; returns the file. */
async function writeRequestBodies(suiteDir: string, file: string): Promise<string> {
  const suite = await openSuite(suiteDir);
  const defaults = suite.header.defaults;
  const out = createWriteStream(file);
  for await (const sample of suite.samples()) {
    const body = JSON.stringify({
      model: 'sim',
      messages: buildMessages(sample, defaults),
      max_tokens: defaults.max_tokens,
      temperature: defaults.temperature,
    });
    if (!out.write(`${body}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

/** The built CLI's simulator in its own process; resolves with its URL once it listens. */
export async function startSimulatorProcess(
  suiteDir: string,
  latencyMs: number,
): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [REDLINE_BIN, 'sim', '--suite', suiteDir, '--port', '0', '--json', '--latency-ms', String(latencyMs)],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  for await (const line of createInterface({ input: child.stdout! })) {
    return { url: (JSON.parse(line) as { url: string }).url, stop };
  }
  await stop();
  throw new Error(`simulator of ${suiteDir} did not start`);
}

interface PairedRun {
  redlineMs: number;
  /** The run's own elapsedMs (from its report): the rest of the wall time is fixed cost. */
  elapsedMs: number;
  bareMs: number;
  /** The bare loop's own first-request-to-last-response time: the ideal of `elapsedMs`. */
  bareLoopMs: number;
  /** Connection resets the bare loop resent, over all its runs. */
  bareResets: number;
}

/** Median wall times of `repetitions` runs of Redline and of the bare loop, alternated, after one warm-up each. */
async function runPaired(
  dir: string,
  suiteDir: string,
  bodiesFile: string,
  count: number,
  latencyMs: number,
  concurrency: number,
  repetitions: number,
): Promise<PairedRun> {
  const sim = await startSimulatorProcess(suiteDir, latencyMs);
  const redlineMs: number[] = [];
  const elapsedMs: number[] = [];
  const bareMs: number[] = [];
  const bareLoopMs: number[] = [];
  let bareResets = 0;
  try {
    // Repetition 0 warms the simulator's JIT and the page cache and is not counted.
    for (let i = 0; i <= repetitions; i++) {
      const db = join(dir, `run-${count}-${latencyMs}-${i}.db`);
      const run = await timeProcess(
        redlineRunArgs(suiteDir, sim.url, db, ['--concurrency', String(concurrency)]),
        dir,
      );
      await rm(db, { force: true });
      await rm(`${db}-wal`, { force: true });
      await rm(`${db}-shm`, { force: true });
      const report = JSON.parse(run.stdout) as { samples: { scored: number }; elapsedMs: number };
      if (report.samples.scored !== count) {
        throw new Error(`redline run scored ${report.samples.scored} of ${count} samples`);
      }
      const bare = await timeProcess(
        ['-e', BARE_LOOP, sim.url, bodiesFile, String(count), String(concurrency)],
        dir,
      );
      const bareOut = JSON.parse(bare.stdout) as { resets: number; loopMs: number };
      bareResets += bareOut.resets;
      if (i === 0) continue;
      redlineMs.push(run.wallMs);
      elapsedMs.push(report.elapsedMs);
      bareMs.push(bare.wallMs);
      bareLoopMs.push(bareOut.loopMs);
    }
  } finally {
    await sim.stop();
  }
  return {
    redlineMs: medianOf(redlineMs),
    elapsedMs: medianOf(elapsedMs),
    bareMs: medianOf(bareMs),
    bareLoopMs: medianOf(bareLoopMs),
    bareResets,
  };
}

function describePair(r: PairedRun, count: number): string {
  return (
    `Redline ${(r.redlineMs / 1000).toFixed(2)} s wall (run itself ${(r.elapsedMs / 1000).toFixed(2)} s), ` +
    `bare loop ${(r.bareMs / 1000).toFixed(2)} s (${((count * 1000) / r.bareMs).toFixed(0)}/s); ` +
    `Redline/bare ${(r.redlineMs / r.bareMs).toFixed(2)}x` +
    (r.bareResets === 0 ? '' : ` (the bare loop resent ${r.bareResets} reset request(s))`)
  );
}

/** Measures the three whole-process runs beside the bare loop, logs them and returns the figures. */
export async function benchWholeProcess(log: (line: string) => void): Promise<Figure[]> {
  if (!ensureBuiltCli(log)) return [];
  log(`  ${describeLoad()} at start`);
  const dir = await mkdtemp(join(tmpdir(), 'redline-bench-whole-'));
  const figures: Figure[] = [];
  try {
    const s2k = await writeChoiceSuite(join(dir, 's2k'), { count: 2_000 });
    const s10k = await writeChoiceSuite(join(dir, 's10k'), { count: 10_000 });
    const bodies2k = await writeRequestBodies(s2k, join(dir, 's2k.jsonl'));
    const bodies10k = await writeRequestBodies(s10k, join(dir, 's10k.jsonl'));

    const small = await runPaired(dir, s2k, bodies2k, 2_000, 0, DEFAULT_CONCURRENCY, SMALL_RUN_REPETITIONS);
    const smallOk = small.redlineMs <= 700;
    log(
      `  ${smallOk ? 'meets ' : 'MISSES'} 2,000 samples, 0 ms, concurrency ${DEFAULT_CONCURRENCY}, median of ` +
        `${SMALL_RUN_REPETITIONS}: ${describePair(small, 2_000)}  (target <= 0.7 s)`,
    );
    figures.push({
      name: 'whole process, 2,000 samples at 0 ms',
      value: small.redlineMs,
      unit: 'ms',
      target: '<= 700',
      ok: smallOk,
    });

    const fast = await runPaired(dir, s10k, bodies10k, 10_000, 0, DEFAULT_CONCURRENCY, LARGE_RUN_REPETITIONS);
    const fastPerS = 10_000_000 / fast.redlineMs;
    log(
      `  ${fastPerS >= 8_000 ? 'meets ' : 'MISSES'} 10,000 samples, 0 ms, concurrency ${DEFAULT_CONCURRENCY}, ` +
        `median of ${LARGE_RUN_REPETITIONS}: ` +
        `${fastPerS.toFixed(0)} samples/s; ${describePair(fast, 10_000)}  (target >= 8,000/s)`,
    );
    figures.push({
      name: 'whole process, 10,000 samples at 0 ms',
      value: fastPerS,
      unit: 'samples/s',
      target: '>= 8000',
      ok: fastPerS >= 8_000,
    });

    // The Little's-law target is on the run itself (its elapsedMs: first unit dispatched to last result stored):
    // no process can reach 95% of the bound whole, since 5% of 3.9 s is about Node's start plus the simulator's
    // timer slop; the whole-process fraction is printed beside it, with the bare loop's.
    const bound = 128 / 0.05;
    const slow = await runPaired(dir, s10k, bodies10k, 10_000, 50, 128, LARGE_RUN_REPETITIONS);
    const slowPct = (100 * 10_000_000) / slow.elapsedMs / bound;
    const bareLoopPct = (100 * 10_000_000) / slow.bareLoopMs / bound;
    const slowWholePct = (100 * 10_000_000) / slow.redlineMs / bound;
    const bareWholePct = (100 * 10_000_000) / slow.bareMs / bound;
    log(
      `  ${slowPct >= 95 ? 'meets ' : 'MISSES'} 10,000 samples, 50 ms, concurrency 128, median of ` +
        `${LARGE_RUN_REPETITIONS}: the run at ` +
        `${slowPct.toFixed(1)}% of the Little's-law bound ${bound}/s (bare loop ${bareLoopPct.toFixed(1)}%); ` +
        `whole process ${slowWholePct.toFixed(1)}% (bare loop ${bareWholePct.toFixed(1)}%); ` +
        `${describePair(slow, 10_000)}  (target >= 95%)`,
    );
    figures.push({
      name: "50 ms / 128, the run, % of Little's-law bound",
      value: slowPct,
      unit: '%',
      target: '>= 95',
      ok: slowPct >= 95,
    });
    log(`  ${describeLoad()} at end`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  log('Whole-process redline run (built CLI, fresh database, simulator in its own process):');
  await benchWholeProcess(log);
}
