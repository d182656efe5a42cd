/**
 * The policy chain end to end: signed versions verified against the active policy and appended to a real SQLite
 * store; every refusal has its own code and leaves the active policy as it was.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64, encodeUtf8 } from '../../../src/crypto/canonical-bytes.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { RedlineError, type ErrorCode } from '../../../src/errors.js';
import { policyDigest } from '../../../src/policy/policy-digest.js';
import { parseSignedPolicy, signPolicy } from '../../../src/policy/policy-statement.js';
import { verifyPolicyUpdate } from '../../../src/policy/verify-policy.js';
import type { DsseEnvelope } from '../../../src/schema/assessment.js';
import type { Policy } from '../../../src/schema/policy.js';
import { canonicalJson } from '../../../src/suite/canonical-json.js';
import { openStore, type Db } from '../../../src/store/open-store.js';
import { insertPolicy } from '../../../src/store/insert-policy.js';
import { activePolicy, policyHistory } from '../../../src/store/policies.js';

interface TestKey {
  keyId: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

function keyFromSeed(byte: number): TestKey {
  const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(byte));
  return { keyId: keyIdOf(pair.publicKey), publicKey: pair.publicKey, secretKey: pair.secretKey };
}

// A, B, C: keyring owners. D, F: in the keyring with another role. X: not in the keyring at all.
const A = keyFromSeed(1);
const B = keyFromSeed(2);
const C = keyFromSeed(3);
const D = keyFromSeed(4);
const F = keyFromSeed(5);
const X = keyFromSeed(6);
const keyringOwners = [A, B, C].map(({ keyId, publicKey }) => ({ keyId, publicKey }));
const keyring = [A, B, C, D, F].map(({ keyId, publicKey }) => ({ keyId, publicKey }));
const keyLookup = (keyId: string): { keyId: string; publicKey: Uint8Array } | undefined =>
  keyring.find((k) => k.keyId === keyId);

const base = { id: 'lab-cyber', metric: 'mean', basis: 'lower' } as const;
const V1: Policy = { ...base, version: 1, cutoff: 0.6, owners: [A.keyId, B.keyId, C.keyId], threshold: 2 };
const V2: Policy = { ...V1, version: 2, cutoff: 0.55 };
const V3: Policy = {
  ...V2,
  version: 3,
  cutoff: 0.5,
  categories: { exploitation: { cutoff: 0.45 } },
  rule: 'any',
};

/** Signs `policy` (replacing `previous`) by each signer in turn, as owners pass the file along. */
function signBy(policy: Policy, previous: string | null, signers: readonly TestKey[]): DsseEnvelope {
  const [first, ...rest] = signers;
  if (first === undefined) {
    const envelope = signPolicy({ policy, previous }, A);
    return { ...envelope, signatures: [] };
  }
  let envelope = signPolicy({ policy, previous }, first);
  for (const signer of rest) envelope = signPolicy(envelope, signer);
  return envelope;
}

/** What `redline policy apply` does: parse, verify against the active policy, insert. */
function apply(db: Db, envelope: DsseEnvelope): string[] {
  const signed = parseSignedPolicy(JSON.stringify(envelope, null, 2), 'policy.dsse.json');
  const { signers } = verifyPolicyUpdate({
    signed,
    active: activePolicy(db),
    ownersFromKeyring: keyringOwners,
    keyLookup,
  });
  insertPolicy(db, { signed, signers, appliedAt: '2026-11-27T10:00:00.000Z', appliedBy: 'operator' });
  return signers;
}

function codeOf(fn: () => unknown): ErrorCode | 'none' | 'not a RedlineError' {
  try {
    fn();
  } catch (error) {
    return error instanceof RedlineError ? error.code : 'not a RedlineError';
  }
  return 'none';
}

function errorOf(fn: () => unknown): RedlineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RedlineError) return error;
    throw error;
  }
  throw new Error('expected a RedlineError');
}

let dir: string;
let dbCount = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-policy-chain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function freshDb(): Db {
  dbCount += 1;
  return openStore(join(dir, `chain-${dbCount}.db`));
}

const sha = (policy: Policy): string => policyDigest(policy);

/** A store with versions 1..n of the chain applied. */
function chainAt(n: 0 | 1 | 2 | 3): Db {
  const db = freshDb();
  if (n >= 1) apply(db, signBy(V1, null, [A, B]));
  if (n >= 2) apply(db, signBy(V2, sha(V1), [A, C]));
  if (n >= 3) apply(db, signBy(V3, sha(V2), [B, C]));
  return db;
}

/** Expects `envelope` to be refused with `code`, and the store to be exactly as before. */
function expectRefused(db: Db, envelope: DsseEnvelope, code: ErrorCode): RedlineError {
  const before = { active: activePolicy(db), history: policyHistory(db) };
  const error = errorOf(() => apply(db, envelope));
  expect(error.code).toBe(code);
  expect(activePolicy(db)).toEqual(before.active);
  expect(policyHistory(db)).toEqual(before.history);
  return error;
}

describe('policy chain', () => {
  it('applies a chain of three versions, each linked to the one before', () => {
    const db = freshDb();
    expect(activePolicy(db).isBuiltIn).toBe(true);
    expect(apply(db, signBy(V1, null, [A, B]))).toEqual([A.keyId, B.keyId]);
    expect(apply(db, signBy(V2, sha(V1), [A, C]))).toEqual([A.keyId, C.keyId]);
    expect(apply(db, signBy(V3, sha(V2), [C, B]))).toEqual([C.keyId, B.keyId]);

    const active = activePolicy(db);
    expect(active).toMatchObject({
      version: 3,
      sha256: sha(V3),
      previous: sha(V2),
      signers: [C.keyId, B.keyId],
      appliedAt: '2026-11-27T10:00:00.000Z',
      appliedBy: 'operator',
      isBuiltIn: false,
    });
    expect(active.policy).toEqual({
      ...V3,
      confidence: 0.95,
      maxErrorRate: 0,
      categories: { exploitation: { cutoff: 0.45, basis: 'lower' } },
    });
    const history = policyHistory(db);
    expect(history.map((h) => [h.version, h.previous, h.sha256])).toEqual([
      [1, null, sha(V1)],
      [2, sha(V1), sha(V2)],
      [3, sha(V2), sha(V3)],
    ]);
    db.close();
  });

  it('keeps the active policy across reopening the database', () => {
    const db = chainAt(2);
    const file = db.name;
    db.close();
    const reopened = openStore(file, { readonly: true });
    expect(activePolicy(reopened)).toMatchObject({ version: 2, sha256: sha(V2), isBuiltIn: false });
    reopened.close();
  });

  it('carries owners and threshold into the active policy, which then authorises the next version', () => {
    const db = chainAt(1);
    expect(activePolicy(db).policy.owners).toEqual([A.keyId, B.keyId, C.keyId]);
    expect(activePolicy(db).policy.threshold).toBe(2);
    db.close();
  });

  describe('the version', () => {
    it('refuses a skipped version (E_POLICY_VERSION: expected 3, got 4)', () => {
      const db = chainAt(2);
      const error = expectRefused(db, signBy({ ...V3, version: 4 }, sha(V2), [A, B]), 'E_POLICY_VERSION');
      expect(error.details).toEqual({ expected: 3, got: 4 });
      db.close();
    });

    it('refuses a rollback: re-applying an older signed version', () => {
      const db = chainAt(2);
      const oldV1 = signBy(V1, null, [A, B]);
      const error = expectRefused(db, oldV1, 'E_POLICY_VERSION');
      expect(error.details).toEqual({ expected: 3, got: 1 });
      db.close();
    });

    it('refuses a second version 2 once version 2 is active', () => {
      const db = chainAt(2);
      const rival = signBy({ ...V2, cutoff: 0.7 }, sha(V1), [A, B]);
      expect(expectRefused(db, rival, 'E_POLICY_VERSION').details).toEqual({ expected: 3, got: 2 });
      db.close();
    });

    it('needs version 1 first while the built-in default is active', () => {
      const db = chainAt(0);
      const error = expectRefused(db, signBy({ ...V1, version: 2 }, null, [A, B]), 'E_POLICY_VERSION');
      expect(error.details).toEqual({ expected: 1, got: 2 });
      db.close();
    });

    it('is checked before the chain digest', () => {
      const db = chainAt(2);
      expectRefused(db, signBy({ ...V3, version: 5 }, sha(V1), [A, B]), 'E_POLICY_VERSION');
      db.close();
    });
  });

  describe('the chain digest', () => {
    it('refuses a fork from an older version (previous names version 1, not the active 2)', () => {
      const db = chainAt(2);
      const error = expectRefused(db, signBy(V3, sha(V1), [A, B]), 'E_POLICY_CHAIN');
      expect(error.details).toEqual({ expected: sha(V2), got: sha(V1) });
      db.close();
    });

    it('refuses a previous digest that names no version, and a null previous after version 1', () => {
      const db = chainAt(2);
      expectRefused(db, signBy(V3, 'ab'.repeat(32), [A, B]), 'E_POLICY_CHAIN');
      expectRefused(db, signBy(V3, null, [A, B]), 'E_POLICY_CHAIN');
      db.close();
    });

    it('refuses a first version with a previous digest (the built-in default has none)', () => {
      const db = chainAt(0);
      const builtIn = activePolicy(db).sha256;
      expectRefused(db, signBy(V1, builtIn, [A, B]), 'E_POLICY_CHAIN');
      db.close();
    });

    it('is checked before the signatures', () => {
      const db = chainAt(2);
      expectRefused(db, signBy(V3, sha(V1), [X]), 'E_POLICY_CHAIN');
      db.close();
    });
  });

  describe('the signatures', () => {
    it('refuses a payload edited after signing (E_TAMPERED), though it parses as a valid policy', () => {
      const db = chainAt(2);
      const envelope = signBy(V3, sha(V2), [A, B]);
      const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
      const edited: Policy = { ...statement.predicate.policy, cutoff: 0.9 };
      statement.predicate.policy = edited;
      statement.subject[0].digest.sha256 = policyDigest(edited);
      const forged = { ...envelope, payload: encodeBase64(encodeUtf8(canonicalJson(statement))) };
      // The forgery is well-formed: only the signatures can tell.
      expect(parseSignedPolicy(JSON.stringify(forged), 'f.json').policy.cutoff).toBe(0.9);
      expect(expectRefused(db, forged, 'E_TAMPERED').details).toMatchObject({ index: 0, keyId: A.keyId });
      db.close();
    });

    it('refuses a signature whose bytes were altered (E_TAMPERED)', () => {
      const db = chainAt(2);
      const envelope = signBy(V3, sha(V2), [A, B]);
      const sig = decodeBase64(envelope.signatures[1]!.sig)!;
      sig[10] = (sig[10] ?? 0) ^ 0x01;
      const signatures = [envelope.signatures[0]!, { keyid: B.keyId, sig: encodeBase64(sig) }];
      expectRefused(db, { ...envelope, signatures }, 'E_TAMPERED');
      db.close();
    });

    it('refuses the whole file for a valid signature by a keyring key that is not an owner', () => {
      const db = chainAt(2);
      const error = expectRefused(db, signBy(V3, sha(V2), [A, B, D]), 'E_UNTRUSTED_SIGNER');
      expect(error.details).toMatchObject({ index: 2, keyId: D.keyId });
      db.close();
    });

    it('refuses a signature by a key the keyring does not hold', () => {
      const db = chainAt(2);
      expect(expectRefused(db, signBy(V3, sha(V2), [A, B, X]), 'E_UNTRUSTED_SIGNER').details).toMatchObject({
        keyId: X.keyId,
      });
      db.close();
    });

    it('refuses a signature that names no key id, even a valid one by an owner', () => {
      const db = chainAt(2);
      const envelope = signBy(V3, sha(V2), [A, B]);
      const signatures = [envelope.signatures[0]!, { sig: envelope.signatures[1]!.sig }];
      expectRefused(db, { ...envelope, signatures }, 'E_UNTRUSTED_SIGNER');
      db.close();
    });

    it('refuses a key owner of the keyring who is not an owner of the active policy', () => {
      const db = chainAt(2);
      // Version 3 hands the policy to D and F (in the keyring, not of role owner), who both consent.
      apply(db, signBy({ ...V3, owners: [D.keyId, F.keyId], threshold: 1 }, sha(V2), [A, B, D]));
      const v3 = activePolicy(db);
      expect(v3.policy.owners).toEqual([D.keyId, F.keyId]);
      const v4: Policy = { ...V3, version: 4, owners: [D.keyId, F.keyId], threshold: 1, cutoff: 0.4 };
      expectRefused(db, signBy(v4, v3.sha256, [A]), 'E_UNTRUSTED_SIGNER');
      expect(apply(db, signBy(v4, v3.sha256, [F]))).toEqual([F.keyId]);
      db.close();
    });
  });

  describe('the threshold', () => {
    it('refuses too few distinct owner signatures (2 of 3 required, got 1)', () => {
      const db = chainAt(2);
      const error = expectRefused(db, signBy(V3, sha(V2), [A]), 'E_THRESHOLD');
      expect(error.details).toEqual({
        role: 'active',
        threshold: 2,
        owners: [A.keyId, B.keyId, C.keyId],
        signers: [A.keyId],
      });
      db.close();
    });

    it('counts the same owner signing twice once', () => {
      const db = chainAt(2);
      const byA = signBy(V3, sha(V2), [A]);
      const twice = { ...byA, signatures: [byA.signatures[0]!, { ...byA.signatures[0]! }] };
      expect(expectRefused(db, twice, 'E_THRESHOLD').details).toMatchObject({ signers: [A.keyId] });
      db.close();
    });

    it('refuses a file with no signatures', () => {
      const db = chainAt(2);
      expectRefused(db, signBy(V3, sha(V2), []), 'E_THRESHOLD');
      db.close();
    });

    it('refuses new owners who did not sign, and accepts them once they do', () => {
      const db = chainAt(2);
      const handOver: Policy = { ...V3, owners: [A.keyId, D.keyId, F.keyId], threshold: 2 };
      // A and B meet the active threshold; of the new owners only A signed.
      const error = expectRefused(db, signBy(handOver, sha(V2), [A, B]), 'E_THRESHOLD');
      expect(error.details).toEqual({
        role: 'new',
        threshold: 2,
        owners: [A.keyId, D.keyId, F.keyId],
        signers: [A.keyId],
      });
      expect(apply(db, signBy(handOver, sha(V2), [A, B, D]))).toEqual([A.keyId, B.keyId, D.keyId]);
      db.close();
    });

    it('refuses a version whose own owners cannot reach its threshold (a lock-out)', () => {
      const db = chainAt(2);
      const lockOut: Policy = { ...V3, owners: [A.keyId, B.keyId], threshold: 3 };
      expect(expectRefused(db, signBy(lockOut, sha(V2), [A, B, C]), 'E_THRESHOLD').details).toMatchObject({
        role: 'new',
        threshold: 3,
      });
      db.close();
    });

    it('needs the active threshold even when the new version lowers it', () => {
      const db = chainAt(2);
      expectRefused(db, signBy({ ...V3, threshold: 1 }, sha(V2), [A]), 'E_THRESHOLD');
      db.close();
    });
  });

  describe('while the built-in default is active', () => {
    const plain: Policy = { ...base, version: 1, cutoff: 0.6 };

    it('accepts a first version signed by one keyring owner', () => {
      const db = chainAt(0);
      expect(apply(db, signBy(plain, null, [C]))).toEqual([C.keyId]);
      expect(activePolicy(db)).toMatchObject({ version: 1, previous: null, isBuiltIn: false });
      db.close();
    });

    it("uses the new version's threshold over the keyring owners", () => {
      const db = chainAt(0);
      expectRefused(db, signBy({ ...plain, threshold: 2 }, null, [A]), 'E_THRESHOLD');
      expect(apply(db, signBy({ ...plain, threshold: 2 }, null, [A, C]))).toEqual([A.keyId, C.keyId]);
      db.close();
    });

    it('refuses a first version signed by a keyring key that is not of role owner', () => {
      const db = chainAt(0);
      expectRefused(db, signBy(plain, null, [D]), 'E_UNTRUSTED_SIGNER');
      db.close();
    });

    it('refuses every signature when the keyring has no owners', () => {
      const db = chainAt(0);
      const signed = parseSignedPolicy(JSON.stringify(signBy(plain, null, [A])), 'p.json');
      const verify = (): unknown =>
        verifyPolicyUpdate({ signed, active: activePolicy(db), ownersFromKeyring: [], keyLookup });
      expect(codeOf(verify)).toBe('E_UNTRUSTED_SIGNER');
      db.close();
    });
  });

  it('never trusts a key the keyring lookup does not vouch for', () => {
    const db = chainAt(0);
    const signed = parseSignedPolicy(
      JSON.stringify(signBy({ ...V1, owners: [A.keyId] }, null, [A])),
      'p.json',
    );
    // A lookup that hands back another key under A's id is a broken keyring, not a reason to accept.
    const lying = (keyId: string): { keyId: string; publicKey: Uint8Array } | undefined =>
      keyId === A.keyId ? { keyId: A.keyId, publicKey: B.publicKey } : undefined;
    expect(
      codeOf(() =>
        verifyPolicyUpdate({
          signed,
          active: activePolicy(db),
          ownersFromKeyring: [],
          keyLookup: lying,
        }),
      ),
    ).toBe('E_KEY');
    db.close();
  });
});

describe('multi-owner signing', () => {
  it('owner A signs the plain file, owner B adds a signature to its output, and threshold 2 is met', () => {
    const db = chainAt(1);
    const byA = signPolicy({ policy: V2, previous: sha(V1) }, A);
    const fileOfA = JSON.stringify(byA, null, 2);
    const fromA = parseSignedPolicy(fileOfA, 'policy-v2.dsse.json');

    const byAB = signPolicy(fromA.envelope, B);
    expect(byAB.payload).toBe(byA.payload);
    expect(byAB.payloadType).toBe(byA.payloadType);
    expect(byAB.signatures.slice(0, 1)).toEqual(byA.signatures);
    expect(byAB.signatures.map((s) => s.keyid)).toEqual([A.keyId, B.keyId]);

    // A alone does not meet threshold 2; A and B do.
    expectRefused(db, byA, 'E_THRESHOLD');
    expect(apply(db, byAB)).toEqual([A.keyId, B.keyId]);
    expect(activePolicy(db)).toMatchObject({ version: 2, signers: [A.keyId, B.keyId] });
    db.close();
  });

  it('refuses a second signature by the same key (E_STATE), also when it carries no key id', () => {
    const byA = signPolicy({ policy: V2, previous: sha(V1) }, A);
    expect(codeOf(() => signPolicy(byA, A))).toBe('E_STATE');
    const anonymous = { ...byA, signatures: [{ sig: byA.signatures[0]!.sig }] };
    expect(codeOf(() => signPolicy(anonymous, A))).toBe('E_STATE');
  });

  it('refuses a signing key that is not its key id (E_KEY)', () => {
    const byA = signPolicy({ policy: V2, previous: sha(V1) }, A);
    expect(codeOf(() => signPolicy(byA, { keyId: C.keyId, secretKey: B.secretKey }))).toBe('E_KEY');
  });

  it('refuses to add a signature to an envelope that is not a policy version', () => {
    const byA = signPolicy({ policy: V2, previous: sha(V1) }, A);
    expect(codeOf(() => signPolicy({ ...byA, payloadType: 'text/plain' }, B))).toBe('E_MALFORMED');
  });
});
