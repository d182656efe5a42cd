/**
 * The `results` table: one row per (run, sample, epoch), written by the main thread in batched transactions.
 *
 * A scored row is final: writing the same unit again (a resumed run racing a late outcome) never replaces it,
 * while an errored row is replaced by a later attempt. So a unit has exactly one row, whatever happens.
 */
import type { ErrorCode } from '../errors.js';
import { unitRowKey } from './column-cipher.js';
import { dialectOf, type ColumnCipher, type Db, type DbStatement } from './db.js';

/** One (sample, epoch) outcome as stored. */
export interface ResultRecord {
  runId: string;
  sampleId: string;
  epoch: number;
  category: string;
  status: 'scored' | 'error';
  score: number | null;
  answer: string | null;
  output: string | null;
  attempts: number;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  latencyMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  finishedAt: string;
}

/** Counts of stored units of a run. */
export interface ResultCounts {
  scored: number;
  errors: number;
}

/** Error codes of units whose sandbox infrastructure failed (invalid, not the model's doing). */
export const INVALID_ERROR_CODES = ['E_SANDBOX', 'E_IMAGE_MISSING'] as const;

/** Units of a run recorded invalid (their sandbox infrastructure failed); they are among the errors. */
export function countInvalid(db: Db, runId: string): number {
  const row = db
    .prepare(
      `SELECT COUNT(*) AS n FROM results WHERE run_id = ? AND status = 'error'
       AND error_code IN (${INVALID_ERROR_CODES.map(() => '?').join(', ')})`,
    )
    .get(runId, ...INVALID_ERROR_CODES) as { n: number };
  return row.n;
}

/** A batched writer of results bound to one database. */
export interface ResultWriter {
  /** Writes `records` in one transaction. */
  write(records: readonly ResultRecord[]): void;
}

// A scored row is final; an errored one is replaced by a later attempt, its attempts added.
const UPSERT_RESULT = `ON CONFLICT (run_id, sample_id, epoch) DO UPDATE SET
       category = excluded.category, status = excluded.status, score = excluded.score, answer = excluded.answer,
       output = excluded.output, attempts = results.attempts + excluded.attempts, error_code = excluded.error_code,
       error_message = excluded.error_message, latency_ms = excluded.latency_ms,
       prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
       finished_at = excluded.finished_at
     WHERE results.status = 'error'`;
// The columns a writer fills, in order, with their PostgreSQL types (for the batch statement's arrays).
const RESULT_FIELDS = [
  ['run_id', 'text'],
  ['sample_id', 'text'],
  ['epoch', 'bigint'],
  ['category', 'text'],
  ['status', 'text'],
  ['score', 'double precision'],
  ['answer', 'text'],
  ['output', 'text'],
  ['attempts', 'bigint'],
  ['error_code', 'text'],
  ['error_message', 'text'],
  ['latency_ms', 'double precision'],
  ['prompt_tokens', 'bigint'],
  ['completion_tokens', 'bigint'],
  ['finished_at', 'text'],
] as const;
const RESULT_COLUMNS = RESULT_FIELDS.map(([column]) => column).join(', ');

/** Prepares the statements once and returns a writer. */
export function createResultWriter(db: Db): ResultWriter {
  const cipher = db.columnCipher;
  // Item-bearing values (the model's answer and output) leave the process encrypted when the database says so.
  const seal = (r: ResultRecord, column: string, value: string | null): string | null =>
    value === null || cipher === undefined
      ? value
      : cipher.seal(value, column, unitRowKey(r.runId, r.sampleId, r.epoch));
  // A record's values in RESULT_FIELDS order.
  const valuesOf = (r: ResultRecord): unknown[] => [
    r.runId,
    r.sampleId,
    r.epoch,
    r.category,
    r.status,
    r.score,
    seal(r, 'answer', r.answer),
    seal(r, 'output', r.output),
    r.attempts,
    r.errorCode,
    r.errorMessage,
    r.latencyMs,
    r.promptTokens,
    r.completionTokens,
    r.finishedAt,
  ];
  const upsert: DbStatement = db.prepare(
    `INSERT INTO results (${RESULT_COLUMNS}) VALUES (${RESULT_FIELDS.map(() => '?').join(', ')}) ${UPSERT_RESULT}`,
  );
  // PostgreSQL: a batch is one statement over one array per column (one round trip), unless it holds a unit
  // twice, which one INSERT ... ON CONFLICT cannot update twice.
  const upsertBatch =
    dialectOf(db) === 'postgres'
      ? db.prepare(
          `INSERT INTO results (${RESULT_COLUMNS})
           SELECT * FROM unnest(${RESULT_FIELDS.map(([, type]) => `CAST(? AS ${type}[])`).join(', ')})
           ${UPSERT_RESULT}`,
        )
      : null;
  const writeAll = db.transaction((records: readonly ResultRecord[]) => {
    if (upsertBatch !== null && records.length > 1 && !hasRepeatedUnit(records)) {
      const rows = records.map(valuesOf);
      upsertBatch.run(...RESULT_FIELDS.map((_, i) => rows.map((row) => row[i])));
      return;
    }
    for (const r of records) upsert.run(...valuesOf(r));
  });
  return { write: (records) => writeAll.immediate(records) };
}

function hasRepeatedUnit(records: readonly ResultRecord[]): boolean {
  const keys = new Set<string>();
  for (const r of records) keys.add(unitKey(r.sampleId, r.epoch));
  return keys.size < records.length;
}

/** The keys `sampleId \u0000 epoch` of units already scored in a run (errored ones are re-run on resume). */
export function scoredUnitKeys(db: Db, runId: string): Set<string> {
  const keys = new Set<string>();
  const rows = db
    .prepare(`SELECT sample_id, epoch FROM results WHERE run_id = ? AND status = 'scored'`)
    .raw()
    .iterate(runId) as IterableIterator<[string, number]>;
  for (const [sampleId, epoch] of rows) keys.add(unitKey(sampleId, epoch));
  return keys;
}

/** The key of one unit in the sets above. */
export function unitKey(sampleId: string, epoch: number): string {
  return `${sampleId}\u0000${epoch}`;
}

/** Counts scored and errored units of a run. */
export function countResults(db: Db, runId: string): ResultCounts {
  const row = db
    .prepare(
      `SELECT COUNT(*) FILTER (WHERE status = 'scored') AS scored, COUNT(*) FILTER (WHERE status = 'error') AS errors
       FROM results WHERE run_id = ?`,
    )
    .get(runId) as { scored: number; errors: number };
  return { scored: row.scored, errors: row.errors };
}

/** A unit's score row, as the aggregation reads it. */
export interface ScoreRow {
  sampleId: string;
  epoch: number;
  category: string;
  score: number;
}

/** Streams the scored units of a run ordered by sample then epoch (the primary key's order: no sort). */
export function* iterateScores(db: Db, runId: string): Generator<ScoreRow> {
  const rows = db
    .prepare(
      `SELECT sample_id, epoch, category, score FROM results
       WHERE run_id = ? AND status = 'scored' ORDER BY sample_id, epoch`,
    )
    .raw()
    .iterate(runId) as IterableIterator<[string, number, string, number]>;
  for (const [sampleId, epoch, category, score] of rows) yield { sampleId, epoch, category, score };
}

/** Reads all stored units of one sample in a run (for inspection and tests). */
export function getSampleResults(db: Db, runId: string, sampleId: string): ResultRecord[] {
  const rows = db
    .prepare('SELECT * FROM results WHERE run_id = ? AND sample_id = ? ORDER BY epoch')
    .all(runId, sampleId) as Array<Record<string, unknown>>;
  const cipher = db.columnCipher;
  const open = (row: Record<string, unknown>, column: 'answer' | 'output'): string | null =>
    openValue(cipher, row[column] as string | null, column, unitRowKey(runId, sampleId, row.epoch as number));
  return rows.map((row) => ({
    runId: row.run_id as string,
    sampleId: row.sample_id as string,
    epoch: row.epoch as number,
    category: row.category as string,
    status: row.status as 'scored' | 'error',
    score: row.score as number | null,
    answer: open(row, 'answer'),
    output: open(row, 'output'),
    attempts: row.attempts as number,
    errorCode: row.error_code as ErrorCode | null,
    errorMessage: row.error_message as string | null,
    latencyMs: row.latency_ms as number | null,
    promptTokens: row.prompt_tokens as number | null,
    completionTokens: row.completion_tokens as number | null,
    finishedAt: row.finished_at as string,
  }));
}

/** Counts scored and errored units of every run in one pass (for `redline runs`). */
export function countResultsByRun(db: Db): Map<string, ResultCounts> {
  const rows = db
    .prepare(
      `SELECT run_id, COUNT(*) FILTER (WHERE status = 'scored') AS scored,
         COUNT(*) FILTER (WHERE status = 'error') AS errors FROM results GROUP BY run_id`,
    )
    .all() as Array<{ run_id: string; scored: number; errors: number }>;
  return new Map(rows.map((r) => [r.run_id, { scored: r.scored, errors: r.errors }]));
}

/**
 * A stored unit as the report viewer shows it: everything but the run id, token counts and finish time; its error
 * code as stored (a database may hold codes of another Redline version).
 */
export type ResultRow = Omit<
  ResultRecord,
  'runId' | 'promptTokens' | 'completionTokens' | 'finishedAt' | 'errorCode'
> & { errorCode: string | null };

/**
 * Streams every stored unit of a run, scored or errored, ordered by sample then epoch (the primary key's order:
 * no sort), for `redline view`. Memory stays flat: one row at a time.
 */
export function* iterateResults(db: Db, runId: string): Generator<ResultRow> {
  const rows = db
    .prepare(
      `SELECT sample_id AS "sampleId", epoch, category, status, score, answer, output, attempts,
         error_code AS "errorCode", error_message AS "errorMessage", latency_ms AS "latencyMs"
       FROM results WHERE run_id = ? ORDER BY sample_id, epoch`,
    )
    .iterate(runId) as IterableIterator<ResultRow>;
  const cipher = db.columnCipher;
  if (cipher === undefined) {
    yield* rows;
    return;
  }
  for (const row of rows) {
    const rowKey = unitRowKey(runId, row.sampleId, row.epoch);
    row.answer = openValue(cipher, row.answer, 'answer', rowKey);
    row.output = openValue(cipher, row.output, 'output', rowKey);
    yield row;
  }
}

/** A stored item value as plaintext: opened when the database encrypts item columns, else as stored. */
function openValue(
  cipher: ColumnCipher | undefined,
  value: string | null,
  column: string,
  rowKey: string,
): string | null {
  return value === null || cipher === undefined ? value : cipher.open(value, column, rowKey);
}
