import { createPublicKey, verify } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { ed25519PublicKeyPem } from '../../../../src/crypto/key-pem.js';
import { generateMinisignKey } from '../../../../src/crypto/minisign.js';
import { isRedlineError } from '../../../../src/errors.js';
import { fixedRandom } from './fixed-random.js';

describe('ed25519PublicKeyPem', () => {
  const key = generateMinisignKey(fixedRandom('key-pem'));

  it('is an SPKI PEM that node:crypto (OpenSSL) reads back as the same Ed25519 key', () => {
    const imported = createPublicKey(ed25519PublicKeyPem(key.publicKey));
    expect(imported.asymmetricKeyType).toBe('ed25519');
    const raw = imported.export({ format: 'jwk' }).x;
    expect(Buffer.from(raw ?? '', 'base64url')).toEqual(Buffer.from(key.publicKey));
  });

  it('verifies a raw Ed25519 signature made with tweetnacl', () => {
    const message = new TextEncoder().encode('redline');
    const signature = nacl.sign.detached(message, key.secretKey);
    expect(verify(null, message, ed25519PublicKeyPem(key.publicKey), signature)).toBe(true);
    expect(
      verify(null, new TextEncoder().encode('redlinf'), ed25519PublicKeyPem(key.publicKey), signature),
    ).toBe(false);
  });

  it('refuses a key that is not 32 bytes with E_KEY', () => {
    try {
      ed25519PublicKeyPem(new Uint8Array(31));
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_KEY')).toBe(true);
    }
  });
});
