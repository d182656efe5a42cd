import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyIdOf } from '../../../../src/crypto/key-id.js';
import { isRedlineError } from '../../../../src/errors.js';

describe('keyIdOf', () => {
  it('is the lowercase hex SHA-256 of the raw key (sha256sum of 32 zero bytes)', () => {
    expect(keyIdOf(new Uint8Array(32))).toBe(
      '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925',
    );
  });

  it('agrees with node:crypto on any 32-byte key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        expect(keyIdOf(key)).toBe(createHash('sha256').update(key).digest('hex'));
      }),
    );
  });

  it('refuses a key that is not 32 bytes with E_KEY', () => {
    for (const length of [0, 31, 33, 64]) {
      let code: string | undefined;
      try {
        keyIdOf(new Uint8Array(length));
      } catch (error) {
        code = isRedlineError(error) ? error.code : String(error);
      }
      expect([length, code]).toEqual([length, 'E_KEY']);
    }
  });
});
