/**
 * Concurrency tests' appender: opens the lab database (a SQLite file or a PostgreSQL URL) with its own connection
 * and appends `count` events as fast as it can, while others do the same. Runs as a worker thread (workerData) or
 * as a process started by runTogether (tests/helpers/run-together.ts) with `'{"location", "count", "actor"}'`
 * (and `"checkpoint": true` to sign a checkpoint after each append).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { appendAudit } from '../../../src/audit/append-audit.js';
import { createCheckpoint } from '../../../src/audit/checkpoint.js';
import { LOG_KEY } from './audit-helpers.js';
import { openLabStore } from '../../../harness/store/open-lab-store.js';
import { waitForGo } from '../../helpers/run-together.js';

const { location, count, actor, checkpoint } = (
  isMainThread ? JSON.parse(process.argv[2] ?? '{}') : workerData
) as {
  location: string;
  count: number;
  actor: string;
  /** Also sign a checkpoint after each append, as every runner of a shared run does when it ends. */
  checkpoint?: boolean;
};
const db = openLabStore(location);
// As a process, started with others by runTogether: append only once all of them are up and connected.
if (isMainThread) await waitForGo();
try {
  for (let i = 0; i < count; i++) {
    appendAudit(db, { type: 'run.started', actor, at: '2026-01-01T00:00:00.000Z', data: { i } });
    if (checkpoint === true) createCheckpoint(db, { ...LOG_KEY, at: '2026-01-01T00:00:00.000Z' });
  }
} finally {
  db.close();
}
parentPort?.postMessage('done');
