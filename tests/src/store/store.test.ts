/**
 * The lab database: opening, migrating, refusing what it must not touch (a SQLite file), and the one-row-per-unit
 * rule (on both backends).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedlineError } from '../../../src/errors.js';
import { openStore, SCHEMA_VERSION } from '../../../src/store/open-store.js';
import {
  countResults,
  createResultWriter,
  getSampleResults,
  iterateResults,
  scoredUnitKeys,
  unitKey,
  type ResultRecord,
} from '../../../src/store/results.js';
import { getRun, insertRun, listRuns, type NewRun } from '../../../src/store/runs.js';
import { storeBackends, useStoreBackend } from '../../helpers/pg.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof RedlineError ? error.code : 'not a RedlineError';
  }
  return undefined;
}

const run: NewRun = {
  id: 'r1',
  suite: { id: 's', version: '1', sha256: 'ab'.repeat(32), title: 'S', path: 'suites/s' },
  categories: { a: { weight: 1 } },
  model: 'm',
  endpoint: 'http://127.0.0.1:1/v1',
  developer: null,
  params: {
    epochs: 1,
    limit: null,
    seed: null,
    reducer: 'mean',
    ci: 't',
    timeoutMs: 1000,
    maxAttempts: 3,
    apiKeyEnv: 'K',
  },
  policy: { id: 'p', version: 1 },
  harnessVersion: '0.0.0',
  sampleCount: 2,
  totalUnits: 2,
  startedAt: '2026-11-26T00:00:00.000Z',
  host: 'h',
  pid: 1,
};

const result = (over: Partial<ResultRecord>): ResultRecord => ({
  runId: 'r1',
  sampleId: 'q1',
  epoch: 1,
  category: 'a',
  status: 'scored',
  score: 1,
  answer: 'A',
  output: 'ANSWER: A',
  attempts: 1,
  errorCode: null,
  errorMessage: null,
  latencyMs: 5,
  promptTokens: 1,
  completionTokens: 1,
  finishedAt: '2026-11-26T00:00:01.000Z',
  ...over,
});

describe('openStore', () => {
  it('creates a WAL database at the current schema version', () => {
    const db = openStore(join(dir, 'new.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a file that is not SQLite with E_STORE and leaves it untouched', async () => {
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'my evaluation notes\n'.repeat(100));
    expect(codeOf(() => openStore(file))).toBe('E_STORE');
    expect(await readFile(file, 'utf8')).toBe('my evaluation notes\n'.repeat(100));
  });

  it('refuses a database written by a newer Redline', () => {
    const file = join(dir, 'newer.db');
    const db = openStore(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(codeOf(() => openStore(file))).toBe('E_STORE');
  });

  it('opens read-only without creating a missing file', () => {
    expect(codeOf(() => openStore(join(dir, 'missing.db'), { readonly: true }))).toBe('E_NOT_FOUND');
  });

  it('refuses a directory', () => {
    expect(codeOf(() => openStore(dir))).toBe('E_STORE');
  });
});

describe.each(storeBackends())('the store on %s', (backend) => {
  useStoreBackend(backend);

  describe('runs', () => {
    it('stores and reads back a run, and names a missing one', () => {
      const db = backend.open().db;
      insertRun(db, run);
      const back = getRun(db, 'r1');
      expect(back).toMatchObject({ ...run, status: 'running', sessions: 1, finishedAt: null, error: null });
      expect(listRuns(db).map((r) => r.id)).toEqual(['r1']);
      expect(codeOf(() => getRun(db, 'nope'))).toBe('E_NOT_FOUND');
      db.close();
    });

    it('refuses a run whose stored parameters were altered', () => {
      const db = backend.open().db;
      insertRun(db, run);
      db.prepare('UPDATE runs SET params = \'{"epochs": "many"}\'').run();
      expect(codeOf(() => getRun(db, 'r1'))).toBe('E_STORE');
      db.close();
    });
  });

  describe('createResultWriter', () => {
    it('keeps a scored unit final, replaces an errored one, and sums attempts', () => {
      const db = backend.open().db;
      insertRun(db, run);
      const writer = createResultWriter(db);
      writer.write([
        result({ sampleId: 'q1', status: 'error', score: null, errorCode: 'E_TIMEOUT', attempts: 3 }),
      ]);
      writer.write([result({ sampleId: 'q1', status: 'scored', score: 0, attempts: 2 })]);
      writer.write([result({ sampleId: 'q1', status: 'scored', score: 1, attempts: 1 })]);
      writer.write([result({ sampleId: 'q2', status: 'scored', score: 1 })]);
      writer.write([result({ sampleId: 'q2', status: 'error', score: null, errorCode: 'E_ENDPOINT' })]);
      const [q1] = getSampleResults(db, 'r1', 'q1');
      expect(q1).toMatchObject({ status: 'scored', score: 0, attempts: 5 });
      const [q2] = getSampleResults(db, 'r1', 'q2');
      expect(q2).toMatchObject({ status: 'scored', score: 1 });
      expect(countResults(db, 'r1')).toEqual({ scored: 2, errors: 0 });
      expect(scoredUnitKeys(db, 'r1')).toEqual(new Set([unitKey('q1', 1), unitKey('q2', 1)]));
      db.close();
    });
  });

  describe('iterateResults', () => {
    it('streams every unit of a run, scored and errored, by sample then epoch', () => {
      const db = backend.open().db;
      insertRun(db, run);
      insertRun(db, { ...run, id: 'r2' });
      createResultWriter(db).write([
        result({
          sampleId: 'q2',
          epoch: 2,
          status: 'error',
          score: null,
          answer: null,
          errorCode: 'E_SANDBOX',
          errorMessage: 'no',
        }),
        result({ sampleId: 'q2', epoch: 1 }),
        result({ runId: 'r2', sampleId: 'q0' }),
        result({ sampleId: 'q1', epoch: 1, score: 0, answer: 'B', output: 'ANSWER: B' }),
      ]);
      const rows = [...iterateResults(db, 'r1')];
      expect(rows.map((r) => [r.sampleId, r.epoch, r.status, r.score, r.answer, r.errorCode])).toEqual([
        ['q1', 1, 'scored', 0, 'B', null],
        ['q2', 1, 'scored', 1, 'A', null],
        ['q2', 2, 'error', null, null, 'E_SANDBOX'],
      ]);
      expect(rows[0]).toEqual({
        sampleId: 'q1',
        epoch: 1,
        category: 'a',
        status: 'scored',
        score: 0,
        answer: 'B',
        output: 'ANSWER: B',
        attempts: 1,
        errorCode: null,
        errorMessage: null,
        latencyMs: 5,
      });
      db.close();
    });
  });
});
