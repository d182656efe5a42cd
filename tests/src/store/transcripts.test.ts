/**
 * The transcripts table on both backends: round trips, streaming by sample then epoch, replacement, refusals, and
 * writes inside the caller's transaction.
 */
import { describe, expect, it } from 'vitest';
import type { Transcript } from '../../../src/agent/transcript.js';
import { RedlineError } from '../../../src/errors.js';
import type { Db } from '../../../src/store/db.js';
import { insertRun, type NewRun } from '../../../src/store/runs.js';
import { getTranscript, iterateTranscripts, writeTranscripts } from '../../../src/store/transcripts.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';

function newRun(runId: string): NewRun {
  return {
    id: runId,
    suite: { id: 'ctf', version: '1.0.0', sha256: 'ab'.repeat(32), title: 'CTF', path: 'suites/ctf' },
    categories: { default: { weight: 1 } },
    model: 'model-a',
    endpoint: 'http://127.0.0.1:1/v1',
    developer: 'dev',
    params: {
      epochs: 2,
      limit: null,
      seed: 1,
      reducer: 'mean',
      ci: 't',
      timeoutMs: 1000,
      maxAttempts: 1,
      apiKeyEnv: 'K',
    },
    policy: {},
    harnessVersion: '0.0.0',
    sampleCount: 1,
    totalUnits: 2,
    startedAt: '2026-11-26T10:00:00.000Z',
    host: 'h',
    pid: 1,
  };
}

function transcript(answer: string | null, turns: number): Transcript {
  return {
    messages: [
      { role: 'user', content: 'Find the flag.' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"cmd":"ls"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'exit code: 0\nstdout:\nflag.txt\n' },
    ],
    events: [
      {
        turn: 1,
        kind: 'model',
        startedAtMs: 10,
        durationMs: 5,
        usage: { promptTokens: 3, completionTokens: 4 },
      },
      {
        turn: 1,
        kind: 'tool',
        name: 'bash',
        args: '{"cmd":"ls"}',
        output: 'flag.txt',
        exitCode: 0,
        timedOut: false,
        truncated: false,
        startedAtMs: 15,
        durationMs: 2,
      },
    ],
    stopReason: answer === null ? 'max_turns' : 'submitted',
    answer,
    turns,
    sandboxStartMs: 5,
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof RedlineError ? error.code : 'not a RedlineError';
  }
  return undefined;
}

describe.each(storeBackends())('transcripts on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  /** A fresh lab database holding the run `runId`. */
  function openWithRun(runId: string): Db {
    const { db } = backend.open();
    insertRun(db, newRun(runId));
    return db;
  }

  describe('transcripts store', () => {
    it('round-trips transcripts by run, sample and epoch', () => {
      const db = openWithRun('run-1');
      const first = transcript('flag{x}', 2);
      const second = transcript(null, 10);
      writeTranscripts(db, [
        { runId: 'run-1', sampleId: 'ctf-1', epoch: 2, transcript: second },
        { runId: 'run-1', sampleId: 'ctf-1', epoch: 1, transcript: first },
      ]);
      expect(getTranscript(db, 'run-1', 'ctf-1')).toEqual([
        { epoch: 1, transcript: first },
        { epoch: 2, transcript: second },
      ]);
      expect(getTranscript(db, 'run-1', 'ctf-1', 2)).toEqual([{ epoch: 2, transcript: second }]);
      db.close();
    });

    it("streams every transcript of a run by sample then epoch, and no other run's", () => {
      const db = openWithRun('run-4');
      insertRun(db, newRun('run-5'));
      writeTranscripts(db, [
        { runId: 'run-4', sampleId: 'b', epoch: 1, transcript: transcript('b1', 1) },
        { runId: 'run-4', sampleId: 'a', epoch: 2, transcript: transcript('a2', 2) },
        { runId: 'run-5', sampleId: 'a', epoch: 1, transcript: transcript('other', 1) },
        { runId: 'run-4', sampleId: 'a', epoch: 1, transcript: transcript('a1', 1) },
      ]);
      expect(
        [...iterateTranscripts(db, 'run-4')].map((t) => [t.sampleId, t.epoch, t.transcript.answer]),
      ).toEqual([
        ['a', 1, 'a1'],
        ['a', 2, 'a2'],
        ['b', 1, 'b1'],
      ]);
      expect([...iterateTranscripts(db, 'nope')]).toEqual([]);
      db.close();
    });

    it("replaces an earlier attempt's transcript", () => {
      const db = openWithRun('run-2');
      writeTranscripts(db, [{ runId: 'run-2', sampleId: 's', epoch: 1, transcript: transcript(null, 10) }]);
      writeTranscripts(db, [
        { runId: 'run-2', sampleId: 's', epoch: 1, transcript: transcript('flag{y}', 3) },
      ]);
      const stored = getTranscript(db, 'run-2', 's');
      expect(stored.map((row) => [row.epoch, row.transcript.answer, row.transcript.turns])).toEqual([
        [1, 'flag{y}', 3],
      ]);
      db.close();
    });

    it('throws E_NOT_FOUND for a unit without a transcript', () => {
      const db = openWithRun('run-3');
      writeTranscripts(db, [{ runId: 'run-3', sampleId: 's', epoch: 1, transcript: transcript('a', 1) }]);
      expect(codeOf(() => getTranscript(db, 'run-3', 'other'))).toBe('E_NOT_FOUND');
      expect(codeOf(() => getTranscript(db, 'run-3', 's', 2))).toBe('E_NOT_FOUND');
      expect(codeOf(() => getTranscript(db, 'nope', 's'))).toBe('E_NOT_FOUND');
      db.close();
    });

    it('refuses a transcript of an unknown run', () => {
      const db = openWithRun('run-4');
      expect(() =>
        writeTranscripts(db, [{ runId: 'ghost', sampleId: 's', epoch: 1, transcript: transcript('a', 1) }]),
      ).toThrow();
      db.close();
    });
  });

  describe('writeTranscripts inside a transaction', () => {
    it('joins the caller transaction and rolls back with it', () => {
      const db = openWithRun('run-5');
      const row = { runId: 'run-5', sampleId: 's', epoch: 1, transcript: transcript('a', 1) };
      db.transaction(() => writeTranscripts(db, [row])).immediate();
      expect(getTranscript(db, 'run-5', 's')).toHaveLength(1);
      const failing = db.transaction(() => {
        writeTranscripts(db, [{ ...row, sampleId: 't' }]);
        throw new Error('abort the batch');
      });
      expect(() => failing()).toThrow('abort the batch');
      expect(codeOf(() => getTranscript(db, 'run-5', 't'))).toBe('E_NOT_FOUND');
      db.close();
    });
  });
});
