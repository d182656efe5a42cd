/**
 * Appending to the audit log, on both backends: the exact bytes stored and hashed, the chain, the append-only
 * triggers, and two writers at once.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { appendAudit, AUDIT_EVENT_TYPES, type AuditEvent } from '../../../src/audit/append-audit.js';
import { verifyAudit } from '../../../src/audit/verify-audit.js';
import { dialectOf, type Db } from '../../../src/store/db.js';
import { SCHEMA_VERSION } from '../../../src/store/open-store.js';
import { driverCodeOf } from '../../helpers/error-of.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';
import { appendEvents, codeOf, LOG_KEY } from './audit-helpers.js';

const ZEROS = '0'.repeat(64);
const event: AuditEvent = {
  type: 'run.started',
  actor: 'alice',
  at: '2026-11-26T10:00:00.000Z',
  data: { runId: 'r1', suiteSha256: 'ab'.repeat(32), b: [1, 'x'], a: null },
};

/** The driver's code of a trigger's refusal: SQLite's RAISE(ABORT), PostgreSQL's RAISE EXCEPTION (P0001). */
const TRIGGER_ABORT = { sqlite: 'SQLITE_CONSTRAINT_TRIGGER', postgres: 'P0001' } as const;

function rows(db: Db) {
  return db.prepare('SELECT seq, record, prev_hash, leaf_hash FROM audit_log ORDER BY seq').all() as {
    seq: number;
    record: Buffer;
    prev_hash: Buffer;
    leaf_hash: Buffer;
  }[];
}

describe.each(storeBackends())('the audit log on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  describe('migration 2', () => {
    it('creates audit_log and audit_checkpoints in schema version 2', () => {
      const { db } = backend.open();
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
      const tables = db
        .prepare(
          dialectOf(db) === 'postgres'
            ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'audit%' ORDER BY name"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit%' ORDER BY name",
        )
        .all();
      expect(tables).toEqual([{ name: 'audit_checkpoints' }, { name: 'audit_log' }]);
      db.close();
    });
  });

  describe('appendAudit', () => {
    it('stores the canonical JSON bytes, chained from 32 zero bytes, with seq from 1', () => {
      const { db } = backend.open();
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
      const { db } = backend.open();
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
      const { db } = backend.open();
      for (const type of AUDIT_EVENT_TYPES) appendAudit(db, { ...event, type });
      expect(verifyAudit(db, { logKey: LOG_KEY }).ok).toBe(true);
      db.close();
    });

    it('refuses events the log must not hold (caller bugs)', () => {
      const { db } = backend.open();
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
      const store = backend.open();
      store.db.close();
      const readonly = store.reopen({ readonly: true });
      expect(codeOf(() => appendAudit(readonly, event))).toBe('E_STORE');
      readonly.close();
    });

    it('keeps one unbroken chain when two threads append at once', async () => {
      const store = backend.open();
      store.db.close();
      const count = 150;
      const run = (actor: string) =>
        new Promise<void>((resolve, reject) => {
          // The worker is TypeScript: register tsx's loader in the thread itself, then import it (on this Node,
          // `execArgv: ['--import', 'tsx']` does not reach a worker's entry point).
          const script = new URL('./append-worker.ts', import.meta.url).href;
          const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`;
          const worker = new Worker(boot, {
            eval: true,
            workerData: { location: store.location, count, actor },
          });
          worker.once('error', reject);
          worker.once('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`)),
          );
        });
      await Promise.all([run('one'), run('two')]);
      const check = store.reopen();
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
      const { db } = backend.open();
      appendEvents(db, 3);
      const before = rows(db);
      const abort = TRIGGER_ABORT[backend.name];
      expect(
        driverCodeOf(() => db.prepare('UPDATE audit_log SET record = ? WHERE seq = 2').run(Buffer.from([0]))),
      ).toBe(abort);
      expect(driverCodeOf(() => db.prepare('DELETE FROM audit_log WHERE seq = 3').run())).toBe(abort);
      expect(driverCodeOf(() => db.prepare('DELETE FROM audit_log').run())).toBe(abort);
      // SQLite's INSERT OR REPLACE deletes without firing DELETE triggers, and PostgreSQL's ON CONFLICT DO UPDATE
      // fires no UPDATE trigger when the INSERT's refuses first: the INSERT trigger must catch both.
      expect(
        driverCodeOf(() =>
          db
            .prepare(
              backend.name === 'postgres'
                ? `INSERT INTO audit_log (seq, record, prev_hash, leaf_hash) VALUES (2, ?, ?, ?)
                   ON CONFLICT (seq) DO UPDATE SET record = excluded.record`
                : 'INSERT OR REPLACE INTO audit_log (seq, record, prev_hash, leaf_hash) VALUES (2, ?, ?, ?)',
            )
            .run(Buffer.from('{}'), before[0]!.leaf_hash, before[0]!.leaf_hash),
        ),
      ).toBe(abort);
      if (backend.name === 'postgres') {
        expect(driverCodeOf(() => db.exec('TRUNCATE audit_log'))).toBe(abort);
      }
      expect(rows(db)).toEqual(before);
      db.close();
    });

    it('abort an insert that skips a seq or does not chain to the last leaf hash', () => {
      const { db } = backend.open();
      appendEvents(db, 2);
      const last = rows(db)[1]!;
      const insert = db.prepare(
        'INSERT INTO audit_log (seq, record, prev_hash, leaf_hash) VALUES (?, ?, ?, ?)',
      );
      const abort = TRIGGER_ABORT[backend.name];
      expect(driverCodeOf(() => insert.run(4, Buffer.from('{}'), last.leaf_hash, last.leaf_hash))).toBe(
        abort,
      );
      expect(driverCodeOf(() => insert.run(3, Buffer.from('{}'), Buffer.alloc(32), last.leaf_hash))).toBe(
        abort,
      );
      expect(rows(db)).toHaveLength(2);
      db.close();
    });

    it('abort UPDATE, DELETE and REPLACE of checkpoints', () => {
      const { db } = backend.open();
      const abort = TRIGGER_ABORT[backend.name];
      const insert = db.prepare(
        "INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (?, ?, 'n', 't')",
      );
      insert.run(0, Buffer.alloc(32));
      expect(driverCodeOf(() => db.prepare("UPDATE audit_checkpoints SET note = 'm'").run())).toBe(abort);
      expect(driverCodeOf(() => db.prepare('DELETE FROM audit_checkpoints').run())).toBe(abort);
      expect(
        driverCodeOf(() =>
          db
            .prepare(
              backend.name === 'postgres'
                ? `INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (0, ?, 'x', 't')
                   ON CONFLICT (size) DO UPDATE SET note = excluded.note`
                : "INSERT OR REPLACE INTO audit_checkpoints (size, root, note, created_at) VALUES (0, ?, 'x', 't')",
            )
            .run(Buffer.alloc(32)),
        ),
      ).toBe(abort);
      if (backend.name === 'postgres') {
        expect(driverCodeOf(() => db.exec('TRUNCATE audit_checkpoints'))).toBe(abort);
      }
      expect(db.prepare('SELECT note FROM audit_checkpoints').all()).toEqual([{ note: 'n' }]);
      db.close();
    });
  });
});
