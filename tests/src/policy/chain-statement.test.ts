/**
 * Signed policy files: the statement a version signs, parsing with located errors, reading either kind of file,
 * and the one digest of a policy.
 */
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { encodeBase64, encodeUtf8 } from '../../../src/crypto/canonical-bytes.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { RedlineError, type ErrorCode, type Problem } from '../../../src/errors.js';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy.js';
import { applyPolicyDefaults } from '../../../src/policy/load-policy.js';
import { canonicalPolicyJson, policyDigest } from '../../../src/policy/policy-digest.js';
import {
  POLICY_PREDICATE_TYPE,
  createPolicyStatement,
  parseSignedPolicy,
  readPolicyFile,
  signPolicy,
} from '../../../src/policy/policy-statement.js';
import type { DsseEnvelope } from '../../../src/schema/assessment.js';
import type { Policy } from '../../../src/schema/policy.js';
import { canonicalJson } from '../../../src/suite/canonical-json.js';

const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(7));
const signer = { keyId: keyIdOf(pair.publicKey), secretKey: pair.secretKey };
const owner = 'c'.repeat(64);
const policy: Policy = {
  id: 'lab-cyber',
  version: 2,
  metric: 'weighted',
  cutoff: 0.55,
  basis: 'lower',
  categories: { exploitation: { cutoff: 0.5 } },
  rule: 'any',
  owners: [owner],
  threshold: 1,
};
const previous = 'ab'.repeat(32);

function errorOf(fn: () => unknown): RedlineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RedlineError) return error;
    throw error;
  }
  throw new Error('expected a RedlineError');
}

function problemOf(fn: () => unknown, code: ErrorCode): Problem {
  const error = errorOf(fn);
  expect(error.code).toBe(code);
  const problem = (error.details as { problems: Problem[] }).problems[0];
  if (problem === undefined) throw new Error('expected a problem');
  return problem;
}

/** A signed envelope over an arbitrary statement (for malformed-content cases). */
function envelopeOver(statement: unknown): string {
  const payload = encodeUtf8(canonicalJson(statement));
  const base = signPolicy({ policy, previous }, signer);
  return JSON.stringify({ ...base, payload: encodeBase64(payload) });
}

interface StatementJson {
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: { policy: Record<string, unknown>; version: number; previous: string | null };
}

function statementOf(envelope: DsseEnvelope): StatementJson {
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as StatementJson;
}

describe('policyDigest', () => {
  const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

  it('is the SHA-256 of the canonical JSON of the resolved policy', () => {
    const expected = sha256(canonicalJson({ ...applyPolicyDefaults(policy), owners: [owner], threshold: 1 }));
    expect(policyDigest(policy)).toBe(expected);
    expect(sha256(canonicalPolicyJson(policy))).toBe(expected);
    expect(policyDigest(policy)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order', () => {
    const reversed = Object.fromEntries(Object.entries(policy).reverse()) as Policy;
    expect(Object.keys(reversed)).not.toEqual(Object.keys(policy));
    expect(policyDigest(reversed)).toBe(policyDigest(policy));
  });

  it('is the same with the defaults written out, or with a $schema pointer', () => {
    const spelt: Policy = {
      ...policy,
      $schema: '../schemas/policy.schema.json',
      confidence: 0.95,
      maxErrorRate: 0,
      categories: { exploitation: { cutoff: 0.5, basis: 'lower' } },
    };
    expect(policyDigest(spelt)).toBe(policyDigest(policy));
  });

  it('changes with every value that decides or authorises', () => {
    const digest = policyDigest(policy);
    for (const changed of [
      { ...policy, cutoff: 0.56 },
      { ...policy, confidence: 0.9 },
      { ...policy, version: 3 },
      { ...policy, categories: { exploitation: { cutoff: 0.5, basis: 'point' } } },
      { ...policy, owners: [owner, 'd'.repeat(64)] },
      { ...policy, threshold: 2 },
    ] as Policy[]) {
      expect(policyDigest(changed)).not.toBe(digest);
    }
  });

  it('is pinned: the exact text hashed for a minimal policy', () => {
    const text =
      '{"basis":"lower","confidence":0.95,"cutoff":0.6,"id":"p","maxErrorRate":0,"metric":"mean",' +
      '"rule":"overall","version":1}';
    expect(policyDigest({ id: 'p', version: 1, metric: 'mean', cutoff: 0.6, basis: 'lower' })).toBe(
      sha256(text),
    );
  });

  it('takes the built-in default as it is (already resolved)', () => {
    expect(policyDigest(DEFAULT_POLICY)).toBe(sha256(canonicalJson(DEFAULT_POLICY)));
  });
});

describe('createPolicyStatement', () => {
  it('names the policy version, its digest and the digest it replaces', () => {
    const statement = createPolicyStatement(policy, previous);
    expect(statement).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'policy:lab-cyber@v2', digest: { sha256: policyDigest(policy) } }],
      predicateType: POLICY_PREDICATE_TYPE,
      predicate: {
        policy: {
          ...policy,
          confidence: 0.95,
          maxErrorRate: 0,
          categories: { exploitation: { cutoff: 0.5, basis: 'lower' } },
        },
        version: 2,
        previous,
      },
    });
  });

  it('refuses an invalid policy (E_SCHEMA) and a previous that is not a sha256 (E_USAGE)', () => {
    expect(errorOf(() => createPolicyStatement({ ...policy, cutoff: 2 }, previous)).code).toBe('E_SCHEMA');
    expect(errorOf(() => createPolicyStatement(policy, 'AB'.repeat(32))).code).toBe('E_USAGE');
  });
});

describe('parseSignedPolicy', () => {
  it('returns the envelope, statement, resolved policy, version, previous and digest', () => {
    const envelope = signPolicy({ policy, previous }, signer);
    const signed = parseSignedPolicy(`\uFEFF${JSON.stringify(envelope)}`, 'p.json');
    expect(signed.envelope).toEqual(envelope);
    expect(signed.statement).toEqual(createPolicyStatement(policy, previous));
    expect(signed.policy.owners).toEqual([owner]);
    expect(signed.policy.threshold).toBe(1);
    expect(signed.policy.confidence).toBe(0.95);
    expect(signed).toMatchObject({ version: 2, previous, digest: policyDigest(policy) });
  });

  it('names the file for text that is not JSON', () => {
    expect(problemOf(() => parseSignedPolicy('{', 'p.json'), 'E_MALFORMED')).toMatchObject({
      file: 'p.json',
      pointer: '',
    });
  });

  it('names the pointer of an envelope field that is wrong', () => {
    const envelope = signPolicy({ policy, previous }, signer);
    const missing = JSON.stringify({ payloadType: envelope.payloadType, signatures: [] });
    expect(problemOf(() => parseSignedPolicy(missing, 'p.json'), 'E_MALFORMED').file).toBe('p.json');
    const wrongType = JSON.stringify({ ...envelope, payloadType: 'application/json' });
    expect(problemOf(() => parseSignedPolicy(wrongType, 'p.json'), 'E_MALFORMED')).toMatchObject({
      file: 'p.json',
      pointer: '/payloadType',
    });
  });

  it('refuses a statement that is not a policy version', () => {
    const envelope = signPolicy({ policy, previous }, signer);
    const statement = statementOf(envelope);
    const other = envelopeOver({ ...statement, predicateType: 'https://slsa.dev/provenance/v1' });
    expect(problemOf(() => parseSignedPolicy(other, 'p.json'), 'E_MALFORMED')).toMatchObject({
      file: 'p.json (payload)',
      pointer: '/predicateType',
    });
    const extra = envelopeOver({ ...statement, predicate: { ...statement.predicate, note: 'x' } });
    expect(problemOf(() => parseSignedPolicy(extra, 'p.json'), 'E_MALFORMED').pointer).toBe(
      '/predicate/note',
    );
    const badPrevious = envelopeOver({ ...statement, predicate: { ...statement.predicate, previous: 'x' } });
    expect(problemOf(() => parseSignedPolicy(badPrevious, 'p.json'), 'E_MALFORMED').pointer).toBe(
      '/predicate/previous',
    );
  });

  it('locates a policy problem inside the payload (E_SCHEMA)', () => {
    const statement = statementOf(signPolicy({ policy, previous }, signer));
    statement.predicate.policy.cutoff = 2;
    expect(problemOf(() => parseSignedPolicy(envelopeOver(statement), 'p.json'), 'E_SCHEMA')).toMatchObject({
      file: 'p.json (payload)',
      pointer: '/predicate/policy/cutoff',
    });
  });

  it('refuses a subject that does not match the policy, and a version that differs from it', () => {
    const statement = statementOf(signPolicy({ policy, previous }, signer));
    const wrongDigest = {
      ...statement,
      subject: [{ ...statement.subject[0], digest: { sha256: previous } }],
    };
    expect(
      problemOf(() => parseSignedPolicy(envelopeOver(wrongDigest), 'p.json'), 'E_MALFORMED').pointer,
    ).toBe('/subject/0/digest/sha256');
    const wrongName = { ...statement, subject: [{ ...statement.subject[0], name: 'policy:lab-cyber@v9' }] };
    expect(problemOf(() => parseSignedPolicy(envelopeOver(wrongName), 'p.json'), 'E_MALFORMED').pointer).toBe(
      '/subject/0/name',
    );
    const twoSubjects = { ...statement, subject: [statement.subject[0], statement.subject[0]] };
    expect(
      problemOf(() => parseSignedPolicy(envelopeOver(twoSubjects), 'p.json'), 'E_MALFORMED').pointer,
    ).toBe('/subject');
    const wrongVersion = { ...statement, predicate: { ...statement.predicate, version: 3 } };
    expect(
      problemOf(() => parseSignedPolicy(envelopeOver(wrongVersion), 'p.json'), 'E_MALFORMED').pointer,
    ).toBe('/predicate/version');
  });

  it('accepts the URL-safe base64 DSSE allows', () => {
    const envelope = signPolicy({ policy, previous }, signer);
    const urlSafe = {
      ...envelope,
      payload: envelope.payload.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''),
    };
    expect(parseSignedPolicy(JSON.stringify(urlSafe), 'p.json').digest).toBe(policyDigest(policy));
  });
});

describe('readPolicyFile', () => {
  it('reads a signed version', () => {
    const text = JSON.stringify(signPolicy({ policy, previous }, signer));
    const read = readPolicyFile(text, 'p.dsse.json');
    expect(read.kind).toBe('signed');
    expect(read.digest).toBe(policyDigest(policy));
  });

  it('reads a plain JSON policy, keeping owners and threshold', () => {
    const read = readPolicyFile(JSON.stringify(policy), 'p.json');
    expect(read).toEqual({
      kind: 'plain',
      policy: {
        ...policy,
        confidence: 0.95,
        maxErrorRate: 0,
        categories: { exploitation: { cutoff: 0.5, basis: 'lower' } },
      },
      digest: policyDigest(policy),
    });
  });

  it('reads a plain YAML policy', () => {
    const yaml = 'id: lab-cyber\nversion: 1\nmetric: mean\ncutoff: 0.6\nbasis: lower\nthreshold: 2\n';
    const read = readPolicyFile(yaml, 'p.yaml');
    expect(read.kind).toBe('plain');
    expect(read.policy.threshold).toBe(2);
  });

  it('reports a plain file that is not a valid policy (E_SCHEMA) and a broken signed one (E_MALFORMED)', () => {
    expect(
      problemOf(() => readPolicyFile(JSON.stringify({ ...policy, cutoff: -1 }), 'p.json'), 'E_SCHEMA'),
    ).toMatchObject({ file: 'p.json', pointer: '/cutoff' });
    expect(problemOf(() => readPolicyFile('{"id": ', 'p.json'), 'E_SCHEMA').file).toBe('p.json');
    expect(errorOf(() => readPolicyFile('{"payloadType": 1}', 'p.json')).code).toBe('E_MALFORMED');
  });
});
