/**
 * C2SP signed notes (https://c2sp.org/signed-note, v1.0.0) with Ed25519 signatures (signature type 0x01), as Go's
 * golang.org/x/mod/sumdb/note writes and reads them:
 *
 *     <text, ending in a newline>
 *     <blank line>
 *     — <key name> <base64(key id[4] || Ed25519 signature over the text)>
 *
 * - §Format: valid UTF-8, no ASCII control characters but newline; the text is separated from the signature lines
 *   by the LAST blank line; key names are non-empty, without Unicode spaces or '+'.
 * - §Signatures: key id = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], big-endian; signatures by
 *   unknown keys (name or id differ) are ignored; a signature by the known key that fails to verify rejects the
 *   whole note; a note with no verifying signature by the known key is rejected.
 * - Verifier keys in Go's text form `<name>+<hex key id>+<base64(0x01 || public key)>` (sumdb/note `NewVerifier`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import nacl from 'tweetnacl';
import { RedlineError } from '../errors.js';
import { bytesEqual, decodeBase64, encodeBase64 } from '../crypto/canonical-bytes.js';

/** The signature type byte of Ed25519 in signed notes (C2SP signed-note, "Signature types"). */
export const ED25519_SIGNATURE_TYPE = 0x01;

/** The most signature lines a note may carry (Go's limit; the spec asks verifiers to accept at least 16). */
export const MAX_NOTE_SIGNATURES = 100;

/** ASCII control characters other than newline (C2SP signed-note §Format). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

/** A key that verifies notes: its C2SP key name and raw 32-byte Ed25519 public key. */
export interface NoteVerifierKey {
  /** The key name written in signature lines (RECOMMENDED: a schema-less URL such as `redline.lab/audit`). */
  keyName: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** A key that signs notes. */
export interface NoteSignerKey extends NoteVerifierKey {
  /** 64-byte Ed25519 secret key as tweetnacl holds it (seed || public key). */
  secretKey: Uint8Array;
}

/** One signature line of a note. */
export interface NoteSignature {
  /** The key name on the line. */
  name: string;
  /** The 4-byte key id, as an unsigned 32-bit integer. */
  keyId: number;
  /** The signature bytes after the key id. */
  signature: Uint8Array;
  /** 1-based line number of the signature line in the note. */
  line: number;
}

/** A parsed (not yet verified) signed note. */
export interface SignedNote {
  /** The signed text, including its final newline. */
  text: string;
  /** The signature lines, in order. */
  signatures: NoteSignature[];
}

/** True when `name` may be a note key name: non-empty, no Unicode spaces, no '+'. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !/[\s\u0085+]/u.test(name) && isWellFormed(name) && !CONTROL.test(name);
}

/** The C2SP key id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public key)[:4] as a big-endian uint32. */
export function noteKeyId(key: NoteVerifierKey): number {
  checkVerifierKey(key);
  const digest = sha256
    .create()
    .update(new TextEncoder().encode(`${key.keyName}\n`))
    .update(Uint8Array.of(ED25519_SIGNATURE_TYPE))
    .update(key.publicKey)
    .digest();
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0, false);
}

/**
 * The verifier key in Go's text form, `<name>+<8 hex digits key id>+<base64(0x01 || public key)>`, which
 * `note.NewVerifier` and the tlog tools accept.
 *
 * @example formatVerifierKey({ keyName: 'redline.lab/audit', publicKey }) // 'redline.lab/audit+1a2b3c4d+AQ...'
 */
export function formatVerifierKey(key: NoteVerifierKey): string {
  const typed = new Uint8Array(1 + key.publicKey.length);
  typed[0] = ED25519_SIGNATURE_TYPE;
  typed.set(key.publicKey, 1);
  return `${key.keyName}+${hex8(noteKeyId(key))}+${encodeBase64(typed)}`;
}

/** Parses a verifier key in Go's text form; E_MALFORMED when it is not one (or its key id does not match). */
export function parseVerifierKey(text: string): NoteVerifierKey {
  const fail = (what: string): never => {
    throw new RedlineError('E_MALFORMED', `verifier key ${JSON.stringify(text)}: ${what}`);
  };
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) return fail('expected <name>+<key id>+<base64 key>');
  const keyName = text.slice(0, first);
  const idText = text.slice(first + 1, second);
  const keyBytes = decodeBase64(text.slice(second + 1));
  if (!isValidKeyName(keyName)) return fail('the key name is empty or holds a space or control character');
  if (!/^[0-9a-f]{8}$/.test(idText)) return fail('the key id must be 8 lowercase hex digits');
  if (keyBytes?.length !== 33 || keyBytes[0] !== ED25519_SIGNATURE_TYPE) {
    return fail('the key must be base64 of 0x01 followed by a 32-byte Ed25519 public key');
  }
  const key = { keyName, publicKey: keyBytes.subarray(1) };
  if (noteKeyId(key) !== Number.parseInt(idText, 16)) {
    return fail('the key id does not match the name and key');
  }
  return key;
}

/**
 * Signs `text` (non-empty, ending in a newline) and returns the signed note.
 *
 * @example signNote('hello\n', key) // 'hello\n\n— name base64...\n'
 */
export function signNote(text: string, key: NoteSignerKey): string {
  const problem = textProblem(text);
  if (problem !== undefined) throw new RedlineError('E_INTERNAL', `signNote: the note text ${problem}`);
  checkSignerKey(key);
  const signature = nacl.sign.detached(new TextEncoder().encode(text), key.secretKey);
  const payload = new Uint8Array(4 + signature.length);
  new DataView(payload.buffer).setUint32(0, noteKeyId(key), false);
  payload.set(signature, 4);
  return `${text}\n— ${key.keyName} ${encodeBase64(payload)}\n`;
}

/**
 * Checks that a signer key holds together: a valid name, a 64-byte secret key whose seed derives the public key
 * given (a mismatched pair would sign notes that never verify). E_KEY otherwise.
 */
export function checkSignerKey(key: NoteSignerKey): void {
  checkVerifierKey(key);
  if (key.secretKey.length !== nacl.sign.secretKeyLength) {
    throw new RedlineError(
      'E_KEY',
      `an Ed25519 secret key must be ${nacl.sign.secretKeyLength} bytes (got ${key.secretKey.length})`,
    );
  }
  const derived = nacl.sign.keyPair.fromSeed(key.secretKey.subarray(0, 32)).publicKey;
  if (!bytesEqual(derived, key.publicKey) || !bytesEqual(key.secretKey.subarray(32), key.publicKey)) {
    throw new RedlineError(
      'E_KEY',
      `the secret key of "${key.keyName}" does not belong to the public key given`,
    );
  }
}

/**
 * Parses a signed note without verifying it; E_MALFORMED naming `source` and the line at fault.
 * `source` names the note in messages (a file name, "checkpoint of size 12 (db)" ...).
 */
export function parseSignedNote(note: string, source = 'note'): SignedNote {
  const fail = (line: number, message: string): never => {
    throw new RedlineError('E_MALFORMED', `${source}:${line}: ${message}`, {
      details: { file: source, line, pointer: '', message },
    });
  };
  const lines = note.split('\n');
  // A note ends with a newline, so split leaves one empty string after it.
  if (lines.pop() !== '') {
    return fail(lines.length + 1, 'a signed note must end with a newline');
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (CONTROL.test(line)) {
      return fail(
        i + 1,
        'holds a control character (a CR? notes use LF line endings and no control characters)',
      );
    }
    if (!isWellFormed(line)) return fail(i + 1, 'is not valid UTF-8 text');
  }
  const blank = lines.lastIndexOf('');
  if (blank < 0) {
    return fail(
      lines.length,
      'no blank line before signature lines (a signed note is text, a blank line, signatures)',
    );
  }
  if (blank === 0) return fail(1, 'the note text is empty');
  if (blank === lines.length - 1) return fail(blank + 1, 'no signature lines after the blank line');
  if (lines.length - blank - 1 > MAX_NOTE_SIGNATURES) {
    return fail(blank + 2, `more than ${MAX_NOTE_SIGNATURES} signature lines`);
  }
  const signatures: NoteSignature[] = [];
  for (let i = blank + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('— ')) {
      return fail(i + 1, 'a signature line starts with "— " (U+2014 em dash, space)');
    }
    const rest = line.slice(2);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const payload = space < 0 ? undefined : decodeBase64(rest.slice(space + 1));
    if (!isValidKeyName(name)) return fail(i + 1, 'the key name is empty or holds a space or "+"');
    if (payload === undefined || payload.length < 5) {
      return fail(i + 1, 'expected "— <key name> <base64 of key id and signature>"');
    }
    const keyId = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, false);
    signatures.push({ name, keyId, signature: payload.subarray(4), line: i + 1 });
  }
  return { text: `${lines.slice(0, blank).join('\n')}\n`, signatures };
}

/**
 * Checks that `note` carries a valid signature by `key`: E_UNTRUSTED_SIGNER when no signature line is by that key
 * (same name and key id), E_TAMPERED when a line by that key does not verify (the text was altered).
 */
export function verifyNoteSignature(note: SignedNote, key: NoteVerifierKey): void {
  const keyId = noteKeyId(key);
  const mine = note.signatures.filter((s) => s.name === key.keyName && s.keyId === keyId);
  if (mine.length === 0) {
    const others = note.signatures.map((s) => `${s.name}+${hex8(s.keyId)}`).join(', ');
    throw new RedlineError(
      'E_UNTRUSTED_SIGNER',
      `the note is not signed by ${key.keyName}+${hex8(keyId)} (signed by ${others}); check the key given`,
    );
  }
  const text = new TextEncoder().encode(note.text);
  for (const signature of mine) {
    const isValid =
      signature.signature.length === nacl.sign.signatureLength &&
      nacl.sign.detached.verify(text, signature.signature, key.publicKey);
    if (!isValid) {
      throw new RedlineError(
        'E_TAMPERED',
        `line ${signature.line}: the signature by ${key.keyName}+${hex8(keyId)} does not verify: the note was altered`,
      );
    }
  }
}

/** Why `text` cannot be a note text, or undefined when it can. */
function textProblem(text: string): string | undefined {
  if (text === '' || !text.endsWith('\n')) return 'must be non-empty and end with a newline';
  if (CONTROL.test(text)) return 'must not hold control characters other than newline';
  if (!isWellFormed(text)) return 'must be valid Unicode (no lone surrogates)';
  return undefined;
}

/** False when `text` holds a lone UTF-16 surrogate, which has no UTF-8 encoding. */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

function checkVerifierKey(key: NoteVerifierKey): void {
  if (!isValidKeyName(key.keyName)) {
    throw new RedlineError(
      'E_KEY',
      `note key name ${JSON.stringify(key.keyName)} must be non-empty, without spaces, '+' or control characters`,
    );
  }
  if (key.publicKey.length !== nacl.sign.publicKeyLength) {
    throw new RedlineError(
      'E_KEY',
      `an Ed25519 public key must be ${nacl.sign.publicKeyLength} bytes (got ${key.publicKey.length})`,
    );
  }
}

function hex8(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}
