/**
 * The `transcripts` table: the agent transcript of each (run, sample, epoch), written by the main thread in
 * batched transactions. A later attempt of a unit replaces the earlier one's transcript. Assessments never read
 * this table: transcripts stay in the lab.
 */
import type { Transcript } from '../agent/transcript.js';
import { RedlineError } from '../errors.js';
import { unitRowKey } from './column-cipher.js';
import type { Db } from './db.js';

/** One transcript to store. */
export interface TranscriptRow {
  runId: string;
  sampleId: string;
  epoch: number;
  transcript: Transcript;
}

/** A stored transcript with its epoch. */
export interface StoredTranscript {
  epoch: number;
  transcript: Transcript;
}

type BatchWriter = ((rows: readonly TranscriptRow[]) => void) & {
  immediate(rows: readonly TranscriptRow[]): void;
};

// One prepared statement per open database, not one per batch.
const writers = new WeakMap<Db, BatchWriter>();

/**
 * Writes `rows` in one transaction (a savepoint when called inside the caller's transaction), replacing a
 * transcript already stored for the same unit (an earlier attempt's).
 */
export function writeTranscripts(db: Db, rows: readonly TranscriptRow[]): void {
  if (rows.length === 0) return;
  let writeAll = writers.get(db);
  if (writeAll === undefined) {
    const upsert = db.prepare(
      `INSERT INTO transcripts (run_id, sample_id, epoch, transcript) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id, sample_id, epoch) DO UPDATE SET transcript = excluded.transcript`,
    );
    const cipher = db.columnCipher;
    writeAll = db.transaction((batch: readonly TranscriptRow[]) => {
      for (const row of batch) {
        const text = JSON.stringify(row.transcript);
        const stored =
          cipher === undefined
            ? text
            : cipher.seal(text, 'transcript', unitRowKey(row.runId, row.sampleId, row.epoch));
        upsert.run(row.runId, row.sampleId, row.epoch, stored);
      }
    });
    writers.set(db, writeAll);
  }
  if (db.inTransaction) writeAll(rows);
  else writeAll.immediate(rows);
}

/**
 * The transcripts of a sample in a run, by epoch ascending (only `epoch` when given). Throws E_NOT_FOUND when
 * there are none, and E_STORE for a stored value that is not JSON.
 */
export function getTranscript(db: Db, runId: string, sampleId: string, epoch?: number): StoredTranscript[] {
  const rows = (
    epoch === undefined
      ? db
          .prepare(
            `SELECT epoch, transcript FROM transcripts WHERE run_id = ? AND sample_id = ? ORDER BY epoch`,
          )
          .all(runId, sampleId)
      : db
          .prepare(
            `SELECT epoch, transcript FROM transcripts WHERE run_id = ? AND sample_id = ? AND epoch = ?`,
          )
          .all(runId, sampleId, epoch)
  ) as { epoch: number; transcript: string }[];
  if (rows.length === 0) {
    const which = epoch === undefined ? '' : `, epoch ${epoch}`;
    throw new RedlineError(
      'E_NOT_FOUND',
      `no transcript for run ${runId}, sample ${sampleId}${which} (only agentic samples have transcripts; check the ids with "redline runs")`,
    );
  }
  return rows.map((row) => ({
    epoch: row.epoch,
    transcript: parseTranscript(db, runId, sampleId, row.epoch, row.transcript),
  }));
}

/** One stored transcript of a run, as `iterateTranscripts` yields it. */
export interface RunTranscript {
  sampleId: string;
  epoch: number;
  transcript: Transcript;
}

/**
 * Streams every transcript of a run, ordered by sample then epoch (for `redline view`). Throws E_STORE for a
 * stored value that is not JSON.
 */
export function* iterateTranscripts(db: Db, runId: string): Generator<RunTranscript> {
  const rows = db
    .prepare(
      'SELECT sample_id, epoch, transcript FROM transcripts WHERE run_id = ? ORDER BY sample_id, epoch',
    )
    .raw()
    .iterate(runId) as IterableIterator<[string, number, string]>;
  for (const [sampleId, epoch, text] of rows) {
    yield { sampleId, epoch, transcript: parseTranscript(db, runId, sampleId, epoch, text) };
  }
}

/** A stored transcript value as a Transcript: decrypted when the database encrypts item columns, then parsed. */
function parseTranscript(db: Db, runId: string, sampleId: string, epoch: number, stored: string): Transcript {
  const cipher = db.columnCipher;
  const text =
    cipher === undefined ? stored : cipher.open(stored, 'transcript', unitRowKey(runId, sampleId, epoch));
  try {
    return JSON.parse(text) as Transcript;
  } catch (error) {
    throw new RedlineError(
      'E_STORE',
      `transcript of run ${runId}, sample ${sampleId}, epoch ${epoch}: not valid JSON`,
      { cause: error },
    );
  }
}
