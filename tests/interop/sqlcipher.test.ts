/**
 * Interop with Debian's `sqlcipher` command-line tool (SQLCipher 3.4): it opens an encrypted lab database with the
 * documented settings (raw key, 4096-byte pages), WAL included, with the key derived from ID.age as documented (by
 * redline_db_key.py, Python's standard library), and Redline opens a database sqlcipher wrote.
 * Skipped, saying so, when /usr/bin/sqlcipher is absent, unless REDLINE_REQUIRE_SQLCIPHER=1 (.ci/run sets it):
 * then the tests run and fail.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveDbKey } from '../../src/crypto/db-key.js';
import { generateKeySet, loadAgeIdentity, writeKeySet } from '../../src/crypto/key-files.js';
import { convertStore } from '../../src/store/convert-store.js';
import { openStore, type Db } from '../../src/store/open-store.js';
import { applyStoreKey, STORE_CIPHER, type StoreKey } from '../../src/store/store-cipher.js';
import { insertRun } from '../../src/store/runs.js';
import { readStoreFileKind } from '../../src/store/store-file-kind.js';
import { newRunRecord } from '../helpers/add-run.js';
import { seededStoreKey } from '../helpers/db-files.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';
import { runTool, skipReason } from '../src/crypto/keys/external-tool.js';

const SQLCIPHER = '/usr/bin/sqlcipher';
const isRequired = process.env['REDLINE_REQUIRE_SQLCIPHER'] === '1';
const isPresent = existsSync(SQLCIPHER);
const KEY = seededStoreKey('sqlcipher-interop');
/** The derivation of docs/security.md in Python's standard library: an implementation independent of Redline's. */
const DB_KEY_SCRIPT = fileURLToPath(new URL('redline_db_key.py', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redline-sqlcipher-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The PRAGMAs docs/security.md documents for opening a lab database with sqlcipher. */
function documentedPragmas(key: StoreKey | string): string {
  const hex = typeof key === 'string' ? key : bytesToHex(key.raw);
  return `PRAGMA key = "x'${hex}'";\nPRAGMA cipher_page_size = ${STORE_CIPHER.pageSize};\n`;
}

/** Runs SQL in sqlcipher on `file` after the documented PRAGMAs; its stdout lines (the key PRAGMA prints nothing). */
function sqlcipher(file: string, key: StoreKey | string, sql: string): string[] {
  const result = runTool(SQLCIPHER, [file], { input: `${documentedPragmas(key)}${sql}\n` });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter((line) => line !== '');
}

/** Stores runs of the given models (the runs table: plain text columns sqlcipher 3.4 can select). */
function addRuns(db: Db, models: string[]): void {
  models.forEach((model, i) => insertRun(db, newRunRecord({ id: `run-${i}-${model}`, model })));
}

function writeRuns(file: string, models: string[], key: StoreKey = KEY): void {
  const db = openStore(file, { key });
  addRuns(db, models);
  db.close();
}

describe.skipIf(!isPresent && !isRequired)(`sqlcipher interop${skipReason('sqlcipher', isPresent)}`, () => {
  it('reads the tables of an encrypted lab database', () => {
    const file = join(dir, 'lab.db');
    writeRuns(file, ['model-a', 'model-b']);
    const db = openStore(file, { key: KEY, readonly: true });
    const userVersion = db.pragma('user_version', { simple: true }) as number;
    db.close();
    expect(sqlcipher(file, KEY, 'PRAGMA user_version;')).toEqual([String(userVersion)]);
    expect(sqlcipher(file, KEY, 'SELECT model FROM runs ORDER BY id;')).toEqual(['model-a', 'model-b']);
  });

  it('reads rows still in the WAL (not yet checkpointed)', () => {
    const file = join(dir, 'lab.db');
    writeRuns(file, ['checkpointed']);
    const db = openStore(file, { key: KEY });
    db.pragma('wal_autocheckpoint = 0');
    insertRun(db, newRunRecord({ id: 'run-wal', model: 'in-the-wal' }));
    // A copy of the three files as they are while the writer is open: the last run exists only in the WAL.
    const copy = join(dir, 'copy.db');
    for (const suffix of ['', '-wal', '-shm']) copyFileSync(`${file}${suffix}`, `${copy}${suffix}`);
    db.close();
    expect(sqlcipher(copy, KEY, 'SELECT model FROM runs ORDER BY id;')).toEqual([
      'checkpointed',
      'in-the-wal',
    ]);
  });

  it('reads a database converted by "db encrypt"', () => {
    const file = join(dir, 'lab.db');
    const plain = openStore(file);
    addRuns(plain, ['converted']);
    plain.close();
    convertStore(file, { to: KEY });
    expect(sqlcipher(file, KEY, 'SELECT model FROM runs;')).toEqual(['converted']);
  });

  it("opens it with the key an independent script derives from the db key's ID.age (docs/security.md)", () => {
    const set = generateKeySet('lab-db', 'db', fixedRandom('sqlcipher-interop/lab-db'));
    const { ageIdentityFile } = writeKeySet(join(dir, 'keys'), set);
    const file = join(dir, 'lab.db');
    writeRuns(file, ['keyring-key'], { raw: deriveDbKey(loadAgeIdentity(ageIdentityFile)), label: 'lab-db' });
    const derived = runTool('python3', [DB_KEY_SCRIPT, ageIdentityFile]);
    expect(derived.status, derived.stderr).toBe(0);
    expect(sqlcipher(file, derived.stdout.trim(), 'SELECT model FROM runs;')).toEqual(['keyring-key']);
  });

  it('fails to read it with another key', () => {
    const file = join(dir, 'lab.db');
    writeRuns(file, ['secret-model']);
    const result = runTool(SQLCIPHER, [file], {
      input: `${documentedPragmas(seededStoreKey('other'))}SELECT model FROM runs;\n`,
    });
    expect(result.stdout).not.toContain('secret-model');
    expect(result.stderr).toMatch(/not a database|encrypted/);
  });

  it('writes databases Redline opens with the same key', () => {
    const file = join(dir, 'from-sqlcipher.db');
    sqlcipher(
      file,
      KEY,
      "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('written by sqlcipher');",
    );
    expect(readStoreFileKind(file)).toBe('encrypted');
    const db = new Database(file, { readonly: true });
    applyStoreKey(db, KEY);
    expect(db.prepare('SELECT text FROM notes').pluck().all()).toEqual(['written by sqlcipher']);
    db.close();
  });
});
