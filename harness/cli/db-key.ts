/**
 * Which key opens the lab database: the age identity file REDLINE_DB_KEY_FILE names, else the one keyring entry of
 * role `db` whose secret `ID.age` lies beside its `ID.pub.json`; else none (the database is plaintext). Never a
 * command-line value. The SQLCipher key is derived from the identity (src/crypto/db-key.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveDbKey } from '../../src/crypto/db-key.js';
import { loadAgeIdentity, loadKeyEntry, type ResolvedKeyEntry } from '../../src/crypto/key-files.js';
import { RedlineError } from '../../src/errors.js';
import type { StoreKey } from '../../src/store/store-cipher.js';
import type { CliIo } from './io.js';

/** A database key and what names it in messages and the audit log. */
export interface DbKey extends StoreKey {
  /** The keyring entry of the key (role db), or null for a REDLINE_DB_KEY_FILE outside the keyring. */
  entryId: string | null;
  /** The key id of the identity's age recipient: hex SHA-256 of its X25519 public key. */
  keyId: string;
  /** The identity file the key was derived from. */
  file: string;
}

/** The environment variable naming the database key file (an age identity). */
export const DB_KEY_FILE_ENV = 'REDLINE_DB_KEY_FILE';

/**
 * The configured database key, or null when there is none. E_DB_KEY when the keyring holds several usable db keys
 * and REDLINE_DB_KEY_FILE does not choose; E_KEY / E_INPUT when a key file is unsafe, unreadable or mismatched.
 */
export function resolveDbKey(io: CliIo, keysDir: string): DbKey | null {
  const named = io.env[DB_KEY_FILE_ENV];
  if (named !== undefined && named !== '') return loadDbKeyFile(named, keysDir);
  const usable = listDbKeys(keysDir).filter((key) => key.hasSecret);
  if (usable.length === 0) return null;
  if (usable.length > 1) {
    throw new RedlineError(
      'E_DB_KEY',
      `${keysDir}: ${usable.length} db keys with their secret ID.age (${usable.map((k) => k.entry.entry.id).join(', ')}): ` +
        `set ${DB_KEY_FILE_ENV} to the ID.age of the one that opens the lab database, or move the other ID.age ` +
        'files out of the keyring',
    );
  }
  return loadKeyringDbKey(keysDir, usable[0]!.entry);
}

/** A db key of the keyring: its public entry and whether its secret `ID.age` is present. */
export interface KeyringDbKey {
  entry: ResolvedKeyEntry;
  hasSecret: boolean;
}

/**
 * The keyring entries of role db, sorted by id (none when the directory does not exist). Only entries that are
 * JSON with `"role": "db"` are validated: the other entries are no business of the database.
 */
export function listDbKeys(keysDir: string): KeyringDbKey[] {
  let names: string[];
  try {
    names = readdirSync(keysDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new RedlineError(
      'E_INPUT',
      `cannot read the keyring directory ${keysDir} (${code ?? String(error)}) to find the database key`,
      { cause: error },
    );
  }
  const keys: KeyringDbKey[] = [];
  for (const name of names.filter((n) => n.endsWith('.pub.json')).sort()) {
    const file = join(keysDir, name);
    if (!hasDbRole(file)) continue;
    const entry = loadKeyEntry(file);
    keys.push({ entry, hasSecret: existsSync(join(keysDir, `${entry.entry.id}.age`)) });
  }
  return keys;
}

/** The database key of a keyring entry of role db, from its `ID.age` (checked against the entry's recipient). */
export function loadKeyringDbKey(keysDir: string, entry: ResolvedKeyEntry): DbKey {
  const file = join(keysDir, `${entry.entry.id}.age`);
  const identity = loadAgeIdentity(file);
  if (identity.recipient !== entry.entry.age) {
    throw new RedlineError(
      'E_KEY',
      `${file}: this identity is not the one of ${entry.entry.id}.pub.json (its recipient differs): the files are mixed up`,
    );
  }
  return {
    raw: deriveDbKey(identity),
    label: `db key "${entry.entry.id}" (${file})`,
    entryId: entry.entry.id,
    keyId: identity.keyId,
    file,
  };
}

/** The database key of an age identity file (REDLINE_DB_KEY_FILE, `db rekey --new-key-file`). */
export function loadDbKeyFile(file: string, keysDir: string): DbKey {
  const identity = loadAgeIdentity(file);
  const entry = listDbKeys(keysDir).find((key) => key.entry.recipient.keyId === identity.keyId);
  const entryId = entry?.entry.entry.id ?? null;
  return {
    raw: deriveDbKey(identity),
    label: `the key file ${file} (${entryId === null ? `key id ${identity.keyId.slice(0, 16)}…` : `db key "${entryId}"`})`,
    entryId,
    keyId: identity.keyId,
    file,
  };
}

function hasDbRole(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { role?: unknown }).role === 'db';
  } catch {
    return false; // not JSON: not a db key (the keys commands report malformed entries)
  }
}
