/**
 * Reading the audit log for display, on both backends: entries in order, paging, and a refusal to show a record
 * that is not one.
 */
import { describe, expect, it } from 'vitest';
import { createCheckpoint } from '../../../src/audit/checkpoint.js';
import { latestAuditSeq, listAudit, listCheckpoints } from '../../../src/audit/read-audit.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';
import { appendEvents, atOf, codeOf, LOG_KEY, openAsAttacker } from './audit-helpers.js';

describe.each(storeBackends())('reading the audit log on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  describe('listAudit', () => {
    it('lists parsed entries in seq order, with their leaf hashes', () => {
      const { db } = backend.open();
      appendEvents(db, 3);
      const entries = listAudit(db);
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(entries[1]).toMatchObject({
        seq: 2,
        at: atOf(2),
        type: 'key.added',
        actor: 'alice',
        data: { runId: 'run-2', n: 2 },
        prev: entries[0]!.leafHash,
      });
      expect(entries[0]!.prev).toBe('0'.repeat(64));
      expect(entries[2]!.leafHash).toMatch(/^[0-9a-f]{64}$/);
      db.close();
    });

    it('pages with fromSeq and limit', () => {
      const { db } = backend.open();
      appendEvents(db, 10);
      expect(listAudit(db, { fromSeq: 4, limit: 3 }).map((e) => e.seq)).toEqual([4, 5, 6]);
      expect(listAudit(db, { fromSeq: 9 }).map((e) => e.seq)).toEqual([9, 10]);
      expect(listAudit(db, { fromSeq: 11 })).toEqual([]);
      expect(listAudit(db, { limit: 0 })).toEqual([]);
      expect(latestAuditSeq(db)).toBe(10);
      db.close();
    });

    it('is E_AUDIT when a record is not a record', () => {
      const store = backend.open();
      const { db } = store;
      appendEvents(db, 2);
      const raw = openAsAttacker(store);
      raw.prepare('UPDATE audit_log SET record = ? WHERE seq = 2').run(Buffer.from('not json'));
      raw.close();
      expect(listAudit(db, { limit: 1 })).toHaveLength(1);
      expect(codeOf(() => listAudit(db))).toBe('E_AUDIT');
      db.close();
    });

    it('is E_STORE on a database without the audit tables', () => {
      const db = backend.openEmpty();
      expect(codeOf(() => listAudit(db))).toBe('E_STORE');
      expect(codeOf(() => latestAuditSeq(db))).toBe('E_STORE');
      db.close();
    });
  });

  describe('latestAuditSeq and listCheckpoints', () => {
    it('are 0 and empty for a new log, then follow it', () => {
      const { db } = backend.open();
      expect(latestAuditSeq(db)).toBe(0);
      expect(listCheckpoints(db)).toEqual([]);
      appendEvents(db, 2);
      const note = createCheckpoint(db, { ...LOG_KEY, at: '2026-11-26T00:00:00.000Z' });
      expect(listCheckpoints(db)).toMatchObject([{ size: 2, note, createdAt: '2026-11-26T00:00:00.000Z' }]);
      db.close();
    });
  });
});
