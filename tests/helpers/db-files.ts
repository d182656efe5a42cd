/**
 * Helpers for tests of the encrypted lab database: keys from fixed seeds, and the raw bytes of a database's files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ageIdentityFromSecretKey } from '../../src/crypto/age.js';
import { deriveDbKey } from '../../src/crypto/db-key.js';
import type { StoreKey } from '../../src/store/store-cipher.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';

/** The files SQLite keeps for a database: the main file, its WAL, its shared-memory index, its rollback journal. */
export const DB_FILE_SUFFIXES = ['', '-wal', '-shm', '-journal'] as const;

/** A database key derived from an age identity made from `seed`, as the CLI derives it. */
export function seededStoreKey(seed: string): StoreKey {
  const identity = ageIdentityFromSecretKey(fixedRandom(`db-key/${seed}`)(32));
  return { raw: deriveDbKey(identity), label: `test key "${seed}"` };
}

/** The bytes of each of a database's files (null when absent), to check a refusal changed nothing. */
export function snapshotDbFiles(file: string): Record<string, string | null> {
  return Object.fromEntries(
    DB_FILE_SUFFIXES.map((suffix) => [
      suffix,
      existsSync(`${file}${suffix}`) ? readFileSync(`${file}${suffix}`).toString('base64') : null,
    ]),
  );
}

/** The database files (of DB_FILE_SUFFIXES) that exist and hold `marker` in their raw bytes. */
export function filesHolding(file: string, marker: string): string[] {
  return DB_FILE_SUFFIXES.map((suffix) => `${file}${suffix}`).filter(
    (path) => existsSync(path) && readFileSync(path).includes(marker),
  );
}
