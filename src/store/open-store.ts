/**
 * Opens the lab database: a SQLite file (better-sqlite3-multiple-ciphers) in WAL mode with a busy timeout, migrated
 * by PRAGMA user_version; encrypted when a key is given (src/store/store-cipher.ts).
 *
 * Only the main thread of a process writes (DESIGN.md §2); worker threads never open the database.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RedlineError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';
import { applyStoreKey, type StoreKey } from './store-cipher.js';
import { readStoreFileKind, type StoreFileKind } from './store-file-kind.js';

export type { Db } from './db.js';

/** A SQLite lab database connection, for what only SQLite has (PRAGMAs, ATTACH, functions). */
export type SqliteDb = Database.Database;

/** Options of openStore. */
export interface OpenStoreOptions {
  /** Open read-only and refuse to create or migrate (report, runs). */
  readonly?: boolean;
  /** How long a writer waits for a lock held by another process, in ms. */
  busyTimeoutMs?: number;
  /**
   * The database key. With it a new database is created encrypted and an encrypted one is opened; a plaintext
   * database or a key that does not open the file is refused (E_DB_KEY). Without it an encrypted database is
   * refused (E_DB_KEY). Refusals write nothing.
   */
  key?: StoreKey;
}

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating and migrating when needed) the database at `file`.
 *
 * @example
 * const db = openStore('./redline.db');
 */
export function openStore(file: string, options: OpenStoreOptions = {}): SqliteDb {
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new RedlineError('E_STORE', `${file}: is a directory, not a database file (pass --db FILE)`);
  }
  if (options.readonly === true && !existsSync(file)) {
    throw new RedlineError(
      'E_NOT_FOUND',
      `${file}: no lab database here (run "redline run" first, or pass --db FILE / set REDLINE_DB)`,
    );
  }
  let db: SqliteDb | undefined;
  // `redline db encrypt` / `db rekey` rename a new file over the database while holding its lock: a connection
  // that waited for that lock holds the replaced file, so it opens again (at most a few times).
  for (let attempt = 0; db === undefined; attempt++) {
    db = openConnection(file, options, attempt < MAX_REOPENS);
  }
  try {
    if (options.readonly !== true) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    migrate(db, file, options.readonly === true);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

// Reopens after the file was replaced while waiting for its lock (see openConnection).
const MAX_REOPENS = 3;

/**
 * Opens one connection to `file` and reads its header; undefined (closed again) when the file at `file` was replaced
 * meanwhile and `mayReopen`.
 */
function openConnection(file: string, options: OpenStoreOptions, mayReopen: boolean): SqliteDb | undefined {
  const kind = readStoreFileKind(file);
  checkKeyFits(file, kind, options.key);
  const inode = inodeOf(file);
  let db: SqliteDb | undefined;
  try {
    db = new Database(file, {
      readonly: options.readonly === true,
      fileMustExist: options.readonly === true,
      ...nativeBindingOption(),
    });
    if (options.key !== undefined) applyStoreKey(db, options.key);
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 10_000)}`);
    // Reading the header checks the file really is SQLite (and the key right) before anything is written to it.
    db.pragma('schema_version');
  } catch (error) {
    db?.close();
    if (options.key !== undefined && kind === 'encrypted' && isNotADatabase(error)) {
      throw new RedlineError(
        'E_DB_KEY',
        `${file}: ${options.key.label} does not open this encrypted lab database (a wrong key); set ` +
          'REDLINE_DB_KEY_FILE to the key file it was encrypted with, or keep that db key in the keyring ' +
          '(nothing was written)',
        { cause: error },
      );
    }
    throw new RedlineError(
      'E_STORE',
      `${file}: cannot open as a Redline database (${(error as Error).message}); check the path given to --db`,
      { cause: error },
    );
  }
  if (mayReopen && inode !== undefined && inodeOf(file) !== inode) {
    db.close();
    return undefined;
  }
  return db;
}

/** Refuses, before SQLite touches the file, an encrypted database without a key and a plaintext one with a key. */
function checkKeyFits(file: string, kind: StoreFileKind, key: StoreKey | undefined): void {
  if (kind === 'encrypted' && key === undefined) {
    throw new RedlineError(
      'E_DB_KEY',
      `${file}: the lab database is encrypted and no database key is configured: set REDLINE_DB_KEY_FILE to its ` +
        'key file (an age identity, ID.age) or keep its db key (role db, with ID.age beside ID.pub.json) in the ' +
        'keyring (--keys DIR, env REDLINE_KEYS)',
    );
  }
  if (kind === 'plaintext' && key !== undefined) {
    throw new RedlineError(
      'E_DB_KEY',
      `${file}: the lab database is not encrypted but a database key is configured (${key.label}): encrypt it ` +
        `with "redline db encrypt --db ${file}", or unset REDLINE_DB_KEY_FILE and move the db key out of the ` +
        'keyring to keep it unencrypted (nothing was written)',
    );
  }
}

function isNotADatabase(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'SQLITE_NOTADB';
}

function inodeOf(file: string): number | undefined {
  return statSync(file, { throwIfNoEntry: false })?.ino;
}

/** Applies the pending migrations, each in its own transaction; refuses a database from a newer Redline. */
function migrate(db: SqliteDb, file: string, readonly: boolean): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new RedlineError(
      'E_STORE',
      `${file}: written by a newer Redline (schema ${current}, this build knows ${SCHEMA_VERSION}); upgrade Redline`,
    );
  }
  if (current === SCHEMA_VERSION) return;
  if (readonly) {
    throw new RedlineError(
      'E_STORE',
      `${file}: schema ${current} needs migrating to ${SCHEMA_VERSION}; run any writing command (e.g. "redline runs") once`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    const step = MIGRATIONS[version];
    if (step === undefined) break;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

let nativeBinding: string | undefined | null = null;

/** The driver option that hands it its compiled addon by path (see nativeBindingPath), for every connection. */
export function nativeBindingOption(): { nativeBinding?: string } {
  const path = nativeBindingPath();
  return path === undefined ? {} : { nativeBinding: path };
}

/**
 * The SQLite driver's compiled addon, found once by module resolution: handing it over spares the `bindings`
 * package's search of a dozen candidate paths on every start. Undefined (the driver then searches itself) when the
 * addon is not at the path `npm ci` builds it to.
 */
function nativeBindingPath(): string | undefined {
  if (nativeBinding === null) {
    try {
      nativeBinding = createRequire(import.meta.url).resolve(
        'better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node',
      );
    } catch {
      nativeBinding = undefined;
    }
  }
  return nativeBinding;
}
