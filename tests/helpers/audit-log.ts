/**
 * The lab database's audit log in the end-to-end tests, on SQLite or PostgreSQL: its records read straight from the
 * rows, a record rewritten as an attacker with write access would, and the CLI's `audit` commands that must catch it.
 */
import { expect } from 'vitest';
import type { Db } from '../../src/store/db.js';
import type { SuiteHandle } from '../../src/suite/load-suite.js';
import { runCliCapture } from './cli.js';
import { withRawDb } from './pg.js';

/** One audit record as stored: its event type and data. */
export interface AuditRecord {
  type: string;
  data: Record<string, unknown>;
}

/** The audit log's records in order, read with SQL from the rows of the lab database at `location` (read-only). */
export function readAuditRecords<T = AuditRecord>(location: string): T[] {
  return withRawDb(
    location,
    (db) =>
      (db.prepare('SELECT record FROM audit_log ORDER BY seq').pluck().all() as Uint8Array[]).map(
        (record) => JSON.parse(Buffer.from(record).toString('utf8')) as T,
      ),
    { readonly: true },
  );
}

/** Edits the bytes of record `seq` in place (its update trigger must be dropped first), so the chain breaks there. */
export function rewriteAuditRecord(db: Db, seq: number): void {
  const record = db.prepare('SELECT record FROM audit_log WHERE seq = ?').pluck().get(seq) as Uint8Array;
  const edited = Buffer.from(Buffer.from(record).toString('utf8').replace('"type":"', '"type":"x'));
  db.prepare('UPDATE audit_log SET record = ? WHERE seq = ?').run(edited, seq);
}

/** The event types `redline audit log --json` lists, in order. */
export async function listAuditTypes(db: string): Promise<string[]> {
  const log = await runCliCapture(['audit', 'log', '--db', db, '--json']);
  expect(log.code, log.stderr).toBe(0);
  return (JSON.parse(log.stdout) as Array<{ type: string }>).map((e) => e.type);
}

/** `redline audit verify --db DB --keys KEYS`, then `extra`. */
function auditVerifyArgv(db: string, keys: string, ...extra: string[]): string[] {
  return ['audit', 'verify', '--db', db, '--keys', keys, ...extra];
}

/** Checks that the log verifies, exports a checkpoint of it to `checkpoint`, and checks it verifies against it. */
export async function exportVerifiedCheckpoint(db: string, keys: string, checkpoint: string): Promise<void> {
  expect((await runCliCapture(auditVerifyArgv(db, keys))).code).toBe(0);
  const exported = await runCliCapture([
    'audit',
    'checkpoint',
    '--out',
    checkpoint,
    '--db',
    db,
    '--keys',
    keys,
  ]);
  expect(exported.code, exported.stderr).toBe(0);
  const verified = await runCliCapture(auditVerifyArgv(db, keys, '--checkpoint', checkpoint));
  expect(verified.code, verified.stderr).toBe(0);
}

/** Checks that `audit verify` against the checkpoint fails (exit 6) at record `seq`, the first one rewritten. */
export async function expectAuditBrokenAt(
  db: string,
  keys: string,
  checkpoint: string,
  seq: number,
): Promise<void> {
  const verify = await runCliCapture(auditVerifyArgv(db, keys, '--checkpoint', checkpoint, '--json'));
  expect(verify.code).toBe(6);
  const report = JSON.parse(verify.stdout) as { ok: boolean; firstBad: { seq: number } };
  expect(report.ok).toBe(false);
  expect(report.firstBad.seq).toBe(seq);
}

/** The data of the `suite.opened` event that opening the sealed `file` with `key` in `command` records. */
export function suiteOpenedData(
  key: string,
  command: string,
  file: string,
  plain: SuiteHandle,
): Record<string, unknown> {
  return {
    key,
    command,
    file,
    suite: { id: plain.header.id, version: plain.header.version, sha256: plain.sha256 },
  };
}
