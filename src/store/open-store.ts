/**
 * Opens the lab database: a better-sqlite3 file in WAL mode with a busy timeout, migrated by PRAGMA user_version.
 *
 * Only the main thread of a process writes (DESIGN.md §2); worker threads never open the database.
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RedlineError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

/** An open lab database. */
export type Db = Database.Database;

/** Options of openStore. */
export interface OpenStoreOptions {
  /** Open read-only and refuse to create or migrate (report, runs). */
  readonly?: boolean;
  /** How long a writer waits for a lock held by another process, in ms. */
  busyTimeoutMs?: number;
}

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating and migrating when needed) the database at `file`.
 *
 * @example
 * const db = openStore('./redline.db');
 */
export function openStore(file: string, options: OpenStoreOptions = {}): Db {
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new RedlineError('E_STORE', `${file}: is a directory, not a database file (pass --db FILE)`);
  }
  if (options.readonly === true && !existsSync(file)) {
    throw new RedlineError(
      'E_NOT_FOUND',
      `${file}: no lab database here (run "redline run" first, or pass --db FILE / set REDLINE_DB)`,
    );
  }
  let db: Db;
  try {
    const nativeBinding = nativeBindingPath();
    db = new Database(file, {
      readonly: options.readonly === true,
      fileMustExist: options.readonly === true,
      ...(nativeBinding === undefined ? {} : { nativeBinding }),
    });
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 10_000)}`);
    // Reading the header checks the file really is SQLite before anything is written to it.
    db.pragma('schema_version');
  } catch (error) {
    throw new RedlineError(
      'E_STORE',
      `${file}: cannot open as a Redline database (${(error as Error).message}); check the path given to --db`,
      { cause: error },
    );
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

/** Applies the pending migrations, each in its own transaction; refuses a database from a newer Redline. */
function migrate(db: Db, file: string, readonly: boolean): void {
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

/**
 * better-sqlite3's compiled addon, found once by module resolution: handing it over spares the `bindings` package's
 * search of a dozen candidate paths on every start. Undefined (better-sqlite3 then searches itself) when the
 * addon is not at the path `npm ci` builds it to.
 */
function nativeBindingPath(): string | undefined {
  if (nativeBinding === null) {
    try {
      nativeBinding = createRequire(import.meta.url).resolve(
        'better-sqlite3/build/Release/better_sqlite3.node',
      );
    } catch {
      nativeBinding = undefined;
    }
  }
  return nativeBinding;
}
