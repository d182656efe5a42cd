/**
 * Sealed suites against Debian's `age` (FiloSottile/age): a suite sealed by Redline decrypts with `age -d -i` to a
 * tar whose members are the suite's own files, byte for byte; a tar of a suite directory encrypted by `age -r` opens
 * in Redline with the same identity. Skipped, saying so, when /usr/bin/age is absent, unless REDLINE_REQUIRE_AGE=1
 * (.ci/run sets it, and installs age).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar } from '../../src/archive/read-tar.js';
import { generateKeySet, writeKeySet, type KeySet } from '../../src/crypto/key-files.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { openSealedSuite } from '../../src/suite/open-sealed-suite.js';
import { sealSuite } from '../../src/suite/seal-suite.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';

const AGE = '/usr/bin/age';
const HAS_AGE = existsSync(AGE);
if (!HAS_AGE && process.env['REDLINE_REQUIRE_AGE'] === '1') {
  throw new Error(`REDLINE_REQUIRE_AGE=1 but ${AGE} is missing: install Debian's age package`);
}
const SKIP = HAS_AGE ? '' : ` [SKIPPED: ${AGE} is not installed on this machine; CI installs it]`;

let dir: string;
let lab: KeySet;
let identityFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-age-suite-'));
  lab = generateKeySet('lab', 'evaluator', fixedRandom('age-sealed-suite/lab'));
  identityFile = writeKeySet(join(dir), lab, { now: new Date('2025-01-01T00:00:00Z') }).ageIdentityFile;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `age ARGS` and returns its stdout as bytes; fails the test with age's stderr when it fails. */
function age(args: string[], input?: Uint8Array): Buffer {
  const result = spawnSync(AGE, args, { ...(input === undefined ? {} : { input }), timeout: 30_000 });
  if (result.error !== undefined) throw result.error;
  expect(result.status, result.stderr.toString()).toBe(0);
  return result.stdout;
}

describe.skipIf(!HAS_AGE)(`sealed suites and Debian's age${SKIP}`, () => {
  for (const name of ['cyber-knowledge', 'ctf-agentic', 'ctf-live']) {
    it(`age -d -i opens the sealed ${name} to a tar whose members are the suite's files, byte for byte`, async () => {
      const sealed = await sealSuite(join('suites', name), [lab.entry.age]);
      const file = join(dir, `${name}.age`);
      await writeFile(file, sealed.bytes);
      const tar = age(['-d', '-i', identityFile, file]);
      // GNU tar lists it (the lab officer's check) ...
      const listed = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' })
        .split('\n')
        .filter((line) => line !== '' && !line.endsWith('/'));
      expect(listed).toEqual(sealed.files);
      // ... and every file is the one in the suite directory, mode included.
      for (const member of readTar(tar, file).filter((m) => m.type === 'file')) {
        const onDisk = join('suites', name, member.path);
        expect(Buffer.from(member.data).equals(await readFile(onDisk)), member.path).toBe(true);
        expect(member.mode, member.path).toBe((await stat(onDisk)).mode & 0o7777);
      }
    });
  }

  it('opens a tar of a suite directory encrypted by age -r, with the identity the directory has', async () => {
    const tar = execFileSync('tar', ['-c', '-C', 'suites/ctf-live', '.']);
    const file = join(dir, 'by-age.age');
    await writeFile(file, age(['-r', lab.entry.age], tar));
    const opened = await openSealedSuite(file, { identity: lab.age, file: identityFile });
    const plain = await openSuite('suites/ctf-live');
    expect([opened.header.id, opened.header.version, opened.sha256]).toEqual([
      plain.header.id,
      plain.header.version,
      plain.sha256,
    ]);
  });

  it('opens an armored file (age -a) too', async () => {
    const tar = execFileSync('tar', ['-c', '-C', 'suites', 'cyber-knowledge']);
    const file = join(dir, 'armored.age');
    await writeFile(file, age(['-a', '-r', lab.entry.age], tar));
    expect((await openSealedSuite(file, { identity: lab.age, file: identityFile })).sha256).toBe(
      (await openSuite('suites/cyber-knowledge')).sha256,
    );
  });
});
