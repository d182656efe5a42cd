/**
 * The lab database as the store code sees it: the part of better-sqlite3's synchronous API that Redline uses, which
 * both backends provide. The embedded default is a SQLite connection (src/store/open-store.ts), passed as is; the
 * PostgreSQL store (harness/store/pg-db.ts) implements the same interface over a PostgreSQL connection.
 *
 * SQL written against it is the common dialect of both: `?` or `@name` parameters, `ON CONFLICT ... DO ...`,
 * `COUNT(*) FILTER (WHERE ...)`, quoted camelCase aliases. What differs is asked of {@link dialectOf}.
 */

/** What a write statement reports. */
export interface DbRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement. Rows are objects keyed by column name, or arrays after `raw()`, or values after `pluck()`. */
export interface DbStatement {
  run(...params: unknown[]): DbRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  raw(toggle?: boolean): this;
  pluck(toggle?: boolean): this;
}

// As the SQLite driver types them, so that its connection is a Db as it is.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyArgsFunction = (...params: any[]) => unknown;
type ArgumentsOf<F extends AnyArgsFunction> = F extends (...args: infer A) => unknown ? A : never;

/** A function run in a transaction: BEGIN before, COMMIT after, ROLLBACK when it throws; nested: a savepoint. */
export interface DbTransaction<F extends AnyArgsFunction> {
  (...params: ArgumentsOf<F>): ReturnType<F>;
  /** SQLite: BEGIN IMMEDIATE (takes the write lock first). PostgreSQL: the same as a plain transaction. */
  immediate(...params: ArgumentsOf<F>): ReturnType<F>;
  deferred(...params: ArgumentsOf<F>): ReturnType<F>;
  exclusive(...params: ArgumentsOf<F>): ReturnType<F>;
}

/** An open lab database. */
export interface Db {
  prepare(sql: string): DbStatement;
  /** Runs SQL without parameters (one or more statements). */
  exec(sql: string): unknown;
  transaction<F extends AnyArgsFunction>(fn: F): DbTransaction<F>;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
  readonly inTransaction: boolean;
  readonly readonly: boolean;
  /** The file, or the PostgreSQL location without its password. */
  readonly name: string;
  /** PostgreSQL only: set by its store; absent on SQLite. */
  readonly dialect?: 'postgres';
  /**
   * PostgreSQL with an encrypted lab database only: encrypts and decrypts item-bearing column values (inputs,
   * responses, transcripts) so the server never holds them in plaintext (src/store/column-cipher.ts).
   */
  readonly columnCipher?: ColumnCipher;
}

/** Encrypts item-bearing values before they leave the process; see src/store/column-cipher.ts. */
export interface ColumnCipher {
  /** The stored form of `value` for `column` of the row `rowKey` (bound to both: a value moved elsewhere fails). */
  seal(value: string, column: string, rowKey: string): string;
  /** The plaintext of a stored value; throws E_DB_KEY when it was not sealed under this key for this place. */
  open(stored: string, column: string, rowKey: string): string;
}

/** The SQL dialect of a lab database. */
export type Dialect = 'sqlite' | 'postgres';

/** The dialect of `db`. */
export function dialectOf(db: Db): Dialect {
  return db.dialect ?? 'sqlite';
}

/** A subquery of the values of the JSON array bound to its one parameter, e.g. `id IN (${jsonArrayValues(db)})`. */
export function jsonArrayValues(db: Db): string {
  return dialectOf(db) === 'postgres'
    ? 'SELECT value FROM json_array_elements_text(CAST(? AS json))'
    : 'SELECT value FROM json_each(?)';
}

/** The database clock, in ms since the epoch, as an SQL expression: leases compare against one clock. */
export function nowMsSql(db: Db): string {
  return dialectOf(db) === 'postgres'
    ? 'CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)'
    : "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
}

/** True when `error` is a unique or primary-key violation, on either backend. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** PostgreSQL advisory lock keys, one per thing that must have one writer at a time ('RLM1', 'RLA1' as integers). */
export const ADVISORY_LOCKS = {
  /** Schema migrations: hosts starting together migrate once. */
  migrate: 0x524c4d31,
  /** The audit log: appends are one hash chain. */
  audit: 0x524c4131,
  /** A shared run's end: one runner records it completed (or, the last one, stopped). */
  runEnd: 0x524c4531,
} as const;

/**
 * Inside a transaction, waits for and takes `lock` until the transaction ends (PostgreSQL's
 * pg_advisory_xact_lock). SQLite needs none: an IMMEDIATE transaction already holds the one write lock.
 */
export function takeTransactionLock(db: Db, lock: number): void {
  if (dialectOf(db) === 'postgres') db.prepare('SELECT pg_advisory_xact_lock(?)').get(lock);
}
