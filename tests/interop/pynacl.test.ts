import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../src/errors.js';
import { openStatement, sealStatement, type Identity } from '../../src/crypto/assessment-file.js';
import { keyIdOf } from '../../src/crypto/key-id.js';
import { openSealedBox } from '../../src/crypto/sealed-box.js';
import { IN_TOTO_PAYLOAD_TYPE, buildStatement, serializeStatement } from '../../src/crypto/statement.js';

// Debian's python3 with python3-nacl; the `python3` first on PATH may be another Python without PyNaCl.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./pynacl_open.py', import.meta.url));
const hasPyNaCl = spawnSync(PYTHON, ['-c', 'import nacl'], { stdio: 'ignore' }).status === 0;

/** Runs the PyNaCl helper with a JSON request on stdin (keys as hex, never in files). */
function pynacl(
  mode: 'open' | 'seal' | 'make',
  request: unknown,
): { status: number | null; result: unknown } {
  const run = spawnSync(PYTHON, [SCRIPT, mode], { input: JSON.stringify(request), encoding: 'utf8' });
  if (run.status === 0) return { status: 0, result: JSON.parse(run.stdout) as unknown };
  if (run.status !== 2)
    throw new Error(`pynacl_open.py ${mode} failed (${String(run.status)}): ${run.stderr}`);
  return { status: run.status, result: undefined };
}

function x25519(label: string): Identity {
  const pair = nacl.box.keyPair.fromSecretKey(sha256(utf8ToBytes(label)));
  return { keyId: keyIdOf(pair.publicKey), publicKey: pair.publicKey, secretKey: pair.secretKey };
}

const developer = x25519('redline interop x25519 developer');
const signerSeed = sha256(utf8ToBytes('redline interop ed25519 evaluator'));
const signing = nacl.sign.keyPair.fromSeed(signerSeed);
const evaluator = { keyId: keyIdOf(signing.publicKey), secretKey: signing.secretKey };
const trusted = [{ keyId: evaluator.keyId, publicKey: signing.publicKey }];
const statement = buildStatement({
  subject: [{ name: 'run-7', digest: { sha256: bytesToHex(sha256(utf8ToBytes('run 7'))) } }],
  predicateType: 'https://redline.example/assessment/v1',
  predicate: { recipients: [developer.keyId], designation: 'covered', note: 'caf\u00e9 \u2713' },
});

describe.skipIf(!hasPyNaCl)(`interop with PyNaCl (needs ${PYTHON} with python3-nacl)`, () => {
  it('PyNaCl opens our file: SealedBox gives the file key, SecretBox the envelope, VerifyKey checks the PAE', () => {
    const file = sealStatement({ statement, signer: evaluator, recipients: [developer] });
    const { status, result } = pynacl('open', {
      file,
      recipientSecretKey: bytesToHex(developer.secretKey),
      signerPublicKey: bytesToHex(signing.publicKey),
    });
    expect(status).toBe(0);
    const opened = result as { fileKey: string; envelope: unknown; payload: string; keyid: string };
    expect(opened.fileKey).toMatch(/^[0-9a-f]{64}$/);
    expect(opened.keyid).toBe(evaluator.keyId);
    expect(hexToBytes(opened.payload)).toEqual(serializeStatement(statement));
    expect(opened.envelope).toEqual(openStatement(file, { identity: developer, trusted }).envelope);
  });

  it('PyNaCl refuses our file when a ciphertext byte is flipped (the check can fail)', () => {
    const file = sealStatement({ statement, signer: evaluator, recipients: [developer] });
    const ciphertext = Buffer.from(file.ciphertext, 'base64');
    ciphertext[5] = (ciphertext[5] ?? 0) ^ 1;
    const { status } = pynacl('open', {
      file: { ...file, ciphertext: ciphertext.toString('base64') },
      recipientSecretKey: bytesToHex(developer.secretKey),
      signerPublicKey: bytesToHex(signing.publicKey),
    });
    expect(status).toBe(2);
  });

  it("our openSealedBox opens a file key sealed by PyNaCl's SealedBox", () => {
    const fileKey = sha256(utf8ToBytes('a file key'));
    const { result } = pynacl('seal', {
      recipientPublicKey: bytesToHex(developer.publicKey),
      message: bytesToHex(fileKey),
    });
    const sealed = hexToBytes((result as { sealed: string }).sealed);
    expect(sealed).toHaveLength(32 + 48);
    expect(openSealedBox(sealed, developer.publicKey, developer.secretKey)).toEqual(fileKey);
    const stranger = x25519('redline interop x25519 stranger');
    expect(openSealedBox(sealed, stranger.publicKey, stranger.secretKey)).toBeNull();
  });

  it('we open a whole assessment file made by PyNaCl (SealedBox, SecretBox, SigningKey, its own PAE)', () => {
    const { result } = pynacl('make', {
      recipientPublicKey: bytesToHex(developer.publicKey),
      signerSeed: bytesToHex(signerSeed),
      payload: bytesToHex(serializeStatement(statement)),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
    });
    const opened = openStatement(JSON.stringify(result), { identity: developer, trusted });
    expect(opened.statement).toEqual(statement);
    expect(opened.signedBy).toEqual([evaluator.keyId]);
  });

  it('a PyNaCl file signed by another key is refused (E_UNTRUSTED_SIGNER)', () => {
    const { result } = pynacl('make', {
      recipientPublicKey: bytesToHex(developer.publicKey),
      signerSeed: bytesToHex(sha256(utf8ToBytes('redline interop ed25519 mallory'))),
      payload: bytesToHex(serializeStatement(statement)),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
    });
    let code: string | undefined;
    try {
      openStatement(result, { identity: developer, trusted });
    } catch (error) {
      code = isRedlineError(error) ? error.code : 'not a RedlineError';
    }
    expect(code).toBe('E_UNTRUSTED_SIGNER');
  });
});
