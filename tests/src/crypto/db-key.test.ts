/**
 * The database key: HKDF-SHA256 over the X25519 secret of an age identity, checked against Node's own (OpenSSL)
 * HKDF with the documented salt and info.
 */
import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ageIdentityFromSecretKey } from '../../../src/crypto/age.js';
import { DB_KEY_INFO, DB_KEY_SALT, deriveDbKey } from '../../../src/crypto/db-key.js';
import { fixedRandom } from './keys/fixed-random.js';

describe('deriveDbKey', () => {
  it('is HKDF-SHA256 of the identity secret with the documented salt and info', () => {
    const identity = ageIdentityFromSecretKey(fixedRandom('db-key-test')(32));
    const expected = Buffer.from(
      hkdfSync('sha256', identity.secretKey, 'redline/db-key/v1', 'sqlcipher raw key', 32),
    );
    expect(DB_KEY_SALT).toBe('redline/db-key/v1');
    expect(DB_KEY_INFO).toBe('sqlcipher raw key');
    expect(Buffer.from(deriveDbKey(identity)).toString('hex')).toBe(expected.toString('hex'));
  });

  it('gives different identities different keys, and the same identity the same key', () => {
    const a = ageIdentityFromSecretKey(fixedRandom('a')(32));
    const b = ageIdentityFromSecretKey(fixedRandom('b')(32));
    expect(deriveDbKey(a)).toHaveLength(32);
    expect(deriveDbKey(a)).toEqual(deriveDbKey(ageIdentityFromSecretKey(a.secretKey)));
    expect(deriveDbKey(a)).not.toEqual(deriveDbKey(b));
  });
});
