/**
 * A fresh lab database for one measurement, on either backend the benchmarks compare: a SQLite file in the bench's
 * folder, or a new database on the bench's PostgreSQL server. Removed after the measurement, so none sees another's.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchPostgres } from './bench-postgres.js';

/** The backends the benchmarks compare. */
export type BenchBackend = 'sqlite' | 'postgres';

/** A database made for one measurement, and how to remove it. */
export interface BenchDatabase {
  /** What `--db` takes: the SQLite file, or the PostgreSQL URL. */
  location: string;
  /** Drops the PostgreSQL database, or deletes the SQLite file with its -wal and -shm. */
  remove(): Promise<void>;
}

/** A fresh, empty lab database of `backend`: PostgreSQL on `pg`, SQLite as `dir`/`name`.db. */
export async function freshDatabase(
  pg: BenchPostgres,
  backend: BenchBackend,
  dir: string,
  name: string,
): Promise<BenchDatabase> {
  if (backend === 'postgres') {
    const database = await pg.createDatabase();
    return { location: database.url, remove: () => database.drop() };
  }
  const location = join(dir, `${name}.db`);
  return {
    location,
    remove: async () => {
      for (const suffix of ['', '-wal', '-shm']) await rm(`${location}${suffix}`, { force: true });
    },
  };
}
