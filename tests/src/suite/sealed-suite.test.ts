/**
 * Sealed suites (issue 15): sealed with real age encryption to keys from fixed seeds, opened in memory. The shipped
 * suites keep their identity byte for byte; agentic samples come out self-contained; problems are located inside the
 * sealed file; every kind of bad sealed input is a coded refusal.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTar } from '../../../src/archive/write-tar.js';
import { encryptToRecipients } from '../../../src/crypto/age-file.js';
import { generateKeySet, type KeySet } from '../../../src/crypto/key-files.js';
import type { Sample } from '../../../src/schema/suite.js';
import { openSuite, type SuiteHandle } from '../../../src/suite/load-suite.js';
import {
  isSealedSuite,
  openSealedSuite,
  validateSealedSuite,
  type SuiteIdentity,
} from '../../../src/suite/open-sealed-suite.js';
import { sealSuite } from '../../../src/suite/seal-suite.js';
import { materializeFiles } from '../../../harness/agent/materialize-files.js';
import { buildImageContext } from '../../../harness/docker/build-image-context.js';
import { toDockerSandboxSpec } from '../../../harness/sandbox/docker-sandbox-spec.js';
import { writeChoiceSuite } from '../../helpers/write-suite.js';
import { fixedRandom } from '../crypto/keys/fixed-random.js';

let dir: string;
let lab: KeySet;
let other: KeySet;
let key: SuiteIdentity;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-sealed-'));
  lab = generateKeySet('lab', 'evaluator', fixedRandom('sealed-suite/lab'));
  other = generateKeySet('other', 'evaluator', fixedRandom('sealed-suite/other'));
  key = { identity: lab.age, file: 'keys/lab.age' };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let count = 0;
/** Seals `path` to the lab key (and `extra` recipients) into a fresh file; returns the file and what was sealed. */
async function sealTo(path: string, extra: string[] = []): Promise<{ file: string; files: string[] }> {
  const sealed = await sealSuite(path, [lab.entry.age, ...extra]);
  const file = join(dir, `s${++count}.age`);
  await writeFile(file, sealed.bytes);
  return { file, files: sealed.files };
}

async function samplesOf(suite: SuiteHandle): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const sample of suite.samples()) out.push(sample);
  return out;
}

/** A suite of three agentic samples whose files live beside it: {"path"} files, service files and a compose file. */
async function writeFileSuite(): Promise<string> {
  const root = await mkdtemp(join(dir, 'files-suite-'));
  await mkdir(join(root, 'files', 'deep'), { recursive: true });
  await writeFile(join(root, 'files', 'blob.bin'), Buffer.from([0, 1, 2, 250, 251, 252]));
  await writeFile(join(root, 'files', 'deep', 'hint.txt'), 'the key is 42\n');
  await writeFile(join(root, 'files', 'srv.txt'), 'served by the target\n');
  await writeFile(
    join(root, 'compose.yaml'),
    'services:\n  web:\n    image: redline-test/web:1\n    expose: ["80"]\n',
  );
  await writeFile(join(root, 'NOT-USED.txt'), 'left out of the seal\n');
  const agent = { tools: ['bash', 'submit'], maxTurns: 3, commandTimeoutS: 5 };
  const samples = [
    {
      id: 'bwrap-files',
      input: 'Decode blob.bin.',
      target: 'flag{bwrap}',
      scorer: 'flag',
      agent,
      sandbox: {
        files: {
          'blob.bin': { path: 'files/blob.bin' },
          'docs/hint.txt': { path: './files/deep/hint.txt' },
          'x.txt': 'inline',
        },
      },
    },
    {
      id: 'docker-services',
      input: 'Read the target.',
      target: 'flag{docker}',
      scorer: 'flag',
      agent,
      sandbox: {
        backend: 'docker',
        image: 'redline-test/agent:1',
        files: { 'hint.txt': { path: 'files/deep/hint.txt' } },
        services: {
          web: { image: 'redline-test/web:1', files: { '/srv/a.txt': { path: 'files/srv.txt' } } },
        },
      },
    },
    {
      id: 'docker-compose',
      input: 'Read the composed target.',
      target: 'flag{compose}',
      scorer: 'flag',
      agent,
      sandbox: { backend: 'docker', image: 'redline-test/agent:1', files: {}, compose: 'compose.yaml' },
    },
  ];
  await writeFile(
    join(root, 'suite.json'),
    JSON.stringify({ id: 'files', version: '1', title: 'Files', samples: 'samples.jsonl' }),
  );
  await writeFile(join(root, 'samples.jsonl'), samples.map((s) => JSON.stringify(s)).join('\n'));
  return root;
}

describe('sealed suites', () => {
  const shipped = {
    'cyber-knowledge': ['samples.jsonl', 'suite.json'],
    'ctf-flags': ['suite.json'],
    'ctf-agentic': ['suite.json'],
    'ctf-live': [
      'images/base/Dockerfile',
      'images/base/rootfs/etc/group',
      'images/base/rootfs/etc/nsswitch.conf',
      'images/base/rootfs/etc/passwd',
      'suite.json',
    ],
  };
  for (const [name, files] of Object.entries(shipped)) {
    it(`seals the shipped suite ${name} and opens it with the same identity, header and samples`, async () => {
      const plain = await openSuite(join('suites', name));
      const sealed = await sealTo(join('suites', name));
      expect(sealed.files).toEqual(files);
      const opened = await openSealedSuite(sealed.file, key);
      expect([opened.header.id, opened.header.version, opened.sha256]).toEqual([
        plain.header.id,
        plain.header.version,
        plain.sha256,
      ]);
      expect(opened.header).toEqual(plain.header);
      expect(opened.sampleCount).toBe(plain.sampleCount);
      expect(opened.categoryCounts).toEqual(plain.categoryCounts);
      expect(opened.tree).toBeDefined();
      expect(await samplesOf(opened)).toEqual(await samplesOf(plain));
    });
  }

  for (const [fixture, files] of [
    ['cyber-knowledge-inline.yaml', ['suite.yaml']],
    ['cyber-knowledge-inline.json', ['suite.json']],
    ['cyber-knowledge-yaml', ['data/samples.jsonl', 'suite.yaml']],
  ] as const) {
    it(`seals the single-file or YAML suite ${fixture} under a suite directory's names, with its identity`, async () => {
      const path = join('tests/fixtures/suites', fixture);
      const sealed = await sealTo(path);
      expect(sealed.files).toEqual(files);
      expect((await openSealedSuite(sealed.file, key)).sha256).toBe((await openSuite(path)).sha256);
    });
  }

  it('seals only what the suite uses, and its agentic samples open self-contained', async () => {
    const root = await writeFileSuite();
    const plain = await openSuite(root);
    const sealed = await sealTo(root);
    expect(sealed.files).toEqual([
      'compose.yaml',
      'files/blob.bin',
      'files/deep/hint.txt',
      'files/srv.txt',
      'samples.jsonl',
      'suite.json',
    ]);
    const opened = await openSealedSuite(sealed.file, key);
    expect(opened.sha256).toBe(plain.sha256);
    const [bwrap, docker, compose] = await samplesOf(opened);
    const [plainBwrap, plainDocker, plainCompose] = await samplesOf(plain);
    // No sample of the sealed suite names a file: workers never need a suite directory.
    expect(JSON.stringify([bwrap, docker, compose])).not.toContain('"path"');
    expect(compose!.sandbox?.compose).toBeUndefined();
    // What a sandbox gets is the same bytes, read from nowhere for the sealed suite.
    const nowhere = join(dir, 'no-such-suite-dir');
    expect(materializeFiles(bwrap!.sandbox!.files, nowhere)).toEqual(
      materializeFiles(plainBwrap!.sandbox!.files, root),
    );
    for (const [sealedSample, plainSample] of [
      [docker!, plainDocker!],
      [compose!, plainCompose!],
    ] as const) {
      expect(toDockerSandboxSpec(sealedSample, nowhere)).toEqual(toDockerSandboxSpec(plainSample, root));
    }
  });

  it('builds the same image context from a sealed suite, in memory, as from its directory', async () => {
    const plain = await openSuite('suites/ctf-live');
    const opened = await openSealedSuite((await sealTo('suites/ctf-live')).file, key);
    for (const [ref, recipe] of Object.entries(plain.header.images ?? {})) {
      // The include is a host file (Debian's busybox): beside the point here, and absent on some hosts.
      const { include: _include, ...ownFiles } = recipe;
      const fromDir = await buildImageContext({
        suiteDir: plain.dir,
        suiteFile: plain.displayFile,
        ref,
        recipe: ownFiles,
      });
      const fromTree = await buildImageContext({
        suiteDir: opened.dir,
        suiteFile: opened.displayFile,
        ref,
        recipe: ownFiles,
        ...(opened.tree === undefined ? {} : { tree: opened.tree }),
      });
      expect(fromTree.tar.equals(fromDir.tar)).toBe(true);
      expect(fromTree.entries.map((e) => [e.path, e.mode])).toEqual(
        fromDir.entries.map((e) => [e.path, e.mode]),
      );
    }
  });

  it('opens an archive of the suite directory itself ("tar c DIR", "./" prefixes) with the same identity', async () => {
    const tarFile = join(dir, 'dir.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', 'suites', './cyber-knowledge']);
    const file = join(dir, 'dir.age');
    await writeFile(file, await encryptToRecipients(await readFile(tarFile), [lab.entry.age]));
    expect((await openSealedSuite(file, key)).sha256).toBe(
      (await openSuite('suites/cyber-knowledge')).sha256,
    );
  });

  it('opens with any of several recipients, and tells a sealed file from a plain suite', async () => {
    const { file } = await sealTo('suites/ctf-flags', [other.entry.age]);
    const byOther = await openSealedSuite(file, { identity: other.age, file: 'keys/other.age' });
    expect(byOther.header.id).toBe('ctf-flags');
    expect(await isSealedSuite(file)).toBe(true);
    expect(await isSealedSuite('suites/ctf-flags')).toBe(false);
    expect(await isSealedSuite('suites/ctf-flags/suite.json')).toBe(false);
    expect(await isSealedSuite(join(dir, 'missing.age'))).toBe(false);
  });

  it('validates a sealed suite and locates each problem inside the sealed file', async () => {
    const archive = writeTar([
      {
        path: 'suite.json',
        data: Buffer.from(
          JSON.stringify({ id: 'bad', version: '1', title: 'Bad', samples: 'samples.jsonl' }),
        ),
      },
      {
        path: 'samples.jsonl',
        data: Buffer.from(
          '{"id":"a","input":"x","target":"A","choices":["p","q"]}\n{"id":"a","input":"y","target":"B","choices":["p","q"]}\n',
        ),
      },
    ]);
    const file = join(dir, 'bad.age');
    await writeFile(file, await encryptToRecipients(archive, [lab.entry.age]));
    const result = await validateSealedSuite(file, key);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({ file: join(file, 'samples.jsonl'), line: 2, pointer: '/id' }),
    ]);
    await expect(openSealedSuite(file, key)).rejects.toMatchObject({ code: 'E_SCHEMA' });
  });
});

describe('sealed suites: bad input is a coded refusal naming the file', () => {
  let sealed: Buffer;
  beforeAll(async () => {
    sealed = Buffer.from((await sealSuite('suites/cyber-knowledge', [lab.entry.age])).bytes);
  });

  async function openBytes(bytes: Uint8Array, identity: SuiteIdentity = key): Promise<unknown> {
    const file = join(dir, `bad-${++count}.age`);
    await writeFile(file, bytes);
    return openSealedSuite(file, identity).then(
      () => 'opened',
      (error: unknown) => error,
    );
  }

  it('refuses an identity the file is not sealed to (E_NOT_RECIPIENT), saying how many keys it is sealed to', async () => {
    const error = await openBytes(sealed, { identity: other.age, file: 'keys/other.age' });
    expect(error).toMatchObject({ code: 'E_NOT_RECIPIENT' });
    expect((error as Error).message).toContain('keys/other.age');
  });

  it('refuses a truncated file (E_TAMPERED): cut in the payload, at a chunk boundary, after or inside the header', async () => {
    const big = Buffer.from(
      (await sealSuite(await writeChoiceSuite(join(dir, 'big'), { count: 2000 }), [lab.entry.age])).bytes,
    );
    // age's payload: a 16-byte nonce, then 64 KiB chunks each with a 16-byte tag; the last chunk is marked as such.
    const payloadStart = big.indexOf('\n---') + 1 + big.subarray(big.indexOf('\n---') + 1).indexOf('\n') + 1;
    expect(await openBytes(big.subarray(0, payloadStart + 16 + 65_536 + 16))).toMatchObject({
      code: 'E_TAMPERED',
    });
    const headerEnd = sealed.indexOf('\n---') + 1;
    for (const length of [
      sealed.length - 1,
      Math.floor(sealed.length / 2),
      headerEnd + 60,
      headerEnd + 5,
      40,
    ]) {
      expect(await openBytes(sealed.subarray(0, length)), `cut at ${length}`).toMatchObject({
        code: 'E_TAMPERED',
      });
    }
  });

  it('refuses an altered file (E_TAMPERED): a flipped payload byte, or an edited header', async () => {
    const payload = Buffer.from(sealed);
    payload[payload.length - 100]! ^= 0x01;
    expect(await openBytes(payload)).toMatchObject({ code: 'E_TAMPERED' });
    const header = Buffer.from(sealed);
    const mac = header.indexOf('\n--- ') + 6;
    header[mac] = header[mac] === 0x41 ? 0x42 : 0x41;
    expect(await openBytes(header)).toMatchObject({ code: 'E_TAMPERED' });
  });

  it('refuses a file that is not age at all (E_MALFORMED), and an age file that holds no tar', async () => {
    expect(await openBytes(await readFile('suites/ctf-flags/suite.json'))).toMatchObject({
      code: 'E_MALFORMED',
    });
    expect(
      await openBytes(await encryptToRecipients(Buffer.from('just text'), [lab.entry.age])),
    ).toMatchObject({
      code: 'E_MALFORMED',
    });
  });

  it('refuses an archive member that leaves the archive, and an archive without a suite file', async () => {
    const evil = writeTar([
      { path: 'suite.json', data: Buffer.from('{}') },
      { path: '../outside.txt', data: Buffer.from('x') },
    ]);
    expect(await openBytes(await encryptToRecipients(evil, [lab.entry.age]))).toMatchObject({
      code: 'E_MALFORMED',
    });
    const empty = writeTar([{ path: 'readme.txt', data: Buffer.from('no suite') }]);
    expect(await openBytes(await encryptToRecipients(empty, [lab.entry.age]))).toMatchObject({
      code: 'E_INPUT',
    });
  });

  it('refuses to seal a suite whose {"path"} file is missing (E_SCHEMA) before writing anything', async () => {
    const root = await writeFileSuite();
    await rm(join(root, 'files', 'srv.txt'));
    await expect(sealSuite(root, [lab.entry.age])).rejects.toMatchObject({ code: 'E_SCHEMA' });
    expect(existsSync(join(root, 'files', 'srv.txt'))).toBe(false);
  });
});
