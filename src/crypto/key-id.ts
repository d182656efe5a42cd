/**
 * Key ids (DESIGN.md §6): the lowercase hex SHA-256 of a raw 32-byte public key, as `sha256sum pk.bin` prints it.
 * The same rule names Ed25519 (signing) and X25519 (encryption) keys.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { RedlineError } from '../errors.js';

/** The byte length of an Ed25519 or X25519 public key. */
export const PUBLIC_KEY_BYTES = 32;

/**
 * The key id of a raw 32-byte public key: lowercase hex SHA-256.
 * @example keyIdOf(new Uint8Array(32)) // '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925'
 */
export function keyIdOf(publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new RedlineError(
      'E_KEY',
      `a public key must be ${PUBLIC_KEY_BYTES} bytes to have a key id (got ${publicKey.length})`,
    );
  }
  return bytesToHex(sha256(publicKey));
}
