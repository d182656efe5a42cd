/**
 * The acceptance test of the encrypted PostgreSQL lab database: items written with a db key (answers, outputs,
 * transcripts) reach none of the server's files in plaintext: every file of its data directory (tables, WAL,
 * everything), searched byte by byte after a CHECKPOINT has written the tables out. The same writes without a key
 * are found, so the search can fail.
 *
 * Needs the server's data directory (REDLINE_TEST_PG_DATA, printed by .ci/postgres-up) readable by this process;
 * skipped, saying so, without it or without a server, unless REDLINE_REQUIRE_PG=1.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Transcript } from '../../../src/agent/transcript.js';
import { createResultWriter } from '../../../src/store/results.js';
import { insertRun } from '../../../src/store/runs.js';
import { writeTranscripts } from '../../../src/store/transcripts.js';
import { openPgStore } from '../../../harness/store/open-pg-store.js';
import { newRunRecord, resultOf } from '../../helpers/add-run.js';
import { seededStoreKey } from '../../helpers/db-files.js';
import {
  createPgDatabase,
  isPgRequired,
  runAsPgAdmin,
  skipsPg,
  type PgTestDatabase,
} from '../../helpers/pg.js';
import { searchBytes } from '../../helpers/search-bytes.js';

const KEY = seededStoreKey('pg-data-files');
const DATA_DIR = process.env['REDLINE_TEST_PG_DATA'] ?? '';
const isSkipped = skipsPg || (DATA_DIR === '' && !isPgRequired);
const skipReason = isSkipped
  ? ' [SKIPPED: REDLINE_TEST_PG and REDLINE_TEST_PG_DATA name no PostgreSQL server and its data directory; .ci/postgres-up starts one]'
  : '';

/** Writes a run whose results' answer and output, and whose transcript, hold `marker`; with `key`, encrypted. */
async function writeMarkedItems(marker: string, key?: typeof KEY): Promise<PgTestDatabase> {
  const database = await createPgDatabase();
  const db = openPgStore(database.url, key === undefined ? {} : { key });
  try {
    insertRun(db, newRunRecord({ id: 'run-1' }));
    createResultWriter(db).write(
      ['q1', 'q2'].map((sampleId) => ({
        ...resultOf('run-1', sampleId, 1, 'crypto', 1),
        answer: `${marker} answer`,
        output: `The model said: ${marker}`,
      })),
    );
    const transcript: Transcript = {
      messages: [{ role: 'tool', tool_call_id: 'c1', content: `cat flag.txt: ${marker}` }],
      events: [],
      stopReason: 'submitted',
      answer: marker,
      turns: 1,
      sandboxStartMs: 0,
    };
    writeTranscripts(db, [{ runId: 'run-1', sampleId: 'q1', epoch: 1, transcript }]);
  } finally {
    db.close();
  }
  // The tables' pages from shared buffers to their files (the WAL has the writes already).
  await runAsPgAdmin('CHECKPOINT');
  return database;
}

describe.skipIf(isSkipped)(`the PostgreSQL server's files${skipReason}`, () => {
  const databases: PgTestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('hold no item written with a db key, in any file of the data directory', async () => {
    expect(DATA_DIR, 'REDLINE_TEST_PG_DATA').not.toBe('');
    // Fresh per run: what earlier runs wrote stays in the WAL for a while.
    const marker = `MARKER-keyed-${randomBytes(8).toString('hex')}`;
    databases.push(await writeMarkedItems(marker, KEY));
    const search = await searchBytes([DATA_DIR], [marker]);
    expect(search.unreadable).toEqual([]);
    expect(search.files).toBeGreaterThan(0);
    expect(search.hits).toEqual([]);
  });

  it('hold the items written without a key (so the search can fail)', async () => {
    const marker = `MARKER-plain-${randomBytes(8).toString('hex')}`;
    const database = await writeMarkedItems(marker);
    databases.push(database);
    const search = await searchBytes([DATA_DIR], [marker]);
    expect(search.unreadable).toEqual([]);
    const files = search.hits.map((hit) => hit.file.slice(DATA_DIR.length));
    // In the WAL, and in the tables' files the checkpoint wrote.
    expect(files.some((file) => file.startsWith('/pg_wal/'))).toBe(true);
    expect(files.some((file) => file.startsWith('/base/'))).toBe(true);
  });
});
