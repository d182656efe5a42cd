/**
 * A PostgreSQL lab database behind the synchronous store interface (src/store/db.ts): each call is sent to a
 * thread that holds the connection (pg-worker.ts), and the main thread waits on a shared flag for the reply
 * (Atomics.wait), as it waits on SQLite's file locks. The store code runs unchanged on either backend.
 *
 * Statements are written in the common dialect; here `?` and `@name` parameters become `$1, $2 ...`.
 */
import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { RedlineError } from '../../src/errors.js';
import type { ColumnCipher, Db, DbRunResult, DbStatement, DbTransaction } from '../../src/store/db.js';
import type { PgReply, PgRequest, PgWorkerData } from './pg-protocol.js';
import { runPgConnectionThread } from './pg-worker.js';

/** How long a call waits for the server before the connection counts as lost. */
const CALL_LIMIT_MS = 10 * 60_000;
/** How long the first call waits for the connection thread to start and connect. */
const CONNECT_LIMIT_MS = 60_000;

/** A PostgreSQL error as the store sees it: its SQLSTATE in `code` (23505: unique violation). */
export class PgError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'PgError';
    this.code = code;
  }
}

/** One connection to a PostgreSQL lab database. */
export class PgDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly name: string;
  readonly readonly: boolean;
  columnCipher?: ColumnCipher;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private depth = 0;
  private savepoints = 0;
  private isOpen = true;
  private hasConnected = false;

  constructor(url: string, name: string, isReadonly: boolean) {
    this.name = name;
    this.readonly = isReadonly;
    const shared = new SharedArrayBuffer(4);
    this.flag = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: PgWorkerData = { url, port: port2, flag: shared, pgPath: resolvePg() };
    this.worker = new Worker(threadSource(), {
      eval: true,
      // Not the parent's flags: under tsx they load its loader, whose thread the blocked main thread starves.
      execArgv: [],
      workerData: data,
      transferList: [port2],
    });
    this.worker.unref();
    this.port.unref();
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  get open(): boolean {
    return this.isOpen;
  }

  prepare(sql: string): DbStatement {
    return new PgStatement(this, sql);
  }

  exec(sql: string): this {
    this.request({ kind: 'exec', sql });
    return this;
  }

  /** Runs one statement; rows as objects or arrays. */
  query(sql: string, params: unknown[], rowMode: 'object' | 'array'): PgReply & { ok: true } {
    return this.request({ kind: 'query', sql, params, rowMode });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  transaction<F extends (...params: any[]) => unknown>(fn: F): DbTransaction<F> {
    const run = (...args: unknown[]): unknown => this.inTransactionRun(() => fn(...args));
    return Object.assign(run, {
      immediate: run,
      deferred: run,
      exclusive: run,
    }) as unknown as DbTransaction<F>;
  }

  pragma(source: string): never {
    throw new RedlineError(
      'E_STORE',
      `${this.name}: "PRAGMA ${source}" is SQLite's; this lab database is PostgreSQL (a Redline bug if reached)`,
    );
  }

  close(): this {
    if (!this.isOpen) return this;
    this.isOpen = false;
    try {
      this.request({ kind: 'close' });
    } catch {
      // The connection is gone already: nothing to end.
    }
    void this.worker.terminate();
    this.port.close();
    return this;
  }

  private inTransactionRun<T>(body: () => T): T {
    if (this.depth === 0) {
      this.exec('BEGIN');
      this.depth = 1;
      try {
        const result = body();
        this.exec('COMMIT');
        return result;
      } catch (error) {
        this.rollback('ROLLBACK');
        throw error;
      } finally {
        this.depth = 0;
      }
    }
    const savepoint = `redline_sp_${++this.savepoints}`;
    this.exec(`SAVEPOINT ${savepoint}`);
    this.depth++;
    try {
      const result = body();
      this.exec(`RELEASE SAVEPOINT ${savepoint}`);
      return result;
    } catch (error) {
      this.rollback(`ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
      throw error;
    } finally {
      this.depth--;
    }
  }

  /** Rolls back, keeping the error that caused it (a connection that is gone rolls back by itself). */
  private rollback(sql: string): void {
    try {
      this.exec(sql);
    } catch {
      // The original error says what went wrong.
    }
  }

  private request<R extends PgRequest>(request: R): PgReply & { ok: true } {
    if (!this.isOpen && request.kind !== 'close') {
      throw new RedlineError('E_STORE', `${this.name}: the database connection is closed`);
    }
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    const limitMs = this.hasConnected ? CALL_LIMIT_MS : CONNECT_LIMIT_MS;
    const started = Date.now();
    for (;;) {
      Atomics.wait(this.flag, 0, 0, 1_000);
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) {
        this.hasConnected = true;
        const reply = received.message as PgReply;
        if (reply.ok) return reply;
        throw this.errorOf(reply);
      }
      if (Date.now() - started > limitMs) {
        throw new RedlineError(
          'E_STORE',
          `${this.name}: no answer from PostgreSQL in ${Math.round(limitMs / 1000)} s; check that the server is up ` +
            'and reachable (nothing more was written)',
        );
      }
    }
  }

  private errorOf(reply: PgReply & { ok: false }): Error {
    if (reply.isConnect === true) {
      return new RedlineError(
        'E_STORE',
        `${this.name}: cannot connect to PostgreSQL (${reply.message}); check the URL given to --db or REDLINE_DB, ` +
          'that the server is up, and the role and password',
      );
    }
    return new PgError(
      reply.detail === undefined ? reply.message : `${reply.message} (${reply.detail})`,
      reply.code,
    );
  }
}

let pgPath: string | undefined;

/**
 * The connection thread's script: runPgConnectionThread's source, with a no-op for the `__name` helper that tsx's
 * and vitest's transforms add to it, and a report of a failure to start (else the first call would wait in vain).
 */
function threadSource(): string {
  return `'use strict';
const __name = (f) => f;
try {
  (${runPgConnectionThread.toString()})();
} catch (error) {
  const { workerData } = require('node:worker_threads');
  workerData.port.postMessage({ ok: false, isConnect: true, message: 'the connection thread did not start: ' + error });
  const flag = new Int32Array(workerData.flag);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}`;
}

/** The `pg` package's entry, resolved once from here (in the CLI bundle: from the bundle's node_modules). */
function resolvePg(): string {
  pgPath ??= createRequire(import.meta.url).resolve('pg');
  return pgPath;
}

/** A statement of a PgDb: SQL translated once, run on each call. */
class PgStatement implements DbStatement {
  private readonly db: PgDb;
  private readonly sql: string;
  private readonly names: readonly string[] | null;
  private readonly count: number;
  private isRaw = false;
  private isPluck = false;

  constructor(db: PgDb, sql: string) {
    this.db = db;
    const translated = translateParameters(sql);
    this.sql = translated.sql;
    this.names = translated.names;
    this.count = translated.count;
  }

  run(...params: unknown[]): DbRunResult {
    const reply = this.db.query(this.sql, this.values(params), 'array');
    return { changes: reply.rowCount, lastInsertRowid: 0 };
  }

  get(...params: unknown[]): unknown {
    return this.rows(params)[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.rows(params);
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.rows(params)[Symbol.iterator]();
  }

  raw(toggle = true): this {
    this.isRaw = toggle;
    if (toggle) this.isPluck = false;
    return this;
  }

  pluck(toggle = true): this {
    this.isPluck = toggle;
    if (toggle) this.isRaw = false;
    return this;
  }

  private rows(params: unknown[]): unknown[] {
    const asArrays = this.isRaw || this.isPluck;
    const reply = this.db.query(this.sql, this.values(params), asArrays ? 'array' : 'object');
    const rows = reply.rows as Array<Record<string, unknown> | unknown[]>;
    for (const row of rows) toBuffers(row);
    return this.isPluck ? rows.map((row) => (row as unknown[])[0]) : rows;
  }

  private values(params: unknown[]): unknown[] {
    if (this.names === null) {
      // One value per parameter: arrays are values (PostgreSQL arrays, e.g. unnest(?)). Otherwise arrays are
      // spread, as better-sqlite3 binds run([a, b]).
      if (params.length === this.count) return params;
      return params.flatMap((p) => (Array.isArray(p) ? (p as unknown[]) : [p]));
    }
    const bag = params[0] as Record<string, unknown> | undefined;
    return this.names.map((name) => {
      const value = bag?.[name];
      if (value === undefined) throw new RangeError(`Missing named parameter "${name}"`);
      return value;
    });
  }
}

/** Byte columns arrive as Uint8Array (structured clone): Buffers again, as SQLite returns them. */
function toBuffers(row: Record<string, unknown> | unknown[]): void {
  const record = row as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      record[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
}

/**
 * `?` → `$1, $2 ...` (positional), or `@name` → `$n` (named: the names in order of first use). Quoted strings,
 * quoted identifiers and comments (line and block) are left alone. `names` is null for positional statements;
 * `count` is the number of parameters (`$1` to `$count`).
 */
export function translateParameters(sql: string): { sql: string; names: string[] | null; count: number } {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end + 1);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += `$${++positional}`;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0] as string;
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      out += `$${index + 1}`;
      i += name.length;
    } else {
      out += c;
    }
  }
  if (positional > 0 && names.length > 0) {
    throw new RangeError('a statement cannot mix ? and @name parameters');
  }
  return { sql: out, names: names.length > 0 ? names : null, count: positional + names.length };
}

function closingQuote(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i++;
      else return i;
    }
  }
  return sql.length - 1;
}
