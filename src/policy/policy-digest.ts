/**
 * The one definition of a policy's sha256, recorded by runs, reports, assessments and the policy chain: lowercase
 * hex SHA-256 of the canonical JSON (RFC 8785 style, src/suite/canonical-json.ts) of the policy with its defaults
 * applied and without `$schema`. So key order, whitespace, an editor's `$schema` pointer and spelling out a
 * default (`"confidence": 0.95`) never change the digest; any value that changes a decision, or who may sign the
 * next version (`owners`, `threshold`), does.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { encodeUtf8 } from '../crypto/canonical-bytes.js';
import type { Policy } from '../schema/policy.js';
import { canonicalJson } from '../suite/canonical-json.js';
import { applyPolicyDefaults, type ResolvedPolicy } from './validate-policy.js';

/**
 * The policy's sha256: lowercase hex SHA-256 of `canonicalJson(resolvePolicy(policy))`. Takes a validated policy
 * (a plain file's value or an already resolved one; resolving is idempotent).
 *
 * @example
 * policyDigest(DEFAULT_POLICY); // 64 lowercase hex digits
 */
export function policyDigest(policy: Policy | ResolvedPolicy): string {
  return bytesToHex(sha256(encodeUtf8(canonicalPolicyJson(policy))));
}

/** The exact text the digest is taken over (stored as the `policy` column): canonical JSON of the resolved policy. */
export function canonicalPolicyJson(policy: Policy | ResolvedPolicy): string {
  return canonicalJson(resolvePolicy(policy));
}

/**
 * The policy with every default applied and `$schema` dropped, keeping `owners` and `threshold` (which
 * `applyPolicyDefaults` does not carry as of this writing). Owners keep their order: they are a set to the
 * verifier and the diff, but the digest is of the policy as written.
 */
export function resolvePolicy(policy: Policy | ResolvedPolicy): ResolvedPolicy {
  return applyPolicyDefaults(policy);
}
