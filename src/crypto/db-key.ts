/**
 * The key of an encrypted lab database: 32 raw bytes for SQLCipher, derived from the X25519 secret of an age
 * identity (`ID.age` of a keyring entry of role `db`, or the file REDLINE_DB_KEY_FILE names) with HKDF-SHA256
 * (RFC 5869):
 *
 *   key = HKDF-SHA256(IKM = the 32-byte X25519 secret scalar as stored in AGE-SECRET-KEY-1...,
 *                     salt = "redline/db-key/v1", info = "sqlcipher raw key", L = 32)
 *
 * A raw key (`PRAGMA key = "x'<64 hex>'"`) skips SQLCipher's passphrase KDF, so opening costs no PBKDF2 rounds.
 * The identity's own age recipient key id names the key in the audit log; the derived key never leaves memory.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { AgeIdentity } from './age.js';

/** HKDF salt of the database key (UTF-8). */
export const DB_KEY_SALT = 'redline/db-key/v1';

/** HKDF info of the database key (UTF-8). */
export const DB_KEY_INFO = 'sqlcipher raw key';

/** Bytes of a SQLCipher raw key. */
export const DB_KEY_BYTES = 32;

/**
 * The SQLCipher raw key of an age identity.
 * @example const raw = deriveDbKey(loadAgeIdentity('keys/lab-db.age'));
 */
export function deriveDbKey(identity: Pick<AgeIdentity, 'secretKey'>): Uint8Array {
  const encoder = new TextEncoder();
  return hkdf(
    sha256,
    identity.secretKey,
    encoder.encode(DB_KEY_SALT),
    encoder.encode(DB_KEY_INFO),
    DB_KEY_BYTES,
  );
}
