/**
 * The thread that holds a PostgreSQL connection for one PgDb (harness/store/pg-db.ts): it runs each request with
 * node-postgres (`pg`) and answers on its port, then wakes the main thread, which waits on a shared flag. So the
 * store keeps the synchronous API the SQLite store has, and both share one store layer.
 *
 * Requests run one at a time, in order, on one connection (a transaction is the connection's state).
 *
 * The thread runs this function's source (`new Worker(source, { eval: true })`), not a module file: a module
 * thread under tsx loads through the loader, which waits for the main thread, and the main thread is blocked
 * waiting for the reply. So the function is self-contained: it requires `pg` by the path the main thread resolved.
 */
import type * as WorkerThreads from 'node:worker_threads';
import type * as Pg from 'pg';
import type { PgReply, PgRequest, PgWorkerData } from './pg-protocol.js';

/** The body of the connection thread. Self-contained: it refers to nothing outside itself. */
export function runPgConnectionThread(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const threads = require('node:worker_threads') as typeof WorkerThreads;
  const { url, port, flag, pgPath } = threads.workerData as PgWorkerData;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require(pgPath) as typeof Pg;
  const signal = new Int32Array(flag);
  const INT8_OID = 20;
  const NUMERIC_OID = 1700;
  const MAX_NAMED = 256;
  // 64-bit integers (COUNT, BIGINT columns) and NUMERIC (SUM) as JavaScript numbers, as SQLite returns them: every
  // such value Redline stores is far below 2^53.
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
      if (oid === INT8_OID || oid === NUMERIC_OID) return Number;
      return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
    },
  };
  const client = new pg.Client({ connectionString: url, types, application_name: 'redline' });
  // A connection lost between requests: the next request fails with it.
  let broken: Error | null = null;
  client.on('error', (error) => {
    broken = error;
  });
  const connected = client.connect().then(
    () => null,
    (error: unknown) => error as Error,
  );
  // Statement names by SQL text: the server parses each statement once per connection.
  const names = new Map<string, string>();

  const errorReply = (error: Error, isConnect: boolean): PgReply => {
    const e = error as Error & { code?: unknown; detail?: unknown };
    return {
      ok: false,
      message: e.message,
      ...(isConnect ? { isConnect } : {}),
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(typeof e.detail === 'string' ? { detail: e.detail } : {}),
    };
  };
  // Buffers arrive as Uint8Array (structured clone); 64-bit integers as bigint.
  const toPgValue = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (typeof value === 'bigint') return value.toString();
    return value;
  };
  const answer = async (request: PgRequest): Promise<PgReply> => {
    const failed = await connected;
    if (failed !== null) return errorReply(failed, true);
    if (broken !== null) return errorReply(broken, true);
    try {
      if (request.kind === 'close') {
        await client.end();
        return { ok: true, rows: [], rowCount: 0 };
      }
      if (request.kind === 'exec') {
        await client.query(request.sql);
        return { ok: true, rows: [], rowCount: 0 };
      }
      let name = names.get(request.sql);
      // Statements built per call (IN lists of varying length) would grow the server's cache without bound.
      if (name === undefined && names.size < MAX_NAMED) {
        name = `redline_${names.size + 1}`;
        names.set(request.sql, name);
      }
      const result = await client.query({
        text: request.sql,
        values: request.params.map(toPgValue),
        ...(name === undefined ? {} : { name }),
        ...(request.rowMode === 'array' ? { rowMode: 'array' } : {}),
      });
      return { ok: true, rows: result.rows as unknown[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      return errorReply(error as Error, false);
    }
  };
  port.on('message', (request: PgRequest) => {
    void answer(request).then((reply) => {
      port.postMessage(reply);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    });
  });
}
