/**
 * Audit events for items leaving the lab database (issue 15): `view.exported` and `transcript.exported` record who
 * (the OS user, and the database key when the database is encrypted), which command, and which runs of which
 * suites (id, version, sha256, classification). Appended before the export is written, through a short writable
 * connection: a command that cannot log its export exports nothing.
 */
import type { AuditEventType } from '../../src/audit/append-audit.js';
import { getRun } from '../../src/store/runs.js';
import type { Db } from '../../src/store/db.js';
import { openLabStore } from '../store/open-lab-store.js';
import { openAuditTrail } from './audit-trail.js';
import { commandNameOf } from './command-name.js';
import { dbKeyOf } from './open-lab-db.js';
import type { CliIo } from './io.js';
import { dbPath, keysDir } from './options.js';

/** The suite of each run, as the audit log names it. */
export function suitesOfRuns(db: Db, runIds: readonly string[]): Array<Record<string, string>> {
  return [...new Set(runIds)].map((runId) => {
    const { suite } = getRun(db, runId);
    return {
      runId,
      suite: suite.id,
      version: suite.version,
      sha256: suite.sha256,
      ...(suite.classification === undefined ? {} : { classification: suite.classification }),
    };
  });
}

/**
 * Appends an export event to the audit log of `db` (opened by openLabDb, read-only or not) through a short writable
 * connection keyed as `db` is, with the command's name and `data`.
 *
 * @example auditExport(db, flags, io, 'view.exported', { runs: suitesOfRuns(db, runIds), out: flags.out });
 */
export function auditExport(
  db: Db,
  flags: { db?: string | undefined; keys?: string | undefined },
  io: CliIo,
  type: Extract<AuditEventType, 'view.exported' | 'transcript.exported'>,
  data: Record<string, unknown>,
): void {
  const key = dbKeyOf(db);
  const writer = openLabStore(dbPath(flags.db, io), key === null ? {} : { key });
  try {
    const trail = openAuditTrail(writer, io, keysDir(flags.keys, io));
    trail.append(type, {
      command: commandNameOf(io),
      ...(key === null ? {} : { key: key.entryId, keyId: key.keyId }),
      ...data,
    });
    trail.close();
  } finally {
    writer.close();
  }
}
