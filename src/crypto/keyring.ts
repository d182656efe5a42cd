/**
 * The lab keyring (DESIGN.md §4, §6): a directory (default `./keys`) of public key entries `ID.pub.json`. Secret
 * files may live beside them, but the keyring never reads or copies them: they are loaded only by explicit path.
 */
import { closeSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RedlineError } from '../errors.js';
import type { KeyRole } from '../schema/key-entry.js';
import { formatKeyEntry, loadKeyEntry, type ResolvedKeyEntry } from './key-files.js';

/** The default keyring directory, relative to the working directory (`--keys DIR`, env `REDLINE_KEYS`). */
export const DEFAULT_KEYRING_DIR = 'keys';

const ENTRY_SUFFIX = '.pub.json';

/** A keyring entry: the validated `ID.pub.json`, its decoded keys and the file it came from. */
export interface KeyringEntry extends ResolvedKeyEntry {
  /** The entry's file, `DIR/ID.pub.json`. */
  file: string;
}

/** The outcome of {@link addToKeyring}. */
export interface AddedKey {
  /** The entry as it now stands in the keyring. */
  entry: KeyringEntry;
  /** False when the identical entry was already there (adding is idempotent). */
  isAdded: boolean;
}

/**
 * Every entry of the keyring, sorted by id. A malformed entry, an entry whose file name is not `ID.pub.json` for
 * its own id, or two entries sharing a key fail the whole listing (E_MALFORMED / E_STATE naming the files).
 * @example listKeyring('keys').map((k) => k.entry.id)
 */
export function listKeyring(dir: string = DEFAULT_KEYRING_DIR): KeyringEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RedlineError(
      'E_INPUT',
      `cannot read the keyring directory ${dir} (${code}): check the path, or pass --keys DIR`,
      { cause: error },
    );
  }
  const entries = names
    .filter((name) => name.endsWith(ENTRY_SUFFIX))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      const resolved = loadKeyEntry(file);
      if (name !== `${resolved.entry.id}${ENTRY_SUFFIX}`) {
        throw new RedlineError(
          'E_MALFORMED',
          `${file}: holds the entry of "${resolved.entry.id}", so it must be named ${resolved.entry.id}${ENTRY_SUFFIX}`,
        );
      }
      return { ...resolved, file };
    });
  checkDistinctKeys(entries);
  return entries;
}

/** The entry of `id`; E_NOT_FOUND (listing the known ids) when the keyring has none. */
export function findKey(dir: string, id: string): KeyringEntry {
  const entries = listKeyring(dir);
  const found = entries.find((e) => e.entry.id === id);
  if (found === undefined) {
    const known = entries.map((e) => e.entry.id).join(', ');
    throw new RedlineError(
      'E_NOT_FOUND',
      `no key "${id}" in the keyring ${dir} (${known === '' ? 'it is empty' : `known: ${known}`})`,
    );
  }
  return found;
}

/** The entries with the given role, sorted by id. */
export function findByRole(dir: string, role: KeyRole): KeyringEntry[] {
  return listKeyring(dir).filter((e) => e.entry.role === role);
}

/** The entry whose Ed25519 or X25519 key has this key id (hex SHA-256), or undefined. */
export function findByKeyId(dir: string, keyId: string): KeyringEntry | undefined {
  const wanted = keyId.toLowerCase();
  return listKeyring(dir).find((e) => e.signing.keyId === wanted || e.recipient.keyId === wanted);
}

/**
 * Adds a public entry (`ID.pub.json` from elsewhere) to the keyring as `DIR/ID.pub.json`, validated and
 * re-serialised (never a copy of the given file). Idempotent for the identical entry; E_STATE when the id is
 * present with other keys or other details, or when another id already has one of its keys.
 * @example addToKeyring('keys', '/media/usb/developer-x.pub.json')
 */
export function addToKeyring(dir: string, pubFile: string): AddedKey {
  const incoming = loadKeyEntry(pubFile);
  const { id } = incoming.entry;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RedlineError('E_INPUT', `cannot create the keyring directory ${dir} (${code})`, {
      cause: error,
    });
  }
  const entries = listKeyring(dir);
  const present = entries.find((e) => e.entry.id === id);
  if (present !== undefined) {
    if (formatKeyEntry(present.entry) === formatKeyEntry(incoming.entry))
      return { entry: present, isAdded: false };
    const sameKeys =
      present.signing.keyId === incoming.signing.keyId &&
      present.recipient.keyId === incoming.recipient.keyId;
    throw new RedlineError(
      'E_STATE',
      sameKeys
        ? `${present.file} already holds "${id}" with the same keys but other details (role, organisation ...): remove it first to replace it`
        : `${present.file} already holds "${id}" with DIFFERENT keys: refusing to replace a principal's keys; remove the old entry first if this is intended`,
    );
  }
  for (const other of entries) {
    const shared =
      other.signing.keyId === incoming.signing.keyId
        ? 'Ed25519 (minisign)'
        : other.recipient.keyId === incoming.recipient.keyId
          ? 'X25519 (age)'
          : undefined;
    if (shared !== undefined) {
      throw new RedlineError(
        'E_STATE',
        `${pubFile}: its ${shared} key already belongs to "${other.entry.id}" (${other.file}); one key, one principal`,
      );
    }
  }
  const file = join(dir, `${id}${ENTRY_SUFFIX}`);
  writeNewFile(file, formatKeyEntry(incoming.entry));
  return { entry: { ...incoming, file }, isAdded: true };
}

function writeNewFile(file: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RedlineError(
      code === 'EEXIST' ? 'E_STATE' : 'E_INPUT',
      `cannot create ${file} (${code})${code === 'EEXIST' ? ': it appeared while adding; list the keyring and retry' : ''}`,
      { cause: error },
    );
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function checkDistinctKeys(entries: readonly KeyringEntry[]): void {
  const owners = new Map<string, string>();
  for (const e of entries) {
    for (const keyId of [e.signing.keyId, e.recipient.keyId]) {
      const owner = owners.get(keyId);
      if (owner !== undefined && owner !== e.file) {
        throw new RedlineError(
          'E_STATE',
          `${owner} and ${e.file} share a key: a keyring must name each key once; remove one of them`,
        );
      }
      owners.set(keyId, e.file);
    }
  }
}
