/**
 * Encrypted vs plain lab database (issue 15): whole-process `redline run` with the built CLI on 10,000 generated
 * knowledge samples at 0 ms latency against the simulator in its own process, a fresh database each time, in pairs:
 * one run in a working directory without keys (plain database), one in a directory whose ./keys holds a db key
 * (encrypted database, SQLCipher 3 format), which one goes first alternating; one warm-up pair, then the median of 5
 * each. The plain run is the ideal: the figure is encrypted/plain wall time (target <= 1.10, at most 10% slower),
 * with the runs' own elapsedMs beside it.
 * Standalone: `npx tsx bench/encrypted-db-bench.ts`.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeySet, writeKeySet } from '../src/crypto/key-files.js';
import { writeChoiceSuite } from '../tests/helpers/write-suite.js';
import type { Figure } from './e2e-throughput.js';
import { describeLoad, ensureBuiltCli, medianOf, redlineRunArgs, timeProcess } from './startup-bench.js';
import { startSimulatorProcess } from './whole-process-bench.js';

const SAMPLES = 10_000;
const REPETITIONS = 5;
const RATIO_TARGET = 1.1;
const SQLITE_HEADER = 'SQLite format 3\0';

interface Timed {
  wallMs: number;
  /** The run's own elapsedMs, from its report. */
  elapsedMs: number;
}

/** One `redline run` in `cwd` (whose ./keys decides plain or encrypted) into a fresh database, then removes it. */
async function runOnce(cwd: string, suite: string, url: string, isEncrypted: boolean): Promise<Timed> {
  const db = join(cwd, 'lab.db');
  const run = await timeProcess(redlineRunArgs(suite, url, db), cwd);
  const report = JSON.parse(run.stdout) as { samples: { scored: number }; elapsedMs: number };
  if (report.samples.scored !== SAMPLES)
    throw new Error(`redline run scored ${report.samples.scored} of ${SAMPLES}`);
  const header = (await readFile(db)).subarray(0, 16).toString('latin1');
  if ((header !== SQLITE_HEADER) !== isEncrypted) {
    throw new Error(
      `the ${isEncrypted ? 'encrypted' : 'plain'} run wrote a ${isEncrypted ? 'plaintext' : 'encrypted'} database`,
    );
  }
  for (const suffix of ['', '-wal', '-shm']) await rm(`${db}${suffix}`, { force: true });
  return { wallMs: run.wallMs, elapsedMs: report.elapsedMs };
}

/** Runs the bench and prints its figure: encrypted/plain wall time. */
export async function benchEncryptedDb(log: (line: string) => void): Promise<Figure[]> {
  if (!ensureBuiltCli(log)) return [];
  const dir = await mkdtemp(join(tmpdir(), 'redline-bench-encrypted-db-'));
  try {
    const suite = await writeChoiceSuite(join(dir, 'suite'), { count: SAMPLES });
    const plainCwd = join(dir, 'plain');
    const encryptedCwd = join(dir, 'encrypted');
    await mkdir(plainCwd);
    writeKeySet(join(encryptedCwd, 'keys'), generateKeySet('bench-db', 'db'));
    const sim = await startSimulatorProcess(suite, 0);
    const plain: Timed[] = [];
    const encrypted: Timed[] = [];
    try {
      // Pair 0 warms the simulator's JIT and the page cache and is not counted.
      for (let i = 0; i <= REPETITIONS; i++) {
        // Alternating which goes first, so that neither always follows the other's garbage and writes.
        const isPlainFirst = i % 2 === 0;
        const first = await runOnce(isPlainFirst ? plainCwd : encryptedCwd, suite, sim.url, !isPlainFirst);
        const second = await runOnce(isPlainFirst ? encryptedCwd : plainCwd, suite, sim.url, isPlainFirst);
        const [p, e] = isPlainFirst ? [first, second] : [second, first];
        if (i === 0) continue;
        plain.push(p);
        encrypted.push(e);
      }
    } finally {
      await sim.stop();
    }
    const plainMs = medianOf(plain.map((t) => t.wallMs));
    const encryptedMs = medianOf(encrypted.map((t) => t.wallMs));
    const plainRunMs = medianOf(plain.map((t) => t.elapsedMs));
    const encryptedRunMs = medianOf(encrypted.map((t) => t.elapsedMs));
    const ratio = encryptedMs / plainMs;
    const ok = ratio <= RATIO_TARGET;
    log(
      `  ${ok ? 'meets ' : 'MISSES'} ${SAMPLES.toLocaleString('en')} samples, 0 ms, median of ${REPETITIONS}: ` +
        `encrypted ${(encryptedMs / 1000).toFixed(2)} s wall (${((SAMPLES * 1000) / encryptedMs).toFixed(0)}/s, run ` +
        `itself ${(encryptedRunMs / 1000).toFixed(2)} s), plain ${(plainMs / 1000).toFixed(2)} s ` +
        `(${((SAMPLES * 1000) / plainMs).toFixed(0)}/s, run itself ${(plainRunMs / 1000).toFixed(2)} s); ` +
        `encrypted/plain ${ratio.toFixed(3)}x wall, ${(encryptedRunMs / plainRunMs).toFixed(3)}x run ` +
        `(target <= ${RATIO_TARGET.toFixed(2)}x); ${describeLoad()}`,
    );
    return [
      {
        name: 'encrypted database, 10,000 samples at 0 ms, slower than plain by',
        value: (ratio - 1) * 100,
        unit: '%',
        target: `<= ${((RATIO_TARGET - 1) * 100).toFixed(0)}`,
        ok,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  log('Encrypted vs plain lab database (whole-process redline run, built CLI):');
  await benchEncryptedDb(log);
}
