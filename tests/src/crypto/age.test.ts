import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ageIdentityFromSecretKey,
  encodeAgeRecipient,
  formatAgeIdentityFile,
  generateAgeIdentity,
  parseAgeIdentity,
  parseAgeIdentityFile,
  parseRecipient,
} from '../../../src/crypto/age.js';
import { encodeBech32 } from '../../../src/crypto/bech32.js';
import { isRedlineError } from '../../../src/errors.js';
import { fixedRandom } from './keys/fixed-random.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : `not a RedlineError: ${String(error)}`;
  }
  return undefined;
}

// Written by the real `age-keygen` (age 1.1.1) for these tests.
const THEIR_IDENTITY = 'AGE-SECRET-KEY-1CKN95E3HC5EEWHGGPPACNNRFRHPYVYYSRLTC72FC2UP2DPANJMAQ99UA32';
const THEIR_RECIPIENT = 'age1u8e25c8yltx5qr3j6sex6nnt9d6ut40e0u0mau3k3gjj7jzvyvwq5w6jh4';
const THEIR_FILE = `# created: 2026-11-26T18:00:45Z\n# public key: ${THEIR_RECIPIENT}\n${THEIR_IDENTITY}\n`;

describe('age identities', () => {
  it('derives the recipient age-keygen printed for its identity', () => {
    const identity = parseAgeIdentity(THEIR_IDENTITY);
    expect(identity.recipient).toBe(THEIR_RECIPIENT);
    expect(identity.identity).toBe(THEIR_IDENTITY);
    expect(identity.keyId).toBe(createHash('sha256').update(identity.publicKey).digest('hex'));
  });

  it('derives X25519 public keys as RFC 7748 §6.1 does (Alice)', () => {
    const secret = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
    expect(Buffer.from(ageIdentityFromSecretKey(secret).publicKey).toString('hex')).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    );
  });

  it('round-trips a generated identity through its text forms', () => {
    const identity = generateAgeIdentity(fixedRandom('age/round-trip'));
    expect(identity.identity).toMatch(/^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/);
    const back = parseAgeIdentity(identity.identity);
    expect(back.secretKey).toEqual(identity.secretKey);
    expect(parseRecipient(identity.recipient).publicKey).toEqual(identity.publicKey);
  });

  it('refuses a lower-case identity, as age does (E_MALFORMED)', () => {
    expect(codeOf(() => parseAgeIdentity(THEIR_IDENTITY.toLowerCase()))).toBe('E_MALFORMED');
  });

  it('refuses a bad checksum without echoing the secret (E_MALFORMED)', () => {
    const altered = `${THEIR_IDENTITY.slice(0, -1)}${THEIR_IDENTITY.endsWith('Q') ? 'P' : 'Q'}`;
    try {
      parseAgeIdentity(altered, 'lab.age');
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_MALFORMED')).toBe(true);
      expect((error as Error).message).not.toContain(THEIR_IDENTITY.slice(16, 30));
    }
  });

  it('refuses other kinds of key (E_KEY) and a wrong length (E_MALFORMED)', () => {
    expect(codeOf(() => parseAgeIdentity(THEIR_RECIPIENT))).toBe('E_KEY');
    expect(codeOf(() => parseAgeIdentity('AGE-PLUGIN-YUBIKEY-1QQQQQQ'))).toBe('E_KEY');
    const short = encodeBech32('age-secret-key-', new Uint8Array(31)).toUpperCase();
    expect(codeOf(() => parseAgeIdentity(short))).toBe('E_MALFORMED');
  });
});

describe('age identity files', () => {
  it('reads the file age-keygen writes', () => {
    expect(parseAgeIdentityFile(THEIR_FILE, 'id.age').recipient).toBe(THEIR_RECIPIENT);
  });

  it('writes exactly what age-keygen writes, dated in UTC to the second', () => {
    const identity = parseAgeIdentity(THEIR_IDENTITY);
    expect(formatAgeIdentityFile(identity, new Date('2026-11-26T18:00:45.678Z'))).toBe(THEIR_FILE);
  });

  it('accepts a bare identity line, blank lines and CRLF', () => {
    expect(parseAgeIdentityFile(`${THEIR_IDENTITY}`, 'id.age').recipient).toBe(THEIR_RECIPIENT);
    expect(parseAgeIdentityFile(`\r\n# hello\r\n\r\n${THEIR_IDENTITY}\r\n\r\n`, 'id.age').recipient).toBe(
      THEIR_RECIPIENT,
    );
  });

  it('refuses a file whose "# public key:" comment does not match its secret (E_KEY)', () => {
    const other = generateAgeIdentity(fixedRandom('age/other'));
    const mixed = THEIR_FILE.replace(THEIR_RECIPIENT, other.recipient);
    expect(codeOf(() => parseAgeIdentityFile(mixed, 'id.age'))).toBe('E_KEY');
  });

  it('refuses a file with no identity or several (E_KEY)', () => {
    const other = generateAgeIdentity(fixedRandom('age/second'));
    expect(codeOf(() => parseAgeIdentityFile('# nothing here\n', 'id.age'))).toBe('E_KEY');
    expect(codeOf(() => parseAgeIdentityFile(`${THEIR_IDENTITY}\n${other.identity}\n`, 'id.age'))).toBe(
      'E_KEY',
    );
    expect(
      codeOf(() => parseAgeIdentityFile('untrusted comment: minisign secret key\nRWQAAEIy\n', 'lab.key')),
    ).toBe('E_KEY');
  });
});

describe('parseRecipient', () => {
  it('parses a recipient and names its key by hex SHA-256', () => {
    const recipient = parseRecipient(THEIR_RECIPIENT);
    expect(encodeAgeRecipient(recipient.publicKey)).toBe(THEIR_RECIPIENT);
    expect(recipient.keyId).toBe(createHash('sha256').update(recipient.publicKey).digest('hex'));
  });

  it('refuses an identity where a recipient is expected (E_KEY)', () => {
    expect(codeOf(() => parseRecipient(THEIR_IDENTITY))).toBe('E_KEY');
  });

  it('refuses another HRP (E_KEY), upper case, a bad checksum or a wrong length (E_MALFORMED)', () => {
    expect(codeOf(() => parseRecipient(encodeBech32('age1yubikey', new Uint8Array(33))))).toBe('E_KEY');
    expect(codeOf(() => parseRecipient(THEIR_RECIPIENT.toUpperCase()))).toBe('E_MALFORMED');
    expect(codeOf(() => parseRecipient(`${THEIR_RECIPIENT.slice(0, -1)}q`))).toBe('E_MALFORMED');
    expect(codeOf(() => parseRecipient(encodeBech32('age', new Uint8Array(33))))).toBe('E_MALFORMED');
    expect(codeOf(() => parseRecipient(`${THEIR_RECIPIENT.slice(0, 20)}B${THEIR_RECIPIENT.slice(21)}`))).toBe(
      'E_MALFORMED',
    );
  });
});
