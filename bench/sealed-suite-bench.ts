/**
 * Sealed vs plain suite load (issue 15) on a generated knowledge suite of 100,000 samples, sealed to one key:
 *   - in process: open (read, decrypt and unpack for the sealed one; validate and hash) and stream every sample once
 *     more, as a run does; median of 5 each;
 *   - whole process: the built CLI's `redline suite validate` (plain directory, then the sealed file with
 *     --identity), timed from spawn to exit; median of 3 each.
 * Each pair is printed with the ratio sealed/plain. Standalone: `npx tsx bench/sealed-suite-bench.ts`.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeySet, writeKeySet } from '../src/crypto/key-files.js';
import { openSuite, type SuiteHandle } from '../src/suite/load-suite.js';
import { openSealedSuite } from '../src/suite/open-sealed-suite.js';
import { sealSuite } from '../src/suite/seal-suite.js';
import { writeChoiceSuite } from '../tests/helpers/write-suite.js';
import type { Figure } from './e2e-throughput.js';
import { describeLoad, ensureBuiltCli, medianOf, REDLINE_BIN, timeProcess } from './startup-bench.js';

const SAMPLES = 100_000;
const IN_PROCESS_REPETITIONS = 5;
const PROCESS_REPETITIONS = 3;
// No target was set for sealed loading; a sealed suite costing more than twice a plain one would be worth a look.
const RATIO_TARGET = 2;

async function openAndStream(open: () => Promise<SuiteHandle>): Promise<number> {
  const startedMs = performance.now();
  const suite = await open();
  let count = 0;
  for await (const _sample of suite.samples()) count++;
  if (count !== SAMPLES) throw new Error(`streamed ${count} samples, expected ${SAMPLES}`);
  return performance.now() - startedMs;
}

async function medianMs(repetitions: number, once: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) times.push(await once());
  return medianOf(times);
}

/** Runs the bench and prints its figures; returns the whole-process ratio as a figure. */
export async function benchSealedSuite(log: (line: string) => void): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'redline-bench-sealed-'));
  try {
    const plainDir = await writeChoiceSuite(join(dir, 'suite'), { count: SAMPLES });
    const keys = generateKeySet('bench-lab', 'evaluator');
    const identityFile = writeKeySet(join(dir, 'keys'), keys).ageIdentityFile;
    const sealedFile = join(dir, 'suite.age');
    const sealStartedMs = performance.now();
    const sealed = await sealSuite(plainDir, [keys.entry.age]);
    const sealMs = performance.now() - sealStartedMs;
    await writeFile(sealedFile, sealed.bytes, { mode: 0o600 });
    const plainBytes = (await stat(join(plainDir, 'samples.jsonl'))).size;
    log(
      `  ${SAMPLES.toLocaleString('en')} samples: samples.jsonl ${(plainBytes / 1e6).toFixed(1)} MB, sealed ` +
        `${(sealed.bytes.length / 1e6).toFixed(1)} MB, sealed in ${sealMs.toFixed(0)} ms; ${describeLoad()}`,
    );

    const key = { identity: keys.age, file: identityFile };
    const plainMs = await medianMs(IN_PROCESS_REPETITIONS, () => openAndStream(() => openSuite(plainDir)));
    const sealedMs = await medianMs(IN_PROCESS_REPETITIONS, () =>
      openAndStream(() => openSealedSuite(sealedFile, key)),
    );
    log(
      `  in process, open + hash + stream every sample (median of ${IN_PROCESS_REPETITIONS}): plain ` +
        `${plainMs.toFixed(0)} ms, sealed ${sealedMs.toFixed(0)} ms: sealed/plain ${(sealedMs / plainMs).toFixed(2)}`,
    );

    if (!ensureBuiltCli(log)) return [];
    // A cwd without redline.db: the sealed validate then records no audit event (it says so on stderr).
    const validate = (args: string[]) => async () =>
      (await timeProcess([REDLINE_BIN, 'suite', 'validate', ...args], dir)).wallMs;
    const plainProcessMs = await medianMs(PROCESS_REPETITIONS, validate([plainDir]));
    const sealedProcessMs = await medianMs(
      PROCESS_REPETITIONS,
      validate([sealedFile, '--identity', identityFile]),
    );
    const ratio = sealedProcessMs / plainProcessMs;
    log(
      `  whole process, redline suite validate (median of ${PROCESS_REPETITIONS}): plain ` +
        `${plainProcessMs.toFixed(0)} ms, sealed ${sealedProcessMs.toFixed(0)} ms: sealed/plain ${ratio.toFixed(2)}`,
    );
    return [
      {
        name: `sealed/plain suite validate, ${SAMPLES.toLocaleString('en')} samples (whole process)`,
        value: ratio,
        unit: '×',
        target: `<= ${RATIO_TARGET}×`,
        ok: ratio <= RATIO_TARGET,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchSealedSuite((line) => process.stdout.write(`${line}\n`));
}
