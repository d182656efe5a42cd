/**
 * Converting the lab database in place (`db encrypt`, `db rekey`) on real files: the content survives, the old key
 * stops working, and a crash at any step (SIGKILL in a child process) leaves a database that opens with the key it
 * had, or with the new one once renamed: never a half-converted file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../../src/audit/append-audit.js';
import { listAudit } from '../../../src/audit/read-audit.js';
import { convertStore, type ConvertStep } from '../../../src/store/convert-store.js';
import { openStore, SCHEMA_VERSION, type Db } from '../../../src/store/open-store.js';
import { insertRun, listRuns } from '../../../src/store/runs.js';
import type { StoreKey } from '../../../src/store/store-cipher.js';
import { readStoreFileKind } from '../../../src/store/store-file-kind.js';
import { filesHolding, seededStoreKey, snapshotDbFiles } from '../../helpers/db-files.js';
import { codeOf } from '../../helpers/error-of.js';
import { newRunRecord } from '../../helpers/add-run.js';

const OLD = seededStoreKey('convert-old');
const NEW = seededStoreKey('convert-new');
const MARKER = 'MARKER-c0nvert-sample-input';
const CRASH_CHILD = fileURLToPath(new URL('../../helpers/crash-convert.ts', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redline-convert-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A database with runs, an audit log (append-only triggers) and the marker; closed. */
function makeDb(file: string, key?: StoreKey): void {
  const db = openStore(file, key === undefined ? {} : { key });
  for (let i = 0; i < 5; i++) insertRun(db, newRunRecord({ id: `run-${i}` }));
  for (let i = 0; i < 20; i++) {
    appendAudit(db, {
      type: 'run.started',
      actor: 'test',
      at: '2025-01-01T00:00:00.000Z',
      data: { note: `${MARKER} ${i}` },
    });
  }
  db.close();
}

/** What must survive a conversion: schema version, runs and the audit log (chain included). */
function contentOf(db: Db): unknown {
  return {
    userVersion: db.pragma('user_version', { simple: true }),
    runs: listRuns(db).map((run) => run.id),
    audit: listAudit(db).map((entry) => entry.leafHash),
  };
}

function readWith(file: string, key?: StoreKey): unknown {
  const db = openStore(file, key === undefined ? {} : { key });
  try {
    return contentOf(db);
  } finally {
    db.close();
  }
}

describe('convertStore', () => {
  it('encrypts a plaintext database in place, keeping every row', () => {
    const file = join(dir, 'lab.db');
    makeDb(file);
    const before = readWith(file);
    const copied = convertStore(file, { to: NEW });
    expect(copied.userVersion).toBe(SCHEMA_VERSION);
    expect(copied.rows['runs']).toBe(5);
    expect(copied.rows['audit_log']).toBe(20);
    expect(readStoreFileKind(file)).toBe('encrypted');
    expect(readWith(file, NEW)).toEqual(before);
    expect(filesHolding(file, MARKER)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['lab.db']); // no copy left, no stale WAL
  });

  it('keeps the append-only triggers of the audit log', () => {
    const file = join(dir, 'lab.db');
    makeDb(file);
    convertStore(file, { to: NEW });
    const db = openStore(file, { key: NEW });
    expect(() => db.exec('DELETE FROM audit_log')).toThrow();
    db.close();
  });

  it('rekeys an encrypted database: the new key opens it, the old one no longer does', () => {
    const file = join(dir, 'lab.db');
    makeDb(file, OLD);
    const before = readWith(file, OLD);
    convertStore(file, { from: OLD, to: NEW });
    expect(readWith(file, NEW)).toEqual(before);
    expect(codeOf(() => openStore(file, { key: OLD }))).toBe('E_DB_KEY');
  });

  it('refuses a wrong current key and changes nothing', () => {
    const file = join(dir, 'lab.db');
    makeDb(file, OLD);
    const before = snapshotDbFiles(file);
    expect(codeOf(() => convertStore(file, { from: seededStoreKey('wrong'), to: NEW }))).toBe('E_DB_KEY');
    expect(snapshotDbFiles(file)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['lab.db']);
  });

  it('refuses to encrypt an encrypted database, to rekey a plaintext one, or a missing file', () => {
    const plain = join(dir, 'plain.db');
    const encrypted = join(dir, 'encrypted.db');
    makeDb(plain);
    makeDb(encrypted, OLD);
    expect(codeOf(() => convertStore(encrypted, { to: NEW }))).toBe('E_STATE');
    expect(codeOf(() => convertStore(plain, { from: OLD, to: NEW }))).toBe('E_STATE');
    expect(codeOf(() => convertStore(join(dir, 'missing.db'), { to: NEW }))).toBe('E_NOT_FOUND');
  });

  it('refuses a database another connection has open, and changes nothing', () => {
    const file = join(dir, 'lab.db');
    makeDb(file);
    const other = openStore(file, { readonly: true });
    try {
      other.pragma('user_version');
      const before = snapshotDbFiles(file);
      expect(codeOf(() => convertStore(file, { to: NEW, busyTimeoutMs: 50 }))).toBe('E_STATE');
      expect(snapshotDbFiles(file)).toEqual(before);
    } finally {
      other.close();
    }
    expect(readStoreFileKind(file)).toBe('plaintext');
  });

  describe('crash', () => {
    const steps: ConvertStep[] = ['locked', 'copied', 'verified', 'synced'];

    /** Runs the conversion in a child that SIGKILLs itself right after `step`. */
    function crashAfter(file: string, step: ConvertStep, from: string, to: string): void {
      const child = spawnSync(process.execPath, ['--import', 'tsx', CRASH_CHILD, file, step, from, to], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(child.signal, child.stderr).toBe('SIGKILL');
    }

    it.each(steps)('after "%s", the plaintext database is intact and a later encrypt succeeds', (step) => {
      const file = join(dir, 'lab.db');
      makeDb(file);
      const before = readWith(file);
      crashAfter(file, step, '-', 'convert-new');
      expect(readdirSync(dir).filter((name) => name.includes('redline-new'))).toHaveLength(1);
      expect(readStoreFileKind(file)).toBe('plaintext');
      expect(readWith(file)).toEqual(before);
      convertStore(file, { to: NEW });
      expect(readWith(file, NEW)).toEqual(before);
      // The crashed conversion's copy was removed by the next one.
      expect(readdirSync(dir).filter((name) => name.includes('redline-new'))).toEqual([]);
    });

    it.each(steps)('after "%s", the encrypted database still opens with the old key', (step) => {
      const file = join(dir, 'lab.db');
      makeDb(file, OLD);
      const before = readWith(file, OLD);
      crashAfter(file, step, 'convert-old', 'convert-new');
      expect(readWith(file, OLD)).toEqual(before);
      expect(codeOf(() => openStore(file, { key: NEW }))).toBe('E_DB_KEY');
    });

    it('after "renamed", the database opens with the new key', () => {
      const file = join(dir, 'lab.db');
      makeDb(file, OLD);
      const before = readWith(file, OLD);
      crashAfter(file, 'renamed', 'convert-old', 'convert-new');
      expect(readWith(file, NEW)).toEqual(before);
    });
  });
});
