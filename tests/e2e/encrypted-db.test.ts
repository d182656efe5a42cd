/**
 * The encrypted lab database through the CLI: a db key in the keyring (or REDLINE_DB_KEY_FILE) makes `run` create
 * an encrypted database; every keyed open is audit-logged as `db.opened`; a database without its key, with a
 * wrong key, or a plaintext one with a key configured is refused (exit 5, E_DB_KEY) and left byte-identical;
 * `db encrypt`, `db rekey` and `db status` convert and describe it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { runCliCapture, spawnCli, waitForExit, type CliResult } from '../helpers/cli.js';
import { filesHolding, snapshotDbFiles } from '../helpers/db-files.js';
import { writeChoiceSuite } from '../helpers/write-suite.js';

const MODEL = 'MARKER-model-5e1f';

let dir: string;
let suitePath: string;
let sim: Awaited<ReturnType<typeof startSimulator>>;
/** A keyring with one db key (lab-db) and nothing else. */
let keyring: string;
/** An empty keyring: no db key. */
let noKeys: string;
/** A db key outside any keyring. */
let otherKeyFile: string;
let labKeyId: string;

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCliCapture(argv, { REDLINE_KEYS: noKeys, REDLINE_DB_KEY_FILE: '', ...env });
}

async function genKey(id: string, out: string): Promise<{ recipientKeyId: string }> {
  const r = await cli(['keys', 'gen', '--id', id, '--role', 'db', '--out', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { recipientKeyId: string };
}

function runArgs(db: string): string[] {
  return ['run', suitePath, '--endpoint', sim.url, '--model', MODEL, '--db', db, '--json'];
}

interface AuditRow {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

async function auditOf(db: string, env: NodeJS.ProcessEnv): Promise<AuditRow[]> {
  const r = await cli(['audit', 'log', '--db', db, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AuditRow[];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redline-encrypted-db-'));
  suitePath = await writeChoiceSuite(join(dir, 'suite'), { count: 40 });
  sim = await startSimulator({ suite: await openSuite(suitePath), port: 0, skill: 0.8, seed: 3 });
  keyring = join(dir, 'keys');
  noKeys = join(dir, 'no-keys');
  labKeyId = (await genKey('lab-db', keyring)).recipientKeyId;
  await genKey('elsewhere', join(dir, 'elsewhere'));
  otherKeyFile = join(dir, 'elsewhere', 'elsewhere.age');
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the encrypted lab database (CLI)', () => {
  it('is created encrypted by run when the keyring has a db key, and audit-logs every keyed open', async () => {
    const db = join(dir, 'run.db');
    const env = { REDLINE_KEYS: keyring };
    const run = await cli(runArgs(db), env);
    expect(run.code, run.stderr).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    expect((await cli(['report', runId, '--db', db, '--json'], env)).code).toBe(0);
    expect(filesHolding(db, MODEL)).toEqual([]);
    const opened = (await auditOf(db, env)).filter((e) => e.type === 'db.opened');
    expect(opened.map((e) => e.data['command'])).toEqual(['run', 'report', 'audit log']);
    for (const event of opened) {
      expect(event.data['key']).toBe('lab-db');
      expect(event.data['keyId']).toBe(labKeyId);
    }
    expect(opened.map((e) => e.data['readonly'])).toEqual([false, true, true]);
  });

  it('logs the opens of concurrent read-only commands, each once, in one unbroken chain', async () => {
    const db = join(dir, 'concurrent.db');
    const env = { REDLINE_KEYS: keyring, REDLINE_DB_KEY_FILE: '' };
    expect((await cli(runArgs(db), env)).code).toBe(0);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => waitForExit(spawnCli(['runs', '--db', db, '--json'], env))),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const log = await auditOf(db, env);
    expect(log.filter((e) => e.data['command'] === 'runs')).toHaveLength(4);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  });

  it('holds the marker in plaintext without a key, and logs no db.opened (so the search can fail)', async () => {
    const db = join(dir, 'plain-run.db');
    expect((await cli(runArgs(db))).code).toBe(0);
    expect(filesHolding(db, MODEL)).not.toEqual([]);
    expect((await auditOf(db, {})).filter((e) => e.type === 'db.opened')).toEqual([]);
  });

  it('takes the key from REDLINE_DB_KEY_FILE, which also chooses among several db keys', async () => {
    const db = join(dir, 'env.db');
    const env = { REDLINE_DB_KEY_FILE: otherKeyFile };
    expect((await cli(runArgs(db), env)).code).toBe(0);
    const opened = (await auditOf(db, env)).filter((e) => e.type === 'db.opened');
    expect(opened[0]?.data['key']).toBeNull();
    // A keyring with two usable db keys: refused until REDLINE_DB_KEY_FILE chooses.
    const two = join(dir, 'two-keys');
    await genKey('db-a', two);
    await genKey('db-b', two);
    const refused = await cli(['runs', '--db', db], { REDLINE_KEYS: two });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('[E_DB_KEY]');
    expect(refused.stderr).toContain('REDLINE_DB_KEY_FILE');
    expect((await cli(['runs', '--db', db], { REDLINE_KEYS: two, ...env })).code).toBe(0);
  });

  describe('refuses, with exit 5 and E_DB_KEY, and changes no byte', () => {
    let encrypted: string;
    let plain: string;
    beforeAll(async () => {
      encrypted = join(dir, 'refuse-encrypted.db');
      plain = join(dir, 'refuse-plain.db');
      expect((await cli(runArgs(encrypted), { REDLINE_KEYS: keyring })).code).toBe(0);
      expect((await cli(runArgs(plain))).code).toBe(0);
    });

    it.each([
      {
        name: 'an encrypted database without a key',
        file: () => encrypted,
        env: () => ({}),
        says: () => 'REDLINE_DB_KEY_FILE',
      },
      {
        name: 'an encrypted database with a wrong key',
        file: () => encrypted,
        env: () => ({ REDLINE_DB_KEY_FILE: otherKeyFile }),
        says: () => otherKeyFile,
      },
      {
        name: 'a plaintext database with a key configured',
        file: () => plain,
        env: () => ({ REDLINE_KEYS: keyring }),
        says: () => 'redline db encrypt',
      },
    ])('$name', async ({ file, env, says }) => {
      const before = snapshotDbFiles(file());
      for (const argv of [['runs', '--db', file()], ['audit', 'log', '--db', file()], runArgs(file())]) {
        const r = await cli(argv, env());
        expect(r.code, r.stderr).toBe(5);
        expect(r.stderr).toContain('[E_DB_KEY]');
        expect(r.stderr).toContain(file());
        expect(r.stderr).toContain(says());
      }
      expect(snapshotDbFiles(file())).toEqual(before);
    });
  });

  it('converts with db encrypt and db rekey, and db status describes the result', async () => {
    const db = join(dir, 'convert.db');
    expect((await cli(runArgs(db))).code).toBe(0);
    const encrypt = await cli(['db', 'encrypt', '--db', db], { REDLINE_KEYS: keyring });
    expect(encrypt.code, encrypt.stderr).toBe(0);
    expect(filesHolding(db, MODEL)).toEqual([]);

    const status = await cli(['db', 'status', '--db', db, '--json'], { REDLINE_KEYS: keyring });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      state: 'encrypted',
      encrypted: true,
      cipher: { cipher: 'sqlcipher', legacy: 3, pageSize: 4096 },
      key: { id: 'lab-db', keyId: labKeyId },
      opens: true,
    });

    const rekey = await cli(['db', 'rekey', '--db', db, '--new-key-file', otherKeyFile], {
      REDLINE_KEYS: keyring,
    });
    expect(rekey.code, rekey.stderr).toBe(0);
    expect((await cli(['runs', '--db', db], { REDLINE_KEYS: keyring })).code).toBe(5);
    const env = { REDLINE_DB_KEY_FILE: otherKeyFile };
    const types = (await auditOf(db, env)).map((e) => e.type);
    expect(types).toContain('db.encrypted');
    expect(types).toContain('db.rekeyed');
    const runs = await cli(['runs', '--db', db, '--json'], env);
    expect(runs.code).toBe(0);
    expect((JSON.parse(runs.stdout) as Array<{ model: string }>).map((r) => r.model)).toEqual([MODEL]);
  });
});
