/**
 * libsodium's sealed boxes (`crypto_box_seal` / `crypto_box_seal_open`) on tweetnacl, byte-compatible with
 * libsodium and PyNaCl's `SealedBox`:
 *
 *   sealed = ephemeral_pk[32] || crypto_box(message, nonce, recipient_pk, ephemeral_sk)
 *   nonce  = BLAKE2b-192(ephemeral_pk || recipient_pk)
 *
 * BLAKE2b-192 is BLAKE2b with a 24-byte output length (the length is a parameter of the hash, so it is NOT
 * BLAKE2b-512 cut to 24 bytes, which is what `node:crypto`'s blake2b512 would give).
 *
 * A sealed box is anonymous: anyone can seal to a public key, and the recipient learns nothing about the sender.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import nacl from 'tweetnacl';
import { RedlineError } from '../errors.js';

/** A source of random bytes (`nacl.randomBytes` by default; tests pass a seeded one). */
export type RandomBytes = (length: number) => Uint8Array;

/** Bytes a sealed box adds to its message: the ephemeral public key and the Poly1305 tag. */
export const SEALED_BOX_OVERHEAD = nacl.box.publicKeyLength + nacl.box.overheadLength;

/**
 * Seals `message` to an X25519 public key under a fresh ephemeral key pair (`crypto_box_seal`).
 *
 * @example
 * const sealed = sealBox(fileKey, recipientPublicKey);
 */
export function sealBox(
  message: Uint8Array,
  recipientPublicKey: Uint8Array,
  randomBytes: RandomBytes = (length) => nacl.randomBytes(length),
): Uint8Array {
  checkKeyLength(recipientPublicKey, nacl.box.publicKeyLength, 'recipient public key');
  const ephemeralSecret = randomBytes(nacl.box.secretKeyLength);
  checkKeyLength(ephemeralSecret, nacl.box.secretKeyLength, 'random bytes for the ephemeral key');
  const ephemeral = nacl.box.keyPair.fromSecretKey(ephemeralSecret);
  // libsodium's crypto_box_seal fails on a low-order recipient key (an all-zero shared secret): so do we.
  if (isAllZero(nacl.scalarMult(ephemeral.secretKey, recipientPublicKey))) {
    throw new RedlineError('E_CRYPTO', 'cannot seal to this X25519 public key: it is a low-order point');
  }
  const nonce = sealNonce(ephemeral.publicKey, recipientPublicKey);
  const box = nacl.box(message, nonce, recipientPublicKey, ephemeral.secretKey);
  ephemeral.secretKey.fill(0);
  ephemeralSecret.fill(0);
  const sealed = new Uint8Array(ephemeral.publicKey.length + box.length);
  sealed.set(ephemeral.publicKey, 0);
  sealed.set(box, ephemeral.publicKey.length);
  return sealed;
}

/**
 * Opens a sealed box with the recipient's X25519 key pair (`crypto_box_seal_open`). Returns `null` when it does
 * not open, as libsodium returns -1: too short, altered, or sealed to another key (a sealed box cannot tell these
 * apart). Throws E_CRYPTO only for keys of the wrong length, which is a caller's mistake.
 */
export function openSealedBox(
  sealed: Uint8Array,
  publicKey: Uint8Array,
  secretKey: Uint8Array,
): Uint8Array | null {
  checkKeyLength(publicKey, nacl.box.publicKeyLength, 'public key');
  checkKeyLength(secretKey, nacl.box.secretKeyLength, 'secret key');
  if (sealed.length < SEALED_BOX_OVERHEAD) return null;
  const ephemeralPublic = sealed.subarray(0, nacl.box.publicKeyLength);
  // libsodium's crypto_box_open refuses an all-zero shared secret (a low-order ephemeral key); tweetnacl does not.
  if (isAllZero(nacl.scalarMult(secretKey, ephemeralPublic))) return null;
  const nonce = sealNonce(ephemeralPublic, publicKey);
  return nacl.box.open(sealed.subarray(nacl.box.publicKeyLength), nonce, ephemeralPublic, secretKey);
}

/** BLAKE2b-192(ephemeral_pk || recipient_pk): a real 24-byte-output BLAKE2b, as libsodium computes it. */
function sealNonce(ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): Uint8Array {
  return blake2b
    .create({ dkLen: nacl.box.nonceLength })
    .update(ephemeralPublic)
    .update(recipientPublic)
    .digest();
}

function checkKeyLength(key: Uint8Array, length: number, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== length) {
    throw new RedlineError(
      'E_CRYPTO',
      `${what} must be ${length} bytes (got ${key instanceof Uint8Array ? key.length : typeof key})`,
    );
  }
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const byte of bytes) acc |= byte;
  return acc === 0;
}
