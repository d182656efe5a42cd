import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/store/db.js';
import { createResultWriter } from '../../../src/store/results.js';
import {
  addRunUnits,
  claimUnits,
  completeUnits,
  countOtherLiveRunners,
  countRunUnits,
  joinRunner,
  leaveRunner,
  releaseUnits,
  renewLeases,
  reopenErroredUnits,
} from '../../../src/store/run-units.js';
import { insertRun } from '../../../src/store/runs.js';
import { newRunRecord, resultOf } from '../../helpers/add-run.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';

const RUN = '20261203-120000-aaaaaa';
const LEASE_MS = 60_000;

/** Units of 3 samples x 2 epochs, in run order. */
const UNITS = ['s1', 's2', 's3'].flatMap((sampleId) => [1, 2].map((epoch) => ({ sampleId, epoch })));

/** Expires every lease of the run, as if its holders had stopped renewing long ago. */
function expireLeases(db: Db): void {
  db.prepare('UPDATE run_units SET lease_until = 0 WHERE run_id = ? AND lease_until IS NOT NULL').run(RUN);
}

describe.each(storeBackends())('run units (shared runs) on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);
  let db: Db;

  beforeEach(() => {
    db = backend.open().db;
    insertRun(db, newRunRecord({ id: RUN, shared: true, totalUnits: UNITS.length, sampleCount: 3 }));
    expect(addRunUnits(db, RUN, UNITS)).toBe(UNITS.length);
    joinRunner(db, RUN, 'a', 'host-a', 101, '2026-12-03T12:00:00.000Z');
    joinRunner(db, RUN, 'b', 'host-b', 202, '2026-12-03T12:00:00.000Z');
  });

  afterEach(() => {
    db.close();
  });

  it('hands out each unit once, in run order, across runners', () => {
    const a = claimUnits(db, RUN, 'a', 4, LEASE_MS);
    const b = claimUnits(db, RUN, 'b', 4, LEASE_MS);
    expect(a.map((u) => [u.sampleId, u.epoch])).toEqual([
      ['s1', 1],
      ['s1', 2],
      ['s2', 1],
      ['s2', 2],
    ]);
    expect(b.map((u) => [u.sampleId, u.epoch])).toEqual([
      ['s3', 1],
      ['s3', 2],
    ]);
    expect(claimUnits(db, RUN, 'a', 4, LEASE_MS)).toEqual([]);
    expect(countRunUnits(db, RUN)).toEqual({ total: 6, done: 0 });
  });

  it('stores only for the holder: a unit taken over after its lease expired is not completed by the first', () => {
    claimUnits(db, RUN, 'a', 2, LEASE_MS);
    expireLeases(db);
    expect(claimUnits(db, RUN, 'b', 1, LEASE_MS).map((u) => u.sampleId)).toEqual(['s1']);
    const kept = completeUnits(db, RUN, 'a', [
      { sampleId: 's1', epoch: 1 },
      { sampleId: 's1', epoch: 2 },
    ]);
    // a lost (s1, 1) to b, but still holds (s1, 2): its lease lapsed and nobody took it.
    expect([...kept]).toEqual(['s1\u00002']);
    expect([...completeUnits(db, RUN, 'b', [{ sampleId: 's1', epoch: 1 }])]).toEqual(['s1\u00001']);
    // Done is final: no one completes a unit twice.
    expect(completeUnits(db, RUN, 'b', [{ sampleId: 's1', epoch: 1 }]).size).toBe(0);
    expect(countRunUnits(db, RUN).done).toBe(2);
    expect(
      db.prepare('SELECT runner, units FROM run_runners WHERE run_id = ? ORDER BY runner').raw().all(RUN),
    ).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('keeps renewed leases from being taken, and gives released units to others at once', () => {
    claimUnits(db, RUN, 'a', 3, LEASE_MS);
    expect(renewLeases(db, RUN, 'a', LEASE_MS)).toBe(3);
    expect(claimUnits(db, RUN, 'b', 6, LEASE_MS).map((u) => u.ord)).toEqual([3, 4, 5]);
    completeUnits(db, RUN, 'a', [{ sampleId: 's1', epoch: 1 }]);
    expect(releaseUnits(db, RUN, 'a')).toBe(2);
    expect(claimUnits(db, RUN, 'b', 6, LEASE_MS).map((u) => u.ord)).toEqual([1, 2]);
    expect(countRunUnits(db, RUN)).toEqual({ total: 6, done: 1 });
  });

  it('re-opens the units whose stored result is an error, and only those', () => {
    const claimed = claimUnits(db, RUN, 'a', 6, LEASE_MS);
    completeUnits(db, RUN, 'a', claimed);
    createResultWriter(db).write(
      claimed.map((u) => resultOf(RUN, u.sampleId, u.epoch, 'default', u.sampleId === 's2' ? 'error' : 1)),
    );
    expect(reopenErroredUnits(db, RUN)).toBe(2);
    expect(claimUnits(db, RUN, 'b', 6, LEASE_MS).map((u) => [u.sampleId, u.epoch])).toEqual([
      ['s2', 1],
      ['s2', 2],
    ]);
  });

  it('counts the other runners alive: joined, not left, seen within the lease', () => {
    expect(countOtherLiveRunners(db, RUN, 'a', LEASE_MS)).toBe(1);
    leaveRunner(db, RUN, 'b', '2026-12-03T12:05:00.000Z');
    expect(countOtherLiveRunners(db, RUN, 'a', LEASE_MS)).toBe(0);
    joinRunner(db, RUN, 'b', 'host-b', 203, '2026-12-03T12:06:00.000Z');
    db.prepare("UPDATE run_runners SET seen_at = 0 WHERE runner = 'b'").run();
    expect(countOtherLiveRunners(db, RUN, 'a', LEASE_MS)).toBe(0);
  });
});
