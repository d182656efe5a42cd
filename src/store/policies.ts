/**
 * The `policies` table (migration 3): the chain of applied policy versions, append-only. The highest version is
 * active; with none stored, the built-in DEFAULT_POLICY is. The migration's triggers refuse UPDATE and DELETE and
 * any INSERT that does not extend the chain by exactly one version whose `previous` is the active sha256; this
 * module reads the chain; insert-policy.ts appends to it and maps that refusal to E_POLICY_VERSION /
 * E_POLICY_CHAIN. Authorising a version is verify-policy.ts's job: call verifyPolicyUpdate before insertPolicy.
 */
import { RedlineError } from '../errors.js';
import { DEFAULT_POLICY } from '../policy/default-policy.js';
import { validatePolicyValue, type ResolvedPolicy } from '../policy/validate-policy.js';
import { policyDigest, resolvePolicy } from '../policy/policy-digest.js';
import type { DsseEnvelope } from '../schema/assessment.js';
import type { Db } from './open-store.js';

/** The policy in force. */
export interface ActivePolicy {
  /** The policy, defaults applied (with owners/threshold when it names them). */
  policy: ResolvedPolicy;
  /** Its chain version; 0 for the built-in default (nothing stored yet), so the next version is always this + 1. */
  version: number;
  /** Its sha256 (policyDigest). */
  sha256: string;
  /** The sha256 of the version it replaced; null for the first stored version and for the built-in default. */
  previous: string | null;
  /** Key ids of the owners whose signatures authorised it; empty for the built-in default. */
  signers: string[];
  /** When it was applied (ISO 8601, as passed in); null for the built-in default. */
  appliedAt: string | null;
  /** Who applied it (as passed in); null for the built-in default. */
  appliedBy: string | null;
  /** True when no version is stored and the built-in default is in force. */
  isBuiltIn: boolean;
}

/** One stored policy version. */
export interface StoredPolicy {
  /** The chain version (= policy.version). */
  version: number;
  /** The policy id. */
  id: string;
  /** The policy, defaults applied. */
  policy: ResolvedPolicy;
  /** Its sha256 (policyDigest). */
  sha256: string;
  /** The sha256 of the previous version; null for version 1. */
  previous: string | null;
  /** The signed DSSE envelope, exactly as applied. */
  envelope: DsseEnvelope;
  /** Key ids of the owners whose signatures authorised it. */
  signers: string[];
  /** When it was applied (ISO 8601). */
  appliedAt: string;
  /** Who applied it. */
  appliedBy: string;
}

interface PolicyRow {
  version: number;
  id: string;
  sha256: string;
  previous: string | null;
  policy: string;
  envelope: string;
  signers: string;
  applied_at: string;
  applied_by: string;
}

/**
 * The policy in force: the highest stored version, else DEFAULT_POLICY (`isBuiltIn`, version 0). E_TAMPERED when
 * the stored row's sha256 is not the digest of its stored policy (the database file was edited).
 *
 * @example
 * const active = activePolicy(db); // { policy, version, sha256, previous, signers, appliedAt, isBuiltIn }
 */
export function activePolicy(db: Db): ActivePolicy {
  const row = db.prepare('SELECT * FROM policies ORDER BY version DESC LIMIT 1').get() as
    PolicyRow | undefined;
  if (row === undefined) {
    return {
      policy: DEFAULT_POLICY,
      version: 0,
      sha256: policyDigest(DEFAULT_POLICY),
      previous: null,
      signers: [],
      appliedAt: null,
      appliedBy: null,
      isBuiltIn: true,
    };
  }
  const stored = toStoredPolicy(row);
  return {
    policy: stored.policy,
    version: stored.version,
    sha256: stored.sha256,
    previous: stored.previous,
    signers: stored.signers,
    appliedAt: stored.appliedAt,
    appliedBy: stored.appliedBy,
    isBuiltIn: false,
  };
}

/** Every stored version, oldest first (empty while the built-in default is in force); E_TAMPERED as activePolicy. */
export function policyHistory(db: Db): StoredPolicy[] {
  const rows = db.prepare('SELECT * FROM policies ORDER BY version').all() as PolicyRow[];
  return rows.map(toStoredPolicy);
}

function toStoredPolicy(row: PolicyRow): StoredPolicy {
  const where = `policies table, version ${row.version}`;
  let value: unknown;
  let envelope: unknown;
  let signers: unknown;
  try {
    value = JSON.parse(row.policy);
    envelope = JSON.parse(row.envelope);
    signers = JSON.parse(row.signers);
  } catch (error) {
    throw new RedlineError('E_STORE', `${where}: a JSON column does not parse: ${(error as Error).message}`, {
      cause: error,
    });
  }
  validatePolicyValue(value, where);
  const policy = resolvePolicy(value as ResolvedPolicy);
  const sha256 = policyDigest(policy);
  if (sha256 !== row.sha256 || policy.version !== row.version) {
    throw new RedlineError(
      'E_TAMPERED',
      `${where}: the stored policy does not match its recorded sha256/version (${row.sha256}): the database was edited`,
    );
  }
  return {
    version: row.version,
    id: row.id,
    policy,
    sha256,
    previous: row.previous,
    envelope: envelope as DsseEnvelope,
    signers: Array.isArray(signers) ? signers.filter((s): s is string => typeof s === 'string') : [],
    appliedAt: row.applied_at,
    appliedBy: row.applied_by,
  };
}
