/**
 * A process of the concurrent-migration test: waits for the word (runTogether), opens the PostgreSQL lab database
 * at argv[2] (migrating it when it is new), and prints the schema version it found.
 */
import { getMeta, openPgStore } from '../../harness/store/open-pg-store.js';
import { waitForGo } from './run-together.js';

await waitForGo();
const db = openPgStore(process.argv[2] ?? '');
try {
  process.stdout.write(`${getMeta(db, 'schema_version') ?? 'none'}\n`);
} finally {
  db.close();
}
