/**
 * `redline db status|encrypt|rekey` on a PostgreSQL lab database, through the CLI: a run against the simulator (and
 * transcripts written through the store) in plaintext; `db encrypt` seals every answer, output and transcript under
 * the db key in one transaction with its audit event; the commands then read the same values with the key and are
 * refused (E_DB_KEY) without it; `db rekey` moves them to another key; the refusals change nothing, and a
 * conversion that fails midway leaves every value as it was.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDbKeyFile } from '../../harness/cli/db-key.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { openLabStore } from '../../harness/store/open-lab-store.js';
import { convertPgColumns } from '../../harness/store/pg-column-crypt.js';
import type { Transcript } from '../../src/agent/transcript.js';
import { redactUrl } from '../../src/endpoint/redact-url.js';
import type { RunReport } from '../../src/report/build-report.js';
import { createColumnCipher } from '../../src/store/column-cipher.js';
import { SCHEMA_VERSION } from '../../src/store/open-store.js';
import type { StoreKey } from '../../src/store/store-cipher.js';
import { iterateResults, type ResultRow } from '../../src/store/results.js';
import { getTranscript, writeTranscripts } from '../../src/store/transcripts.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { runArgv, runCliCapture, type CliResult } from '../helpers/cli.js';
import { seededStoreKey } from '../helpers/db-files.js';
import { createPgDatabase, openRawDb, pgSkipReason, skipsPg, type PgTestDatabase } from '../helpers/pg.js';
import { writeChoiceSuite } from '../helpers/write-suite.js';

const SAMPLES = 24;
/** A string only the transcripts hold: it must not be in the server's rows once encrypted. */
const MARKER = 'TRANSCRIPT-MARKER-4d1f9a';

let dir: string;
let suitePath: string;
let sim: Awaited<ReturnType<typeof startSimulator>>;
/** The lab keyring: one db key (lab-db) and the log key. */
let keyring: string;
/** A keyring with the log key only. */
let noDbKey: string;
/** A db key outside the keyring. */
let otherKeyFile: string;
/** A third db key, which opens nothing here. */
let strayKeyFile: string;
let labKeyId: string;
let otherKeyId: string;
const databases: PgTestDatabase[] = [];

/** The CLI with no db key unless `env` gives one. */
function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCliCapture(argv, { REDLINE_KEYS: noDbKey, REDLINE_DB_KEY_FILE: '', ...env });
}

async function genKey(id: string, role: string, out: string): Promise<string> {
  const r = await cli(['keys', 'gen', '--id', id, '--role', role, '--out', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { recipientKeyId?: string }).recipientKeyId ?? '';
}

/** A fresh database holding one completed run of the suite and two transcripts, all in plaintext. */
async function labWithRun(): Promise<{ url: string; runId: string }> {
  const database = await createPgDatabase();
  databases.push(database);
  const run = await cli(runArgv(suitePath, sim.url, database.url, '--epochs', '2'));
  expect(run.code, run.stderr).toBe(0);
  const { runId } = JSON.parse(run.stdout) as RunReport;
  const db = openLabStore(database.url);
  try {
    writeTranscripts(db, [
      { runId, sampleId: 'q-000001', epoch: 1, transcript: transcriptOf('one') },
      { runId, sampleId: 'q-000002', epoch: 2, transcript: transcriptOf('two') },
    ]);
  } finally {
    db.close();
  }
  return { url: database.url, runId };
}

function transcriptOf(answer: string): Transcript {
  return {
    messages: [{ role: 'user', content: `${MARKER} find the flag` }],
    events: [
      { turn: 1, kind: 'tool', name: 'bash', output: `${MARKER} flag.txt`, startedAtMs: 1, durationMs: 2 },
    ],
    stopReason: 'submitted',
    answer,
    turns: 1,
    sandboxStartMs: 3,
  };
}

interface StoredRows {
  results: unknown[][];
  transcripts: unknown[][];
  meta: unknown[][];
  auditEntries: number;
}

/** The rows as the server holds them (no key, no Redline checks). */
function storedRows(url: string): StoredRows {
  const db = openRawDb(url);
  try {
    const all = (sql: string): unknown[][] => db.prepare(sql).raw().all() as unknown[][];
    return {
      results: all('SELECT * FROM results ORDER BY run_id, sample_id, epoch'),
      transcripts: all('SELECT * FROM transcripts ORDER BY run_id, sample_id, epoch'),
      meta: all('SELECT key, value FROM redline_meta ORDER BY key'),
      auditEntries: db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

/** What the store reads of a run with `key` (none: plaintext): every unit and the two transcripts. */
function readItems(url: string, runId: string, key?: StoreKey) {
  const db = openLabStore(url, { readonly: true, ...(key === undefined ? {} : { key }) });
  try {
    const units: ResultRow[] = [...iterateResults(db, runId)];
    const transcripts = [...getTranscript(db, runId, 'q-000001'), ...getTranscript(db, runId, 'q-000002')];
    return { units, transcripts };
  } finally {
    db.close();
  }
}

interface AuditRow {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

async function auditOf(url: string, env: NodeJS.ProcessEnv): Promise<AuditRow[]> {
  const r = await cli(['audit', 'log', '--db', url, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AuditRow[];
}

async function statusOf(url: string, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const r = await cli(['db', 'status', '--db', url, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe.skipIf(skipsPg)(`redline db on PostgreSQL${pgSkipReason}`, () => {
  const withLabKey = (): NodeJS.ProcessEnv => ({ REDLINE_KEYS: keyring });
  const labKeyFile = (): string => join(keyring, 'lab-db.age');
  const withOtherKey = (): NodeJS.ProcessEnv => ({ REDLINE_DB_KEY_FILE: otherKeyFile });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redline-pg-db-'));
    suitePath = await writeChoiceSuite(join(dir, 'suite'), { count: SAMPLES });
    sim = await startSimulator({ suite: await openSuite(suitePath), port: 0, skill: 0.7, seed: 21 });
    keyring = join(dir, 'keys');
    noDbKey = join(dir, 'log-only');
    labKeyId = await genKey('lab-db', 'db', keyring);
    // One log key in both keyrings: every command's checkpoint verifies with either.
    await genKey('lab-log', 'log', noDbKey);
    for (const name of ['lab-log.pub.json', 'lab-log.key'])
      copyFileSync(join(noDbKey, name), join(keyring, name));
    otherKeyId = await genKey('elsewhere', 'db', join(dir, 'elsewhere'));
    otherKeyFile = join(dir, 'elsewhere', 'elsewhere.age');
    await genKey('stray', 'db', join(dir, 'stray'));
    strayKeyFile = join(dir, 'stray', 'stray.age');
  });

  afterAll(async () => {
    await sim?.close();
    for (const database of databases) await database.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('encrypts every item value in place: the commands read them back with the key, and are refused without it', async () => {
    const { url, runId } = await labWithRun();
    const plain = readItems(url, runId);
    expect(plain.units).toHaveLength(SAMPLES * 2);
    expect(plain.units.filter((u) => u.output !== null).length).toBeGreaterThan(SAMPLES);
    const reportBefore = await cli(['report', runId, '--db', url, '--json']);
    expect(reportBefore.code, reportBefore.stderr).toBe(0);
    const before = storedRows(url);

    expect(await statusOf(url, {})).toEqual({
      file: redactUrl(url),
      backend: 'postgres',
      state: 'plaintext',
      encrypted: false,
      cipher: null,
      key: null,
      opens: true,
      keyProblem: null,
      schema: SCHEMA_VERSION,
    });

    const encrypt = await cli(['db', 'encrypt', '--db', url], withLabKey());
    expect(encrypt.code, encrypt.stderr).toBe(0);
    const values =
      plain.units.filter((u) => u.answer !== null).length +
      plain.units.filter((u) => u.output !== null).length;
    expect(encrypt.stdout).toContain(`${values + 2} values sealed`);

    // The server holds every item value sealed, and nothing else changed.
    const after = storedRows(url);
    expect(after.results).toHaveLength(before.results.length);
    const itemColumns = new Set([6, 7]); // answer, output
    after.results.forEach((row, i) => {
      row.forEach((value, column) => {
        const was = before.results[i]![column];
        if (!itemColumns.has(column) || was === null) expect(value).toEqual(was);
        else expect(String(value)).toMatch(/^rl1:[A-Za-z0-9+/]+=*$/);
      });
    });
    for (const row of after.transcripts) expect(String(row[3])).toMatch(/^rl1:/);
    expect(JSON.stringify(after.transcripts)).not.toContain(MARKER);
    expect(after.meta).toContainEqual(['column_cipher', createColumnCipher(keyOf(labKeyFile())).checkValue]);

    // With the key: the same values through the store and the CLI.
    expect(readItems(url, runId, keyOf(labKeyFile()))).toEqual(plain);
    const report = await cli(['report', runId, '--db', url, '--json'], withLabKey());
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toEqual(JSON.parse(reportBefore.stdout));
    const shown = await cli(['transcript', runId, 'q-000001', '--db', url, '--json'], withLabKey());
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual([{ epoch: 1, transcript: transcriptOf('one') }]);
    const out = join(dir, `view-${runId}`);
    const view = await cli(['view', runId, '--out', out, '--db', url], withLabKey());
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toContain(`${SAMPLES} samples, 2 transcripts`);
    const written = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
      .join('');
    expect(written).toContain(MARKER);

    // Without the key (or with another): refused, as the SQLite database is.
    for (const [argv, env] of [
      [['report', runId, '--db', url], {}],
      [['transcript', runId, 'q-000001', '--db', url], {}],
      [['transcript', runId, 'q-000001', '--db', url], withOtherKey()],
    ] as const) {
      const refused = await cli([...argv], env);
      expect(refused.code, argv.join(' ')).toBe(5);
      expect(refused.stderr).toContain('[E_DB_KEY]');
    }

    expect(await statusOf(url, withLabKey())).toEqual({
      file: redactUrl(url),
      backend: 'postgres',
      state: 'encrypted',
      encrypted: true,
      cipher: {
        cipher: 'AES-256-GCM',
        scope: 'per value, item columns only',
        columns: ['results.answer', 'results.output', 'transcripts.transcript'],
      },
      key: expect.objectContaining({ id: 'lab-db', keyId: labKeyId }) as unknown,
      opens: true,
      keyProblem: null,
      schema: SCHEMA_VERSION,
    });
    const keyless = await statusOf(url, {});
    expect(keyless).toMatchObject({ state: 'encrypted', key: null, opens: false });
    expect(keyless['keyProblem']).toContain('[E_DB_KEY]');
    const text = await cli(['db', 'status', '--db', url], withLabKey());
    expect(text.stdout).toContain('backend   postgres');
    expect(text.stdout).toContain('cipher    AES-256-GCM per value, item columns only');

    // One db.encrypted event, in a chain that verifies.
    const encrypted = (await auditOf(url, withLabKey())).filter((e) => e.type === 'db.encrypted');
    expect(encrypted.map((e) => e.data)).toEqual([
      { command: 'db encrypt', to: { key: 'lab-db', keyId: labKeyId } },
    ]);
    const verify = await cli(['audit', 'verify', '--db', url], withLabKey());
    expect(verify.code, verify.stderr).toBe(0);
  }, 120_000);

  it('rekeys every value to a new key in place: the old key no longer opens it', async () => {
    const { url, runId } = await labWithRun();
    const plain = readItems(url, runId);
    expect((await cli(['db', 'encrypt', '--db', url], withLabKey())).code).toBe(0);
    const sealed = storedRows(url);

    const same = await cli(['db', 'rekey', '--db', url, '--new-key-file', labKeyFile()], {
      REDLINE_DB_KEY_FILE: labKeyFile(),
    });
    expect([same.code, same.stderr.includes('[E_USAGE]')]).toEqual([2, true]);
    const rekey = await cli(['db', 'rekey', '--db', url, '--new-key-file', otherKeyFile], withLabKey());
    expect(rekey.code, rekey.stderr).toBe(0);

    const after = storedRows(url);
    after.results.forEach((row, i) => {
      for (const column of [6, 7]) {
        if (row[column] === null) expect(sealed.results[i]![column]).toBeNull();
        else expect(row[column]).not.toEqual(sealed.results[i]![column]);
      }
    });
    expect(readItems(url, runId, keyOf(otherKeyFile))).toEqual(plain);
    expect(() => readItems(url, runId, keyOf(labKeyFile()))).toThrow(/wrong key/);
    expect((await cli(['runs', '--db', url], withLabKey())).code).toBe(5);
    const runs = await cli(['runs', '--db', url, '--json'], withOtherKey());
    expect(runs.code, runs.stderr).toBe(0);
    expect(await statusOf(url, withOtherKey())).toMatchObject({
      state: 'encrypted',
      key: { id: null, keyId: otherKeyId },
      opens: true,
    });

    const rekeyed = (await auditOf(url, withOtherKey())).filter((e) => e.type === 'db.rekeyed');
    expect(rekeyed.map((e) => e.data)).toEqual([
      {
        command: 'db rekey',
        from: { key: 'lab-db', keyId: labKeyId },
        to: { key: null, keyId: otherKeyId },
      },
    ]);
  });

  it('refuses what it cannot convert, with its code, and changes nothing', async () => {
    const { url } = await labWithRun();
    const plain = storedRows(url);
    const noKey = await cli(['db', 'encrypt', '--db', url]);
    expect([noKey.code, noKey.stderr.includes('[E_DB_KEY]')]).toEqual([5, true]);
    const notEncrypted = await cli(
      ['db', 'rekey', '--db', url, '--new-key-file', otherKeyFile],
      withLabKey(),
    );
    expect([notEncrypted.code, notEncrypted.stderr.includes('[E_STATE]')]).toEqual([3, true]);
    expect(storedRows(url)).toEqual(plain);

    expect((await cli(['db', 'encrypt', '--db', url], withLabKey())).code).toBe(0);
    const sealed = storedRows(url);
    const again = await cli(['db', 'encrypt', '--db', url], withLabKey());
    expect([again.code, again.stderr.includes('[E_STATE]')]).toEqual([3, true]);
    expect(again.stderr).toContain('db rekey');
    // The current key named by REDLINE_DB_KEY_FILE is not the one it is encrypted with.
    const wrongCurrent = await cli(['db', 'rekey', '--db', url, '--new-key-file', otherKeyFile], {
      REDLINE_DB_KEY_FILE: strayKeyFile,
    });
    expect([wrongCurrent.code, wrongCurrent.stderr.includes('[E_DB_KEY]')]).toEqual([5, true]);
    expect(storedRows(url)).toEqual(sealed);

    // A database without Redline's tables: not created by the refusal.
    const empty = await createPgDatabase();
    databases.push(empty);
    const missing = await cli(['db', 'encrypt', '--db', empty.url], withLabKey());
    expect([missing.code, missing.stderr.includes('[E_NOT_FOUND]')]).toEqual([2, true]);
    expect(await statusOf(empty.url, withLabKey())).toMatchObject({
      state: 'missing',
      opens: null,
      schema: null,
    });
  });

  it('rolls back an encryption whose audit checkpoint fails: no value, check value or event is kept', async () => {
    const { url } = await labWithRun();
    const before = storedRows(url);
    // Two log keys: the checkpoint that closes the conversion's audit event cannot be signed (E_KEY).
    const twoLogKeys = join(dir, 'two-log-keys');
    await genKey('log-a', 'log', twoLogKeys);
    await genKey('log-b', 'log', twoLogKeys);
    const failed = await cli(['db', 'encrypt', '--db', url], {
      REDLINE_KEYS: twoLogKeys,
      REDLINE_DB_KEY_FILE: labKeyFile(),
    });
    expect([failed.code, failed.stderr.includes('[E_KEY]')]).toEqual([2, true]);
    expect(storedRows(url)).toEqual(before);
    expect((await statusOf(url, {})).state).toBe('plaintext');
  });

  it('rolls back a rekey that meets a value it cannot open midway: every value stays under the old key', async () => {
    const { url, runId } = await labWithRun();
    const plain = readItems(url, runId);
    expect((await cli(['db', 'encrypt', '--db', url], withLabKey())).code).toBe(0);
    // Transcripts are re-sealed after the results: one moved onto another row's place does not open there.
    const raw = openRawDb(url);
    try {
      raw
        .prepare(
          `UPDATE transcripts SET transcript = (SELECT transcript FROM transcripts WHERE sample_id = 'q-000001')
           WHERE sample_id = 'q-000002'`,
        )
        .run();
    } finally {
      raw.close();
    }
    const tampered = storedRows(url);
    const rekey = await cli(['db', 'rekey', '--db', url, '--new-key-file', otherKeyFile], withLabKey());
    expect([rekey.code, rekey.stderr.includes('[E_DB_KEY]')]).toEqual([5, true]);
    expect(rekey.stderr).toContain('transcript of');
    expect(storedRows(url)).toEqual(tampered);
    const db = openLabStore(url, { readonly: true, key: keyOf(labKeyFile()) });
    try {
      expect([...iterateResults(db, runId)]).toEqual(plain.units);
      expect(getTranscript(db, runId, 'q-000001')).toEqual(plain.transcripts.slice(0, 1));
    } finally {
      db.close();
    }
  });

  it('waits for other Redline connections to close, and refuses while one stays open', async () => {
    const database = await createPgDatabase();
    databases.push(database);
    const other = openLabStore(database.url);
    const key = seededStoreKey('pg-db-command');
    try {
      expect(() => convertPgColumns(database.url, { to: key, busyTimeoutMs: 300 })).toThrow(
        expect.objectContaining({ code: 'E_STATE' }),
      );
      expect(storedRows(database.url).meta).not.toContainEqual(expect.arrayContaining(['column_cipher']));
    } finally {
      other.close();
    }
    expect(convertPgColumns(database.url, { to: key })).toEqual({
      results: 0,
      transcripts: 0,
      values: 0,
      schema: SCHEMA_VERSION,
    });
  });
});

/** The db key of an identity file, as the CLI derives it. */
function keyOf(file: string): StoreKey {
  return loadDbKeyFile(file, noDbKey);
}
