import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBech32, encodeBech32 } from '../../../../src/crypto/bech32.js';
import { isRedlineError } from '../../../../src/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : `not a RedlineError: ${String(error)}`;
  }
  return undefined;
}

// BIP-173, "Test vectors": valid Bech32 strings (the 90-character one is the longest BIP-173 allows).
const VALID = [
  'A12UEL5L',
  'a12uel5l',
  'an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs',
  'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw',
  '11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j',
  'split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w',
  '?1ezyfcl',
];

// BIP-173, "Test vectors": invalid Bech32 strings, with the reason each is invalid.
const INVALID: [string, string][] = [
  ['\x201nwldj5', 'HRP character out of range'],
  ['\x7f1axkwrx', 'HRP character out of range'],
  ['\x801eym55h', 'HRP character out of range'],
  ['pzry9x0s0muk', 'no separator character'],
  ['1pzry9x0s0muk', 'empty HRP'],
  ['x1b4n0q5v', 'invalid data character'],
  ['li1dgmt3', 'too short checksum'],
  ['de1lg7wt\xff', 'invalid character in checksum'],
  ['A1G7SGD8', 'checksum calculated with uppercase form of HRP'],
  ['10a06t8', 'empty HRP'],
  ['1qzzfhee', 'empty HRP'],
];

describe('decodeBech32', () => {
  it.each(VALID)('accepts the BIP-173 valid vector %s', (text) => {
    const decoded = decodeBech32(text);
    expect(decoded.hrp).toBe(text.slice(0, text.lastIndexOf('1')).toLowerCase());
  });

  it.each(INVALID)('refuses the BIP-173 invalid vector %j (%s) with E_MALFORMED', (text) => {
    expect(codeOf(() => decodeBech32(text))).toBe('E_MALFORMED');
  });

  it('decodes the data of a BIP-173 vector: abcdef1qpzry... holds the charset letters in order', () => {
    // The data part "qpzry9x8gf2tvdw0s3jn54khce6mua7l" is the 5-bit values 0..31: 160 bits = 20 bytes.
    const { bytes } = decodeBech32('abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw');
    expect(Buffer.from(bytes).toString('hex')).toBe('00443214c74254b635cf84653a56d7c675be77df');
  });

  it('accepts strings longer than 90 characters, as age does', () => {
    // BIP-173 lists this 91-character string as invalid for its length only; its checksum is valid.
    const long =
      'an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx';
    expect(long.length).toBe(91);
    expect(decodeBech32(long).hrp).toBe(long.slice(0, long.lastIndexOf('1')));
  });

  it('refuses a string that mixes upper and lower case', () => {
    expect(codeOf(() => decodeBech32('A12uEL5L'))).toBe('E_MALFORMED');
    expect(codeOf(() => decodeBech32('a12UEL5L'))).toBe('E_MALFORMED');
  });

  it('reports the case of a one-case string', () => {
    expect(decodeBech32('A12UEL5L').isUpperCase).toBe(true);
    expect(decodeBech32('a12uel5l').isUpperCase).toBe(false);
  });

  it('refuses a string whose checksum does not match (one letter changed)', () => {
    const good = encodeBech32('age', new Uint8Array(32).fill(7));
    const i = 10;
    const swapped = good[i] === 'q' ? 'p' : 'q';
    const bad = `${good.slice(0, i)}${swapped}${good.slice(i + 1)}`;
    expect(codeOf(() => decodeBech32(good))).toBeUndefined();
    expect(codeOf(() => decodeBech32(bad))).toBe('E_MALFORMED');
  });

  it('refuses a bech32m checksum (BIP-350), which age does not use', () => {
    // BIP-350 valid bech32m vector: a valid checksum under the bech32m constant only.
    expect(codeOf(() => decodeBech32('a1lqfn3a'))).toBe('E_MALFORMED');
  });

  it('refuses non-zero padding bits', () => {
    // One data letter "l" (31) carries 5 bits: not a whole byte, and the bits are not zero.
    const text = withChecksum('a', [31]);
    expect(codeOf(() => decodeBech32(text))).toBe('E_MALFORMED');
  });

  it('does not echo the string when a label is given (for secrets)', () => {
    try {
      decodeBech32('AGE-SECRET-KEY-1QQQQQQQQQQ', 'the identity');
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_MALFORMED')).toBe(true);
      expect((error as Error).message).not.toContain('QQQQ');
    }
  });
});

describe('encodeBech32', () => {
  it('encodes an age recipient as age-keygen does', () => {
    // A recipient written by age-keygen on this project's lab machine, and its 32-byte public key.
    const recipient = 'age1u8e25c8yltx5qr3j6sex6nnt9d6ut40e0u0mau3k3gjj7jzvyvwq5w6jh4';
    const { bytes } = decodeBech32(recipient);
    expect(encodeBech32('age', bytes)).toBe(recipient);
  });

  it('round-trips any bytes under any HRP', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z?!-][a-z0-9?!-]{0,20}$/),
        fc.uint8Array({ maxLength: 80 }),
        (hrp, bytes) => {
          const decoded = decodeBech32(encodeBech32(hrp, bytes));
          expect(decoded.hrp).toBe(hrp);
          expect(decoded.bytes).toEqual(bytes);
        },
      ),
    );
  });

  it('detects any single substituted letter', () => {
    const text = encodeBech32(
      'age',
      new Uint8Array(32).map((_, i) => i * 7),
    );
    const charset = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: text.length - 1 }),
        fc.integer({ min: 1, max: 31 }),
        (at, shift) => {
          const letter = charset[(charset.indexOf(text.charAt(at)) + shift) % 32] ?? '';
          const altered = `${text.slice(0, at)}${letter}${text.slice(at + 1)}`;
          expect(codeOf(() => decodeBech32(altered))).toBe('E_MALFORMED');
        },
      ),
    );
  });
});

/** A bech32 string with arbitrary 5-bit data (not necessarily whole bytes) and a valid checksum. */
function withChecksum(hrp: string, data: number[]): string {
  // The BIP-173 reference checksum, written out independently of src/crypto/bech32.ts.
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  const polymod = (values: number[]): number => {
    let chk = 1;
    for (const v of values) {
      const top = chk >>> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ v;
      for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i] ?? 0;
    }
    return chk >>> 0;
  };
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  const expanded = [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
  const mod = polymod([...expanded, ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  const charset = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  return `${hrp}1${[...data, ...checksum].map((d) => charset[d]).join('')}`;
}
