/**
 * verifyAudit against an attacker with write access to the lab database (a separate connection, triggers dropped
 * or disabled), on both backends: each kind of tampering is caught at the right entry, and a property test applies
 * one random tampering to random logs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAuditRecord, parseAuditRecord } from '../../../src/audit/audit-record.js';
import { createCheckpoint, parseCheckpoint } from '../../../src/audit/checkpoint.js';
import { leafHash } from '../../../src/audit/merkle.js';
import { signNote } from '../../../src/audit/signed-note.js';
import { assertAuditOk, verifyAudit, type VerifyAuditOptions } from '../../../src/audit/verify-audit.js';
import type { Db } from '../../../src/store/db.js';
import { storeBackends, useStoreBackend, type StoreBackend, type TestStore } from '../../helpers/pg.js';
import { appendEvents, codeOf, LOG_KEY, openAsAttacker, OTHER_KEY, rewriteHistory } from './audit-helpers.js';

const AT = '2026-11-26T12:00:00.000Z';

/** A closed log of `size` entries with a checkpoint at `checkpointAt` (stored, and exported: `note`). */
function buildLog(
  backend: StoreBackend,
  size: number,
  checkpointAt: number,
): { store: TestStore; note: string } {
  const store = backend.open();
  const { db } = store;
  // One outer transaction (each append is then a savepoint): the property test builds a hundred logs.
  const note = db
    .transaction(() => {
      appendEvents(db, checkpointAt);
      const signed = createCheckpoint(db, { ...LOG_KEY, at: AT });
      appendEvents(db, size - checkpointAt, checkpointAt + 1);
      return signed;
    })
    .immediate();
  db.close();
  return { store, note };
}

/** Opens `store` as an attacker, runs `change`, closes. */
function tamper(store: TestStore, change: (raw: Db) => void): void {
  const raw = openAsAttacker(store);
  try {
    change(raw);
  } finally {
    raw.close();
  }
}

function verify(store: TestStore, options: Partial<VerifyAuditOptions> = {}) {
  const db = store.reopen({ readonly: true });
  try {
    return verifyAudit(db, { logKey: LOG_KEY, ...options });
  } finally {
    db.close();
  }
}

function recordOf(raw: Db, seq: number): Buffer {
  return (raw.prepare('SELECT record FROM audit_log WHERE seq = ?').get(seq) as { record: Buffer }).record;
}

function swapRows(raw: Db, a: number, b: number): void {
  const get = raw.prepare('SELECT record, prev_hash, leaf_hash FROM audit_log WHERE seq = ?');
  const set = raw.prepare('UPDATE audit_log SET record = ?, prev_hash = ?, leaf_hash = ? WHERE seq = ?');
  const [ra, rb] = [get.get(a), get.get(b)] as { record: Buffer; prev_hash: Buffer; leaf_hash: Buffer }[];
  set.run(rb!.record, rb!.prev_hash, rb!.leaf_hash, a);
  set.run(ra!.record, ra!.prev_hash, ra!.leaf_hash, b);
}

function flipFirstByte(raw: Db, column: 'prev_hash' | 'leaf_hash', seq: number): void {
  const row = raw.prepare(`SELECT ${column} AS v FROM audit_log WHERE seq = ?`).get(seq) as { v: Buffer };
  const changed = Buffer.from(row.v);
  changed[0] = changed[0]! ^ 0x80;
  raw.prepare(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`).run(changed, seq);
}

/** The same checkpoint body, signed by another key under the log key's name. */
function resignedByOther(note: string): string {
  return signNote(parseCheckpoint(note).body, { ...OTHER_KEY, keyName: LOG_KEY.keyName });
}

type Mutation = 'edit' | 'delete' | 'swap' | 'truncate' | 'rewrite' | 'foreign' | 'prev' | 'leaf';

describe.each(storeBackends())('verifying the audit log on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  describe('verifyAudit on an intact log', () => {
    it('is ok, covers every entry and every checkpoint', () => {
      const { store, note } = buildLog(backend, 20, 12);
      const report = verify(store, { checkpoints: [{ name: 'cp-12.txt', text: note }] });
      expect(report).toEqual({
        ok: true,
        size: 20,
        checked: 20,
        coveredSize: 12,
        problems: [],
        checkpoints: [
          { size: 12, ok: true, source: 'db' },
          { size: 12, ok: true, source: 'file', name: 'cp-12.txt' },
        ],
      });
      expect(() => assertAuditOk(report)).not.toThrow();
    });

    it('is ok for an empty log', () => {
      const store = backend.open();
      store.db.close();
      expect(verify(store)).toMatchObject({ ok: true, size: 0, checked: 0 });
    });
  });

  describe('verifyAudit catches', () => {
    it('a byte edited in a record', () => {
      const { store, note } = buildLog(backend, 20, 12);
      tamper(store, (raw) => {
        const record = Buffer.from(recordOf(raw, 7));
        record[record.indexOf('run-7')] = 'R'.charCodeAt(0);
        raw.prepare('UPDATE audit_log SET record = ? WHERE seq = 7').run(record);
      });
      const report = verify(store, { checkpoints: [note] });
      expect(report).toMatchObject({ ok: false, checked: 6, firstBad: { seq: 7 } });
      expect(report.firstBad!.problem).toContain('leaf hash');
      expect(codeOf(() => assertAuditOk(report))).toBe('E_AUDIT');
    });

    it('a deleted entry', () => {
      const { store, note } = buildLog(backend, 20, 12);
      tamper(store, (raw) => raw.prepare('DELETE FROM audit_log WHERE seq = 5').run());
      const report = verify(store, { checkpoints: [note] });
      expect(report).toMatchObject({ ok: false, size: 19, firstBad: { seq: 5 } });
      expect(report.firstBad!.problem).toContain('gap');
    });

    it('two entries swapped', () => {
      const { store, note } = buildLog(backend, 20, 12);
      tamper(store, (raw) => swapRows(raw, 3, 9));
      const report = verify(store, { checkpoints: [note] });
      expect(report).toMatchObject({ ok: false, firstBad: { seq: 3 } });
      expect(report.firstBad!.problem).toContain('reordered');
    });

    it('an edited prev hash, and an edited leaf hash', () => {
      const { store: a } = buildLog(backend, 10, 10);
      tamper(a, (raw) => flipFirstByte(raw, 'prev_hash', 4));
      expect(verify(a).firstBad?.seq).toBe(4);
      const { store: b } = buildLog(backend, 10, 10);
      tamper(b, (raw) => flipFirstByte(raw, 'leaf_hash', 1));
      expect(verify(b).firstBad?.seq).toBe(1);
    });

    it('truncation below a checkpoint, by the stored checkpoint or, once that is deleted too, by the file', () => {
      const { store, note } = buildLog(backend, 20, 15);
      tamper(store, (raw) => raw.prepare('DELETE FROM audit_log WHERE seq > 10').run());
      const report = verify(store, { checkpoints: [note] });
      expect(report).toMatchObject({ ok: false, size: 10, checked: 10, firstBad: { seq: 11 } });
      expect(report.firstBad!.problem).toContain('truncated');
      tamper(store, (raw) => raw.prepare('DELETE FROM audit_checkpoints').run());
      expect(verify(store, { checkpoints: [note] })).toMatchObject({
        ok: false,
        firstBad: { seq: 11 },
        checkpoints: [{ size: 15, ok: false, source: 'file' }],
      });
    });

    it('a history rewritten without the log key: the stored checkpoint no longer matches', () => {
      const { store } = buildLog(backend, 20, 12);
      tamper(store, (raw) => rewriteHistory(raw, 8));
      const report = verify(store);
      expect(report).toMatchObject({ ok: false, checked: 20, firstBad: { seq: 12 } });
      expect(report.firstBad!.problem).toContain('root differs');
    });

    it('a history rewritten with the stored checkpoints re-signed: only the exported file sees it', () => {
      const { store, note } = buildLog(backend, 20, 12);
      tamper(store, (raw) => rewriteHistory(raw, 8, LOG_KEY));
      // The limit of what the database alone can prove: internally everything holds together.
      expect(verify(store).ok).toBe(true);
      const report = verify(store, { checkpoints: [note] });
      expect(report).toMatchObject({
        ok: false,
        checked: 20,
        firstBad: { seq: 12 },
        checkpoints: [
          { size: 12, ok: true, source: 'db' },
          { size: 12, ok: false, source: 'file' },
        ],
      });
    });

    it('a checkpoint signed by another key, stored or handed in', () => {
      const { store, note } = buildLog(backend, 20, 12);
      const forged = resignedByOther(note);
      const report = verify(store, { checkpoints: [forged] });
      expect(report).toMatchObject({
        ok: false,
        firstBad: { seq: 12 },
        checkpoints: [{ ok: true }, { ok: false }],
      });
      expect(report.firstBad!.problem).toContain('signature');
      tamper(store, (raw) =>
        raw.prepare('UPDATE audit_checkpoints SET note = ? WHERE size = 12').run(forged),
      );
      expect(verify(store)).toMatchObject({ ok: false, firstBad: { seq: 12 }, checkpoints: [{ ok: false }] });
    });

    it('a checkpoint whose signed lines were altered, and one from another log', () => {
      const { store, note } = buildLog(backend, 20, 12);
      const altered = note.replace('\n12\n', '\n11\n');
      expect(verify(store, { checkpoints: [altered] })).toMatchObject({ ok: false, firstBad: { seq: 11 } });
      expect(verify(store, { checkpoints: [note], origin: 'other.example/log' })).toMatchObject({
        ok: false,
      });
    });

    it('a record rewritten in a non-canonical form with its hashes recomputed', () => {
      const { store } = buildLog(backend, 10, 5);
      tamper(store, (raw) => {
        const spaced = Buffer.from(recordOf(raw, 10).toString('utf8').replace('{', '{ '));
        raw
          .prepare('UPDATE audit_log SET record = ?, leaf_hash = ? WHERE seq = 10')
          .run(spaced, leafHash(spaced));
      });
      expect(verify(store)).toMatchObject({ ok: false, firstBad: { seq: 10 } });
    });

    it('is E_MALFORMED for a checkpoint file that is not a checkpoint', () => {
      const { store } = buildLog(backend, 5, 5);
      expect(codeOf(() => verify(store, { checkpoints: ['not a checkpoint\n'] }))).toBe('E_MALFORMED');
    });
  });

  describe('verifyAudit (property)', () => {
    it('reports not ok, at the right entry, after any one tampering of a random log', () => {
      const scenario = fc.integer({ min: 5, max: 60 }).chain((size) =>
        fc.record({
          size: fc.constant(size),
          checkpointAt: fc.integer({ min: 1, max: size }),
          mutation: fc.constantFrom<Mutation>(
            'edit',
            'delete',
            'swap',
            'truncate',
            'rewrite',
            'foreign',
            'prev',
            'leaf',
          ),
          a: fc.nat(),
          b: fc.nat(),
          xor: fc.integer({ min: 1, max: 255 }),
        }),
      );
      fc.assert(
        fc.property(scenario, ({ size, checkpointAt: cp, mutation, a, b, xor }) => {
          const { store, note } = buildLog(backend, size, cp);
          let exported = note;
          const pick = (n: number) => 1 + (a % n); // a seq in 1..n
          let expected: number;
          tamper(store, (raw) => {
            switch (mutation) {
              case 'edit': {
                expected = pick(size);
                const record = Buffer.from(recordOf(raw, expected));
                const at = b % record.length;
                record[at] = record[at]! ^ xor;
                raw.prepare('UPDATE audit_log SET record = ? WHERE seq = ?').run(record, expected);
                break;
              }
              case 'delete':
                // Removing the last entry past the checkpoint is a truncation nothing signed covers: not detectable.
                expected = pick(cp === size ? size : size - 1);
                raw.prepare('DELETE FROM audit_log WHERE seq = ?').run(expected);
                break;
              case 'swap': {
                const i = pick(size);
                const j = 1 + ((i + (b % (size - 1))) % size); // any other seq
                swapRows(raw, i, j);
                expected = Math.min(i, j);
                break;
              }
              case 'truncate':
                expected = 1 + (a % cp); // keep 0..cp-1 entries
                raw.prepare('DELETE FROM audit_log WHERE seq >= ?').run(expected);
                break;
              case 'rewrite':
                // Rewrites after the checkpoint are beyond what it vouches for: rewrite from within it.
                rewriteHistory(raw, pick(cp), LOG_KEY);
                expected = cp;
                break;
              case 'foreign':
                exported = resignedByOther(note);
                raw.prepare('UPDATE audit_checkpoints SET note = ?').run(exported);
                expected = cp;
                break;
              case 'prev':
              case 'leaf':
                expected = pick(size);
                flipFirstByte(raw, mutation === 'prev' ? 'prev_hash' : 'leaf_hash', expected);
                break;
            }
          });
          const report = verify(store, { checkpoints: [exported] });
          expect(report.ok).toBe(false);
          expect(report.firstBad?.seq).toBe(expected!);
        }),
        // A PostgreSQL run makes a database and opens three connections (half a second, more on a busy machine):
        // fewer runs there.
        { numRuns: backend.name === 'postgres' ? 25 : 100 },
      );
    }, 150_000);
  });

  describe('the test tampering itself', () => {
    it('keeps records parseable when rewriting, so only the checkpoints can tell', () => {
      const { store } = buildLog(backend, 6, 6);
      tamper(store, (raw) => rewriteHistory(raw, 1, LOG_KEY));
      const raw = openAsAttacker(store);
      const record = parseAuditRecord(recordOf(raw, 3));
      expect(record.data).toMatchObject({ forged: true });
      expect(Buffer.from(encodeAuditRecord(record)).equals(recordOf(raw, 3))).toBe(true);
      raw.close();
    });
  });
});
