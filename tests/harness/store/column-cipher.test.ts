/**
 * Item columns encrypted under the database key (src/store/column-cipher.ts): the cipher itself, then a PostgreSQL
 * lab database opened with a key (REDLINE_TEST_PG): answers, outputs and transcripts stored as `rl1:` values and
 * read back as plaintext through the store, a value moved to another row refused, and the refusals of a missing,
 * wrong or unexpected key, which write nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Transcript } from '../../../src/agent/transcript.js';
import { createColumnCipher, unitRowKey } from '../../../src/store/column-cipher.js';
import type { Db } from '../../../src/store/db.js';
import {
  createResultWriter,
  getSampleResults,
  iterateResults,
  type ResultRecord,
} from '../../../src/store/results.js';
import { insertRun } from '../../../src/store/runs.js';
import { getTranscript, iterateTranscripts, writeTranscripts } from '../../../src/store/transcripts.js';
import { getMeta, openPgStore } from '../../../harness/store/open-pg-store.js';
import { newRunRecord, resultOf } from '../../helpers/add-run.js';
import { seededStoreKey } from '../../helpers/db-files.js';
import { codeOf } from '../../helpers/error-of.js';
import { createPgDatabase, openRawDb, pgSkipReason, skipsPg, type PgTestDatabase } from '../../helpers/pg.js';

const KEY = seededStoreKey('column-cipher');
const OTHER_KEY = seededStoreKey('column-cipher-other');
const ROW = unitRowKey('run-1', 'q1', 1);

describe('createColumnCipher', () => {
  const cipher = createColumnCipher(KEY);

  it('seals a value as rl1: + base64 that opens to the plaintext, with a fresh nonce each time', () => {
    const sealed = cipher.seal('ANSWER: B', 'output', ROW);
    expect(sealed).toMatch(/^rl1:[A-Za-z0-9+/]+=*$/);
    expect(sealed).not.toContain('ANSWER');
    // 12-byte nonce + 9 bytes of ciphertext + 16-byte tag.
    expect(Buffer.from(sealed.slice(4), 'base64')).toHaveLength(12 + 9 + 16);
    expect(cipher.open(sealed, 'output', ROW)).toBe('ANSWER: B');
    expect(cipher.seal('ANSWER: B', 'output', ROW)).not.toBe(sealed);
    expect(cipher.open(cipher.seal('', 'answer', ROW), 'answer', ROW)).toBe('');
    expect(cipher.open(cipher.seal('é ✓ 🔒', 'answer', ROW), 'answer', ROW)).toBe('é ✓ 🔒');
  });

  it('is E_DB_KEY for a value moved to another row or column, sealed under another key, or altered', () => {
    const sealed = cipher.seal('ANSWER: B', 'output', ROW);
    expect(codeOf(() => cipher.open(sealed, 'output', unitRowKey('run-1', 'q2', 1)))).toBe('E_DB_KEY');
    expect(codeOf(() => cipher.open(sealed, 'output', unitRowKey('run-1', 'q1', 2)))).toBe('E_DB_KEY');
    expect(codeOf(() => cipher.open(sealed, 'answer', ROW))).toBe('E_DB_KEY');
    expect(codeOf(() => createColumnCipher(OTHER_KEY).open(sealed, 'output', ROW))).toBe('E_DB_KEY');
    const bytes = Buffer.from(sealed.slice(4), 'base64');
    bytes[14] = bytes[14]! ^ 1;
    expect(codeOf(() => cipher.open(`rl1:${bytes.toString('base64')}`, 'output', ROW))).toBe('E_DB_KEY');
  });

  it('is E_DB_KEY for a value that was never sealed', () => {
    expect(codeOf(() => cipher.open('ANSWER: B', 'output', ROW))).toBe('E_DB_KEY');
    expect(codeOf(() => cipher.open('rl1:', 'output', ROW))).toBe('E_DB_KEY');
  });

  it('has one check value per key', () => {
    expect(createColumnCipher(seededStoreKey('column-cipher')).checkValue).toBe(cipher.checkValue);
    expect(createColumnCipher(OTHER_KEY).checkValue).not.toBe(cipher.checkValue);
    expect(cipher.checkValue).toMatch(/^[0-9a-f]{64}$/);
  });
});

/** A transcript whose answer and tool output say `text`. */
function transcriptOf(text: string): Transcript {
  return {
    messages: [
      { role: 'user', content: 'Find the flag.' },
      { role: 'tool', tool_call_id: 'c1', content: `stdout: ${text}` },
    ],
    events: [],
    stopReason: 'submitted',
    answer: text,
    turns: 1,
    sandboxStartMs: 0,
  };
}

/** The result of unit (sampleId, 1) of run-1 with an answer and output that name `text`. */
function resultWith(sampleId: string, text: string): ResultRecord {
  return {
    ...resultOf('run-1', sampleId, 1, 'crypto', 1),
    answer: `answer ${text}`,
    output: `output ${text}`,
  };
}

/** Writes run-1 with three results (a batch of two, then one) and two transcripts. */
function writeItems(db: Db): void {
  insertRun(db, newRunRecord({ id: 'run-1' }));
  const writer = createResultWriter(db);
  writer.write([resultWith('q1', 'one'), resultWith('q2', 'two')]);
  writer.write([resultWith('q3', 'three')]);
  writeTranscripts(db, [
    { runId: 'run-1', sampleId: 'q1', epoch: 1, transcript: transcriptOf('one') },
    { runId: 'run-1', sampleId: 'q2', epoch: 1, transcript: transcriptOf('two') },
  ]);
}

/** Everything a refusal must leave unchanged: Redline's bookkeeping and the item rows, as stored. */
function snapshot(url: string): unknown {
  const raw = openRawDb(url);
  try {
    return {
      meta: raw.prepare('SELECT key, value FROM redline_meta ORDER BY key').raw().all(),
      results: raw.prepare('SELECT * FROM results ORDER BY sample_id').raw().all(),
      transcripts: raw.prepare('SELECT * FROM transcripts ORDER BY sample_id').raw().all(),
      audit: raw.prepare('SELECT COUNT(*) FROM audit_log').pluck().get(),
    };
  } finally {
    raw.close();
  }
}

describe.skipIf(skipsPg)(`a PostgreSQL lab database with a db key${pgSkipReason}`, () => {
  const databases: PgTestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });
  /** A new database holding run-1's items, written with `key` (null: in plaintext); its URL. */
  async function databaseWithItems(key: typeof KEY | null = KEY): Promise<string> {
    const database = await createPgDatabase();
    databases.push(database);
    const db = openPgStore(database.url, key === null ? {} : { key });
    writeItems(db);
    db.close();
    return database.url;
  }

  it('stores answers, outputs and transcripts encrypted (rl1:) and reads them back as plaintext', async () => {
    const url = await databaseWithItems();
    const raw = openRawDb(url);
    const stored = raw
      .prepare('SELECT answer, output FROM results ORDER BY sample_id')
      .raw()
      .all() as string[][];
    const transcripts = raw.prepare('SELECT transcript FROM transcripts').pluck().all() as string[];
    raw.close();
    expect(stored).toHaveLength(3);
    for (const value of [...stored.flat(), ...transcripts]) {
      expect(value).toMatch(/^rl1:/);
      expect(value).not.toMatch(/one|two|three/);
    }

    const db = openPgStore(url, { key: KEY, readonly: true });
    expect(getSampleResults(db, 'run-1', 'q2')).toEqual([resultWith('q2', 'two')]);
    expect([...iterateResults(db, 'run-1')].map((r) => [r.sampleId, r.answer, r.output])).toEqual([
      ['q1', 'answer one', 'output one'],
      ['q2', 'answer two', 'output two'],
      ['q3', 'answer three', 'output three'],
    ]);
    expect(getTranscript(db, 'run-1', 'q1')).toEqual([{ epoch: 1, transcript: transcriptOf('one') }]);
    expect([...iterateTranscripts(db, 'run-1')]).toEqual([
      { sampleId: 'q1', epoch: 1, transcript: transcriptOf('one') },
      { sampleId: 'q2', epoch: 1, transcript: transcriptOf('two') },
    ]);
    db.close();
  });

  it('is E_DB_KEY for a value moved to another row', async () => {
    const url = await databaseWithItems();
    const raw = openRawDb(url);
    raw.exec(`UPDATE results SET output = (SELECT output FROM results WHERE sample_id = 'q1') WHERE sample_id = 'q2';
      UPDATE transcripts SET transcript = (SELECT transcript FROM transcripts WHERE sample_id = 'q1')
        WHERE sample_id = 'q2'`);
    raw.close();
    const db = openPgStore(url, { key: KEY });
    expect(getSampleResults(db, 'run-1', 'q1')[0]?.output).toBe('output one');
    expect(codeOf(() => getSampleResults(db, 'run-1', 'q2'))).toBe('E_DB_KEY');
    expect(codeOf(() => [...iterateResults(db, 'run-1')])).toBe('E_DB_KEY');
    expect(getTranscript(db, 'run-1', 'q1')[0]?.transcript.answer).toBe('one');
    expect(codeOf(() => getTranscript(db, 'run-1', 'q2'))).toBe('E_DB_KEY');
    expect(codeOf(() => [...iterateTranscripts(db, 'run-1')])).toBe('E_DB_KEY');
    db.close();
  });

  it('takes the key on a new database, whose items then need it', async () => {
    const database = await createPgDatabase();
    databases.push(database);
    const db = openPgStore(database.url, { key: KEY });
    expect(getMeta(db, 'column_cipher')).toBe(createColumnCipher(KEY).checkValue);
    db.close();
    expect(codeOf(() => openPgStore(database.url))).toBe('E_DB_KEY');
  });

  it('refuses an encrypted database without a key, or with a wrong one (E_DB_KEY), and writes nothing', async () => {
    const url = await databaseWithItems();
    const before = snapshot(url);
    expect(codeOf(() => openPgStore(url))).toBe('E_DB_KEY');
    expect(codeOf(() => openPgStore(url, { readonly: true }))).toBe('E_DB_KEY');
    expect(codeOf(() => openPgStore(url, { key: OTHER_KEY }))).toBe('E_DB_KEY');
    expect(codeOf(() => openPgStore(url, { key: OTHER_KEY, readonly: true }))).toBe('E_DB_KEY');
    expect(snapshot(url)).toEqual(before);
  });

  it('refuses a key for a database holding items in plaintext (E_DB_KEY), and writes nothing', async () => {
    const url = await databaseWithItems(null);
    const before = snapshot(url);
    expect(codeOf(() => openPgStore(url, { key: KEY }))).toBe('E_DB_KEY');
    expect(codeOf(() => openPgStore(url, { key: KEY, readonly: true }))).toBe('E_DB_KEY');
    expect(snapshot(url)).toEqual(before);
    // Still readable without a key, in plaintext.
    const db = openPgStore(url, { readonly: true });
    expect(getSampleResults(db, 'run-1', 'q1')[0]?.answer).toBe('answer one');
    db.close();
  });
});
