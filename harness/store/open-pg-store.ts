/**
 * Opens a PostgreSQL lab database (`--db postgres://...` or REDLINE_DB): connects, migrates it (the same schema
 * versions as SQLite, src/store/pg-migrations.ts) under an advisory lock so that hosts starting together migrate
 * once, and checks the database key against the one the database was encrypted with.
 *
 * Redline's own bookkeeping lives in `redline_meta` (key/value): `schema_version`, and `column_cipher` (the check
 * value of the key item columns are encrypted with, when the lab database is encrypted).
 */
import { redactUrl } from '../../src/endpoint/redact-url.js';
import { RedlineError } from '../../src/errors.js';
import { createColumnCipher } from '../../src/store/column-cipher.js';
import { ADVISORY_LOCKS, takeTransactionLock } from '../../src/store/db.js';
import { PG_MIGRATIONS } from '../../src/store/pg-migrations.js';
import { SCHEMA_VERSION } from '../../src/store/open-store.js';
import type { StoreKey } from '../../src/store/store-cipher.js';
import { PgDb, PgError } from './pg-db.js';

/** Options of openPgStore: those of openStore. */
export interface OpenPgStoreOptions {
  readonly?: boolean;
  key?: StoreKey;
}

/** True when `location` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/**
 * A lab database location safe to print: a PostgreSQL URL without its password (in the userinfo or a query
 * parameter); a file path as it is.
 *
 * @example redactDbLocation('postgres://lab:pw@db/redline') // 'postgres://lab@db/redline'
 */
export function redactDbLocation(location: string): string {
  return isPostgresUrl(location) ? redactUrl(location, { keepUsername: true }) : location;
}

/**
 * Opens the PostgreSQL database at `url`, creating Redline's tables on first use.
 *
 * @example
 * const db = openPgStore('postgres://redline@db.lab:5432/redline');
 */
export function openPgStore(url: string, options: OpenPgStoreOptions = {}): PgDb {
  const isReadonly = options.readonly === true;
  const db = new PgDb(url, redactDbLocation(url), isReadonly);
  try {
    let meta = readMeta(db);
    if (schemaOf(meta) < SCHEMA_VERSION) meta = migrate(db, schemaOf(meta), isReadonly);
    const version = schemaOf(meta);
    if (version > SCHEMA_VERSION) {
      throw new RedlineError(
        'E_STORE',
        `${db.name}: written by a newer Redline (schema ${version}, this build knows ${SCHEMA_VERSION}); upgrade Redline`,
      );
    }
    applyColumnKey(db, meta.get('column_cipher'), options.key, isReadonly);
    if (isReadonly) db.exec('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Applies the pending migrations from `current` in one transaction, under the migration lock; returns the
 * bookkeeping values after it.
 */
function migrate(db: PgDb, current: number, isReadonly: boolean): Map<string, string> {
  if (isReadonly) {
    throw new RedlineError(
      'E_STORE',
      current === 0
        ? `${db.name}: no Redline tables in this database (run "redline run" first, or check --db / REDLINE_DB)`
        : `${db.name}: schema ${current} needs migrating to ${SCHEMA_VERSION}; run any writing command (e.g. "redline runs") once`,
    );
  }
  return db.transaction(() => {
    takeTransactionLock(db, ADVISORY_LOCKS.migrate);
    db.exec('CREATE TABLE IF NOT EXISTS redline_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    // Read again under the lock: another host may have migrated meanwhile.
    const version = schemaOf(readMeta(db));
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(PG_MIGRATIONS[v] as string);
    if (version < SCHEMA_VERSION) setMeta(db, 'schema_version', String(SCHEMA_VERSION));
    return readMeta(db);
  })();
}

/** The schema version the bookkeeping values record (0: no Redline tables). */
function schemaOf(meta: ReadonlyMap<string, string>): number {
  return Number(meta.get('schema_version') ?? 0);
}

const UNDEFINED_TABLE = '42P01';

/**
 * Redline's bookkeeping values (`redline_meta`) in one round trip; empty when the database has no Redline tables.
 * Outside a transaction (or where the table exists): a failed statement would end a transaction.
 */
export function readMeta(db: PgDb): Map<string, string> {
  try {
    return new Map(db.prepare('SELECT key, value FROM redline_meta').raw().all() as Array<[string, string]>);
  } catch (error) {
    if (error instanceof PgError && error.code === UNDEFINED_TABLE) return new Map();
    throw error;
  }
}

/**
 * With a key: item columns are encrypted under it (a new database takes it; one encrypted under another key, or
 * one with items in plaintext, is refused: E_DB_KEY). Without: an encrypted database is refused.
 */
function applyColumnKey(
  db: PgDb,
  stored: string | undefined,
  key: StoreKey | undefined,
  isReadonly: boolean,
): void {
  if (key === undefined) {
    if (stored === undefined) return;
    throw new RedlineError(
      'E_DB_KEY',
      `${db.name}: the lab database is encrypted (its item columns) and no database key is configured: set ` +
        'REDLINE_DB_KEY_FILE to its key file (an age identity, ID.age) or keep its db key (role db, with ID.age ' +
        'beside ID.pub.json) in the keyring (--keys DIR, env REDLINE_KEYS)',
    );
  }
  const cipher = createColumnCipher(key);
  if (stored === undefined) {
    if (isReadonly || hasItems(db)) {
      throw new RedlineError(
        'E_DB_KEY',
        `${db.name}: the lab database is not encrypted but a database key is configured (${key.label}): encrypt ` +
          `it with "redline db encrypt --db ${db.name}", or unset REDLINE_DB_KEY_FILE and move the db key out of ` +
          'the keyring to keep it unencrypted (nothing was written)',
      );
    }
    setMeta(db, 'column_cipher', cipher.checkValue);
  } else if (stored !== cipher.checkValue) {
    throw new RedlineError(
      'E_DB_KEY',
      `${db.name}: ${key.label} does not open this encrypted lab database (a wrong key); set REDLINE_DB_KEY_FILE ` +
        'to the key file it was encrypted with, or keep that db key in the keyring (nothing was written)',
    );
  }
  db.columnCipher = cipher;
}

/** True when the database holds item-bearing rows (results or transcripts). */
function hasItems(db: PgDb): boolean {
  return (
    db
      .prepare('SELECT EXISTS (SELECT 1 FROM results) OR EXISTS (SELECT 1 FROM transcripts)')
      .pluck()
      .get() === true
  );
}

/** A value of `redline_meta`. */
export function getMeta(db: PgDb, key: string): string | undefined {
  return db.prepare('SELECT value FROM redline_meta WHERE key = ?').pluck().get(key) as string | undefined;
}

/** Sets a value of `redline_meta`. */
export function setMeta(db: PgDb, key: string, value: string): void {
  db.prepare(
    'INSERT INTO redline_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}
