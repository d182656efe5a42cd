/**
 * The sandbox record of a run (migration 7): stored on the run row of a real lab database (SQLite and PostgreSQL),
 * read back, and compared between sessions by image id.
 */
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../src/store/db.js';
import {
  changedImages,
  getRunSandbox,
  setRunSandbox,
  type RunSandboxInfo,
} from '../../../src/store/run-sandbox.js';
import { insertRun } from '../../../src/store/runs.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';

function addRun(db: Db, id: string): void {
  insertRun(db, {
    id,
    suite: {
      id: 'ctf-live',
      version: '1.0.0',
      sha256: 'ab'.repeat(32),
      title: 'Live',
      path: 'suites/ctf-live',
    },
    categories: { web: { weight: 1 } },
    model: 'model-a',
    endpoint: 'http://127.0.0.1:1/v1',
    developer: null,
    params: {
      epochs: 1,
      limit: null,
      seed: 7,
      reducer: 'mean',
      ci: 't',
      timeoutMs: 1000,
      maxAttempts: 1,
      apiKeyEnv: 'K',
    },
    policy: {},
    harnessVersion: '0.0.0',
    sampleCount: 1,
    totalUnits: 1,
    startedAt: '2026-11-26T10:00:00.000Z',
    host: 'h',
    pid: 1,
  });
}

const INFO: RunSandboxInfo = {
  images: [
    {
      ref: 'redline-ctf-live/base:1',
      id: `sha256:${'0a'.repeat(32)}`,
      repoDigests: [`registry.example/base@sha256:${'0b'.repeat(32)}`],
    },
    { ref: 'redline-test/web:1', id: `sha256:${'0c'.repeat(32)}`, repoDigests: [] },
  ],
  capabilities: { 'web-path-traversal': ['NET_BIND_SERVICE'], 'net-sniff': ['NET_ADMIN', 'NET_RAW'] },
};

function image(ref: string, idByte: string): RunSandboxInfo['images'][number] {
  return { ref, id: `sha256:${idByte.repeat(32)}`, repoDigests: [] };
}

describe.each(storeBackends())('setRunSandbox / getRunSandbox on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  it('returns null for a run without a sandbox record and for a run that does not exist', () => {
    const { db } = backend.open();
    addRun(db, 'r1');
    expect(getRunSandbox(db, 'r1')).toBeNull();
    expect(getRunSandbox(db, 'no-such-run')).toBeNull();
    db.close();
  });

  it('stores the record on the run and reads it back after the database is reopened', () => {
    const store = backend.open();
    const { db } = store;
    addRun(db, 'r1');
    setRunSandbox(db, 'r1', INFO);
    expect(getRunSandbox(db, 'r1')).toEqual(INFO);
    db.close();
    const reopened = store.reopen({ readonly: true });
    expect(getRunSandbox(reopened, 'r1')).toEqual(INFO);
    reopened.close();
  });

  it("replaces the previous session's record and leaves other runs alone", () => {
    const { db } = backend.open();
    addRun(db, 'r1');
    addRun(db, 'r2');
    setRunSandbox(db, 'r1', INFO);
    const next: RunSandboxInfo = { images: [image('redline-test/web:1', '0d')], capabilities: {} };
    setRunSandbox(db, 'r1', next);
    expect(getRunSandbox(db, 'r1')).toEqual(next);
    expect(getRunSandbox(db, 'r2')).toBeNull();
    db.close();
  });

  it('stores nothing for a run id that does not exist', () => {
    const { db } = backend.open();
    addRun(db, 'r1');
    setRunSandbox(db, 'ghost', INFO);
    expect(getRunSandbox(db, 'ghost')).toBeNull();
    expect(getRunSandbox(db, 'r1')).toBeNull();
    db.close();
  });
});

describe('changedImages', () => {
  it('names each image whose id changed, with the old and the new id, in the order of before', () => {
    const before: RunSandboxInfo = {
      images: [image('b:1', '01'), image('a:1', '02'), image('same:1', '03')],
      capabilities: {},
    };
    const after: RunSandboxInfo = {
      images: [image('same:1', '03'), image('a:1', '12'), image('b:1', '11')],
      capabilities: { s: ['NET_RAW'] },
    };
    expect(changedImages(before, after)).toEqual([
      { ref: 'b:1', from: `sha256:${'01'.repeat(32)}`, to: `sha256:${'11'.repeat(32)}` },
      { ref: 'a:1', from: `sha256:${'02'.repeat(32)}`, to: `sha256:${'12'.repeat(32)}` },
    ]);
  });

  it('is empty when the ids match, whatever the digests and capabilities', () => {
    const after: RunSandboxInfo = {
      images: INFO.images.map((i) => ({ ...i, repoDigests: [] })),
      capabilities: {},
    };
    expect(changedImages(INFO, after)).toEqual([]);
  });

  it('ignores images that only one of the two records has', () => {
    const before: RunSandboxInfo = { images: [image('gone:1', '01')], capabilities: {} };
    const after: RunSandboxInfo = { images: [image('new:1', '02')], capabilities: {} };
    expect(changedImages(before, after)).toEqual([]);
  });
});
