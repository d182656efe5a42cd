import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../../src/crypto/canonical-bytes.js';
import { signFile, verifyFileSignature } from '../../../src/crypto/minisign-signature.js';
import {
  generateMinisignKey,
  minisignKeyFromSeed,
  parseMinisignPublicKeyFile,
} from '../../../src/crypto/minisign.js';
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

const FILE = new TextEncoder().encode('{"id":"covered-frontier-cyber","version":1,"cutoff":0.6}\n');
const signer = generateMinisignKey(fixedRandom('minisign-signature/signer'));
const other = generateMinisignKey(fixedRandom('minisign-signature/other'));
const NOW = new Date('2025-03-01T12:00:00Z');

// Made by the real `minisign` 0.11 for these tests, over the 6 bytes "hello\n" (see tests/src/crypto/minisign.test.ts).
const HELLO = new TextEncoder().encode('hello\n');
const THEIR_PUB = parseMinisignPublicKeyFile(
  'untrusted comment: minisign public key EB32CE19BB6DC592\nRWSSxW27Gc4y6+mqxwNTfFwTCCCpHAsPVdwuk9Kqp3ZW7sgclC1Gh4e+\n',
  'x.pub',
);
const THEIR_PREHASHED =
  'untrusted comment: signature from minisign secret key\n' +
  'RUSSxW27Gc4y68TxHG6DKUjR0qpOajz7jZxD4CsuYEQduPhJUTV7NL+h4Blbk4pgrirvEX6mhm/OkV5rcbGfbvKZOzmqubon7Q4=\n' +
  'trusted comment: timestamp:1795715985\tfile:f\thashed\n' +
  'bA721muXdJdIgAHjQ3hER8aUEnKZ1OQQMnxZuuAgsjgGV6sJoIUw79NaIFROarrI2PYX4eLwX420wlTRaCKoCA==\n';
const THEIR_LEGACY =
  'untrusted comment: signature from minisign secret key\n' +
  'RWSSxW27Gc4y6/4zmxUdNrgT8sicwKk+IgqH/4Q1bSsoPIiUFy9tavv876a98PIda2dVfhJRbtjyWmOnhJ7RCSEg23Dbbyb5mQg=\n' +
  'trusted comment: timestamp:1795715985\tfile:f\n' +
  'IJvQO48PSZ/FTIGJhtDjaTHGjpCSrOTH1UT9hGJk+v+Tli23SZ/GsgGBSFXi4MaS36bYu/MRdSE90D9ZuBMkAA==\n';

/** The minisig with line `index` replaced. */
function withLine(minisig: string, index: number, line: string): string {
  const lines = minisig.split('\n');
  lines[index] = line;
  return lines.join('\n');
}

describe('signFile', () => {
  it('writes four lines: untrusted comment, ED signature, trusted comment, global signature', () => {
    const text = signFile(FILE, signer, { now: NOW, fileName: 'policy.json' });
    const lines = text.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('untrusted comment: signature from minisign secret key');
    expect(Buffer.from(lines[1] ?? '', 'base64').subarray(0, 10)).toEqual(
      Buffer.concat([Buffer.from('ED'), Buffer.from(signer.keynum)]),
    );
    expect(lines[2]).toBe('trusted comment: timestamp:1740830400\tfile:policy.json\thashed');
    expect(lines[4]).toBe('');
  });

  it('is deterministic (Ed25519) for the same key, file and comments', () => {
    const options = { trustedComment: 'policy v1' };
    expect(signFile(FILE, signer, options)).toBe(signFile(FILE, signer, options));
  });

  it('refuses a multi-line or oversized comment with E_USAGE', () => {
    expect(codeOf(() => signFile(FILE, signer, { trustedComment: 'a\nb' }))).toBe('E_USAGE');
    expect(codeOf(() => signFile(FILE, signer, { untrustedComment: 'a\rb' }))).toBe('E_USAGE');
    expect(codeOf(() => signFile(FILE, signer, { trustedComment: 'x'.repeat(8174) }))).toBe('E_USAGE');
    expect(codeOf(() => signFile(FILE, signer, { trustedComment: 'x'.repeat(8173) }))).toBeUndefined();
  });
});

describe('verifyFileSignature', () => {
  it('verifies its own signature and returns the trusted comment', () => {
    const text = signFile(FILE, signer, { trustedComment: 'policy covered-frontier-cyber v1 ✓' });
    expect(verifyFileSignature(FILE, text, signer)).toEqual({
      trustedComment: 'policy covered-frontier-cyber v1 ✓',
      untrustedComment: 'signature from minisign secret key',
      isPrehashed: true,
    });
  });

  it('verifies legacy (non-prehashed "Ed") signatures too', () => {
    const text = signFile(FILE, signer, { trustedComment: 'legacy', isLegacy: true });
    expect(
      Buffer.from(text.split('\n')[1] ?? '', 'base64')
        .subarray(0, 2)
        .toString(),
    ).toBe('Ed');
    expect(verifyFileSignature(FILE, text, signer).isPrehashed).toBe(false);
  });

  it('verifies signatures made by the real minisign, prehashed and legacy', () => {
    expect(verifyFileSignature(HELLO, THEIR_PREHASHED, THEIR_PUB).trustedComment).toBe(
      'timestamp:1795715985\tfile:f\thashed',
    );
    expect(verifyFileSignature(HELLO, THEIR_LEGACY, THEIR_PUB).isPrehashed).toBe(false);
  });

  it('refuses a file edited by one byte with E_TAMPERED', () => {
    const text = signFile(FILE, signer);
    for (const at of [0, 17, FILE.length - 1]) {
      const edited = Uint8Array.from(FILE);
      edited[at] = (edited[at] ?? 0) ^ 0x01;
      expect(codeOf(() => verifyFileSignature(edited, text, signer))).toBe('E_TAMPERED');
    }
    expect(codeOf(() => verifyFileSignature(HELLO.subarray(0, 5), THEIR_PREHASHED, THEIR_PUB))).toBe(
      'E_TAMPERED',
    );
  });

  it('refuses an altered trusted comment with E_TAMPERED (the global signature covers it)', () => {
    const text = signFile(FILE, signer, { trustedComment: 'cutoff 0.6' });
    const edited = withLine(text, 2, 'trusted comment: cutoff 0.5');
    expect(codeOf(() => verifyFileSignature(FILE, edited, signer))).toBe('E_TAMPERED');
    // minisign cuts a line at its first CR: a comment with CR appended is a different comment.
    expect(
      codeOf(() => verifyFileSignature(FILE, withLine(text, 2, 'trusted comment: cutoff 0.'), signer)),
    ).toBe('E_TAMPERED');
  });

  it('refuses an altered signature with E_TAMPERED', () => {
    const text = signFile(FILE, signer);
    const sig = Buffer.from(text.split('\n')[1] ?? '', 'base64');
    sig[40] = (sig[40] ?? 0) ^ 0x80;
    expect(codeOf(() => verifyFileSignature(FILE, withLine(text, 1, encodeBase64(sig)), signer))).toBe(
      'E_TAMPERED',
    );
  });

  it('ignores the untrusted comment, which anyone may change', () => {
    const text = withLine(signFile(FILE, signer), 0, 'untrusted comment: changed');
    expect(verifyFileSignature(FILE, text, signer).untrustedComment).toBe('changed');
  });

  it('refuses a signature by another key with E_UNTRUSTED_SIGNER', () => {
    const text = signFile(FILE, other);
    expect(codeOf(() => verifyFileSignature(FILE, text, signer))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('refuses a signature by another key that claims the right keynum with E_TAMPERED', () => {
    const impostor = minisignKeyFromSeed(other.secretKey.subarray(0, 32), signer.keynum);
    const text = signFile(FILE, impostor);
    expect(codeOf(() => verifyFileSignature(FILE, text, signer))).toBe('E_TAMPERED');
  });

  it('accepts CRLF line endings', () => {
    const text = signFile(FILE, signer, { trustedComment: 'crlf' }).replaceAll('\n', '\r\n');
    expect(verifyFileSignature(FILE, text, signer).trustedComment).toBe('crlf');
  });

  it('refuses malformed signature files with E_MALFORMED', () => {
    const text = signFile(FILE, signer);
    const cases = [
      '',
      'not a signature',
      text.split('\n').slice(0, 3).join('\n'),
      withLine(text, 0, 'comment: x'),
      withLine(text, 2, 'trusted: x'),
      withLine(text, 1, 'RUS!!'),
      withLine(text, 1, encodeBase64(new Uint8Array(73))),
      withLine(text, 3, encodeBase64(new Uint8Array(63))),
      withLine(text, 1, encodeBase64(Buffer.concat([Buffer.from('Xx'), Buffer.alloc(72)]))),
      `${text}extra line\n`,
    ];
    for (const bad of cases)
      expect([bad, codeOf(() => verifyFileSignature(FILE, bad, signer))]).toEqual([bad, 'E_MALFORMED']);
  });
});
