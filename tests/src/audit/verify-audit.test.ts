/**
 * verifyAudit against an attacker with write access to the database file (a separate connection, triggers
 * dropped): each kind of tampering is caught at the right entry, and a property test applies one random
 * tampering to random logs.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeAuditRecord, parseAuditRecord } from '../../../src/audit/audit-record.js';
import { createCheckpoint, parseCheckpoint } from '../../../src/audit/checkpoint.js';
import { leafHash } from '../../../src/audit/merkle.js';
import { signNote } from '../../../src/audit/signed-note.js';
import { assertAuditOk, verifyAudit, type VerifyAuditOptions } from '../../../src/audit/verify-audit.js';
import { openStore } from '../../../src/store/open-store.js';
import {
  appendEvents,
  codeOf,
  LOG_KEY,
  makeTempDir,
  newDb,
  openAsAttacker,
  OTHER_KEY,
  rewriteHistory,
} from './audit-helpers.js';

const temp = makeTempDir();
afterAll(() => temp.remove());

const AT = '2026-11-26T12:00:00.000Z';

/** A closed log file of `size` entries with a checkpoint at `checkpointAt` (stored, and exported: `note`). */
function buildLog(size: number, checkpointAt: number): { file: string; note: string } {
  const { db, file } = newDb(temp.dir);
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
  return { file, note };
}

/** Opens `file` as an attacker, runs `tamper`, closes. */
function tamper(file: string, change: (raw: Database.Database) => void): void {
  const raw = openAsAttacker(file);
  try {
    change(raw);
  } finally {
    raw.close();
  }
}

function verify(file: string, options: Partial<VerifyAuditOptions> = {}) {
  const db = openStore(file, { readonly: true });
  try {
    return verifyAudit(db, { logKey: LOG_KEY, ...options });
  } finally {
    db.close();
  }
}

function recordOf(raw: Database.Database, seq: number): Buffer {
  return (raw.prepare('SELECT record FROM audit_log WHERE seq = ?').get(seq) as { record: Buffer }).record;
}

function swapRows(raw: Database.Database, a: number, b: number): void {
  const get = raw.prepare('SELECT record, prev_hash, leaf_hash FROM audit_log WHERE seq = ?');
  const set = raw.prepare('UPDATE audit_log SET record = ?, prev_hash = ?, leaf_hash = ? WHERE seq = ?');
  const [ra, rb] = [get.get(a), get.get(b)] as { record: Buffer; prev_hash: Buffer; leaf_hash: Buffer }[];
  set.run(rb!.record, rb!.prev_hash, rb!.leaf_hash, a);
  set.run(ra!.record, ra!.prev_hash, ra!.leaf_hash, b);
}

function flipFirstByte(raw: Database.Database, column: 'prev_hash' | 'leaf_hash', seq: number): void {
  const row = raw.prepare(`SELECT ${column} AS v FROM audit_log WHERE seq = ?`).get(seq) as { v: Buffer };
  const changed = Buffer.from(row.v);
  changed[0] = changed[0]! ^ 0x80;
  raw.prepare(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`).run(changed, seq);
}

/** The same checkpoint body, signed by another key under the log key's name. */
function resignedByOther(note: string): string {
  return signNote(parseCheckpoint(note).body, { ...OTHER_KEY, keyName: LOG_KEY.keyName });
}

describe('verifyAudit on an intact log', () => {
  it('is ok, covers every entry and every checkpoint', () => {
    const { file, note } = buildLog(20, 12);
    const report = verify(file, { checkpoints: [{ name: 'cp-12.txt', text: note }] });
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
    const { file } = newDb(temp.dir);
    expect(verify(file)).toMatchObject({ ok: true, size: 0, checked: 0 });
  });
});

describe('verifyAudit catches', () => {
  it('a byte edited in a record', () => {
    const { file, note } = buildLog(20, 12);
    tamper(file, (raw) => {
      const record = Buffer.from(recordOf(raw, 7));
      record[record.indexOf('run-7')] = 'R'.charCodeAt(0);
      raw.prepare('UPDATE audit_log SET record = ? WHERE seq = 7').run(record);
    });
    const report = verify(file, { checkpoints: [note] });
    expect(report).toMatchObject({ ok: false, checked: 6, firstBad: { seq: 7 } });
    expect(report.firstBad!.problem).toContain('leaf hash');
    expect(codeOf(() => assertAuditOk(report))).toBe('E_AUDIT');
  });

  it('a deleted entry', () => {
    const { file, note } = buildLog(20, 12);
    tamper(file, (raw) => raw.prepare('DELETE FROM audit_log WHERE seq = 5').run());
    const report = verify(file, { checkpoints: [note] });
    expect(report).toMatchObject({ ok: false, size: 19, firstBad: { seq: 5 } });
    expect(report.firstBad!.problem).toContain('gap');
  });

  it('two entries swapped', () => {
    const { file, note } = buildLog(20, 12);
    tamper(file, (raw) => swapRows(raw, 3, 9));
    const report = verify(file, { checkpoints: [note] });
    expect(report).toMatchObject({ ok: false, firstBad: { seq: 3 } });
    expect(report.firstBad!.problem).toContain('reordered');
  });

  it('an edited prev hash, and an edited leaf hash', () => {
    const { file: a } = buildLog(10, 10);
    tamper(a, (raw) => flipFirstByte(raw, 'prev_hash', 4));
    expect(verify(a).firstBad?.seq).toBe(4);
    const { file: b } = buildLog(10, 10);
    tamper(b, (raw) => flipFirstByte(raw, 'leaf_hash', 1));
    expect(verify(b).firstBad?.seq).toBe(1);
  });

  it('truncation below a checkpoint, by the stored checkpoint or, once that is deleted too, by the file', () => {
    const { file, note } = buildLog(20, 15);
    tamper(file, (raw) => raw.prepare('DELETE FROM audit_log WHERE seq > 10').run());
    const report = verify(file, { checkpoints: [note] });
    expect(report).toMatchObject({ ok: false, size: 10, checked: 10, firstBad: { seq: 11 } });
    expect(report.firstBad!.problem).toContain('truncated');
    tamper(file, (raw) => raw.prepare('DELETE FROM audit_checkpoints').run());
    expect(verify(file, { checkpoints: [note] })).toMatchObject({
      ok: false,
      firstBad: { seq: 11 },
      checkpoints: [{ size: 15, ok: false, source: 'file' }],
    });
  });

  it('a history rewritten without the log key: the stored checkpoint no longer matches', () => {
    const { file } = buildLog(20, 12);
    tamper(file, (raw) => rewriteHistory(raw, 8));
    const report = verify(file);
    expect(report).toMatchObject({ ok: false, checked: 20, firstBad: { seq: 12 } });
    expect(report.firstBad!.problem).toContain('root differs');
  });

  it('a history rewritten with the stored checkpoints re-signed: only the exported file sees it', () => {
    const { file, note } = buildLog(20, 12);
    tamper(file, (raw) => rewriteHistory(raw, 8, LOG_KEY));
    // The limit of what the database alone can prove: internally everything holds together.
    expect(verify(file).ok).toBe(true);
    const report = verify(file, { checkpoints: [note] });
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
    const { file, note } = buildLog(20, 12);
    const forged = resignedByOther(note);
    const report = verify(file, { checkpoints: [forged] });
    expect(report).toMatchObject({
      ok: false,
      firstBad: { seq: 12 },
      checkpoints: [{ ok: true }, { ok: false }],
    });
    expect(report.firstBad!.problem).toContain('signature');
    tamper(file, (raw) => raw.prepare('UPDATE audit_checkpoints SET note = ? WHERE size = 12').run(forged));
    expect(verify(file)).toMatchObject({ ok: false, firstBad: { seq: 12 }, checkpoints: [{ ok: false }] });
  });

  it('a checkpoint whose signed lines were altered, and one from another log', () => {
    const { file, note } = buildLog(20, 12);
    const altered = note.replace('\n12\n', '\n11\n');
    expect(verify(file, { checkpoints: [altered] })).toMatchObject({ ok: false, firstBad: { seq: 11 } });
    expect(verify(file, { checkpoints: [note], origin: 'other.example/log' })).toMatchObject({ ok: false });
  });

  it('a record rewritten in a non-canonical form with its hashes recomputed', () => {
    const { file } = buildLog(10, 5);
    tamper(file, (raw) => {
      const spaced = Buffer.from(recordOf(raw, 10).toString('utf8').replace('{', '{ '));
      raw
        .prepare('UPDATE audit_log SET record = ?, leaf_hash = ? WHERE seq = 10')
        .run(spaced, leafHash(spaced));
    });
    expect(verify(file)).toMatchObject({ ok: false, firstBad: { seq: 10 } });
  });

  it('is E_MALFORMED for a checkpoint file that is not a checkpoint', () => {
    const { file } = buildLog(5, 5);
    expect(codeOf(() => verify(file, { checkpoints: ['not a checkpoint\n'] }))).toBe('E_MALFORMED');
  });
});

type Mutation = 'edit' | 'delete' | 'swap' | 'truncate' | 'rewrite' | 'foreign' | 'prev' | 'leaf';

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
        const { file, note } = buildLog(size, cp);
        let exported = note;
        const pick = (n: number) => 1 + (a % n); // a seq in 1..n
        let expected: number;
        tamper(file, (raw) => {
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
        const report = verify(file, { checkpoints: [exported] });
        rmSync(file, { force: true });
        expect(report.ok).toBe(false);
        expect(report.firstBad?.seq).toBe(expected!);
      }),
      { numRuns: 100 },
    );
  });
});

describe('the test tampering itself', () => {
  it('keeps records parseable when rewriting, so only the checkpoints can tell', () => {
    const { file } = buildLog(6, 6);
    tamper(file, (raw) => rewriteHistory(raw, 1, LOG_KEY));
    const raw = openAsAttacker(file);
    const record = parseAuditRecord(recordOf(raw, 3));
    expect(record.data).toMatchObject({ forged: true });
    expect(Buffer.from(encodeAuditRecord(record)).equals(recordOf(raw, 3))).toBe(true);
    raw.close();
  });
});
