/**
 * Helpers for the audit log tests: keys from fixed seeds, logs of N entries, and the attacker's view of the lab
 * database (a separate connection with the append-only triggers dropped, or on PostgreSQL disabled).
 */
import nacl from 'tweetnacl';
import { appendAudit, type AuditEventType } from '../../../src/audit/append-audit.js';
import { encodeAuditRecord, parseAuditRecord } from '../../../src/audit/audit-record.js';
import { formatCheckpointBody, parseCheckpoint } from '../../../src/audit/checkpoint.js';
import { leafHash, merkleRoot } from '../../../src/audit/merkle.js';
import { signNote } from '../../../src/audit/signed-note.js';
import { RedlineError } from '../../../src/errors.js';
import { dialectOf, type Db } from '../../../src/store/db.js';
import type { TestStore } from '../../helpers/pg.js';

/** An Ed25519 key from a fixed one-byte seed, with a note key name. */
export function keyFromSeed(seedByte: number, keyName = 'redline.lab/audit') {
  const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(seedByte));
  return { keyName, publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** The log key of the tests, and an impostor's under the same name. */
export const LOG_KEY = keyFromSeed(1);
export const OTHER_KEY = keyFromSeed(2);

const TYPES: AuditEventType[] = [
  'run.started',
  'run.finished',
  'key.added',
  'assessment.issued',
  'policy.applied',
];

/** The timestamp of the i-th test event (a fixed clock). */
export function atOf(i: number): string {
  return new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
}

/** Appends `count` events (numbered from `from`) with small, varied data. */
export function appendEvents(db: Db, count: number, from = 1): void {
  for (let i = from; i < from + count; i++) {
    appendAudit(db, {
      type: TYPES[i % TYPES.length]!,
      actor: i % 2 === 0 ? 'alice' : 'redline',
      at: atOf(i),
      data: { runId: `run-${i}`, digest: 'ab'.repeat(16), n: i, nested: { ok: i % 3 === 0, list: [i, 'x'] } },
    });
  }
}

/** The append-only tables' triggers (SQLite's names; PostgreSQL's are disabled by table). */
const APPEND_ONLY_TRIGGERS = [
  'audit_log_no_update',
  'audit_log_no_delete',
  'audit_log_append_only',
  'audit_checkpoints_no_update',
  'audit_checkpoints_no_delete',
  'audit_checkpoints_no_replace',
];

/**
 * A second connection to `store` with the append-only triggers dropped, as an attacker with write access to the
 * database has (the file; on PostgreSQL, a role that owns the tables: their triggers disabled).
 */
export function openAsAttacker(store: TestStore): Db {
  const raw = store.openRaw();
  if (dialectOf(raw) === 'postgres') {
    raw.exec(
      'ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_checkpoints DISABLE TRIGGER USER',
    );
  } else {
    for (const trigger of APPEND_ONLY_TRIGGERS) raw.exec(`DROP TRIGGER IF EXISTS ${trigger}`);
  }
  return raw;
}

/** The code of the RedlineError `fn` throws ('none' when it returns, 'not a RedlineError' otherwise). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof RedlineError ? error.code : 'not a RedlineError';
  }
  return 'none';
}

/** The error `fn` throws. */
export function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/**
 * Rewrites every entry from `fromSeq` on (its data changed, hashes and chain recomputed so the log is internally
 * consistent) and, when `resignWith` is given, the stored checkpoints too, re-signed with that key: the strongest
 * attacker, who holds the file and the log key. Only a checkpoint exported before the rewrite can catch it.
 */
export function rewriteHistory(raw: Db, fromSeq: number, resignWith?: typeof LOG_KEY): void {
  const rows = raw.prepare('SELECT seq, record, leaf_hash FROM audit_log ORDER BY seq').all() as {
    seq: number;
    record: Buffer;
    leaf_hash: Buffer;
  }[];
  const leaves: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  const update = raw.prepare('UPDATE audit_log SET record = ?, prev_hash = ?, leaf_hash = ? WHERE seq = ?');
  for (const row of rows) {
    if (row.seq < fromSeq) {
      leaves.push(row.leaf_hash);
      prev = row.leaf_hash;
      continue;
    }
    const record = parseAuditRecord(row.record);
    const forged = encodeAuditRecord({
      ...record,
      data: { ...record.data, forged: true },
      prev: Buffer.from(prev).toString('hex'),
    });
    const leaf = leafHash(forged);
    update.run(forged, prev, leaf, row.seq);
    leaves.push(leaf);
    prev = leaf;
  }
  if (resignWith === undefined) return;
  const checkpoints = raw.prepare('SELECT size, note FROM audit_checkpoints').all() as {
    size: number;
    note: string;
  }[];
  for (const { size, note } of checkpoints) {
    const root = merkleRoot(leaves, size);
    const body = formatCheckpointBody({ origin: parseCheckpoint(note).origin, size, root });
    raw
      .prepare('UPDATE audit_checkpoints SET root = ?, note = ? WHERE size = ?')
      .run(root, signNote(body, resignWith), size);
  }
}
