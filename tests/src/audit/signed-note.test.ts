/**
 * C2SP signed notes: interop with Go's golang.org/x/mod/sumdb/note (its documented example key and note), then
 * the parsing and verification rules.
 */
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  formatVerifierKey,
  isValidKeyName,
  noteKeyId,
  parseSignedNote,
  parseVerifierKey,
  signNote,
  verifyNoteSignature,
} from '../../../src/audit/signed-note.js';
import { RedlineError } from '../../../src/errors.js';
import { codeOf, errorOf, keyFromSeed } from './audit-helpers.js';

// sumdb/note's package example (note.go, note_test.go): a private key, its verifier key, and the note it signs.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE =
  GO_TEXT +
  '\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

function goSigner() {
  const seed = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64');
  expect(seed[0]).toBe(0x01); // Ed25519
  const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(seed.subarray(1)));
  return { keyName: 'PeterNeumann', publicKey: pair.publicKey, secretKey: pair.secretKey };
}

describe('signed notes (interop with Go sumdb/note)', () => {
  it('derives the same key id and verifier key', () => {
    const key = goSigner();
    expect(noteKeyId(key).toString(16)).toBe('c74f20a3');
    expect(formatVerifierKey(key)).toBe(GO_VKEY);
  });

  it('signs the example text into the exact note Go writes', () => {
    expect(signNote(GO_TEXT, goSigner())).toBe(GO_NOTE);
  });

  it("verifies Go's note with the key parsed from Go's verifier key", () => {
    const key = parseVerifierKey(GO_VKEY);
    expect(key.keyName).toBe('PeterNeumann');
    const note = parseSignedNote(GO_NOTE);
    expect(note.text).toBe(GO_TEXT);
    expect(note.signatures).toHaveLength(1);
    expect(note.signatures[0]!.keyId).toBe(0xc74f20a3);
    expect(() => verifyNoteSignature(note, key)).not.toThrow();
  });

  it('rejects the note when its text was altered (E_TAMPERED)', () => {
    const altered = parseSignedNote(GO_NOTE.replace('cryptography', 'cryptanalysis'));
    expect(codeOf(() => verifyNoteSignature(altered, parseVerifierKey(GO_VKEY)))).toBe('E_TAMPERED');
  });
});

describe('verifyNoteSignature', () => {
  const key = keyFromSeed(7, 'example.org/log');
  const note = signNote('line one\nline two\n', key);

  it('accepts a note signed by the key', () => {
    expect(() => verifyNoteSignature(parseSignedNote(note), key)).not.toThrow();
  });

  it('is E_UNTRUSTED_SIGNER for a note signed only by another key, even of the same name', () => {
    const other = keyFromSeed(8, 'example.org/log');
    expect(codeOf(() => verifyNoteSignature(parseSignedNote(note), other))).toBe('E_UNTRUSTED_SIGNER');
    const renamed = { ...key, keyName: 'example.org/other' };
    expect(codeOf(() => verifyNoteSignature(parseSignedNote(note), renamed))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('ignores signatures by unknown keys next to a valid one', () => {
    const stranger = keyFromSeed(9, 'witness.example');
    const cosigned = note + signNote('line one\nline two\n', stranger).split('\n\n')[1]!;
    const parsed = parseSignedNote(cosigned);
    expect(parsed.signatures).toHaveLength(2);
    expect(() => verifyNoteSignature(parsed, key)).not.toThrow();
    expect(() => verifyNoteSignature(parsed, stranger)).not.toThrow();
  });

  it('rejects the whole note when a signature by the key does not verify, even beside a good one', () => {
    const bad = signNote('other text\n', key).split('\n\n')[1]!;
    expect(codeOf(() => verifyNoteSignature(parseSignedNote(note + bad), key))).toBe('E_TAMPERED');
  });

  it('round-trips any valid text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .string({ minLength: 1, maxLength: 20 })
            .filter((s) => [...s].every((c) => c.charCodeAt(0) >= 0x20)),
          { minLength: 1, maxLength: 5 },
        ),
        (lines) => {
          const text = `${lines.join('\n')}\n`;
          const parsed = parseSignedNote(signNote(text, key));
          expect(parsed.text).toBe(text);
          verifyNoteSignature(parsed, key);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('parseSignedNote', () => {
  const key = keyFromSeed(7, 'example.org/log');
  const note = signNote('a\nb\n', key);
  const lineOf = (text: string): unknown => {
    const error = errorOf(() => parseSignedNote(text, 'cp.txt'));
    expect(error).toBeInstanceOf(RedlineError);
    expect((error as RedlineError).code).toBe('E_MALFORMED');
    return ((error as RedlineError).details as { line: number }).line;
  };

  it('splits text and signatures at the last blank line (the text may hold blank lines)', () => {
    const withBlank = signNote('a\n\nb\n', key);
    expect(parseSignedNote(withBlank).text).toBe('a\n\nb\n');
  });

  it('names the line at fault', () => {
    expect(lineOf(note.replace('\n—', '\n-'))).toBe(4); // a hyphen instead of the em dash
    expect(lineOf(note.slice(0, -1))).toBe(4); // no final newline
    expect(lineOf(note.replaceAll('\n', '\r\n'))).toBe(1); // CRLF line endings
    expect(lineOf('a\nb\n')).toBe(2); // no signatures at all
    expect(lineOf('a\nb\n\n')).toBe(3); // a blank line and nothing after
    expect(lineOf(note.replace(/ [A-Za-z0-9+/=]+\n$/, ' not*base64\n'))).toBe(4);
    expect(lineOf(note.replace('— example.org/log ', '—  '))).toBe(4); // empty key name
    expect(lineOf(`\n${note.split('\n\n')[1]!}`)).toBe(1); // empty text
  });

  it('accepts only key names without spaces or plus signs', () => {
    expect(isValidKeyName('redline.lab/audit')).toBe(true);
    for (const name of ['', 'a b', 'a+b', 'a\u00a0b', 'a\tb']) expect(isValidKeyName(name), name).toBe(false);
    expect(codeOf(() => signNote('x\n', { ...key, keyName: 'a b' }))).toBe('E_KEY');
  });

  it('refuses a secret key that does not belong to the public key', () => {
    const other = keyFromSeed(8);
    expect(codeOf(() => signNote('x\n', { ...key, publicKey: other.publicKey }))).toBe('E_KEY');
  });

  it('refuses verifier keys that do not hold together', () => {
    expect(codeOf(() => parseVerifierKey(GO_VKEY.replace('c74f20a3', 'c74f20a4')))).toBe('E_MALFORMED');
    expect(codeOf(() => parseVerifierKey('PeterNeumann+c74f20a3'))).toBe('E_MALFORMED');
    expect(codeOf(() => parseVerifierKey(GO_VKEY.replace('+AR', '+Ag')))).toBe('E_MALFORMED');
  });
});
