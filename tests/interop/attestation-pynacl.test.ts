import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { buildSequencingAttestation } from '../../src/access/sequencing-attestation.js';
import { SEQUENCING_PREDICATE_TYPE } from '../../src/access/sequencing-predicate.js';
import { keyIdOf } from '../../src/crypto/key-id.js';
import { makeAssessment, makeEngagement, makeRun } from '../src/access/access-fixtures.js';

// Debian's python3 with python3-nacl; the `python3` first on PATH may be another Python without PyNaCl.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./verify_dsse.py', import.meta.url));
const hasPyNaCl = spawnSync(PYTHON, ['-c', 'import nacl'], { stdio: 'ignore' }).status === 0;

const pair = nacl.sign.keyPair.fromSeed(sha256(utf8ToBytes('redline interop sequencing evaluator')));
const signer = { keyId: keyIdOf(pair.publicKey), secretKey: pair.secretKey };
const { envelope, predicate } = buildSequencingAttestation({
  engagement: makeEngagement({ model: 'caf\u00e9-model \u2713' }),
  runs: [makeRun('run-1', '2025-06-03T10:00:00.000Z', { model: 'caf\u00e9-model \u2713' })],
  assessments: [makeAssessment('as-1', '2025-06-04T00:00:00.000Z', { model: 'caf\u00e9-model \u2713' })],
  issuedAt: '2025-06-05T00:00:00.000Z',
  signer,
});

function verifyWithPyNaCl(env: unknown, publicKey: Uint8Array): { status: number | null; result: unknown } {
  const run = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify({ envelope: env, publicKey: bytesToHex(publicKey) }),
    encoding: 'utf8',
  });
  if (run.status === 0) return { status: 0, result: JSON.parse(run.stdout) as unknown };
  if (run.status !== 2) throw new Error(`verify_dsse.py failed (${String(run.status)}): ${run.stderr}`);
  return { status: 2, result: undefined };
}

describe.skipIf(!hasPyNaCl)(
  `sequencing attestation verified by PyNaCl (needs ${PYTHON} with python3-nacl)`,
  () => {
    it("PyNaCl verifies the evaluator's Ed25519 signature over the PAE it computes itself", () => {
      const { status, result } = verifyWithPyNaCl(envelope, pair.publicKey);
      expect(status).toBe(0);
      const verified = result as {
        keyid: string;
        statement: { predicateType: string; predicate: unknown; subject: unknown };
      };
      expect(verified.keyid).toBe(signer.keyId);
      expect(verified.statement.predicateType).toBe(SEQUENCING_PREDICATE_TYPE);
      expect(verified.statement.predicate).toEqual(predicate);
      expect(verified.statement.subject).toEqual([
        {
          name: 'model:caf\u00e9-model \u2713',
          digest: { sha256: bytesToHex(sha256(utf8ToBytes('caf\u00e9-model \u2713'))) },
        },
      ]);
    });

    it('PyNaCl refuses the attestation when one payload byte is flipped (the check can fail)', () => {
      const payload = Buffer.from(envelope.payload, 'base64');
      payload[20] = payload[20]! ^ 1;
      const { status } = verifyWithPyNaCl(
        { ...envelope, payload: payload.toString('base64') },
        pair.publicKey,
      );
      expect(status).toBe(2);
    });
  },
);
