/**
 * Encryption at rest of a PostgreSQL lab database (`redline db encrypt|rekey|status --db postgres://...`): only its
 * item columns are encrypted, value by value, by Redline (src/store/column-cipher.ts); the rest stays readable to
 * the server. Converting seals (or re-seals) every item value and records the new key's check value in one
 * transaction, with the caller's audit event: a failure midway rolls it all back.
 *
 * Other Redline connections must be closed first (as the SQLite conversion needs the file to itself): one opened
 * without the key would go on writing items in plaintext, one with the old key under the old key.
 */
import { RedlineError } from '../../src/errors.js';
import { createColumnCipher, unitRowKey } from '../../src/store/column-cipher.js';
import type { ColumnCipher, Db } from '../../src/store/db.js';
import type { StoreKey } from '../../src/store/store-cipher.js';
import { getMeta, openPgStore, readMeta, redactDbLocation, setMeta } from './open-pg-store.js';
import { PgDb } from './pg-db.js';

/** How a PostgreSQL lab database encrypts, for `db status`. */
export const PG_COLUMN_CIPHER = {
  /** The cipher of each value (a fresh 96-bit nonce, the column and row as associated data). */
  cipher: 'AES-256-GCM',
  /** What is encrypted: each item-bearing value, nothing else. */
  scope: 'per value, item columns only',
  /** The item-bearing columns. */
  columns: ['results.answer', 'results.output', 'transcripts.transcript'],
} as const;

/** What a PostgreSQL lab database is, as `db status` reports it (SQLite's store file kinds, where they apply). */
export interface PgStoreState {
  /** missing: no Redline tables in the database; plaintext: item columns in the clear; encrypted: sealed. */
  state: 'missing' | 'plaintext' | 'encrypted';
  /** The schema version (redline_meta), or null when missing. */
  schema: number | null;
}

/** What a conversion sealed. */
export interface PgColumnConversion {
  /** Result rows with an answer or an output. */
  results: number;
  /** Transcript rows. */
  transcripts: number;
  /** Values sealed (answers, outputs and transcripts that are not null). */
  values: number;
  /** The schema version. */
  schema: number;
}

/** Options of {@link convertPgColumns}. */
export interface ConvertPgColumnsOptions {
  /** The key the item columns are sealed under now; absent for a plaintext database. */
  from?: StoreKey;
  /** The key to seal them under. */
  to: StoreKey;
  /** Runs inside the conversion's transaction, after the last value: the audit event commits with the values. */
  record?: (db: Db) => void;
  /** How long to wait for other Redline connections to the database to close, in ms. */
  busyTimeoutMs?: number;
}

// Rows per round trip: results are small; transcripts can be hundreds of kilobytes each.
const RESULT_BATCH = 1000;
const TRANSCRIPT_BATCH = 50;
const POLL_MS = 100;

/**
 * Reads what the PostgreSQL lab database at `url` is, without migrating or writing it (a read-only connection).
 *
 * @example
 * readPgStoreState('postgres://redline@db.lab/redline'); // { state: 'encrypted', schema: 9 }
 */
export function readPgStoreState(url: string): PgStoreState {
  const db = new PgDb(url, redactDbLocation(url), true);
  try {
    const meta = readMeta(db);
    const schema = meta.get('schema_version');
    if (schema === undefined) return { state: 'missing', schema: null };
    return { state: meta.has('column_cipher') ? 'encrypted' : 'plaintext', schema: Number(schema) };
  } finally {
    db.close();
  }
}

/**
 * Seals the item columns of the PostgreSQL lab database at `url` under `options.to`: from plaintext (`db encrypt`),
 * or from `options.from` (`db rekey`). One transaction: every value, the key's check value and `options.record`'s
 * writes commit together or not at all. E_NOT_FOUND without Redline tables; E_STATE when the database is already
 * encrypted (encrypt) or not encrypted (rekey), or other Redline connections stay open; E_DB_KEY when `from` is
 * not its key or a value does not open with it.
 *
 * @example
 * convertPgColumns('postgres://redline@db.lab/redline', { to: dbKey }); // db encrypt
 */
export function convertPgColumns(url: string, options: ConvertPgColumnsOptions): PgColumnConversion {
  const name = redactDbLocation(url);
  checkState(name, readPgStoreState(url), options.from);
  const db = openPgStore(url, options.from === undefined ? {} : { key: options.from });
  try {
    waitForOtherConnections(db, options.busyTimeoutMs ?? 10_000);
    return db.transaction((): PgColumnConversion => {
      // Readers go on; writers wait until the values and the check value are committed.
      db.exec('LOCK TABLE redline_meta, results, transcripts IN EXCLUSIVE MODE');
      const others = countOtherConnections(db);
      if (others > 0) throw busy(name, others);
      const from = options.from === undefined ? null : createColumnCipher(options.from);
      if (getMeta(db, 'column_cipher') !== (from?.checkValue ?? undefined)) {
        throw new RedlineError(
          'E_STATE',
          `${name}: its encryption changed while the conversion started (another "redline db" command?); nothing was changed, retry`,
        );
      }
      const to = createColumnCipher(options.to);
      const results = resealResults(db, from, to);
      const transcripts = resealTranscripts(db, from, to);
      setMeta(db, 'column_cipher', to.checkValue);
      options.record?.(db);
      return {
        results: results.rows,
        transcripts,
        values: results.values + transcripts,
        schema: Number(getMeta(db, 'schema_version')),
      };
    })();
  } finally {
    db.close();
  }
}

/** Refuses to encrypt an encrypted database, to rekey a plaintext one, or to convert one with no Redline tables. */
function checkState(name: string, found: PgStoreState, from: StoreKey | undefined): void {
  if (found.state === 'missing') {
    throw new RedlineError(
      'E_NOT_FOUND',
      `${name}: no Redline tables in this database (check --db / REDLINE_DB; "redline run" creates them)`,
    );
  }
  if (from === undefined && found.state === 'encrypted') {
    throw new RedlineError(
      'E_STATE',
      `${name}: already encrypted; to change its key use "redline db rekey --new-key-file FILE"`,
    );
  }
  if (from !== undefined && found.state === 'plaintext') {
    throw new RedlineError('E_STATE', `${name}: not encrypted; encrypt it with "redline db encrypt"`);
  }
}

/** Re-seals answers and outputs, in primary-key order, a batch per round trip; returns rows and values sealed. */
function resealResults(
  db: Db,
  from: ColumnCipher | null,
  to: ColumnCipher,
): { rows: number; values: number } {
  const select = db
    .prepare(
      `SELECT run_id, sample_id, epoch, answer, output FROM results
       WHERE (run_id, sample_id, epoch) > (?, ?, ?) AND (answer IS NOT NULL OR output IS NOT NULL)
       ORDER BY run_id, sample_id, epoch LIMIT ${RESULT_BATCH}`,
    )
    .raw();
  const update = db.prepare(
    `UPDATE results AS r SET answer = u.answer, output = u.output
     FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[]))
       AS u (run_id, sample_id, epoch, answer, output)
     WHERE r.run_id = u.run_id AND r.sample_id = u.sample_id AND r.epoch = u.epoch`,
  );
  let rows = 0;
  let values = 0;
  let after: [string, string, number] = ['', '', -1];
  for (;;) {
    const batch = select.all(...after) as Array<[string, string, number, string | null, string | null]>;
    if (batch.length === 0) return { rows, values };
    const reseal = (row: (typeof batch)[number], column: 'answer' | 'output'): string | null => {
      const value = column === 'answer' ? row[3] : row[4];
      if (value === null) return null;
      values++;
      return resealValue(value, column, unitRowKey(row[0], row[1], row[2]), from, to);
    };
    const changed = update.run(
      batch.map((row) => row[0]),
      batch.map((row) => row[1]),
      batch.map((row) => row[2]),
      batch.map((row) => reseal(row, 'answer')),
      batch.map((row) => reseal(row, 'output')),
    ).changes;
    if (changed !== batch.length) throw lostRows('results', changed, batch.length);
    rows += batch.length;
    const last = batch[batch.length - 1]!;
    after = [last[0], last[1], last[2]];
  }
}

/** Re-seals transcripts, in primary-key order; returns the rows sealed. */
function resealTranscripts(db: Db, from: ColumnCipher | null, to: ColumnCipher): number {
  const select = db
    .prepare(
      `SELECT run_id, sample_id, epoch, transcript FROM transcripts WHERE (run_id, sample_id, epoch) > (?, ?, ?)
       ORDER BY run_id, sample_id, epoch LIMIT ${TRANSCRIPT_BATCH}`,
    )
    .raw();
  const update = db.prepare(
    `UPDATE transcripts AS t SET transcript = u.transcript
     FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS text[]))
       AS u (run_id, sample_id, epoch, transcript)
     WHERE t.run_id = u.run_id AND t.sample_id = u.sample_id AND t.epoch = u.epoch`,
  );
  let rows = 0;
  let after: [string, string, number] = ['', '', -1];
  for (;;) {
    const batch = select.all(...after) as Array<[string, string, number, string]>;
    if (batch.length === 0) return rows;
    const changed = update.run(
      batch.map((row) => row[0]),
      batch.map((row) => row[1]),
      batch.map((row) => row[2]),
      batch.map((row) => resealValue(row[3], 'transcript', unitRowKey(row[0], row[1], row[2]), from, to)),
    ).changes;
    if (changed !== batch.length) throw lostRows('transcripts', changed, batch.length);
    rows += batch.length;
    const last = batch[batch.length - 1]!;
    after = [last[0], last[1], last[2]];
  }
}

/** `value` sealed under `to`: opened with `from` first when it is sealed (E_DB_KEY when it does not open). */
function resealValue(
  value: string,
  column: string,
  rowKey: string,
  from: ColumnCipher | null,
  to: ColumnCipher,
): string {
  return to.seal(from === null ? value : from.open(value, column, rowKey), column, rowKey);
}

function lostRows(table: string, changed: number, expected: number): RedlineError {
  return new RedlineError(
    'E_STORE',
    `${table}: ${changed} of ${expected} rows were updated during the conversion (a Redline bug); nothing was changed`,
  );
}

/** Other sessions of Redline (application_name 'redline') connected to this database. */
function countOtherConnections(db: Db): number {
  return db
    .prepare(
      `SELECT COUNT(*) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'redline'`,
    )
    .pluck()
    .get() as number;
}

/** Waits up to `limitMs` for the other Redline connections to close (a command that just ended is leaving). */
function waitForOtherConnections(db: PgDb, limitMs: number): void {
  const started = Date.now();
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const others = countOtherConnections(db);
    if (others === 0) return;
    if (Date.now() - started >= limitMs) throw busy(db.name, others);
    Atomics.wait(sleeper, 0, 0, POLL_MS);
  }
}

function busy(name: string, others: number): RedlineError {
  return new RedlineError(
    'E_STATE',
    `${name}: ${others} other Redline connection${others === 1 ? '' : 's'} to this database (a run, or another ` +
      'command): stop them and retry, since they would go on writing items as before, in plaintext or under the ' +
      'old key (nothing was changed)',
  );
}
