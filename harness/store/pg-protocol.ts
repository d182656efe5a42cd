/**
 * The messages between a PgDb (harness/store/pg-db.ts) and its connection thread (harness/store/pg-worker.ts).
 */
import type { MessagePort } from 'node:worker_threads';

/** What the connection thread is started with. */
export interface PgWorkerData {
  /** The PostgreSQL URL, with its password if it has one (never logged). */
  url: string;
  port: MessagePort;
  /** One Int32: 0 while a request runs, 1 when its reply is on the port. */
  flag: SharedArrayBuffer;
  /** Where `pg` is, as the main thread resolved it. */
  pgPath: string;
}

/** A request: one statement with parameters, SQL without parameters, or the end of the connection. */
export type PgRequest =
  | {
      kind: 'query';
      sql: string;
      params: unknown[];
      rowMode: 'object' | 'array';
    }
  | { kind: 'exec'; sql: string }
  | { kind: 'close' };

/** A reply: the rows, or the server's error with its SQLSTATE code. */
export type PgReply =
  | { ok: true; rows: unknown[]; rowCount: number }
  | { ok: false; message: string; code?: string; detail?: string; isConnect?: boolean };
