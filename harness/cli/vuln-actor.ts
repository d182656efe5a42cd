/**
 * Who acts in a `redline vuln` command: every mutating command names its acting participant (or operator), who
 * must hold a keyring entry of the right role. The name goes into the audit log beside the OS user.
 */
import { listKeyring, type KeyringEntry } from '../../src/crypto/keyring.js';
import { RedlineError } from '../../src/errors.js';
import type { KeyRole } from '../../src/schema/key-entry.js';

/**
 * The keyring entry of `id`, which must have one of `roles`. E_UNKNOWN_KEY when the keyring has no such id,
 * E_ACCESS when its role is not allowed here. Pass `entries` when the command has read the keyring already.
 *
 * @example requireActor('keys', 'grid-co', ['participant'], '--participant');
 */
export function requireActor(
  keysDir: string,
  id: string,
  roles: readonly KeyRole[],
  flag: string,
  entries: readonly KeyringEntry[] = listKeyring(keysDir),
): KeyringEntry {
  const entry = entries.find((e) => e.entry.id === id);
  if (entry === undefined) {
    const known = entries.filter((e) => roles.includes(e.entry.role)).map((e) => e.entry.id);
    throw new RedlineError(
      'E_UNKNOWN_KEY',
      `${flag} ${id}: no such key in the keyring ${keysDir} (${known.length === 0 ? `no ${roles.join(' or ')} keys yet` : `known: ${known.join(', ')}`}); ` +
        `add their public entry with "redline keys add"`,
    );
  }
  if (!roles.includes(entry.entry.role)) {
    throw new RedlineError(
      'E_ACCESS',
      `${flag} ${id}: the key has role ${entry.entry.role}; this command needs ${roles.join(' or ')}`,
    );
  }
  return entry;
}

/** The sector of each keyring participant (null when the entry names none, or only blanks). */
export function participantSectors(entries: readonly KeyringEntry[]): Map<string, string | null> {
  return new Map(
    entries
      .filter((e) => e.entry.role === 'participant')
      .map((e) => [e.entry.id, e.entry.sector?.trim() || null]),
  );
}
