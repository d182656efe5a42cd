/**
 * Reading the audit log for display (`redline audit log`) and its stored checkpoints (for export and
 * verification). Reading does not verify: `verifyAudit` does.
 */
import { RedlineError } from '../errors.js';
import type { Db } from '../store/open-store.js';
import { parseAuditRecord, type AuditRecord } from './audit-record.js';

/** One audit log entry, parsed. */
export interface AuditEntry extends AuditRecord {
  /** Lowercase hex of the entry's stored leaf hash. */
  leafHash: string;
}

/** Options of listAudit. */
export interface ListAuditOptions {
  /** The first seq to list (default 1). */
  fromSeq?: number;
  /** The most entries to list (default: all). */
  limit?: number;
}

/** A checkpoint as stored in audit_checkpoints. */
export interface StoredCheckpoint {
  /** The tree size it covers. */
  size: number;
  /** The Merkle root at that size. */
  root: Uint8Array;
  /** The signed note, exactly as created (write it to a file as is). */
  note: string;
  /** When it was created, ISO 8601. */
  createdAt: string;
}

/**
 * Lists entries in seq order, from `fromSeq`; E_AUDIT when a record cannot be parsed (run verifyAudit).
 *
 * @example listAudit(db, { fromSeq: Math.max(1, latestAuditSeq(db) - 19) }) // the last 20 entries
 */
export function listAudit(db: Db, options: ListAuditOptions = {}): AuditEntry[] {
  const fromSeq = Math.trunc(options.fromSeq ?? 1);
  // All entries: no LIMIT clause (PostgreSQL refuses SQLite's negative LIMIT for "no limit").
  const limit = options.limit === undefined || options.limit < 0 ? [] : [Math.trunc(options.limit)];
  const rows = query(
    () =>
      db
        .prepare(
          `SELECT seq, record, leaf_hash FROM audit_log WHERE seq >= ? ORDER BY seq${limit.length > 0 ? ' LIMIT ?' : ''}`,
        )
        .all(fromSeq, ...limit) as {
        seq: number;
        record: Uint8Array;
        leaf_hash: Uint8Array;
      }[],
  );
  return rows.map((row) => {
    let record: AuditRecord;
    try {
      record = parseAuditRecord(row.record);
    } catch (error) {
      throw new RedlineError(
        'E_AUDIT',
        `audit log seq ${row.seq}: ${(error as Error).message}; run "redline audit verify"`,
        { cause: error },
      );
    }
    return { ...record, leafHash: Buffer.from(row.leaf_hash).toString('hex') };
  });
}

/** The seq of the last entry, 0 for an empty log. */
export function latestAuditSeq(db: Db): number {
  const row = query(
    () => db.prepare('SELECT MAX(seq) AS seq FROM audit_log').get() as { seq: number | null },
  );
  return row.seq ?? 0;
}

/** The checkpoints stored in the database, by size. */
export function listCheckpoints(db: Db): StoredCheckpoint[] {
  const rows = query(
    () =>
      db.prepare('SELECT size, root, note, created_at FROM audit_checkpoints ORDER BY size').all() as {
        size: number;
        root: Uint8Array;
        note: string;
        created_at: string;
      }[],
  );
  return rows.map((row) => ({ size: row.size, root: row.root, note: row.note, createdAt: row.created_at }));
}

function query<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new RedlineError('E_STORE', `audit log: cannot read (${(error as Error).message})`, {
      cause: error,
    });
  }
}
