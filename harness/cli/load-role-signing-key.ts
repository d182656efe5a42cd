/**
 * The signing secret key a command signs with, checked against the keyring: it must be the secret of a key entry
 * with the role the signature is for (an evaluator signs assessments and attestations).
 */
import { loadSigningKey } from '../../src/crypto/key-files.js';
import { findByKeyId, type KeyringEntry } from '../../src/crypto/keyring.js';
import type { MinisignSigningKey } from '../../src/crypto/minisign.js';
import { RedlineError } from '../../src/errors.js';
import type { KeyRole } from '../../src/schema/key-entry.js';

/**
 * Loads `identityFile` (an `ID.key`) and finds its public entry in `keysDir`; E_KEY when no entry of `role` holds
 * that key.
 *
 * @example const { signing } = loadRoleSigningKey('keys', 'keys/lab.key', 'evaluator');
 */
export function loadRoleSigningKey(
  keysDir: string,
  identityFile: string,
  role: KeyRole,
): { signing: MinisignSigningKey; entry: KeyringEntry } {
  const signing = loadSigningKey(identityFile);
  const entry = findByKeyId(keysDir, signing.keyId);
  if (entry?.entry.role !== role) {
    throw new RedlineError(
      'E_KEY',
      `${identityFile}: not the secret of an ${role} key in ${keysDir}; import the ${role}'s public entry with "redline keys add"`,
    );
  }
  return { signing, entry };
}
