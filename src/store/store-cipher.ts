/**
 * The encryption of lab databases (SQLite3MultipleCiphers, through better-sqlite3-multiple-ciphers): the SQLCipher 3
 * file format, which Debian's `sqlcipher` (3.4) opens, with 4096-byte pages and a raw 32-byte key:
 *
 *   PRAGMA key = "x'<64 hex digits>'";   -- raw key: no passphrase KDF
 *   PRAGMA cipher_page_size = 4096;       -- SQLCipher 3 defaults otherwise: AES-256-CBC, HMAC-SHA1 per page
 *
 * Every page is encrypted, the header included: the main file, its WAL and its rollback journal. Temporary files
 * (sorts, temporary tables) are NOT encrypted by SQLite3MultipleCiphers, so keyed connections keep them in memory
 * (`temp_store = MEMORY`).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { DB_KEY_BYTES } from '../crypto/db-key.js';
import { RedlineError } from '../errors.js';
import type { Db } from './open-store.js';

/** The cipher settings of an encrypted lab database, as `redline db status` reports them. */
export const STORE_CIPHER = {
  /** SQLite3MultipleCiphers' cipher scheme. */
  cipher: 'sqlcipher',
  /** Its legacy level: the SQLCipher major version whose file format is written. */
  legacy: 3,
  /** Page size in bytes (SQLCipher 3's default is 1024: `PRAGMA cipher_page_size = 4096` in sqlcipher). */
  pageSize: 4096,
} as const;

/** A database key: the raw SQLCipher key and how messages and the audit log name it. */
export interface StoreKey {
  /** The 32-byte raw key (see src/crypto/db-key.ts). */
  raw: Uint8Array;
  /** The key as messages name it, e.g. `db key "lab-db" (keys/lab-db.age)`; never the key itself. */
  label: string;
}

/** Selects the SQLCipher 3 scheme for the keys the connection `db` is given next (key, ATTACH ... KEY). */
export function selectStoreCipher(db: Db): void {
  db.pragma(`cipher = '${STORE_CIPHER.cipher}'`);
  db.pragma(`legacy = ${STORE_CIPHER.legacy}`);
  db.pragma(`legacy_page_size = ${STORE_CIPHER.pageSize}`);
}

/**
 * Keys the main database of a fresh connection (before anything is read) and keeps its temporary files in memory.
 * A wrong key shows at the first read, as SQLITE_NOTADB.
 */
export function applyStoreKey(db: Db, key: StoreKey): void {
  selectStoreCipher(db);
  db.pragma(`key = "${rawKeyLiteral(key)}"`);
  db.pragma('temp_store = MEMORY');
}

/** The key in SQLCipher's raw-key notation `x'<hex>'`, for PRAGMA key and ATTACH ... KEY. */
export function rawKeyLiteral(key: StoreKey): string {
  if (key.raw.length !== DB_KEY_BYTES) {
    throw new RedlineError(
      'E_INTERNAL',
      `a database key must be ${DB_KEY_BYTES} bytes (got ${key.raw.length})`,
    );
  }
  return `x'${bytesToHex(key.raw)}'`;
}
