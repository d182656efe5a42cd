/**
 * Proof on disk (issue 15): nothing of a classified benchmark is readable on any disk after a run. The CLI runs in
 * its own process with a private TMPDIR, on a sealed knowledge suite and a sealed agentic suite (bubblewrap
 * sandboxes, challenge files given inline and by {"path"}, flags planted in them), into a lab database encrypted
 * with the keyring's db key. Afterwards every byte under that TMPDIR and the run's directory (the database, its WAL
 * and shared-memory files, the sealed files, the sandboxes' remains) is searched for every sample's input, choices,
 * target (the flags among them) and a line of each challenge file: zero hits.
 *
 * So that the search can fail, the same suites run plain into a plaintext database in a directory of their own: the
 * search finds their items (prompts and flags in stored transcripts and responses) in that database, and finds every
 * needle once the plain suites lie in the searched directory.
 */
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeySet, writeKeySet } from '../../src/crypto/key-files.js';
import type { RunReport } from '../../src/report/build-report.js';
import type { Sample } from '../../src/schema/suite.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { runArgv, runCliCapture, spawnCli, waitForExit, sealArgv } from '../helpers/cli.js';
import { needlesOfSample, searchBytes } from '../helpers/search-bytes.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';

const hasBwrap = existsSync('/usr/bin/bwrap');
let dir: string;
let runDir: string;
let privateTmp: string;
let agenticDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-sealed-disk-'));
  runDir = join(dir, 'run');
  privateTmp = join(dir, 'tmp');
  await mkdir(privateTmp, { recursive: true });
  // Sandboxes run as their own uids: every parent of their directories must be searchable, as /tmp is.
  await chmod(dir, 0o755);
  await chmod(privateTmp, 0o1777);
  writeKeySet(join(runDir, 'keys'), generateKeySet('lab', 'evaluator', fixedRandom('sealed-disk/lab')));
  // The keyring's db key: every command given --keys opens the lab database encrypted with it.
  writeKeySet(join(runDir, 'keys'), generateKeySet('lab-db', 'db', fixedRandom('sealed-disk/lab-db')));
  agenticDir = await writeAgenticWithPathFiles(join(dir, 'agentic'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** ctf-agentic with each sample's first challenge file moved beside the suite and named by {"path"}. */
async function writeAgenticWithPathFiles(target: string): Promise<string> {
  const suite = JSON.parse(await readFile('suites/ctf-agentic/suite.json', 'utf8')) as { samples: Sample[] };
  await mkdir(join(target, 'files'), { recursive: true });
  for (const sample of suite.samples) {
    const files = sample.sandbox?.files ?? {};
    const [name, content] = Object.entries(files)[0] ?? [];
    if (name === undefined || typeof content !== 'string') continue;
    const path = `files/${sample.id}-${basename(name)}`;
    await writeFile(join(target, path), content);
    files[name] = { path };
  }
  await writeFile(join(target, 'suite.json'), JSON.stringify(suite, null, 2));
  return target;
}

/**
 * Every text of a suite worth searching for: inputs, choices, string targets and a line of each challenge file.
 * `decoded` holds the lines of {"base64"} files, which the suite itself holds only encoded.
 */
async function needlesOf(path: string): Promise<{ all: string[]; decoded: string[] }> {
  const suite = await openSuite(path);
  const all: string[] = [];
  const decoded: string[] = [];
  for await (const sample of suite.samples()) {
    all.push(...needlesOfSample(sample, 16));
    for (const file of Object.values(sample.sandbox?.files ?? {})) {
      const isEncoded = typeof file === 'object' && 'base64' in file;
      const bytes =
        typeof file === 'string'
          ? Buffer.from(file)
          : 'base64' in file
            ? Buffer.from(file.base64, 'base64')
            : await readFile(join(path, file.path));
      // A line of the file is enough to find it, and survives any framing around the whole.
      const line = bytes
        .toString('utf8')
        .split('\n')
        .find((text) => text.trim().length >= 12);
      if (line !== undefined) (isEncoded ? decoded : all).push(line);
    }
  }
  return { all, decoded };
}

/** Seals `path` into the run directory through the CLI; returns the sealed file. */
async function seal(path: string, name: string): Promise<string> {
  const out = join(runDir, `${name}.age`);
  const result = await runCliCapture(sealArgv(path, ['lab'], out, join(runDir, 'keys')));
  expect(result.code, result.stderr).toBe(0);
  return out;
}

/**
 * Runs a suite in a child process whose TMPDIR is `tmp`, into `into`/lab.db with the keyring `into`/keys: sealed
 * (with the lab identity) when `sealed` is given, else the plain suite; returns its report.
 */
async function runSuite(
  plainPath: string,
  into: string,
  tmp: string,
  sealed: string | undefined,
): Promise<RunReport> {
  const sim = await startSimulator({ suite: await openSuite(plainPath), port: 0, skill: 1, seed: 1 });
  try {
    const child = spawnCli(
      [
        ...runArgv(sealed ?? plainPath, sim.url, join(into, 'lab.db'), '--quiet', '--concurrency', '4'),
        ...(sealed === undefined ? [] : ['--identity', join(runDir, 'keys', 'lab.age')]),
        '--keys',
        join(into, 'keys'),
      ],
      { TMPDIR: tmp },
    );
    const result = await waitForExit(child);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as RunReport;
  } finally {
    await sim.close();
  }
}

const isDatabase = (file: string): boolean => /\/lab\.db(-wal|-shm|-journal)?$/.test(file);

describe.skipIf(!hasBwrap)(
  'a sealed run into an encrypted database leaves nothing of the suite on disk (bwrap: installed by .ci/run)',
  () => {
    it('runs sealed knowledge and agentic suites, then finds none of their items in TMPDIR, the database or the run directory', async () => {
      const suites = [
        { plain: 'suites/cyber-knowledge', name: 'knowledge' },
        { plain: agenticDir, name: 'agentic' },
      ];
      const needles: string[] = [];
      const decoded: string[] = [];
      for (const { plain, name } of suites) {
        const report = await runSuite(plain, runDir, privateTmp, await seal(plain, name));
        const suite = await openSuite(plain);
        expect(report.samples).toEqual({ total: suite.sampleCount, scored: suite.sampleCount, errors: 0 });
        const found = await needlesOf(plain);
        needles.push(...found.all);
        decoded.push(...found.decoded);
      }
      expect(needles.length).toBeGreaterThan(300);
      const flags = needles.filter((needle) => /^flag\{/.test(needle));
      expect(flags.length).toBeGreaterThan(5);
      // The database is there and encrypted (no SQLite header), and the search reads it with its WAL.
      expect((await readFile(join(runDir, 'lab.db'))).subarray(0, 16).toString('latin1')).not.toBe(
        'SQLite format 3\0',
      );
      const search = await searchBytes([privateTmp, runDir], [...needles, ...decoded]);
      expect(search.unreadable).toEqual([]);
      expect(search.files).toBeGreaterThan(0);
      expect(search.hits).toEqual([]);

      // The control, run the same way but plain, into a plaintext database of its own: the stored transcripts and
      // responses hold the agentic prompts and the flags the model submitted.
      const plainDir = join(dir, 'plain-run');
      const plainTmp = join(dir, 'plain-tmp');
      await mkdir(join(plainDir, 'keys'), { recursive: true });
      await mkdir(plainTmp, { recursive: true });
      await chmod(plainTmp, 0o1777);
      for (const { plain } of suites) await runSuite(plain, plainDir, plainTmp, undefined);
      const plainSearch = await searchBytes([plainTmp, plainDir], needles);
      const foundInDb = new Set(
        plainSearch.hits.filter((hit) => isDatabase(hit.file)).map((hit) => hit.needle),
      );
      expect(flags.filter((flag) => foundInDb.has(flag))).toEqual(flags);
      expect(foundInDb.size).toBeGreaterThan(flags.length);

      // The control: with the plain suites in the searched directory, every needle they hold as such is found.
      for (const { plain, name } of suites)
        await cp(plain, join(runDir, `plain-${name}`), { recursive: true });
      const control = await searchBytes([runDir], needles);
      expect(new Set(control.hits.map((hit) => hit.needle))).toEqual(new Set(needles));
    });
  },
);
