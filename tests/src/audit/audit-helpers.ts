/**
 * Helpers for the audit log tests: lab databases in a temp dir, keys from fixed seeds, logs of N entries, and the
 * attacker's view of the file (a separate connection that drops the triggers first).
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { appendAudit, type AuditEventType } from '../../../src/audit/append-audit.js';
import { encodeAuditRecord, parseAuditRecord } from '../../../src/audit/audit-record.js';
import { formatCheckpointBody, parseCheckpoint } from '../../../src/audit/checkpoint.js';
import { leafHash, merkleRoot } from '../../../src/audit/merkle.js';
import { signNote } from '../../../src/audit/signed-note.js';
import { RedlineError } from '../../../src/errors.js';
import { openStore, type Db } from '../../../src/store/open-store.js';

/** An Ed25519 key from a fixed one-byte seed, with a note key name. */
export function keyFromSeed(seedByte: number, keyName = 'redline.lab/audit') {
  const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(seedByte));
  return { keyName, publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** The log key of the tests, and an impostor's under the same name. */
export const LOG_KEY = keyFromSeed(1);
export const OTHER_KEY = keyFromSeed(2);

/** A temp dir removed by the returned function. */
export function makeTempDir(prefix = 'redline-audit-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

let counter = 0;

/** A fresh migrated lab database file in `dir`. */
export function newDb(dir: string): { db: Db; file: string } {
  const file = join(dir, `lab-${++counter}.db`);
  return { db: openStore(file), file };
}

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

/** A second connection to `file` with the append-only triggers dropped, as an attacker with file access has. */
export function openAsAttacker(file: string): Database.Database {
  const raw = new Database(file);
  raw.pragma('busy_timeout = 5000');
  for (const trigger of [
    'audit_log_no_update',
    'audit_log_no_delete',
    'audit_log_append_only',
    'audit_checkpoints_no_update',
    'audit_checkpoints_no_delete',
    'audit_checkpoints_no_replace',
  ]) {
    raw.exec(`DROP TRIGGER IF EXISTS ${trigger}`);
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
export function rewriteHistory(raw: Database.Database, fromSeq: number, resignWith?: typeof LOG_KEY): void {
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
