/**
 * Whole files in the age format (age-encryption.org/v1) through `age-encryption`, the format's official TypeScript
 * implementation: encrypted to X25519 recipients (`age1...`), decrypted in memory with an identity, each failure a
 * coded error naming the file. `age -d -i ID.age FILE` opens what this writes, and the reverse.
 *
 * An X25519 stanza does not say which key it is for (age hides the recipients), so a file opened with the wrong
 * identity can only be told apart by how many recipients it has.
 */
import { armor, Decrypter, Encrypter } from 'age-encryption';
import { RedlineError } from '../errors.js';
import type { AgeIdentity } from './age.js';

const MAGIC = 'age-encryption.org/v1\n';
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
// The STREAM nonce and the tag of the final (possibly empty) chunk follow the header.
const MIN_PAYLOAD_BYTES = 16 + 16;

/** True when `head` (the first bytes of a file, at least 40 of them when the file has that many) is an age file. */
export function isAgeFile(head: Uint8Array): boolean {
  const text = Buffer.from(head.subarray(0, 64)).toString('latin1');
  return text.startsWith(MAGIC) || text.trimStart().startsWith(ARMOR_BEGIN);
}

/**
 * Encrypts `plaintext` to every `age1...` recipient (binary age format, not armored).
 *
 * @example
 * const sealed = await encryptToRecipients(bytes, ['age1...']);
 */
export async function encryptToRecipients(
  plaintext: Uint8Array,
  recipients: readonly string[],
): Promise<Uint8Array> {
  if (recipients.length === 0) throw new RedlineError('E_USAGE', 'an age file needs at least one recipient');
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  return encrypter.encrypt(plaintext);
}

/** Where the bytes and the identity came from, for messages. */
export interface AgeFileSource {
  /** The encrypted file, as the user named it. */
  file: string;
  /** The identity file, as the user named it. */
  identityFile: string;
}

/**
 * Decrypts an age file (binary or armored) with `identity`. Throws, naming the file: E_MALFORMED when it is not an
 * age file (or is sealed with a passphrase), E_NOT_RECIPIENT when the identity is not one of its recipients,
 * E_TAMPERED when it is cut short or was altered (its header MAC or a payload chunk does not authenticate).
 */
export async function decryptAgeFile(
  bytes: Uint8Array,
  identity: AgeIdentity,
  source: AgeFileSource,
): Promise<Uint8Array> {
  const { file } = source;
  const binary = dearmor(bytes, file);
  const header = scanHeader(binary, file);
  if (header.scrypt) {
    throw new RedlineError(
      'E_MALFORMED',
      `${file} is encrypted with a passphrase (age -p); Redline opens files sealed to keys: seal it with "redline suite seal --to KEY_ID"`,
    );
  }
  if (binary.length - header.size < MIN_PAYLOAD_BYTES)
    throw truncated(file, 'its payload is missing or cut short');
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity.identity);
  try {
    return await decrypter.decrypt(binary);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith('no identity matched')) {
      const count = header.x25519;
      throw new RedlineError(
        'E_NOT_RECIPIENT',
        `${file} is not sealed to the key of ${source.identityFile} (key id ${identity.keyId.slice(0, 16)}…): it is sealed to ` +
          `${count} X25519 key${count === 1 ? '' : 's'}, and age does not record which ones; open it with the identity of ` +
          `one of them, or ask whoever sealed it to seal it again --to your key id`,
        { cause: error },
      );
    }
    if (message === 'invalid header HMAC') {
      throw new RedlineError(
        'E_TAMPERED',
        `${file}: its header does not authenticate: the file was altered after it was sealed; get a fresh copy from whoever sealed it`,
        { cause: error },
      );
    }
    if (message.startsWith('stream ended')) throw truncated(file, 'it ends inside its header or nonce');
    if (/stanza|header|version|non-ASCII/.test(message)) {
      throw new RedlineError(
        'E_TAMPERED',
        `${file}: its age header is damaged (${message}): the file was altered or cut; get a fresh copy from whoever sealed it`,
        { cause: error },
      );
    }
    // A payload chunk whose tag does not verify: cut at or inside a chunk, or altered (the two look alike).
    throw new RedlineError(
      'E_TAMPERED',
      `${file} is truncated or was altered after it was sealed (its content does not authenticate: ${message}); ` +
        'nothing was opened: get a fresh copy from whoever sealed it',
      { cause: error },
    );
  }
}

/** The binary form of an armored file (unchanged when it is not armored); E_MALFORMED when it is not age at all. */
function dearmor(bytes: Uint8Array, file: string): Uint8Array {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (head.startsWith(MAGIC)) return bytes;
  if (!head.trimStart().startsWith(ARMOR_BEGIN)) {
    throw new RedlineError(
      'E_MALFORMED',
      `${file} is not an age file (it does not start with "age-encryption.org/v1"): give a suite sealed with ` +
        '"redline suite seal", or a plain suite directory without --identity',
    );
  }
  const text = Buffer.from(bytes).toString('latin1');
  if (!text.includes(ARMOR_END)) throw truncated(file, 'its armor has no END line');
  try {
    return armor.decode(text);
  } catch (error) {
    throw new RedlineError(
      'E_TAMPERED',
      `${file}: its ASCII armor is damaged (${error instanceof Error ? error.message : String(error)}); get a fresh copy`,
      { cause: error },
    );
  }
}

/** The header's size and its stanza kinds, read without decrypting (E_TAMPERED when it has no end). */
function scanHeader(binary: Uint8Array, file: string): { size: number; x25519: number; scrypt: boolean } {
  // A header is a few hundred bytes per recipient; its end is the MAC line "--- <base64>\n".
  let x25519 = 0;
  let scrypt = false;
  let start = 0;
  for (;;) {
    const end = binary.indexOf(0x0a, start);
    if (end === -1) throw truncated(file, 'it ends inside its header');
    const line = Buffer.from(binary.subarray(start, end)).toString('latin1');
    if (line.startsWith('-> X25519 ')) x25519++;
    if (line.startsWith('-> scrypt ')) scrypt = true;
    if (line.startsWith('--- ')) return { size: end + 1, x25519, scrypt };
    start = end + 1;
  }
}

function truncated(file: string, what: string): RedlineError {
  return new RedlineError(
    'E_TAMPERED',
    `${file} is truncated (${what}): nothing was opened; copy the whole file again from whoever sealed it`,
  );
}
