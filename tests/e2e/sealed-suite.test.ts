/**
 * Sealed suites through the CLI (issue 15): `suite seal`, then `suite validate`, `run` and `run --resume` of the
 * sealed file with `--identity`; a sealed run resumes from the plain directory and the reverse (one identity); each
 * opening is a `suite.opened` audit event; every kind of bad sealed input is a coded error that stores nothing.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeySet, writeKeySet } from '../../src/crypto/key-files.js';
import type { RunReport } from '../../src/report/build-report.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { readAuditRecords, suiteOpenedData } from '../helpers/audit-log.js';
import { runArgv, runCliCapture, sealArgv, validateSealedArgv } from '../helpers/cli.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';

const SUITE = 'suites/cyber-knowledge';
let dir: string;
let keys: string;
let sealed: string;
let sims: {
  faulty: Awaited<ReturnType<typeof startSimulator>>;
  clean: Awaited<ReturnType<typeof startSimulator>>;
};

interface AuditRow {
  type: string;
  data: {
    keyId?: string;
    key?: string | null;
    command?: string;
    file?: string;
    suite?: unknown;
    runId?: string;
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-sealed-e2e-'));
  keys = join(dir, 'keys');
  for (const id of ['lab', 'other']) {
    writeKeySet(keys, generateKeySet(id, 'evaluator', fixedRandom(`sealed-e2e/${id}`)));
  }
  writeKeySet(keys, generateKeySet('dev', 'developer', fixedRandom('sealed-e2e/dev')));
  sealed = join(dir, 'knowledge.age');
  const sealing = await runCliCapture(sealArgv(SUITE, ['lab'], sealed, keys));
  expect(sealing.code, sealing.stderr).toBe(0);
  const suite = await openSuite(SUITE);
  sims = {
    faulty: await startSimulator({ suite, port: 0, skill: 0.8, faultRate: 0.3, seed: 5 }),
    clean: await startSimulator({ suite, port: 0, skill: 0.8, seed: 5 }),
  };
});
afterAll(async () => {
  await sims.faulty.close();
  await sims.clean.close();
  await rm(dir, { recursive: true, force: true });
});

function auditOf(db: string): AuditRow[] {
  return readAuditRecords<AuditRow>(db);
}

function countRuns(db: string): number {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (handle.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    handle.close();
  }
}

describe('redline suite seal', () => {
  it("writes a private file whose identity is the directory's, to keyring ids and raw age1 recipients", async () => {
    expect(statSync(sealed).mode & 0o777).toBe(0o600);
    const out = join(dir, 'two.age');
    const other = JSON.parse(await readFile(join(keys, 'other.pub.json'), 'utf8')) as { age: string };
    const result = await runCliCapture(sealArgv(SUITE, ['lab', other.age], out, keys, '--json'));
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      suite: { sha256: string };
      files: string[];
      recipients: Array<{ key: string | null }>;
    };
    const plain = await openSuite(SUITE);
    expect(report.suite.sha256).toBe(plain.sha256);
    expect(report.files).toEqual(['samples.jsonl', 'suite.json']);
    // A raw age1 recipient is named by its keyring entry when the keyring has it.
    expect(report.recipients.map((r) => r.key)).toEqual(['lab', 'other']);
    for (const id of ['lab', 'other']) {
      const validated = await runCliCapture(
        validateSealedArgv(out, join(keys, `${id}.age`), join(dir, 'v.db'), '--json'),
      );
      expect(validated.code, validated.stderr).toBe(0);
      expect((JSON.parse(validated.stdout) as { suite: { sha256: string } }).suite.sha256).toBe(plain.sha256);
    }
  });

  it('refuses an unknown key id and writes nothing', async () => {
    const out = join(dir, 'unknown.age');
    const result = await runCliCapture(sealArgv(SUITE, ['nobody'], out, keys));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[E_NOT_FOUND]');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses the key of an outside party (a developer), by id or by its age1 recipient, writing nothing', async () => {
    const dev = JSON.parse(await readFile(join(keys, 'dev.pub.json'), 'utf8')) as { age: string };
    for (const to of ['dev', dev.age]) {
      const out = join(dir, 'to-dev.age');
      const result = await runCliCapture(sealArgv(SUITE, ['lab', to], out, keys));
      expect(result.code, to).toBe(3);
      expect(result.stderr).toContain('[E_ACCESS]');
      expect(existsSync(out)).toBe(false);
    }
  });

  it('imports a public benchmark straight into a sealed suite (suite import --seal-to), never in plaintext', async () => {
    const fixture = 'tests/fixtures/live/cybench';
    const plainDir = join(dir, 'imported-plain');
    const plain = await runCliCapture(['suite', 'import', 'cybench', fixture, '--out', plainDir, '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const out = join(dir, 'imported.age');
    const sealedImport = await runCliCapture([
      ...['suite', 'import', 'cybench', fixture, '--out', out, '--seal-to', 'lab', '--keys', keys, '--json'],
    ]);
    expect(sealedImport.code, sealedImport.stderr).toBe(0);
    expect(statSync(out).isFile()).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    type Imported = { suite: { sha256: string }; copiedFiles: number };
    const [a, b] = [JSON.parse(plain.stdout) as Imported, JSON.parse(sealedImport.stdout) as Imported];
    expect(b.suite.sha256).toBe(a.suite.sha256);
    expect(b.copiedFiles).toBe(a.copiedFiles);
    const opened = await runCliCapture(
      validateSealedArgv(out, join(keys, 'lab.age'), join(dir, 'v.db'), '--json'),
    );
    expect((JSON.parse(opened.stdout) as { suite: { sha256: string } }).suite.sha256).toBe(a.suite.sha256);
    const again = await runCliCapture([
      'suite',
      'import',
      'cybench',
      fixture,
      '--out',
      out,
      '--seal-to',
      'lab',
      '--keys',
      keys,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('[E_USAGE]');
  });
});

describe('a sealed suite in validate and run', () => {
  it('records suite.opened (key, suite identity, command) when validate has a lab database', async () => {
    const db = join(dir, 'validate.db');
    const result = await runCliCapture(validateSealedArgv(sealed, join(keys, 'lab.age'), db, '--keys', keys));
    expect(result.code, result.stderr).toBe(0);
    const plain = await openSuite(SUITE);
    expect(result.stdout).toContain(plain.sha256);
    const opened = auditOf(db).filter((row) => row.type === 'suite.opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.data).toMatchObject(suiteOpenedData('lab', 'suite validate', sealed, plain));
    expect(opened[0]!.data.keyId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('runs a sealed suite and resumes it from the plain directory, and the reverse: one suite identity', async () => {
    const plain = await openSuite(SUITE);
    const lab = ['--identity', join(keys, 'lab.age'), '--keys', keys];
    for (const [first, second] of [
      [[sealed, ...lab], [SUITE]],
      [[SUITE], [sealed, ...lab]],
    ] as const) {
      const db = join(dir, `resume-${first[0] === SUITE ? 'plain' : 'sealed'}.db`);
      const started = await runCliCapture([
        ...runArgv(first[0], sims.faulty.url, db, '--max-attempts', '1', '--quiet'),
        ...first.slice(1),
      ]);
      const before = JSON.parse(started.stdout) as RunReport;
      expect(before.samples.errors, 'the faulty simulator leaves units to resume').toBeGreaterThan(0);
      const resumed = await runCliCapture([
        ...runArgv(second[0], sims.clean.url, db, '--resume', before.runId, '--quiet'),
        ...second.slice(1),
      ]);
      expect(resumed.code, resumed.stderr).toBe(0);
      const after = JSON.parse(resumed.stdout) as RunReport;
      expect(after.runId).toBe(before.runId);
      expect(after.samples).toEqual({ total: plain.sampleCount, scored: plain.sampleCount, errors: 0 });
      expect(after.suite.sha256).toBe(plain.sha256);
      const opened = auditOf(db).filter((row) => row.type === 'suite.opened');
      expect(opened.map((row) => row.data.command)).toEqual([first[0] === SUITE ? 'run --resume' : 'run']);
    }
  });

  it('refuses to resume a run with another suite, sealed or not', async () => {
    const db = join(dir, 'other-suite.db');
    const started = await runCliCapture(
      runArgv('suites/ctf-flags', sims.clean.url, db, '--limit', '2', '--quiet'),
    );
    const runId = (JSON.parse(started.stdout) as RunReport).runId;
    const resumed = await runCliCapture([
      ...runArgv(sealed, sims.clean.url, db, '--resume', runId, '--quiet'),
      '--identity',
      join(keys, 'lab.age'),
    ]);
    expect(resumed.code).toBe(3);
    expect(resumed.stderr).toContain('[E_STATE]');
  });
});

describe('bad sealed input: a coded error naming the file, and nothing stored', () => {
  let db: string;
  let before: { audit: number; runs: number };
  beforeAll(async () => {
    db = join(dir, 'bad.db');
    const ok = await runCliCapture(runArgv(SUITE, sims.clean.url, db, '--limit', '3', '--quiet'));
    expect(ok.code, ok.stderr).toBe(0);
    before = { audit: auditOf(db).length, runs: countRuns(db) };
  });

  async function runBad(suite: string, ...extra: string[]): Promise<{ code: number; stderr: string }> {
    const result = await runCliCapture([...runArgv(suite, sims.clean.url, db, '--quiet'), ...extra]);
    expect({ audit: auditOf(db).length, runs: countRuns(db) }, 'nothing stored').toEqual(before);
    expect(result.stdout).toBe('');
    return result;
  }

  async function variant(name: string, change: (bytes: Buffer) => Buffer): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, change(await readFile(sealed)));
    return file;
  }

  it('a sealed file without --identity: E_USAGE, exit 2, saying to pass --identity', async () => {
    const result = await runBad(sealed, '--keys', keys);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[E_USAGE]');
    expect(result.stderr).toContain('--identity');
  });

  it('an identity it is not sealed to: E_NOT_RECIPIENT, exit 6', async () => {
    const result = await runBad(sealed, '--identity', join(keys, 'other.age'));
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('[E_NOT_RECIPIENT]');
    expect(result.stderr).toContain(sealed);
  });

  it('a truncated file and an altered file: E_TAMPERED, exit 6', async () => {
    const truncated = await variant('truncated.age', (bytes) => bytes.subarray(0, bytes.length - 10));
    const altered = await variant('altered.age', (bytes) => {
      const copy = Buffer.from(bytes);
      copy[copy.length - 50]! ^= 0x80;
      return copy;
    });
    for (const file of [truncated, altered]) {
      const result = await runBad(file, '--identity', join(keys, 'lab.age'));
      expect(result.code, file).toBe(6);
      expect(result.stderr).toContain('[E_TAMPERED]');
      expect(result.stderr).toContain(file);
    }
  });

  it('a file that is not age at all: E_MALFORMED, exit 2', async () => {
    const notAge = join(dir, 'not-age.age');
    await copyFile(join(SUITE, 'suite.json'), notAge);
    const result = await runBad(notAge, '--identity', join(keys, 'lab.age'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[E_MALFORMED]');
    expect(result.stderr).toContain(notAge);
  });

  it('an identity file that is not an age identity: E_KEY, exit 2', async () => {
    for (const identity of [join(keys, 'lab.key'), join(keys, 'lab.pub.json')]) {
      const result = await runBad(sealed, '--identity', identity);
      expect(result.code, identity).toBe(2);
      expect(result.stderr).toContain('[E_KEY]');
      expect(result.stderr).toContain(identity);
    }
  });

  it('--identity with a plain suite directory: E_USAGE, exit 2', async () => {
    const result = await runBad(SUITE, '--identity', join(keys, 'lab.age'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[E_USAGE]');
  });
});
