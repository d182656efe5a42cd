/**
 * Appends a signed policy version to the `policies` table (policies.ts reads the chain). Apart from reading, so
 * that commands which only read the active policy (a report) never load the signed-statement parser.
 */
import { RedlineError } from '../errors.js';
import { canonicalPolicyJson } from '../policy/policy-digest.js';
import { parseSignedPolicyEnvelope, type SignedPolicy } from '../policy/policy-statement.js';
import { isUniqueViolation, type Db } from './db.js';
import { activePolicy } from './policies.js';

/** What {@link insertPolicy} stores: a parsed signed version, its verified signers, and when and by whom. */
export interface NewPolicyRow {
  /** The signed version (parseSignedPolicy), already verified by verifyPolicyUpdate. */
  signed: SignedPolicy;
  /** The signers verifyPolicyUpdate returned. */
  signers: string[];
  /** ISO 8601 time of applying (the caller's clock). */
  appliedAt: string;
  /** Who applied it (e.g. the operator's user name or key id). */
  appliedBy: string;
}

// The message of the table's trigger (migration 3) when an insert does not extend the chain by one version.
const CHAIN_ABORT = 'policies must extend the chain by exactly one version';

/**
 * Appends a verified version to the chain. E_POLICY_VERSION when its version is not the stored maximum + 1,
 * E_POLICY_CHAIN when its `previous` is not the active sha256 (both enforced by the table's trigger, so a
 * concurrent writer cannot fork the chain between verifying and inserting).
 *
 * @example
 * insertPolicy(db, { signed, signers: verified.signers, appliedAt: now.toISOString(), appliedBy: 'alice' });
 */
export function insertPolicy(db: Db, row: NewPolicyRow): void {
  // Every stored field is re-derived from the envelope, which is what the signatures cover.
  const signed = parseSignedPolicyEnvelope(row.signed.envelope, 'signed policy');
  if (signed.digest !== row.signed.digest || signed.previous !== row.signed.previous) {
    throw new RedlineError('E_INTERNAL', 'insertPolicy: the parsed fields do not match the envelope');
  }
  const policyJson = canonicalPolicyJson(signed.policy);
  try {
    db.prepare(
      `INSERT INTO policies (version, id, sha256, previous, policy, envelope, signers, applied_at, applied_by)
       VALUES (@version, @id, @sha256, @previous, @policy, @envelope, @signers, @applied_at, @applied_by)`,
    ).run({
      version: signed.version,
      id: signed.policy.id,
      sha256: signed.digest,
      previous: signed.previous,
      policy: policyJson,
      envelope: JSON.stringify(signed.envelope),
      signers: JSON.stringify(row.signers),
      applied_at: row.appliedAt,
      applied_by: row.appliedBy,
    });
  } catch (error) {
    throw mapInsertError(db, signed, error);
  }
}

function mapInsertError(db: Db, signed: SignedPolicy, error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const isChainAbort = message.includes(CHAIN_ABORT);
  const isDuplicate = isUniqueViolation(error);
  if (!isChainAbort && !isDuplicate) {
    return new RedlineError('E_STORE', `cannot store policy version ${signed.version}: ${message}`, {
      cause: error,
    });
  }
  const active = activePolicy(db);
  if (signed.version !== active.version + 1) {
    return new RedlineError(
      'E_POLICY_VERSION',
      `policy version ${signed.version} refused: expected ${active.version + 1}, got ${signed.version} ` +
        `(active is version ${active.version}; no rollback, no skipping)`,
      { details: { expected: active.version + 1, got: signed.version }, cause: error },
    );
  }
  const expected = active.isBuiltIn ? null : active.sha256;
  return new RedlineError(
    'E_POLICY_CHAIN',
    `policy version ${signed.version} refused: previous must be ${expected ?? 'null'} (the active policy), ` +
      `got ${signed.previous ?? 'null'}`,
    { details: { expected, got: signed.previous }, cause: error },
  );
}
