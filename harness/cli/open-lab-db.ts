/**
 * Opens the lab database for a command: `--db` (or REDLINE_DB), keyed with the database key when one is configured
 * (harness/cli/db-key.ts), and audit-logs every keyed open as a `db.opened` event (who, which key, which command).
 * Opens of a plaintext database are not logged.
 */
import type { Db } from '../../src/store/db.js';
import { openLabStore } from '../store/open-lab-store.js';
import { openAuditTrail } from './audit-trail.js';
import { commandNameOf } from './command-name.js';
import { resolveDbKey, type DbKey } from './db-key.js';
import type { CliIo } from './io.js';
import { dbPath, keysDir } from './options.js';

/** Options of {@link openLabDb}. */
export interface OpenLabDbOptions {
  /** Open read-only: the command cannot write (its `db.opened` event goes through a short second connection). */
  readonly?: boolean;
  /** The command named in the audit event; default: the command the CLI runs. */
  command?: string;
}

/**
 * Opens the database of `flags.db` with the key of the keyring `flags.keys` (or REDLINE_KEYS, ./keys) or
 * REDLINE_DB_KEY_FILE.
 *
 * @example
 * const db = openLabDb(flags, io, { readonly: true });
 */
export function openLabDb(
  flags: { db?: string | undefined; keys?: string | undefined },
  io: CliIo,
  options: OpenLabDbOptions = {},
): Db {
  const file = dbPath(flags.db, io);
  const dir = keysDir(flags.keys, io);
  const key = resolveDbKey(io, dir);
  const isReadonly = options.readonly === true;
  const db = openLabStore(file, { readonly: isReadonly, ...(key === null ? {} : { key }) });
  if (key === null) return db;
  try {
    // A read-only connection cannot append: a short writable one does (same key, waits out other writers).
    const writer = isReadonly ? openLabStore(file, { key }) : db;
    try {
      auditDbOpened(writer, io, dir, key, options.command ?? commandNameOf(io), isReadonly);
    } finally {
      if (writer !== db) writer.close();
    }
  } catch (error) {
    db.close();
    throw error;
  }
  keyOfDb.set(db, key);
  return db;
}

// The key each keyed connection was opened with, for later audit entries of the same command.
const keyOfDb = new WeakMap<Db, DbKey>();

/** The database key `db` was opened with by openLabDb, or null for a plaintext database. */
export function dbKeyOf(db: Db): DbKey | null {
  return keyOfDb.get(db) ?? null;
}

/** Appends `db.opened`: the key used (keyring id and key id), the command and whether it only reads. */
export function auditDbOpened(
  db: Db,
  io: CliIo,
  keysDir: string,
  key: DbKey,
  command: string,
  isReadonly: boolean,
): void {
  openAuditTrail(db, io, keysDir).append('db.opened', {
    command,
    key: key.entryId,
    keyId: key.keyId,
    readonly: isReadonly,
  });
}
