import { blake2b } from '@noble/hashes/blake2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { SEALED_BOX_OVERHEAD, openSealedBox, sealBox } from '../../../src/crypto/sealed-box.js';

/** An X25519 key pair from a fixed seed: the secret key is SHA-256 of the label. */
function x25519(label: string): nacl.BoxKeyPair {
  return nacl.box.keyPair.fromSecretKey(sha256(utf8ToBytes(label)));
}

/** A random source that returns exactly `bytes` once. */
function fixedRandom(bytes: Uint8Array): (length: number) => Uint8Array {
  return (length) => {
    expect(length).toBe(bytes.length);
    return bytes.slice();
  };
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : 'not a RedlineError';
  }
  return undefined;
}

const recipient = x25519('redline test x25519 recipient');
const stranger = x25519('redline test x25519 stranger');
const message = utf8ToBytes('attack at dawn');

describe('sealBox', () => {
  it('matches a vector computed with libsodium (crypto_box) and hashlib BLAKE2b-192, independently of tweetnacl', () => {
    // Computed with Python: epk || crypto_box(msg, blake2b(epk || rpk, digest_size=24), rpk, esk); PyNaCl's
    // SealedBox opens it.
    expect(bytesToHex(recipient.publicKey)).toBe(
      '1beb63dff22baaa714eb6a4c7d8707b846145d91545fef9575ff7e0933d22235',
    );
    const ephemeralSecret = sha256(utf8ToBytes('redline test x25519 ephemeral'));
    const sealed = sealBox(message, recipient.publicKey, fixedRandom(ephemeralSecret));
    expect(bytesToHex(sealed)).toBe(
      '11ea8cd78b2d613f72cf768827169f94e409f8049b75b0d95f097b61b0bf0c10' +
        '08a0c94e4db82b674cb5cae0b613127642b99bcad340dd048c91cbc28554',
    );
  });

  it('adds 48 bytes and uses a fresh ephemeral key each time', () => {
    const a = sealBox(message, recipient.publicKey);
    const b = sealBox(message, recipient.publicKey);
    expect(a.length).toBe(message.length + SEALED_BOX_OVERHEAD);
    expect(SEALED_BOX_OVERHEAD).toBe(48);
    expect(bytesToHex(a.subarray(0, 32))).not.toBe(bytesToHex(b.subarray(0, 32)));
  });

  it('refuses a low-order recipient key with E_CRYPTO, as libsodium does', () => {
    expect(codeOf(() => sealBox(message, new Uint8Array(32)))).toBe('E_CRYPTO');
  });

  it('refuses a public key of the wrong length with E_CRYPTO', () => {
    expect(codeOf(() => sealBox(message, new Uint8Array(31)))).toBe('E_CRYPTO');
  });
});

describe('openSealedBox', () => {
  it('opens what sealBox sealed, including an empty message', () => {
    for (const m of [message, new Uint8Array(0), new Uint8Array(1000).fill(7)]) {
      const sealed = sealBox(m, recipient.publicKey);
      expect(openSealedBox(sealed, recipient.publicKey, recipient.secretKey)).toEqual(m);
    }
  });

  it('opens the libsodium vector', () => {
    const sealed = hexToBytes(
      '11ea8cd78b2d613f72cf768827169f94e409f8049b75b0d95f097b61b0bf0c10' +
        '08a0c94e4db82b674cb5cae0b613127642b99bcad340dd048c91cbc28554',
    );
    expect(openSealedBox(sealed, recipient.publicKey, recipient.secretKey)).toEqual(message);
  });

  it('returns null for another key pair', () => {
    const sealed = sealBox(message, recipient.publicKey);
    expect(openSealedBox(sealed, stranger.publicKey, stranger.secretKey)).toBeNull();
  });

  it('returns null when any byte is flipped (ephemeral key, tag or body)', () => {
    const sealed = sealBox(message, recipient.publicKey);
    for (let i = 0; i < sealed.length; i++) {
      expect(openSealedBox(flip(sealed, i), recipient.publicKey, recipient.secretKey)).toBeNull();
    }
  });

  it('returns null when truncated or empty', () => {
    const sealed = sealBox(message, recipient.publicKey);
    expect(
      openSealedBox(sealed.subarray(0, sealed.length - 1), recipient.publicKey, recipient.secretKey),
    ).toBeNull();
    expect(openSealedBox(sealed.subarray(0, 47), recipient.publicKey, recipient.secretKey)).toBeNull();
    expect(openSealedBox(new Uint8Array(0), recipient.publicKey, recipient.secretKey)).toBeNull();
  });

  it('returns null for a low-order ephemeral key (all-zero shared secret), as libsodium does', () => {
    // The zero point times any scalar is zero, so anyone can compute this box's key: build one that tweetnacl alone
    // would open.
    const zeroPoint = new Uint8Array(32);
    const key = nacl.box.before(zeroPoint, stranger.secretKey);
    const nonce = blake2b(new Uint8Array([...zeroPoint, ...recipient.publicKey]), { dkLen: 24 });
    const box = nacl.box.after(message, nonce, key);
    expect(nacl.box.open(box, nonce, zeroPoint, recipient.secretKey)).toEqual(message);
    const sealed = new Uint8Array([...zeroPoint, ...box]);
    expect(openSealedBox(sealed, recipient.publicKey, recipient.secretKey)).toBeNull();
  });

  it('refuses keys of the wrong length with E_CRYPTO', () => {
    const sealed = sealBox(message, recipient.publicKey);
    expect(codeOf(() => openSealedBox(sealed, recipient.publicKey, new Uint8Array(16)))).toBe('E_CRYPTO');
    expect(codeOf(() => openSealedBox(sealed, new Uint8Array(33), recipient.secretKey))).toBe('E_CRYPTO');
  });
});
