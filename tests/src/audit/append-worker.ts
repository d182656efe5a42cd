/**
 * Worker thread of the concurrency test: opens the lab database with its own connection and appends `count`
 * events as fast as it can, while another worker does the same.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { appendAudit } from '../../../src/audit/append-audit.js';
import { openStore } from '../../../src/store/open-store.js';

const { file, count, actor } = workerData as { file: string; count: number; actor: string };
const db = openStore(file);
try {
  for (let i = 0; i < count; i++) {
    appendAudit(db, { type: 'run.started', actor, at: '2026-01-01T00:00:00.000Z', data: { i } });
  }
} finally {
  db.close();
}
parentPort?.postMessage('done');
