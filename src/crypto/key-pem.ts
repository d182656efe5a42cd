/**
 * PEM export of Ed25519 public keys (RFC 8410 SubjectPublicKeyInfo), for checking Redline's signatures with
 * independent tools such as `openssl pkeyutl -verify -rawin -pubin -inkey key.pem`.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { RedlineError } from '../errors.js';
import { encodeBase64 } from './canonical-bytes.js';

// DER of SEQUENCE { SEQUENCE { OID 1.3.101.112 (id-Ed25519) }, BIT STRING (0 unused bits) of 32 bytes }.
const ED25519_SPKI_PREFIX = hexToBytes('302a300506032b6570032100');

/**
 * The PEM `PUBLIC KEY` block of a raw 32-byte Ed25519 public key.
 * @example writeFileSync('key.pem', ed25519PublicKeyPem(key.publicKey));
 */
export function ed25519PublicKeyPem(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) {
    throw new RedlineError('E_KEY', `an Ed25519 public key must be 32 bytes (got ${publicKey.length})`);
  }
  const der = new Uint8Array(ED25519_SPKI_PREFIX.length + publicKey.length);
  der.set(ED25519_SPKI_PREFIX, 0);
  der.set(publicKey, ED25519_SPKI_PREFIX.length);
  return `-----BEGIN PUBLIC KEY-----\n${encodeBase64(der)}\n-----END PUBLIC KEY-----\n`;
}
