/**
 * Whether a signed policy version may replace the active one. Checks, in this order, each with its own code:
 *
 * 1. version: exactly the active version + 1 (1 while only the built-in default is active): no rollback, no
 *    skipping (E_POLICY_VERSION);
 * 2. chain: `previous` is the active policy's sha256 (null while only the built-in default is active), so a
 *    version made against a stale or forked base is refused (E_POLICY_CHAIN);
 * 3. signatures: every signature names a key id, the keyring holds that key, and the signature verifies under
 *    it (E_TAMPERED otherwise: the payload or signature was altered); and it is by an authorised owner
 *    (E_UNTRUSTED_SIGNER otherwise: a valid signature by anyone else refuses the whole file rather than being
 *    ignored, so nobody can believe a signature counted when it did not);
 * 4. threshold: enough DISTINCT authorised signers (E_THRESHOLD; the same owner signing twice counts once).
 *
 * Authorisation works like TUF root rotation (theupdateframework/specification, "Update the root role"): a new
 * version must be signed by a threshold of the owners of the version it replaces, AND, when it names owners or a
 * threshold of its own, by a threshold of those new owners too. So the current owners authorise every change,
 * nobody is made an owner without consenting (signing), and a policy whose owners cannot reach its own threshold
 * (a lock-out) cannot be applied.
 *
 * - Active owners: `active.policy.owners` if set, else the keyring's owner-role keys; threshold
 *   `active.policy.threshold ?? 1`.
 * - While only the built-in default is active (it names no owners): the keyring's owner-role keys, with the new
 *   policy's `threshold ?? 1`.
 * - New owners (only when the new policy sets `owners` or `threshold`): `owners` if set, else the keyring's
 *   owner-role keys; threshold `threshold ?? 1`.
 *
 * Key material comes from the keyring only (`keyLookup`, `ownersFromKeyring`): a key id in the envelope only
 * says which keyring key to try, and the envelope never carries a key that is trusted.
 */
import { verifyEnvelope, type TrustedKey } from '../crypto/dsse.js';
import { keyIdOf } from '../crypto/key-id.js';
import { RedlineError, isRedlineError } from '../errors.js';
import type { ActivePolicy } from '../store/policies.js';
import { parseSignedPolicyEnvelope, type SignedPolicy } from './policy-statement.js';

/** What {@link verifyPolicyUpdate} checks a signed version against. */
export interface PolicyUpdateInput {
  /** The signed version, as parseSignedPolicy returned it. */
  signed: SignedPolicy;
  /** The policy in force (activePolicy). */
  active: Pick<ActivePolicy, 'policy' | 'version' | 'sha256' | 'isBuiltIn'>;
  /** The keyring's Ed25519 keys of role owner: the owners while no policy names its own. */
  ownersFromKeyring: readonly TrustedKey[];
  /** The keyring's Ed25519 key with this key id, if any. */
  keyLookup: (keyId: string) => TrustedKey | undefined;
}

/** A version that may be applied, and who authorised it. */
export interface VerifiedPolicyUpdate {
  /** Key ids of the distinct owners whose signatures verified, in the envelope's order. */
  signers: string[];
}

/** A group of owners and how many of them must sign. */
interface OwnerGroup {
  /** 'active' (the owners of the policy being replaced) or 'new' (those the new version names). */
  role: 'active' | 'new';
  ownerIds: string[];
  threshold: number;
}

/**
 * Checks that `signed` may become the next version (see the module comment for the rules and codes); returns
 * its verified signers, or throws E_POLICY_VERSION, E_POLICY_CHAIN, E_TAMPERED, E_UNTRUSTED_SIGNER, E_THRESHOLD
 * (E_KEY when the keyring hands back a key that is not its key id).
 *
 * @example
 * const { signers } = verifyPolicyUpdate({ signed, active: activePolicy(db), ownersFromKeyring, keyLookup });
 */
export function verifyPolicyUpdate(input: PolicyUpdateInput): VerifiedPolicyUpdate {
  const { active, ownersFromKeyring } = input;
  // Every field is re-derived from the envelope itself, which is what the signatures cover.
  const signed = parseSignedPolicyEnvelope(input.signed.envelope, 'signed policy');
  if (signed.digest !== input.signed.digest || signed.previous !== input.signed.previous) {
    throw new RedlineError('E_INTERNAL', 'verifyPolicyUpdate: the parsed fields do not match the envelope');
  }

  const expectedVersion = active.isBuiltIn ? 1 : active.version + 1;
  if (signed.version !== expectedVersion) {
    const why = signed.version < expectedVersion ? 'a rollback' : 'a skipped version';
    throw new RedlineError(
      'E_POLICY_VERSION',
      `policy version refused: expected ${expectedVersion}, got ${signed.version} (${why}; the active policy ` +
        `is ${describeActive(active)}; no rollback, no skipping): make the new version from the active policy`,
      { details: { expected: expectedVersion, got: signed.version } },
    );
  }
  const expectedPrevious = active.isBuiltIn ? null : active.sha256;
  if (signed.previous !== expectedPrevious) {
    throw new RedlineError(
      'E_POLICY_CHAIN',
      `policy version ${signed.version} refused: its previous is ${signed.previous ?? 'null'}, but the active ` +
        `policy (${describeActive(active)}) is ${expectedPrevious ?? 'null (built-in default)'}: it was made ` +
        'against another base (a fork or a stale copy); make it again from the active policy',
      { details: { expected: expectedPrevious, got: signed.previous } },
    );
  }

  const keyringIds = ownersFromKeyring.map((k) => k.keyId);
  const groups: OwnerGroup[] = [
    active.isBuiltIn
      ? { role: 'active', ownerIds: keyringIds, threshold: signed.policy.threshold ?? 1 }
      : {
          role: 'active',
          ownerIds: active.policy.owners ?? keyringIds,
          threshold: active.policy.threshold ?? 1,
        },
  ];
  if (signed.policy.owners !== undefined || signed.policy.threshold !== undefined) {
    groups.push({
      role: 'new',
      ownerIds: signed.policy.owners ?? keyringIds,
      threshold: signed.policy.threshold ?? 1,
    });
  }
  const authorised = new Set(groups.flatMap((g) => g.ownerIds));

  const verified: string[] = [];
  signed.envelope.signatures.forEach((signature, index) => {
    const keyId = signature.keyid ?? '';
    if (keyId === '') {
      throw new RedlineError(
        'E_UNTRUSTED_SIGNER',
        `signature ${index} names no key id: every policy signature must name its owner's key id; refusing the file`,
        { details: { index } },
      );
    }
    const key = findKey(input, keyId);
    if (key === undefined) {
      throw new RedlineError(
        'E_UNTRUSTED_SIGNER',
        `signature ${index} is by key ${keyId}, which is not in the keyring: refusing the file (remove the ` +
          "signature, or add the key to the keyring if it is an owner's)",
        { details: { index, keyId } },
      );
    }
    try {
      verifyEnvelope({ ...signed.envelope, signatures: [signature] }, [key]);
    } catch (error) {
      if (isRedlineError(error, 'E_TAMPERED') || isRedlineError(error, 'E_UNTRUSTED_SIGNER')) {
        throw new RedlineError(
          'E_TAMPERED',
          `signature ${index} by key ${keyId} does not verify: the policy or the signature was altered after ` +
            'signing; get the file again from its signers',
          { details: { index, keyId }, cause: error },
        );
      }
      throw error;
    }
    if (!authorised.has(keyId)) {
      throw new RedlineError(
        'E_UNTRUSTED_SIGNER',
        `signature ${index} is a valid signature by key ${keyId}, which is not an owner allowed to sign this ` +
          `version (owners: ${[...authorised].join(', ') || 'none'}): refusing the whole file`,
        { details: { index, keyId, owners: [...authorised] } },
      );
    }
    if (!verified.includes(keyId)) verified.push(keyId);
  });

  for (const group of groups) {
    const counted = verified.filter((id) => group.ownerIds.includes(id));
    if (counted.length < group.threshold) {
      const whose =
        group.role === 'active' ? 'owners of the active policy' : 'owners named by the new version';
      throw new RedlineError(
        'E_THRESHOLD',
        `${group.threshold} of ${group.ownerIds.length} required, got ${counted.length}: ` +
          `${counted.join(', ') || 'none'} (${whose}; distinct signatures count once)`,
        {
          details: {
            role: group.role,
            threshold: group.threshold,
            owners: group.ownerIds,
            signers: counted,
          },
        },
      );
    }
  }
  return { signers: verified };
}

/** The keyring key of `keyId`: `keyLookup` first, then the owner-role keys; E_KEY when it is not that key id. */
function findKey(input: PolicyUpdateInput, keyId: string): TrustedKey | undefined {
  const key = input.keyLookup(keyId) ?? input.ownersFromKeyring.find((k) => k.keyId === keyId);
  if (key === undefined) return undefined;
  if (key.keyId !== keyId || keyIdOf(key.publicKey) !== keyId) {
    throw new RedlineError('E_KEY', `the keyring returned a key that is not key id ${keyId}`);
  }
  return key;
}

function describeActive(active: PolicyUpdateInput['active']): string {
  return active.isBuiltIn
    ? `the built-in ${active.policy.id}`
    : `${active.policy.id} version ${active.version}`;
}
