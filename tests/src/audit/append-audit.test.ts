/**
 * Appending to the audit log: the exact bytes stored and hashed, the chain, the append-only triggers, and two
 * writers at once.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAudit, AUDIT_EVENT_TYPES, type AuditEvent } from '../../../src/audit/append-audit.js';
import { verifyAudit } from '../../../src/audit/verify-audit.js';
import { openStore, SCHEMA_VERSION } from '../../../src/store/open-store.js';
import { appendEvents, codeOf, LOG_KEY, makeTempDir, newDb } from './audit-helpers.js';

const temp = makeTempDir();
afterAll(() => temp.remove());

const ZEROS = '0'.repeat(64);
const event: AuditEvent = {
  type: 'run.started',
  actor: 'alice',
  at: '2026-11-26T10:00:00.000Z',
  data: { runId: 'r1', suiteSha256: 'ab'.repeat(32), b: [1, 'x'], a: null },
};

function sqliteCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

function rows(db: Database.Database) {
  return db.prepare('SELECT seq, record, prev_hash, leaf_hash FROM audit_log ORDER BY seq').all() as {
    seq: number;
    record: Buffer;
    prev_hash: Buffer;
    leaf_hash: Buffer;
  }[];
}

describe('migration 2', () => {
  it('creates audit_log and audit_checkpoints in schema version 2', () => {
    const { db } = newDb(temp.dir);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit%' ORDER BY name")
      .all();
    expect(tables).toEqual([{ name: 'audit_checkpoints' }, { name: 'audit_log' }]);
    db.close();
  });
});

describe('appendAudit', () => {
  it('stores the canonical JSON bytes, chained from 32 zero bytes, with seq from 1', () => {
    const { db } = newDb(temp.dir);
    const first = appendAudit(db, event);
    expect(first.seq).toBe(1);
    const [row] = rows(db);
    expect(row!.record.toString('utf8')).toBe(
      `{"actor":"alice","at":"2026-11-26T10:00:00.000Z","data":{"a":null,"b":[1,"x"],"runId":"r1",` +
        `"suiteSha256":"${'ab'.repeat(32)}"},"prev":"${ZEROS}","seq":1,"type":"run.started"}`,
    );
    expect(row!.prev_hash.toString('hex')).toBe(ZEROS);
    db.close();
  });

  it('hashes each record as SHA-256(0x00 || record) and chains the next one to it', () => {
    const { db } = newDb(temp.dir);
    const first = appendAudit(db, event);
    const second = appendAudit(db, { ...event, type: 'run.finished' });
    expect(second.seq).toBe(2);
    const [one, two] = rows(db);
    const expected = createHash('sha256')
      .update(Buffer.from([0]))
      .update(one!.record)
      .digest('hex');
    expect(Buffer.from(first.leafHash).toString('hex')).toBe(expected);
    expect(one!.leaf_hash.toString('hex')).toBe(expected);
    expect(two!.prev_hash.toString('hex')).toBe(expected);
    expect(JSON.parse(two!.record.toString('utf8'))).toMatchObject({ seq: 2, prev: expected });
    db.close();
  });

  it('accepts every event type', () => {
    const { db } = newDb(temp.dir);
    for (const type of AUDIT_EVENT_TYPES) appendAudit(db, { ...event, type });
    expect(verifyAudit(db, { logKey: LOG_KEY }).ok).toBe(true);
    db.close();
  });

  it('refuses events the log must not hold (caller bugs)', () => {
    const { db } = newDb(temp.dir);
    const bad: unknown[] = [
      { ...event, type: 'run.exploded' },
      { ...event, at: 'yesterday' },
      { ...event, at: '2026-11-26T10:00:00' }, // no time zone
      { ...event, data: [1, 2] },
      { ...event, data: null },
      { ...event, data: { x: Number.NaN } },
      { ...event, data: { x: 1n } },
      { ...event, actor: 7 },
    ];
    for (const value of bad) expect(codeOf(() => appendAudit(db, value as AuditEvent))).toBe('E_INTERNAL');
    expect(rows(db)).toHaveLength(0);
    db.close();
  });

  it('is E_STORE when the database cannot be written', () => {
    const { db, file } = newDb(temp.dir);
    db.close();
    const readonly = openStore(file, { readonly: true });
    expect(codeOf(() => appendAudit(readonly, event))).toBe('E_STORE');
    readonly.close();
  });

  it('keeps one unbroken chain when two threads append at once', async () => {
    const { db, file } = newDb(temp.dir);
    db.close();
    const count = 150;
    const run = (actor: string) =>
      new Promise<void>((resolve, reject) => {
        // The worker is TypeScript: register tsx's loader in the thread itself, then import it (on this Node,
        // `execArgv: ['--import', 'tsx']` does not reach a worker's entry point).
        const script = new URL('./append-worker.ts', import.meta.url).href;
        const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`;
        const worker = new Worker(boot, { eval: true, workerData: { file, count, actor } });
        worker.once('error', reject);
        worker.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`)),
        );
      });
    await Promise.all([run('one'), run('two')]);
    const check = openStore(file);
    const report = verifyAudit(check, { logKey: LOG_KEY });
    expect(report).toMatchObject({ ok: true, size: 2 * count, checked: 2 * count });
    const actors = rows(check).map(
      (row) => (JSON.parse(row.record.toString('utf8')) as { actor: string }).actor,
    );
    expect(actors.filter((a) => a === 'one')).toHaveLength(count);
    check.close();
  });
});

describe('append-only triggers', () => {
  it('abort UPDATE, DELETE and REPLACE of log entries', () => {
    const { db } = newDb(temp.dir);
    appendEvents(db, 3);
    const before = rows(db);
    expect(sqliteCode(() => db.prepare("UPDATE audit_log SET record = x'00' WHERE seq = 2").run())).toBe(
      'SQLITE_CONSTRAINT_TRIGGER',
    );
    expect(sqliteCode(() => db.prepare('DELETE FROM audit_log WHERE seq = 3').run())).toBe(
      'SQLITE_CONSTRAINT_TRIGGER',
    );
    expect(sqliteCode(() => db.prepare('DELETE FROM audit_log').run())).toBe('SQLITE_CONSTRAINT_TRIGGER');
    // INSERT OR REPLACE deletes without firing DELETE triggers: the INSERT trigger must catch it.
    expect(
      sqliteCode(() =>
        db
          .prepare('INSERT OR REPLACE INTO audit_log (seq, record, prev_hash, leaf_hash) VALUES (2, ?, ?, ?)')
          .run(Buffer.from('{}'), before[0]!.leaf_hash, before[0]!.leaf_hash),
      ),
    ).toBe('SQLITE_CONSTRAINT_TRIGGER');
    expect(rows(db)).toEqual(before);
    db.close();
  });

  it('abort an insert that skips a seq or does not chain to the last leaf hash', () => {
    const { db } = newDb(temp.dir);
    appendEvents(db, 2);
    const last = rows(db)[1]!;
    const insert = db.prepare(
      'INSERT INTO audit_log (seq, record, prev_hash, leaf_hash) VALUES (?, ?, ?, ?)',
    );
    expect(sqliteCode(() => insert.run(4, Buffer.from('{}'), last.leaf_hash, last.leaf_hash))).toBe(
      'SQLITE_CONSTRAINT_TRIGGER',
    );
    expect(sqliteCode(() => insert.run(3, Buffer.from('{}'), Buffer.alloc(32), last.leaf_hash))).toBe(
      'SQLITE_CONSTRAINT_TRIGGER',
    );
    db.close();
  });

  it('abort UPDATE, DELETE and REPLACE of checkpoints', () => {
    const { db } = newDb(temp.dir);
    const insert = db.prepare(
      "INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (?, zeroblob(32), 'n', 't')",
    );
    insert.run(0);
    expect(sqliteCode(() => db.prepare("UPDATE audit_checkpoints SET note = 'm'").run())).toBe(
      'SQLITE_CONSTRAINT_TRIGGER',
    );
    expect(sqliteCode(() => db.prepare('DELETE FROM audit_checkpoints').run())).toBe(
      'SQLITE_CONSTRAINT_TRIGGER',
    );
    expect(
      sqliteCode(() =>
        db
          .prepare(
            "INSERT OR REPLACE INTO audit_checkpoints (size, root, note, created_at) VALUES (0, zeroblob(32), 'x', 't')",
          )
          .run(),
      ),
    ).toBe('SQLITE_CONSTRAINT_TRIGGER');
    expect(db.prepare('SELECT note FROM audit_checkpoints').all()).toEqual([{ note: 'n' }]);
    db.close();
  });
});
