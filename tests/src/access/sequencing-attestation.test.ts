import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  buildSequencingAttestation,
  verifySequencingAttestation,
} from '../../../src/access/sequencing-attestation.js';
import { SEQUENCING_PREDICATE_TYPE, SEQUENCING_STATEMENT } from '../../../src/access/sequencing-predicate.js';
import { signEnvelope } from '../../../src/crypto/dsse.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { IN_TOTO_PAYLOAD_TYPE, buildStatement, serializeStatement } from '../../../src/crypto/statement.js';
import { codeOf, makeAssessment, makeEngagement, makeRun } from './access-fixtures.js';

function ed25519(label: string) {
  const pair = nacl.sign.keyPair.fromSeed(sha256(utf8ToBytes(label)));
  const keyId = keyIdOf(pair.publicKey);
  return { signer: { keyId, secretKey: pair.secretKey }, trusted: { keyId, publicKey: pair.publicKey } };
}

const evaluator = ed25519('redline test access evaluator');
const mallory = ed25519('redline test access mallory');
const engagement = makeEngagement();
const runs = [
  makeRun('run-2', '2025-06-05T10:00:00.000Z'),
  makeRun('run-1', '2025-06-03T10:00:00.000Z'),
  makeRun('run-late', '2025-07-02T10:00:00.000Z'),
  makeRun('run-other', '2025-06-04T10:00:00.000Z', { developer: 'globex' }),
];
const assessments = [
  makeAssessment('as-early', '2025-06-01T00:00:00.000Z'),
  makeAssessment('as-1', '2025-06-06T00:00:00.000Z', {
    runs: ['run-1', 'run-2'],
    fileSha256: 'd'.repeat(64),
  }),
];
const issuedAt = '2025-06-07T09:00:00.000Z';
const build = () =>
  buildSequencingAttestation({ engagement, runs, assessments, issuedAt, signer: evaluator.signer });

/** Re-signs a statement with `predicate` and `subject` under the evaluator key (a validly signed oddity). */
function signed(predicateType: string, predicate: object, subjectName = 'model:m1', model = 'm1'): string {
  const statement = buildStatement({
    subject: [{ name: subjectName, digest: { sha256: bytesToHex(sha256(utf8ToBytes(model))) } }],
    predicateType,
    predicate,
  });
  return JSON.stringify(
    signEnvelope(serializeStatement(statement), IN_TOTO_PAYLOAD_TYPE, [evaluator.signer]),
  );
}

describe('buildSequencingAttestation', () => {
  it('attests the completed runs in the window and the assessments after them, without scores', () => {
    const { predicate, envelope, text } = build();
    expect(predicate).toEqual({
      engagement: {
        id: 'eng-1',
        developer: 'acme',
        model: 'm1',
        startDate: '2025-06-01',
        releaseDate: '2025-06-30',
        partners: ['partner-a', 'partner-b'],
      },
      completedAt: '2025-06-05',
      runs: [
        { runId: 'run-1', suite: { id: 'ctf-flags', version: '1.0.0', sha256: 'a'.repeat(64) } },
        { runId: 'run-2', suite: { id: 'ctf-flags', version: '1.0.0', sha256: 'a'.repeat(64) } },
      ],
      assessments: [{ assessmentId: 'as-1', fileSha256: 'd'.repeat(64) }],
      issuedAt,
      statement: SEQUENCING_STATEMENT,
    });
    expect(envelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(envelope.signatures.map((s) => s.keyid)).toEqual([evaluator.signer.keyId]);
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicateType: string;
      subject: unknown;
    };
    expect(statement.predicateType).toBe(SEQUENCING_PREDICATE_TYPE);
    expect(statement.subject).toEqual([
      { name: 'model:m1', digest: { sha256: bytesToHex(sha256(utf8ToBytes('m1'))) } },
    ]);
    expect(JSON.parse(text)).toEqual(envelope);
    expect(text).not.toMatch(/decision|covered|score/);
  });

  it('refuses with E_NOT_ASSESSED before any run, and after runs but before an assessment', () => {
    const attempt = (r: typeof runs, a: typeof assessments) => () =>
      buildSequencingAttestation({ engagement, runs: r, assessments: a, issuedAt, signer: evaluator.signer });
    expect(codeOf(attempt([], assessments))).toBe('E_NOT_ASSESSED');
    expect(codeOf(attempt(runs, []))).toBe('E_NOT_ASSESSED');
    expect(codeOf(attempt(runs, [makeAssessment('as-early', '2025-06-01T00:00:00.000Z')]))).toBe(
      'E_NOT_ASSESSED',
    );
  });
});

describe('verifySequencingAttestation', () => {
  it('round-trips: the trusted key verifies and the predicate comes back', () => {
    const { text, predicate } = build();
    expect(verifySequencingAttestation(text, evaluator.trusted)).toEqual(predicate);
  });

  it('refuses an attestation signed by another key with E_UNTRUSTED_SIGNER', () => {
    const { text } = buildSequencingAttestation({
      engagement,
      runs,
      assessments,
      issuedAt,
      signer: mallory.signer,
    });
    expect(codeOf(() => verifySequencingAttestation(text, evaluator.trusted))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('refuses an altered payload, payload type or signature with E_TAMPERED', () => {
    const { envelope } = build();
    const payload = Buffer.from(envelope.payload, 'base64')
      .toString('utf8')
      .replace('"completedAt":"2025-06-05"', '"completedAt":"2025-06-04"');
    expect(payload).toContain('2025-06-04');
    const altered = { ...envelope, payload: Buffer.from(payload).toString('base64') };
    expect(codeOf(() => verifySequencingAttestation(JSON.stringify(altered), evaluator.trusted))).toBe(
      'E_TAMPERED',
    );
    const retyped = { ...envelope, payloadType: 'application/json' };
    expect(codeOf(() => verifySequencingAttestation(JSON.stringify(retyped), evaluator.trusted))).toBe(
      'E_TAMPERED',
    );
    const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    sig[3] = sig[3]! ^ 1;
    const resigned = {
      ...envelope,
      signatures: [{ ...envelope.signatures[0], sig: sig.toString('base64') }],
    };
    expect(codeOf(() => verifySequencingAttestation(JSON.stringify(resigned), evaluator.trusted))).toBe(
      'E_TAMPERED',
    );
  });

  it('refuses what is not a sequencing attestation with E_MALFORMED', () => {
    const { predicate } = build();
    const cases = [
      'not json',
      '{"payloadType": 1}',
      JSON.stringify({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: 'e30=', signatures: 'none' }),
      signed('https://redline.example/assessment/v1', predicate),
      signed(SEQUENCING_PREDICATE_TYPE, { ...predicate, score: 0.9 }),
      signed(SEQUENCING_PREDICATE_TYPE, { ...predicate, statement: 'something else' }),
      signed(SEQUENCING_PREDICATE_TYPE, predicate, 'model:m2', 'm1'),
      signed(SEQUENCING_PREDICATE_TYPE, predicate, 'model:m1', 'm2'),
    ];
    for (const text of cases) {
      expect(
        codeOf(() => verifySequencingAttestation(text, evaluator.trusted)),
        text.slice(0, 60),
      ).toBe('E_MALFORMED');
    }
    expect(
      codeOf(() =>
        verifySequencingAttestation(signed(SEQUENCING_PREDICATE_TYPE, predicate), evaluator.trusted),
      ),
    ).toBeUndefined();
  });

  it('refuses a non-in-toto payload type signed by the trusted key with E_MALFORMED', () => {
    const { envelope } = build();
    const payload = Buffer.from(envelope.payload, 'base64');
    const text = JSON.stringify(signEnvelope(payload, 'application/json', [evaluator.signer]));
    expect(codeOf(() => verifySequencingAttestation(text, evaluator.trusted))).toBe('E_MALFORMED');
  });
});
