/**
 * Key files (DESIGN.md §6, contract): `redline keys gen` writes a public entry `ID.pub.json`, the minisign
 * unencrypted secret key `ID.key` and the age identity `ID.age`. Secret files are created exclusively with mode
 * 0600 and, like ssh, refused on load when group or others have any permission on them.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { formatProblem, RedlineError } from '../errors.js';
import { KEY_ID_PATTERN, KEY_ROLES, KeyEntry, type KeyRole } from '../schema/key-entry.js';
import { compileValidator } from '../schema/validate.js';
import {
  formatAgeIdentityFile,
  generateAgeIdentity,
  parseAgeIdentityFile,
  parseRecipient,
  type AgeIdentity,
  type AgeRecipient,
} from './age.js';
import {
  decodeMinisignPublicKey,
  encodeMinisignPublicKey,
  formatMinisignSecretKeyFile,
  generateMinisignKey,
  parseMinisignPublicKeyFile,
  parseMinisignSecretKeyFile,
  type MinisignPublicKey,
  type MinisignSigningKey,
} from './minisign.js';

// Key files are a few hundred bytes; anything far bigger is the wrong file.
const MAX_KEY_FILE_BYTES = 64 * 1024;
const ID_REGEX = new RegExp(KEY_ID_PATTERN);

/** A freshly generated principal: its public entry, its secret key files' contents and the raw keys. */
export interface KeySet {
  /** The public entry, written as `ID.pub.json`. */
  entry: KeyEntry;
  /** The Ed25519 signing key (minisign). */
  signing: MinisignSigningKey;
  /** The X25519 identity (age). */
  age: AgeIdentity;
  /** The text of `ID.key`: the unencrypted minisign secret key file. */
  minisignSecretKeyFile: string;
  /** The `AGE-SECRET-KEY-1...` line. */
  ageIdentity: string;
}

/** The paths {@link writeKeySet} wrote. */
export interface KeySetFiles {
  /** `DIR/ID.pub.json` (mode 0644). */
  publicFile: string;
  /** `DIR/ID.key` (mode 0600). */
  signingKeyFile: string;
  /** `DIR/ID.age` (mode 0600). */
  ageIdentityFile: string;
}

/** A validated public entry with its decoded keys. */
export interface ResolvedKeyEntry {
  /** The entry as validated. */
  entry: KeyEntry;
  /** Its Ed25519 key. */
  signing: MinisignPublicKey;
  /** Its X25519 key. */
  recipient: AgeRecipient;
}

/** What {@link loadPublicKey} found: always an Ed25519 key; the entry and X25519 key when the file was an entry. */
export interface LoadedPublicKey {
  /** The Ed25519 key. */
  signing: MinisignPublicKey;
  /** The entry, when the file was an `ID.pub.json`. */
  entry?: KeyEntry;
  /** The X25519 key, when the file was an `ID.pub.json`. */
  recipient?: AgeRecipient;
}

/**
 * Generates a principal's keys: Ed25519 seed (32 bytes) and key number (8), then the X25519 secret (32), all from
 * `randomBytes` (default `nacl.randomBytes`; tests pass a seeded source).
 * @example const set = generateKeySet('lab-a', 'evaluator'); writeKeySet('keys', set);
 */
export function generateKeySet(
  id: string,
  role: KeyRole,
  randomBytes: (length: number) => Uint8Array = (length) => nacl.randomBytes(length),
): KeySet {
  checkId(id);
  if (!KEY_ROLES.includes(role)) {
    throw new RedlineError(
      'E_USAGE',
      `unknown key role "${String(role)}": use one of ${KEY_ROLES.join(', ')}`,
    );
  }
  const signing = generateMinisignKey(randomBytes);
  const age = generateAgeIdentity(randomBytes);
  return {
    entry: { id, role, minisign: encodeMinisignPublicKey(signing), age: age.recipient },
    signing,
    age,
    minisignSecretKeyFile: formatMinisignSecretKeyFile(signing),
    ageIdentity: age.identity,
  };
}

/**
 * Writes `ID.pub.json`, `ID.key` and `ID.age` into `dir` (created if missing). Every file is created exclusively:
 * an existing one is never overwritten (E_USAGE naming it), and nothing is left behind on failure. `now` dates
 * the `# created:` line of `ID.age` (default now).
 */
export function writeKeySet(dir: string, set: KeySet, options: { now?: Date } = {}): KeySetFiles {
  checkId(set.entry.id);
  const files: KeySetFiles = {
    publicFile: join(dir, `${set.entry.id}.pub.json`),
    signingKeyFile: join(dir, `${set.entry.id}.key`),
    ageIdentityFile: join(dir, `${set.entry.id}.age`),
  };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw inputError(dir, error, 'cannot create the key directory');
  }
  for (const file of [files.publicFile, files.signingKeyFile, files.ageIdentityFile]) {
    if (exists(file)) throw alreadyExists(file);
  }
  const ageText = formatAgeIdentityFile(set.age, options.now ?? new Date());
  const written: string[] = [];
  try {
    writeExclusive(files.signingKeyFile, set.minisignSecretKeyFile, 0o600, written);
    writeExclusive(files.ageIdentityFile, ageText, 0o600, written);
    writeExclusive(files.publicFile, formatKeyEntry(set.entry), 0o644, written);
  } catch (error) {
    for (const file of written) rmSync(file, { force: true });
    throw error;
  }
  return files;
}

/** Loads an unencrypted minisign secret key file (`ID.key`, or one from `minisign -G -W`), refusing unsafe modes. */
export function loadSigningKey(file: string): MinisignSigningKey {
  return parseMinisignSecretKeyFile(readSecretFile(file), file);
}

/** Loads an age identity file (`ID.age`, or one from `age-keygen`), refusing unsafe modes. */
export function loadAgeIdentity(file: string): AgeIdentity {
  return parseAgeIdentityFile(readSecretFile(file), file);
}

/**
 * Loads a public key from an `ID.pub.json` entry (Ed25519 and X25519 keys) or a minisign `.pub` file (Ed25519).
 * @example loadPublicKey('keys/lab-a.pub.json').signing.keyId
 */
export function loadPublicKey(file: string): LoadedPublicKey {
  const text = readTextFile(file);
  if (text.trimStart().startsWith('untrusted comment:')) {
    if (/AGE-SECRET-KEY-1/i.test(text)) throw secretNotPublic(file);
    return { signing: parseMinisignPublicKeyFile(text, file) };
  }
  const resolved = parseKeyEntryText(text, file);
  return { signing: resolved.signing, entry: resolved.entry, recipient: resolved.recipient };
}

/** Loads a public key entry `ID.pub.json`; E_KEY when the file is another kind of key file, E_MALFORMED when invalid. */
export function loadKeyEntry(file: string): ResolvedKeyEntry {
  const text = readTextFile(file);
  if (text.trimStart().startsWith('untrusted comment:') && !/AGE-SECRET-KEY-1/i.test(text)) {
    throw new RedlineError(
      'E_KEY',
      `${file}: this is a minisign key file, not a public key entry: pass the ID.pub.json file`,
    );
  }
  return parseKeyEntryText(text, file);
}

function parseKeyEntryText(text: string, file: string): ResolvedKeyEntry {
  const start = text.trimStart();
  if (/AGE-SECRET-KEY-1/i.test(text)) throw secretNotPublic(file);
  if (start.startsWith('age1')) {
    throw new RedlineError(
      'E_KEY',
      `${file}: an age recipient alone has no signing key: pass the ID.pub.json entry`,
    );
  }
  if (!start.startsWith('{')) {
    throw new RedlineError(
      'E_MALFORMED',
      `${file}: not a public key entry (ID.pub.json) nor a minisign public key file`,
    );
  }
  return resolveKeyEntry(parseJson(text, file), file);
}

function secretNotPublic(file: string): RedlineError {
  return new RedlineError('E_KEY', `${file}: this is a SECRET key file, not a public key; never share it`);
}

/** Validates a parsed `ID.pub.json` value and decodes its keys; E_MALFORMED naming `source` and the problems. */
export function resolveKeyEntry(value: unknown, source: string): ResolvedKeyEntry {
  const validator = compileValidator(KeyEntry);
  if (!validator.check(value)) {
    const problems = validator.problems(value, { file: source });
    throw new RedlineError(
      'E_MALFORMED',
      `${source} is not a valid public key entry:\n${problems.map(formatProblem).join('\n')}`,
      { details: problems },
    );
  }
  return {
    entry: value,
    signing: decodeMinisignPublicKey(value.minisign, `${source}: /minisign`),
    recipient: withSource(() => parseRecipient(value.age), `${source}: /age`),
  };
}

/** The text of `ID.pub.json` as Redline writes it: fields in schema order, two-space indentation, a final newline. */
export function formatKeyEntry(entry: KeyEntry): string {
  const ordered: KeyEntry = {
    id: entry.id,
    role: entry.role,
    minisign: entry.minisign,
    age: entry.age,
    ...(entry.organisation === undefined ? {} : { organisation: entry.organisation }),
    ...(entry.sector === undefined ? {} : { sector: entry.sector }),
    ...(entry.created === undefined ? {} : { created: entry.created }),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Reads a secret key file through one descriptor: a regular file, private to its owner (mode 0600 or 0400). */
function readSecretFile(file: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO named by mistake must not hang.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw inputError(file, error, 'cannot read the key file');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new RedlineError('E_INPUT', `${file} is not a regular file`);
    // Windows has no POSIX modes: Node reports 0o666 for every writable file.
    if (platform() !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new RedlineError(
        'E_KEY',
        `${file} is a secret key file but group or others have access to it (mode ${mode}): ` +
          `make it private with: chmod 600 ${shellQuote(file)}`,
      );
    }
    if (stat.size > MAX_KEY_FILE_BYTES) {
      throw new RedlineError('E_MALFORMED', `${file} is ${stat.size} bytes: too big to be a key file`);
    }
    return stripBom(readFileSync(fd, 'utf8'));
  } finally {
    closeSync(fd);
  }
}

function readTextFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw inputError(file, error, 'cannot read the key file');
  }
  if (text.length > MAX_KEY_FILE_BYTES) {
    throw new RedlineError('E_MALFORMED', `${file} is too big to be a key file`);
  }
  return stripBom(text);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RedlineError(
      'E_MALFORMED',
      `${file}: invalid JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}

function writeExclusive(file: string, text: string, mode: number, written: string[]): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(file);
    throw inputError(file, error, 'cannot create the key file');
  }
  written.push(file);
  try {
    // The umask can only remove bits from `mode`; set it exactly anyway (Windows has no POSIX modes).
    if (platform() !== 'win32') fchmodSync(fd, mode);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function withSource<T>(parse: () => T, source: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RedlineError) {
      throw new RedlineError(error.code, `${source}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function checkId(id: string): void {
  if (!ID_REGEX.test(id) || id.length > 100) {
    throw new RedlineError(
      'E_USAGE',
      `invalid key id "${id}": use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit`,
    );
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function alreadyExists(file: string): RedlineError {
  return new RedlineError(
    'E_USAGE',
    `${file} already exists: key files are never overwritten; choose another id or move the old files away`,
  );
}

function inputError(file: string, error: unknown, what: string): RedlineError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new RedlineError('E_INPUT', `${what} ${file} (${code}): check the path and its permissions`, {
    cause: error,
  });
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function shellQuote(file: string): string {
  return /^[A-Za-z0-9_./+-]+$/.test(file) ? file : `'${file.replaceAll("'", `'\\''`)}'`;
}
