/**
 * The recipients of a sealed suite (`--to`): keyring entry ids, whose X25519 key is their `age` recipient, or raw
 * `age1...` recipients; deduplicated by key id. A suite is sealed to lab keys only: a key the keyring holds as a
 * developer's or a clearinghouse participant's (outside parties) is refused, however it is named.
 */
import { parseRecipient } from '../../src/crypto/age.js';
import { findByKeyId, findKey, type KeyringEntry } from '../../src/crypto/keyring.js';
import { RedlineError } from '../../src/errors.js';

/** A recipient: the keyring entry it came from (null for a raw `age1...` the keyring lacks), key id, `age1...`. */
export interface SealRecipient {
  key: string | null;
  keyId: string;
  recipient: string;
}

/** Roles of parties outside the lab: a suite sealed to them would hand them the benchmark. */
const OUTSIDE_ROLES: ReadonlySet<string> = new Set(['developer', 'participant']);

/**
 * Resolves `values` against the keyring in `keys`. E_NOT_FOUND for an unknown id, E_MALFORMED / E_KEY for a bad
 * `age1...`, E_ACCESS for a key of an outside party.
 */
export function resolveRecipients(values: readonly string[], keys: string): SealRecipient[] {
  const out = new Map<string, SealRecipient>();
  for (const value of values) {
    let recipient: SealRecipient;
    if (value.startsWith('age1')) {
      const parsed = parseRecipient(value);
      const entry = lookUp(keys, parsed.keyId);
      if (entry !== undefined) checkRole(entry);
      recipient = { key: entry?.entry.id ?? null, keyId: parsed.keyId, recipient: parsed.recipient };
    } else {
      const entry = findKey(keys, value);
      checkRole(entry);
      recipient = { key: entry.entry.id, keyId: entry.recipient.keyId, recipient: entry.recipient.recipient };
    }
    if (!out.has(recipient.keyId)) out.set(recipient.keyId, recipient);
  }
  return [...out.values()];
}

function checkRole(entry: KeyringEntry): void {
  if (OUTSIDE_ROLES.has(entry.entry.role)) {
    throw new RedlineError(
      'E_ACCESS',
      `"${entry.entry.id}" is a ${entry.entry.role} key (${entry.file}): a suite is sealed to lab keys only, ` +
        'never to an outside party; name an evaluator key of the lab',
    );
  }
}

/** The keyring entry holding `keyId`, when there is a readable keyring that has it. */
function lookUp(keys: string, keyId: string): KeyringEntry | undefined {
  try {
    return findByKeyId(keys, keyId);
  } catch {
    return undefined;
  }
}
