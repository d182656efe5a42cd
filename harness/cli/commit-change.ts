/**
 * The shape of a command that changes the lab database: open it, make the change in one IMMEDIATE transaction
 * (checks and writes under one write lock, so two commands cannot both pass a check), then append the change's
 * audit events and close the trail (writing its checkpoint). Nothing is audit-logged when the change throws.
 */
import type { AuditEventType } from '../../src/audit/append-audit.js';
import type { Db } from '../../src/store/open-store.js';
import { openAuditTrail } from './audit-trail.js';
import type { CliIo } from './io.js';
import { openLabDb } from './open-lab-db.js';

/** One event to audit-log once the change is committed. */
export interface AuditNote {
  type: AuditEventType;
  data: Record<string, unknown>;
}

/**
 * Runs `change` on the database of `--db` (or REDLINE_DB) in one immediate transaction and audit-logs what it
 * returns; returns its result.
 *
 * @example
 * const id = commitChange(io, { db: flags.db, keysDir }, (db) => {
 *   const id = insertScanClaim(db, claim, at);
 *   return { result: id, audit: [{ type: 'vuln.scan.claimed', data: { claimId: id } }] };
 * });
 */
export function commitChange<T>(
  io: CliIo,
  where: { db: string | undefined; keysDir: string },
  change: (db: Db) => { result: T; audit: readonly AuditNote[] },
): T {
  const db = openLabDb({ db: where.db, keys: where.keysDir }, io);
  try {
    const { result, audit } = db.transaction(() => change(db)).immediate();
    if (audit.length > 0) {
      const trail = openAuditTrail(db, io, where.keysDir);
      for (const note of audit) trail.append(note.type, note.data);
      trail.close();
    }
    return result;
  } finally {
    db.close();
  }
}
