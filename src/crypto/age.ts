/**
 * X25519 keys in age's formats (age-encryption.org/v1): a recipient `age1...` is the bech32 of the 32-byte public
 * key under the HRP "age"; an identity `AGE-SECRET-KEY-1...` is the upper-case bech32 of the 32-byte secret scalar
 * (stored unclamped, as age-keygen writes it) under "age-secret-key-". The public key is X25519(scalar, basepoint)
 * (`nacl.scalarMult.base`, which clamps). Identity files are what `age-keygen` writes:
 *
 *   # created: 2006-01-02T15:04:05Z
 *   # public key: age1...
 *   AGE-SECRET-KEY-1...
 */
import nacl from 'tweetnacl';
import { RedlineError } from '../errors.js';
import { decodeBech32, encodeBech32 } from './bech32.js';
import { keyIdOf } from './key-id.js';

const RECIPIENT_HRP = 'age';
const IDENTITY_HRP = 'age-secret-key-';
const X25519_KEY_BYTES = 32;

/** An age recipient: an X25519 public key, its key id and its `age1...` text. */
export interface AgeRecipient {
  /** The raw 32-byte X25519 public key. */
  publicKey: Uint8Array;
  /** Lowercase hex SHA-256 of `publicKey`. */
  keyId: string;
  /** The `age1...` recipient string. */
  recipient: string;
}

/** An age identity: the recipient plus the 32-byte secret scalar and its `AGE-SECRET-KEY-1...` text. */
export interface AgeIdentity extends AgeRecipient {
  /** The raw 32-byte X25519 secret scalar (as stored, unclamped). */
  secretKey: Uint8Array;
  /** The `AGE-SECRET-KEY-1...` line. */
  identity: string;
}

/** Encodes an X25519 public key as an `age1...` recipient. */
export function encodeAgeRecipient(publicKey: Uint8Array): string {
  checkLength(publicKey, 'an X25519 public key');
  return encodeBech32(RECIPIENT_HRP, publicKey);
}

/**
 * Parses an `age1...` recipient; E_MALFORMED when it is not valid bech32 of 32 bytes, E_KEY when it is another
 * kind of key (an identity, a plugin recipient).
 * @example parseRecipient('age1...').keyId
 */
export function parseRecipient(text: string): AgeRecipient {
  const trimmed = text.trim();
  if (trimmed.toUpperCase().startsWith('AGE-SECRET-KEY-')) {
    throw new RedlineError(
      'E_KEY',
      'this is an age identity (a secret key), not a recipient: pass the "age1..." public key instead',
    );
  }
  const decoded = decodeBech32(trimmed, `age recipient "${shortenPublic(trimmed)}"`);
  if (decoded.hrp !== RECIPIENT_HRP) {
    throw new RedlineError(
      'E_KEY',
      `"${shortenPublic(trimmed)}" is not an X25519 age recipient (its prefix is "${decoded.hrp}1", expected "age1")`,
    );
  }
  if (decoded.isUpperCase) {
    throw new RedlineError('E_MALFORMED', `age recipient "${shortenPublic(trimmed)}" must be lower case`);
  }
  if (decoded.bytes.length !== X25519_KEY_BYTES) {
    throw new RedlineError(
      'E_MALFORMED',
      `age recipient "${shortenPublic(trimmed)}" holds ${decoded.bytes.length} bytes, expected ${X25519_KEY_BYTES}`,
    );
  }
  return { publicKey: decoded.bytes, keyId: keyIdOf(decoded.bytes), recipient: trimmed };
}

/** The age identity of a 32-byte X25519 secret scalar, with its derived recipient. */
export function ageIdentityFromSecretKey(secretKey: Uint8Array): AgeIdentity {
  checkLength(secretKey, 'an X25519 secret key');
  const publicKey = nacl.scalarMult.base(secretKey);
  return {
    publicKey,
    keyId: keyIdOf(publicKey),
    recipient: encodeAgeRecipient(publicKey),
    secretKey: Uint8Array.from(secretKey),
    identity: encodeBech32(IDENTITY_HRP, secretKey).toUpperCase(),
  };
}

/** A fresh age identity from 32 random bytes (`nacl.randomBytes` unless a seeded source is given). */
export function generateAgeIdentity(
  randomBytes: (length: number) => Uint8Array = (length) => nacl.randomBytes(length),
): AgeIdentity {
  return ageIdentityFromSecretKey(randomBytes(X25519_KEY_BYTES));
}

/**
 * Parses one `AGE-SECRET-KEY-1...` line. Like age, it must be upper case; messages never echo the secret.
 * `source` names where it came from (a file) in messages.
 */
export function parseAgeIdentity(line: string, source = 'age identity'): AgeIdentity {
  const text = line.trim();
  if (!text.toUpperCase().startsWith('AGE-SECRET-KEY-1')) {
    throw new RedlineError(
      'E_KEY',
      text.toUpperCase().startsWith('AGE-PLUGIN-')
        ? `${source}: this is an age plugin identity; Redline needs a native X25519 identity (age-keygen)`
        : `${source}: not an age identity (expected a line "AGE-SECRET-KEY-1...", as age-keygen writes)`,
    );
  }
  const decoded = decodeBech32(text, `${source}: the AGE-SECRET-KEY-1 line`);
  if (!decoded.isUpperCase) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: the AGE-SECRET-KEY-1 line must be upper case (age refuses a lower-case identity)`,
    );
  }
  if (decoded.bytes.length !== X25519_KEY_BYTES) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: the identity holds ${decoded.bytes.length} bytes, expected ${X25519_KEY_BYTES}`,
    );
  }
  return ageIdentityFromSecretKey(decoded.bytes);
}

/**
 * Parses an identity file as age-keygen writes it: `#` comment lines, blank lines, and exactly one
 * `AGE-SECRET-KEY-1...` line. A `# public key:` comment that does not match the secret is refused (E_KEY).
 */
export function parseAgeIdentityFile(text: string, source: string): AgeIdentity {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const keyLines = lines.filter((l) => l !== '' && !l.startsWith('#'));
  if (keyLines.length === 0) {
    throw new RedlineError(
      'E_KEY',
      `${source}: no AGE-SECRET-KEY-1 line found (is this an age identity file?)`,
    );
  }
  if (keyLines.length > 1) {
    const hint = /^untrusted comment:/.test(text)
      ? 'this looks like a minisign key file: pass the ID.age file'
      : 'Redline needs a file with exactly one identity, as age-keygen writes';
    throw new RedlineError('E_KEY', `${source}: ${keyLines.length} non-comment lines found; ${hint}`);
  }
  const identity = parseAgeIdentity(keyLines[0] ?? '', source);
  const declared = lines
    .find((l) => l.startsWith('# public key:'))
    ?.slice('# public key:'.length)
    .trim();
  if (declared !== undefined && declared !== identity.recipient) {
    throw new RedlineError(
      'E_KEY',
      `${source}: its "# public key:" comment (${shortenPublic(declared)}) does not match the secret key (${identity.recipient}): the file was edited or mixed up`,
    );
  }
  return identity;
}

/** The identity file text exactly as age-keygen writes it, with `created` in RFC 3339 UTC to the second. */
export function formatAgeIdentityFile(identity: AgeIdentity, created: Date): string {
  const stamp = `${created.toISOString().slice(0, 19)}Z`;
  return `# created: ${stamp}\n# public key: ${identity.recipient}\n${identity.identity}\n`;
}

function checkLength(key: Uint8Array, what: string): void {
  if (key.length !== X25519_KEY_BYTES) {
    throw new RedlineError('E_KEY', `${what} must be ${X25519_KEY_BYTES} bytes (got ${key.length})`);
  }
}

function shortenPublic(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 70 ? `${printable.slice(0, 66)}...` : printable;
}
