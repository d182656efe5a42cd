/**
 * Opens the lab database a location names: a PostgreSQL URL (`postgres://` or `postgresql://`) selects the
 * PostgreSQL store, anything else is the path of the embedded SQLite file (the default, `redline.db`).
 */
import type { Db } from '../../src/store/db.js';
import { openStore, type OpenStoreOptions } from '../../src/store/open-store.js';
import { isPostgresUrl, openPgStore } from './open-pg-store.js';

/**
 * Opens (creating and migrating when needed) the lab database at `location`.
 *
 * @example
 * const db = openLabStore(process.env.REDLINE_DB ?? 'redline.db', { readonly: true });
 */
export function openLabStore(location: string, options: OpenStoreOptions = {}): Db {
  return isPostgresUrl(location) ? openPgStore(location, options) : openStore(location, options);
}
