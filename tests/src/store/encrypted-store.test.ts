/**
 * The encrypted lab database, on real files: created and reopened with its key; no plaintext in the main file, the
 * WAL, the shared-memory index or the rollback journal; refusals (wrong key, no key, key for a plaintext database)
 * that leave every file byte-identical.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../../src/audit/append-audit.js';
import { listAudit } from '../../../src/audit/read-audit.js';
import { openStore, SCHEMA_VERSION, type Db } from '../../../src/store/open-store.js';
import { readStoreFileKind } from '../../../src/store/store-file-kind.js';
import { codeOf, errorOf } from '../../helpers/error-of.js';
import { filesHolding, seededStoreKey, snapshotDbFiles } from '../../helpers/db-files.js';

const KEY = seededStoreKey('encrypted-store');
const OTHER_KEY = seededStoreKey('another');
const MARKER = 'MARKER-7f3a-classified-benchmark-item';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redline-encrypted-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `count` audit events whose data holds the marker (the audit log is one of the tables). */
function writeMarkers(db: Db, count: number): void {
  for (let i = 0; i < count; i++) {
    appendAudit(db, {
      type: 'run.started',
      actor: 'test',
      at: '2025-01-01T00:00:00.000Z',
      data: { note: `${MARKER} #${i} ${'x'.repeat(200)}` },
    });
  }
}

describe('openStore with a key', () => {
  it('creates an encrypted database and reopens it with the same key', () => {
    const file = join(dir, 'lab.db');
    const db = openStore(file, { key: KEY });
    writeMarkers(db, 3);
    db.close();
    expect(readStoreFileKind(file)).toBe('encrypted');
    const again = openStore(file, { key: KEY, readonly: true });
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(again.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(listAudit(again).map((entry) => String(entry.data['note']).slice(0, 10))).toEqual(
      Array(3).fill('MARKER-7f3'),
    );
    again.close();
  });

  it('keeps temporary files in memory, since SQLite3MultipleCiphers does not encrypt them', () => {
    const db = openStore(join(dir, 'lab.db'), { key: KEY });
    expect(db.pragma('temp_store', { simple: true })).toBe(2);
    db.close();
  });

  it('leaves no plaintext in the database, its WAL or its shared-memory index', () => {
    const file = join(dir, 'lab.db');
    const db = openStore(file, { key: KEY });
    db.pragma('wal_autocheckpoint = 0'); // keep the writes in the WAL while it is searched
    writeMarkers(db, 50);
    expect(filesHolding(file, MARKER)).toEqual([]);
    db.close();
    expect(filesHolding(file, MARKER)).toEqual([]);
  });

  it('finds the marker in a plaintext database written the same way (so the search can fail)', () => {
    const file = join(dir, 'plain.db');
    const db = openStore(file);
    db.pragma('wal_autocheckpoint = 0');
    writeMarkers(db, 50);
    expect(filesHolding(file, MARKER)).toEqual([`${file}-wal`]);
    db.close();
  });

  it('encrypts the rollback journal', () => {
    for (const { name, key, isEncrypted } of [
      { name: 'journal.db', key: KEY, isEncrypted: true },
      { name: 'journal-plain.db', key: undefined, isEncrypted: false },
    ]) {
      const file = join(dir, name);
      const db = openStore(file, key === undefined ? {} : { key });
      db.pragma('journal_mode = DELETE');
      db.exec('CREATE TABLE notes (text TEXT)');
      const insert = db.prepare('INSERT INTO notes VALUES (?)');
      for (let i = 0; i < 200; i++) insert.run(`${MARKER} ${i}`);
      // Mid-transaction, the journal holds the original pages (with the marker) until the commit.
      db.exec('BEGIN');
      db.exec("UPDATE notes SET text = 'overwritten'");
      expect(filesHolding(file, MARKER).includes(`${file}-journal`)).toBe(!isEncrypted);
      db.exec('ROLLBACK');
      db.close();
    }
  });

  it('refuses a wrong key with E_DB_KEY naming the key tried, and writes nothing', () => {
    const file = join(dir, 'lab.db');
    const db = openStore(file, { key: KEY });
    writeMarkers(db, 2);
    db.close();
    const before = snapshotDbFiles(file);
    const error = errorOf(() => openStore(file, { key: OTHER_KEY }));
    expect(error?.code).toBe('E_DB_KEY');
    expect(error?.message).toContain(file);
    expect(error?.message).toContain(OTHER_KEY.label);
    expect(codeOf(() => openStore(file, { key: OTHER_KEY, readonly: true }))).toBe('E_DB_KEY');
    expect(snapshotDbFiles(file)).toEqual(before);
  });

  it('refuses an encrypted database without a key, and writes nothing', () => {
    const file = join(dir, 'lab.db');
    openStore(file, { key: KEY }).close();
    const before = snapshotDbFiles(file);
    const error = errorOf(() => openStore(file));
    expect(error?.code).toBe('E_DB_KEY');
    expect(error?.message).toContain('REDLINE_DB_KEY_FILE');
    expect(codeOf(() => openStore(file, { readonly: true }))).toBe('E_DB_KEY');
    expect(snapshotDbFiles(file)).toEqual(before);
  });

  it('refuses a plaintext database when a key is configured, pointing at "redline db encrypt"', () => {
    const file = join(dir, 'plain.db');
    const db = openStore(file);
    writeMarkers(db, 2);
    db.close();
    const before = snapshotDbFiles(file);
    const error = errorOf(() => openStore(file, { key: KEY }));
    expect(error?.code).toBe('E_DB_KEY');
    expect(error?.message).toContain('redline db encrypt');
    expect(snapshotDbFiles(file)).toEqual(before);
  });

  it('still refuses a file that is not a database with E_STORE, key or not', () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'my evaluation notes\n'.repeat(512));
    expect(codeOf(() => openStore(file))).toBe('E_STORE');
    expect(codeOf(() => openStore(file, { key: KEY }))).toBe('E_STORE');
  });
});

describe('readStoreFileKind', () => {
  it('tells missing, empty, plaintext, encrypted and other files apart', () => {
    const plain = join(dir, 'plain.db');
    const encrypted = join(dir, 'encrypted.db');
    openStore(plain).close();
    openStore(encrypted, { key: KEY }).close();
    writeFileSync(join(dir, 'empty.db'), '');
    writeFileSync(join(dir, 'text.db'), 'a'.repeat(4096));
    expect(readStoreFileKind(join(dir, 'missing.db'))).toBe('missing');
    expect(readStoreFileKind(join(dir, 'empty.db'))).toBe('empty');
    expect(readStoreFileKind(plain)).toBe('plaintext');
    expect(readStoreFileKind(encrypted)).toBe('encrypted');
    expect(readStoreFileKind(join(dir, 'text.db'))).toBe('other');
    expect(readStoreFileKind(dir)).toBe('other');
  });
});
