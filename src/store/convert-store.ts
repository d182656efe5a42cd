/**
 * Converts a lab database in place to a new key (`redline db encrypt`: plaintext to encrypted; `db rekey`: one key
 * to another) without ever leaving it half-converted:
 *
 * 1. lock: the database leaves WAL mode (which needs every other connection closed: a running command makes the
 *    conversion fail, not lose its writes) and is held with an exclusive lock until the end;
 * 2. copy: a new file beside it, keyed with the new key, receives the schema, every row (rowids kept), the
 *    AUTOINCREMENT counters and the user_version, in one transaction (what SQLCipher's sqlcipher_export does);
 * 3. verify: the new file opens with the new key, passes `quick_check`, and has the same user_version and the same
 *    row count in every table;
 * 4. sync: the new file is fsynced;
 * 5. rename: stale -wal/-shm files of the old one are removed and the new file is renamed over it (then its
 *    directory is fsynced).
 *
 * A crash before the rename leaves the old database as it was (openable with the old key) and a stray
 * `FILE.redline-new-*` file, encrypted with the new key, which the next conversion removes.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { RedlineError } from '../errors.js';
import { nativeBindingOption, type Db } from './open-store.js';
import { applyStoreKey, rawKeyLiteral, type StoreKey } from './store-cipher.js';
import { readStoreFileKind } from './store-file-kind.js';

/** The steps of a conversion, in order: {@link ConvertStoreOptions.onStep} is called after each. */
export type ConvertStep = 'locked' | 'copied' | 'verified' | 'synced' | 'renamed';

/** Options of {@link convertStore}. */
export interface ConvertStoreOptions {
  /** The key that opens the database now; absent for a plaintext database. */
  from?: StoreKey;
  /** The key of the converted database. */
  to: StoreKey;
  /** How long to wait for other connections to let go of the database, in ms. */
  busyTimeoutMs?: number;
  /** Called after each step; a test crashes the process here. */
  onStep?: (step: ConvertStep) => void;
}

/** What a conversion copied. */
export interface ConvertedStore {
  /** The schema version (PRAGMA user_version), the same before and after. */
  userVersion: number;
  /** Rows per table, the same before and after. */
  rows: Record<string, number>;
}

const TEMP_INFIX = '.redline-new-';

/**
 * Re-encrypts the lab database `file` from `options.from` (or plaintext) to `options.to`.
 *
 * @example
 * convertStore('redline.db', { to: newKey }); // encrypt a plaintext database
 */
export function convertStore(file: string, options: ConvertStoreOptions): ConvertedStore {
  checkKind(file, options.from);
  const temp = `${file}${TEMP_INFIX}${randomBytes(6).toString('hex')}`;
  let db: Db | undefined;
  let isRenamed = false;
  try {
    db = new Database(temp, nativeBindingOption());
    applyStoreKey(db, options.to);
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 10_000)}`);
    db.pragma('main.synchronous = FULL');
    // Rows are copied table by table, children possibly before parents: the source already satisfied its keys.
    db.pragma('foreign_keys = OFF');
    lockSource(db, file, options.from);
    removeStaleTemps(file, temp);
    options.onStep?.('locked');

    const copied = copySource(db);
    options.onStep?.('copied');
    verifyCopy(temp, options.to, copied);
    options.onStep?.('verified');
    fsyncFile(temp);
    options.onStep?.('synced');

    // Held exclusively and out of WAL mode: a -wal or -shm left is stale, and must not meet the new file.
    for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    if (existsSync(`${file}-journal`)) {
      throw new RedlineError(
        'E_STATE',
        `${file}-journal: a rollback journal appeared during the conversion; nothing was changed, retry`,
      );
    }
    renameSync(temp, file);
    isRenamed = true;
    fsyncDirectory(dirname(file));
    options.onStep?.('renamed');
    return copied;
  } catch (error) {
    throw asStoreError(error, file);
  } finally {
    db?.close();
    if (!isRenamed) {
      for (const suffix of ['', '-journal']) rmSync(`${temp}${suffix}`, { force: true });
    }
  }
}

/** Refuses to encrypt an encrypted database, to rekey a plaintext one, or to convert what is not there. */
function checkKind(file: string, from: StoreKey | undefined): void {
  const kind = readStoreFileKind(file);
  if (kind === 'missing' || kind === 'empty') {
    throw new RedlineError('E_NOT_FOUND', `${file}: no lab database here (pass --db FILE / set REDLINE_DB)`);
  }
  if (kind === 'other') {
    throw new RedlineError('E_STORE', `${file}: not a lab database (check the path given to --db)`);
  }
  if (from === undefined && kind === 'encrypted') {
    throw new RedlineError(
      'E_STATE',
      `${file}: already encrypted; to change its key use "redline db rekey --new-key-file FILE"`,
    );
  }
  if (from !== undefined && kind === 'plaintext') {
    throw new RedlineError('E_STATE', `${file}: not encrypted; encrypt it with "redline db encrypt"`);
  }
}

/**
 * Attaches the source as `src` with its key, takes it out of WAL mode (only possible when no other connection has
 * it open) and locks it.
 */
function lockSource(db: Db, file: string, from: StoreKey | undefined): void {
  try {
    db.prepare('ATTACH ? AS src KEY ?').run(file, from === undefined ? '' : rawKeyLiteral(from));
    db.pragma('src.journal_mode = DELETE');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' && from !== undefined) {
      throw new RedlineError(
        'E_DB_KEY',
        `${file}: ${from.label} does not open this encrypted lab database (a wrong key); nothing was changed`,
        { cause: error },
      );
    }
    if (code === 'SQLITE_BUSY') {
      throw new RedlineError(
        'E_STATE',
        `${file}: in use by another process (a running "redline run"?); stop it and retry; nothing was changed`,
        { cause: error },
      );
    }
    throw error;
  }
  // Held until the connection closes, after the rename: no other process writes to the old file meanwhile.
  db.pragma('src.locking_mode = EXCLUSIVE');
  db.exec('BEGIN EXCLUSIVE');
  db.exec('COMMIT');
}

interface SchemaObject {
  type: string;
  name: string;
  sql: string;
}

/** Copies schema, rows, AUTOINCREMENT counters and user_version from `src` into `main`, in one transaction. */
function copySource(db: Db): ConvertedStore {
  return db
    .transaction((): ConvertedStore => {
      const objects = db
        .prepare(
          "SELECT type, name, sql FROM src.sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
        )
        .all() as SchemaObject[];
      const tables = objects.filter((o) => o.type === 'table');
      const rows: Record<string, number> = {};
      for (const table of tables) {
        if (/^CREATE\s+VIRTUAL\s/i.test(table.sql)) {
          throw new RedlineError(
            'E_INTERNAL',
            `table ${table.name} is virtual: the conversion cannot copy it`,
          );
        }
        db.exec(table.sql);
        copyRows(db, table.name);
        rows[table.name] = countRows(db, 'src', table.name);
      }
      if (hasTable(db, 'src', 'sqlite_sequence')) {
        db.exec('DELETE FROM main.sqlite_sequence');
        db.exec('INSERT INTO main.sqlite_sequence SELECT * FROM src.sqlite_sequence');
      }
      // Indexes after the rows (faster), triggers after them (the append-only triggers check every insert).
      for (const object of objects.filter((o) => o.type !== 'table')) db.exec(object.sql);
      const userVersion = db.pragma('src.user_version', { simple: true }) as number;
      db.pragma(`main.user_version = ${Math.trunc(userVersion)}`);
      const applicationId = db.pragma('src.application_id', { simple: true }) as number;
      db.pragma(`main.application_id = ${Math.trunc(applicationId)}`);
      return { userVersion, rows };
    })
    .immediate();
}

/** Copies a table's rows, with their rowids when it has them. */
function copyRows(db: Db, table: string): void {
  const columns = (
    db.prepare('SELECT name, hidden FROM pragma_table_xinfo(?, ?)').all(table, 'src') as Array<{
      name: string;
      hidden: number;
    }>
  )
    .filter((c) => c.hidden === 0) // generated columns are computed again
    .map((c) => quoteName(c.name));
  const isWithoutRowid =
    (
      db.prepare('SELECT wr FROM pragma_table_list WHERE schema = ? AND name = ?').get('src', table) as
        { wr: number } | undefined
    )?.wr === 1;
  const list = (isWithoutRowid ? columns : ['rowid', ...columns]).join(', ');
  const name = quoteName(table);
  db.exec(`INSERT INTO main.${name} (${list}) SELECT ${list} FROM src.${name}`);
}

/** Opens the copy with the new key on its own connection and compares it with what was copied. */
function verifyCopy(temp: string, key: StoreKey, copied: ConvertedStore): void {
  const check = new Database(temp, { readonly: true, fileMustExist: true, ...nativeBindingOption() });
  try {
    applyStoreKey(check, key);
    const problems: string[] = [];
    const quick = check.pragma('quick_check', { simple: true }) as string;
    if (quick !== 'ok') problems.push(`quick_check: ${quick}`);
    const userVersion = check.pragma('user_version', { simple: true }) as number;
    if (userVersion !== copied.userVersion)
      problems.push(`user_version ${userVersion}, expected ${copied.userVersion}`);
    for (const [table, count] of Object.entries(copied.rows)) {
      const found = countRows(check, 'main', table);
      if (found !== count) problems.push(`${table}: ${found} rows, expected ${count}`);
    }
    if (problems.length > 0) {
      throw new RedlineError(
        'E_STORE',
        `the converted copy does not match the database (${problems.join('; ')}); nothing was changed`,
      );
    }
  } finally {
    check.close();
  }
}

/** Removes the copies a crashed conversion of `file` left (we hold the lock: no conversion runs). */
function removeStaleTemps(file: string, current: string): void {
  const prefix = `${basename(file)}${TEMP_INFIX}`;
  for (const name of readdirSync(dirname(file))) {
    const path = join(dirname(file), name);
    if (name.startsWith(prefix) && path !== current && !path.startsWith(`${current}-`)) {
      rmSync(path, { force: true });
    }
  }
}

function countRows(db: Db, schema: string, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${schema}.${quoteName(table)}`).get() as { n: number }).n;
}

function hasTable(db: Db, schema: string, table: string): boolean {
  return (
    db.prepare(`SELECT 1 FROM ${schema}.sqlite_schema WHERE type = 'table' AND name = ?`).get(table) !==
    undefined
  );
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot fsync a directory: the rename is durable as the file system makes it.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function asStoreError(error: unknown, file: string): RedlineError {
  if (error instanceof RedlineError) return error;
  return new RedlineError(
    'E_STORE',
    `${file}: the conversion failed (${(error as Error).message}); the database was not changed`,
    { cause: error },
  );
}
