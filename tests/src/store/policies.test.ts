/**
 * The policies table, on both backends: the built-in default while empty, append-only history, the chain trigger
 * mapped to policy codes, and stored rows checked against their digest.
 */
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { RedlineError, type ErrorCode } from '../../../src/errors.js';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy.js';
import { policyDigest } from '../../../src/policy/policy-digest.js';
import { parseSignedPolicy, signPolicy, type SignedPolicy } from '../../../src/policy/policy-statement.js';
import type { Policy } from '../../../src/schema/policy.js';
import { dialectOf, type Db } from '../../../src/store/db.js';
import { insertPolicy } from '../../../src/store/insert-policy.js';
import { activePolicy, policyHistory } from '../../../src/store/policies.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';

const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(9));
const owner = { keyId: keyIdOf(pair.publicKey), secretKey: pair.secretKey };
const V1: Policy = {
  id: 'lab-cyber',
  version: 1,
  metric: 'mean',
  cutoff: 0.6,
  basis: 'lower',
  owners: [owner.keyId],
};
const V2: Policy = { ...V1, version: 2, cutoff: 0.55 };
const V3: Policy = { ...V1, version: 3, cutoff: 0.5 };

function signed(policy: Policy, previous: string | null): SignedPolicy {
  return parseSignedPolicy(JSON.stringify(signPolicy({ policy, previous }, owner)), 'p.json');
}

function insert(db: Db, policy: Policy, previous: string | null, at = '2026-11-27T10:00:00.000Z'): void {
  insertPolicy(db, {
    signed: signed(policy, previous),
    signers: [owner.keyId],
    appliedAt: at,
    appliedBy: 'op',
  });
}

function codeOf(fn: () => unknown): ErrorCode | 'none' | 'not a RedlineError' {
  try {
    fn();
  } catch (error) {
    return error instanceof RedlineError ? error.code : 'not a RedlineError';
  }
  return 'none';
}

describe.each(storeBackends())('policies on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  describe('activePolicy', () => {
    it('is the built-in default, version 0, while nothing is stored', () => {
      const db = backend.open().db;
      expect(activePolicy(db)).toEqual({
        policy: DEFAULT_POLICY,
        version: 0,
        sha256: policyDigest(DEFAULT_POLICY),
        previous: null,
        signers: [],
        appliedAt: null,
        appliedBy: null,
        isBuiltIn: true,
      });
      expect(policyHistory(db)).toEqual([]);
      db.close();
    });

    it('is the highest stored version', () => {
      const db = backend.open().db;
      insert(db, V1, null, '2026-11-27T10:00:00.000Z');
      insert(db, V2, policyDigest(V1), '2026-11-28T10:00:00.000Z');
      expect(activePolicy(db)).toMatchObject({
        version: 2,
        sha256: policyDigest(V2),
        previous: policyDigest(V1),
        signers: [owner.keyId],
        appliedAt: '2026-11-28T10:00:00.000Z',
        appliedBy: 'op',
        isBuiltIn: false,
      });
      expect(activePolicy(db).policy.owners).toEqual([owner.keyId]);
      db.close();
    });
  });

  describe('policyHistory', () => {
    it('lists every version oldest first, with the envelope exactly as applied', () => {
      const db = backend.open().db;
      const first = signed(V1, null);
      insertPolicy(db, { signed: first, signers: [owner.keyId], appliedAt: 't1', appliedBy: 'op' });
      insert(db, V2, policyDigest(V1));
      const history = policyHistory(db);
      expect(history.map((h) => h.version)).toEqual([1, 2]);
      expect(history[0]!.envelope).toEqual(first.envelope);
      expect(parseSignedPolicy(JSON.stringify(history[0]!.envelope), 'stored').digest).toBe(policyDigest(V1));
      db.close();
    });

    it('stores the policy as the exact text its sha256 is taken over', () => {
      const db = backend.open().db;
      insert(db, V1, null);
      const row = db.prepare('SELECT policy, sha256 FROM policies').get() as {
        policy: string;
        sha256: string;
      };
      expect(createHash('sha256').update(row.policy, 'utf8').digest('hex')).toBe(row.sha256);
      db.close();
    });
  });

  describe('insertPolicy', () => {
    it('maps the chain trigger to E_POLICY_VERSION for a skipped or repeated version', () => {
      const db = backend.open().db;
      expect(codeOf(() => insert(db, V2, null))).toBe('E_POLICY_VERSION');
      insert(db, V1, null);
      expect(codeOf(() => insert(db, V3, policyDigest(V1)))).toBe('E_POLICY_VERSION');
      expect(codeOf(() => insert(db, { ...V1, cutoff: 0.7 }, null))).toBe('E_POLICY_VERSION');
      expect(policyHistory(db).map((h) => h.version)).toEqual([1]);
      db.close();
    });

    it('maps the chain trigger to E_POLICY_CHAIN for a wrong previous digest', () => {
      const db = backend.open().db;
      expect(codeOf(() => insert(db, V1, 'ab'.repeat(32)))).toBe('E_POLICY_CHAIN');
      insert(db, V1, null);
      expect(codeOf(() => insert(db, V2, null))).toBe('E_POLICY_CHAIN');
      expect(codeOf(() => insert(db, V2, 'ab'.repeat(32)))).toBe('E_POLICY_CHAIN');
      expect(activePolicy(db).version).toBe(1);
      db.close();
    });

    it('cannot be bypassed by UPDATE or DELETE', () => {
      const db = backend.open().db;
      insert(db, V1, null);
      expect(() => db.prepare("UPDATE policies SET applied_by = 'x'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM policies').run()).toThrow(/append-only/);
      expect(activePolicy(db).appliedBy).toBe('op');
      db.close();
    });
  });

  describe('reading stored rows', () => {
    it('refuses a row whose policy was edited behind the triggers (E_TAMPERED)', () => {
      const store = backend.open();
      insert(store.db, V1, null);
      store.db.close();
      const raw = store.openRaw();
      raw.exec(
        dialectOf(raw) === 'postgres'
          ? 'ALTER TABLE policies DISABLE TRIGGER policies_no_update'
          : 'DROP TRIGGER policies_no_update',
      );
      raw.prepare('UPDATE policies SET policy = replace(policy, \'"cutoff":0.6\', \'"cutoff":0.1\')').run();
      raw.close();
      const reopened = store.reopen();
      expect(codeOf(() => activePolicy(reopened))).toBe('E_TAMPERED');
      expect(codeOf(() => policyHistory(reopened))).toBe('E_TAMPERED');
      reopened.close();
    });
  });
});
