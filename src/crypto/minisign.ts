/**
 * Ed25519 keys in minisign's formats (jedisct1/minisign, src/minisign.h), checked against `minisign` 0.11:
 *
 *   public key  = base64('Ed' || keynum[8] || pk[32])                                            42 bytes
 *   secret key  = base64('Ed' || kdf_alg[2] || 'B2' || kdf_salt[32] || kdf_opslimit u64le ||
 *                        kdf_memlimit u64le || keynum[8] || sk[64] || checksum[32])              158 bytes
 *   checksum    = BLAKE2b-256('Ed' || keynum || sk)
 *
 * Files are two lines: `untrusted comment: ...` then the base64. The keynum is 8 random bytes naming the key; its
 * text form is the bytes read as a little-endian u64, printed as 16 upper-case hex digits. Redline writes and reads
 * unencrypted secret keys only (kdf_alg = [0, 0]), as `minisign -G -W` writes them: salt and limits zero.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import nacl from 'tweetnacl';
import { RedlineError } from '../errors.js';
import { bytesEqual, decodeBase64, encodeBase64 } from './canonical-bytes.js';
import { keyIdOf } from './key-id.js';

const SIG_ALG = Uint8Array.of(0x45, 0x64); // 'Ed'
const KDF_NONE = Uint8Array.of(0, 0);
const KDF_SCRYPT = Uint8Array.of(0x53, 0x63); // 'Sc'
const CHK_ALG = Uint8Array.of(0x42, 0x32); // 'B2'
const KEYNUM_BYTES = 8;
const SEED_BYTES = 32;
const PUBLIC_KEY_STRUCT_BYTES = 2 + KEYNUM_BYTES + 32;
const SALT_BYTES = 32;
const CHECKSUM_BYTES = 32;
// Offsets inside the 158-byte secret key structure.
const KDF_AT = 2;
const CHK_ALG_AT = 4;
const KEYNUM_AT = 6 + SALT_BYTES + 8 + 8;
const SK_AT = KEYNUM_AT + KEYNUM_BYTES;
const CHECKSUM_AT = SK_AT + 64;
const SECRET_KEY_STRUCT_BYTES = CHECKSUM_AT + CHECKSUM_BYTES;

/** The comment line Redline writes above a secret key (minisign ignores it when loading). */
export const MINISIGN_SECRET_KEY_COMMENT = 'untrusted comment: minisign secret key';

/** An Ed25519 public key with its minisign key number and Redline key id. */
export interface MinisignPublicKey {
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** minisign's 8-byte key number, carried in every signature to name the key that made it. */
  keynum: Uint8Array;
  /** Lowercase hex SHA-256 of `publicKey` (DESIGN.md §6). */
  keyId: string;
}

/** An Ed25519 signing key: the public part plus the 64-byte secret key (seed || public key, as NaCl keeps it). */
export interface MinisignSigningKey extends MinisignPublicKey {
  /** The 64-byte Ed25519 secret key: seed[32] || publicKey[32]. */
  secretKey: Uint8Array;
}

/** The signing key of a 32-byte Ed25519 seed under an 8-byte key number. */
export function minisignKeyFromSeed(seed: Uint8Array, keynum: Uint8Array): MinisignSigningKey {
  if (seed.length !== SEED_BYTES) {
    throw new RedlineError('E_KEY', `an Ed25519 seed must be ${SEED_BYTES} bytes (got ${seed.length})`);
  }
  checkKeynum(keynum);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  return {
    publicKey: pair.publicKey,
    keynum: Uint8Array.from(keynum),
    keyId: keyIdOf(pair.publicKey),
    secretKey: pair.secretKey,
  };
}

/** A fresh signing key: a 32-byte seed then an 8-byte key number from `randomBytes` (default `nacl.randomBytes`). */
export function generateMinisignKey(
  randomBytes: (length: number) => Uint8Array = (length) => nacl.randomBytes(length),
): MinisignSigningKey {
  const seed = randomBytes(SEED_BYTES);
  return minisignKeyFromSeed(seed, randomBytes(KEYNUM_BYTES));
}

/** The key number as minisign prints it: the bytes as a little-endian u64 in upper-case hex, no leading zeros. */
export function formatKeynum(keynum: Uint8Array): string {
  // minisign prints the little-endian u64 with printf's %" PRIX64 ": upper case, without leading zeros.
  return [...keynum]
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
}

/** base64('Ed' || keynum || pk): the public key line of a minisign .pub file and the `minisign` field of an entry. */
export function encodeMinisignPublicKey(key: Pick<MinisignPublicKey, 'publicKey' | 'keynum'>): string {
  checkKeynum(key.keynum);
  if (key.publicKey.length !== 32) {
    throw new RedlineError('E_KEY', `an Ed25519 public key must be 32 bytes (got ${key.publicKey.length})`);
  }
  const bytes = new Uint8Array(PUBLIC_KEY_STRUCT_BYTES);
  bytes.set(SIG_ALG, 0);
  bytes.set(key.keynum, 2);
  bytes.set(key.publicKey, 2 + KEYNUM_BYTES);
  return encodeBase64(bytes);
}

/** Decodes a minisign public key string (base64 of 42 bytes); E_MALFORMED or E_KEY naming `source` when it is not one. */
export function decodeMinisignPublicKey(text: string, source = 'minisign public key'): MinisignPublicKey {
  const bytes = decodeBase64(text.trim());
  if (bytes === undefined) {
    throw new RedlineError('E_MALFORMED', `${source}: the public key is not valid base64`);
  }
  if (bytes.length === SECRET_KEY_STRUCT_BYTES) {
    throw new RedlineError('E_KEY', `${source}: this is a minisign SECRET key, not a public key`);
  }
  if (bytes.length !== PUBLIC_KEY_STRUCT_BYTES) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: a minisign public key is ${PUBLIC_KEY_STRUCT_BYTES} bytes (got ${bytes.length})`,
    );
  }
  if (!bytesEqual(bytes.subarray(0, 2), SIG_ALG)) {
    throw new RedlineError('E_KEY', `${source}: unsupported signature algorithm (expected Ed25519, "Ed")`);
  }
  const publicKey = bytes.slice(2 + KEYNUM_BYTES);
  return { publicKey, keynum: bytes.slice(2, 2 + KEYNUM_BYTES), keyId: keyIdOf(publicKey) };
}

/** The text of a minisign public key file, exactly as `minisign -G` writes it. */
export function formatMinisignPublicKeyFile(key: Pick<MinisignPublicKey, 'publicKey' | 'keynum'>): string {
  return `untrusted comment: minisign public key ${formatKeynum(key.keynum)}\n${encodeMinisignPublicKey(key)}\n`;
}

/** Parses a minisign public key file (`untrusted comment: ...` then the base64 line). */
export function parseMinisignPublicKeyFile(text: string, source: string): MinisignPublicKey {
  const [comment, line] = splitKeyFile(text, source);
  if (!comment.startsWith('untrusted comment:')) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: not a minisign public key file (its first line must start with "untrusted comment:")`,
    );
  }
  return decodeMinisignPublicKey(line, source);
}

/** The text of an unencrypted minisign secret key file, loadable by `minisign -S -s FILE` without a password. */
export function formatMinisignSecretKeyFile(key: MinisignSigningKey): string {
  checkKeynum(key.keynum);
  const bytes = new Uint8Array(SECRET_KEY_STRUCT_BYTES); // salt, opslimit and memlimit stay zero, as with -W
  bytes.set(SIG_ALG, 0);
  bytes.set(KDF_NONE, KDF_AT);
  bytes.set(CHK_ALG, CHK_ALG_AT);
  bytes.set(key.keynum, KEYNUM_AT);
  bytes.set(key.secretKey, SK_AT);
  bytes.set(secretKeyChecksum(key.keynum, key.secretKey), CHECKSUM_AT);
  return `${MINISIGN_SECRET_KEY_COMMENT}\n${encodeBase64(bytes)}\n`;
}

/**
 * Parses an unencrypted minisign secret key file (as written by `minisign -G -W` or by Redline). Refuses
 * encrypted keys and other kinds of key file with E_KEY, corrupt ones with E_MALFORMED.
 */
export function parseMinisignSecretKeyFile(text: string, source: string): MinisignSigningKey {
  if (/AGE-SECRET-KEY-1/i.test(text)) {
    throw new RedlineError(
      'E_KEY',
      `${source}: this is an age identity, not a minisign secret key: pass the ID.key file`,
    );
  }
  if (text.trimStart().startsWith('{')) {
    throw new RedlineError(
      'E_KEY',
      `${source}: this is a JSON file (a public key entry?), not a minisign secret key: pass the ID.key file`,
    );
  }
  const [, line] = splitKeyFile(text, source);
  const bytes = decodeBase64(line);
  if (bytes === undefined) {
    throw new RedlineError('E_MALFORMED', `${source}: the secret key line is not valid base64`);
  }
  if (bytes.length === PUBLIC_KEY_STRUCT_BYTES) {
    throw new RedlineError(
      'E_KEY',
      `${source}: this is a minisign PUBLIC key; a secret key file is needed here`,
    );
  }
  if (bytes.length !== SECRET_KEY_STRUCT_BYTES) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: a minisign secret key is ${SECRET_KEY_STRUCT_BYTES} bytes (got ${bytes.length})`,
    );
  }
  if (!bytesEqual(bytes.subarray(0, 2), SIG_ALG)) {
    throw new RedlineError('E_KEY', `${source}: unsupported signature algorithm (expected Ed25519, "Ed")`);
  }
  if (!bytesEqual(bytes.subarray(CHK_ALG_AT, CHK_ALG_AT + 2), CHK_ALG)) {
    throw new RedlineError('E_KEY', `${source}: unsupported checksum algorithm (expected BLAKE2b, "B2")`);
  }
  const kdf = bytes.subarray(KDF_AT, KDF_AT + 2);
  if (bytesEqual(kdf, KDF_SCRYPT)) {
    throw new RedlineError(
      'E_KEY',
      `${source}: this minisign secret key is encrypted with a password, which Redline cannot prompt for: ` +
        `re-create it without one (minisign -G -W) or remove the password (minisign -C -W -s ${source})`,
    );
  }
  if (!bytesEqual(kdf, KDF_NONE)) {
    throw new RedlineError('E_KEY', `${source}: unsupported key derivation function in the secret key`);
  }
  const keynum = bytes.slice(KEYNUM_AT, SK_AT);
  const secretKey = bytes.slice(SK_AT, CHECKSUM_AT);
  const checksum = bytes.subarray(CHECKSUM_AT);
  // minisign 0.11 computes the checksum only when it encrypts: `minisign -G -W` leaves it all zero.
  if (!isAllZero(checksum) && !bytesEqual(checksum, secretKeyChecksum(keynum, secretKey))) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: the secret key checksum does not match: the file is corrupt`,
    );
  }
  const key = minisignKeyFromSeed(secretKey.subarray(0, SEED_BYTES), keynum);
  if (!bytesEqual(key.secretKey, secretKey)) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: the public half of the secret key does not match its seed: the file is corrupt`,
    );
  }
  return key;
}

function secretKeyChecksum(keynum: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const hash = blake2b.create({ dkLen: CHECKSUM_BYTES });
  hash.update(SIG_ALG);
  hash.update(keynum);
  hash.update(secretKey);
  return hash.digest();
}

/** The comment line and the base64 line of a two-line key file; further lines must be blank. */
function splitKeyFile(text: string, source: string): [string, string] {
  const lines = text.split(/\r?\n/);
  const [comment = '', line = '', ...rest] = lines;
  if (line.trim() === '' || rest.some((l) => l.trim() !== '')) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: a minisign key file has two lines, "untrusted comment: ..." then the base64 key`,
    );
  }
  return [comment, line.trim()];
}

function checkKeynum(keynum: Uint8Array): void {
  if (keynum.length !== KEYNUM_BYTES) {
    throw new RedlineError(
      'E_KEY',
      `a minisign key number must be ${KEYNUM_BYTES} bytes (got ${keynum.length})`,
    );
  }
}

function isAllZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}
