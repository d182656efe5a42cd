/**
 * Interop with OpenSSL: a raw Ed25519 signature made with our key verifies under `openssl pkeyutl` with the PEM
 * we export, and key ids agree with `openssl dgst -sha256`. Skipped, saying so, only when openssl is absent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeySet } from '../../src/crypto/key-files.js';
import { ed25519PublicKeyPem } from '../../src/crypto/key-pem.js';
import { hasTool, runTool, skipReason } from '../src/crypto/keys/external-tool.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';

const HAS_OPENSSL = hasTool('openssl', ['version']);
const SKIP = skipReason('openssl', HAS_OPENSSL);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redline-openssl-interop-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const set = generateKeySet('lab-a', 'evaluator', fixedRandom('openssl-interop'));

function verifyWithOpenssl(message: Uint8Array, signature: Uint8Array): number | null {
  const pem = join(dir, 'key.pem');
  const msg = join(dir, 'msg.bin');
  const sig = join(dir, 'msg.sig');
  writeFileSync(pem, ed25519PublicKeyPem(set.signing.publicKey));
  writeFileSync(msg, message);
  writeFileSync(sig, signature);
  return runTool('openssl', [
    'pkeyutl',
    '-verify',
    '-rawin',
    '-pubin',
    '-inkey',
    pem,
    '-in',
    msg,
    '-sigfile',
    sig,
  ]).status;
}

describe('openssl interop', () => {
  it.skipIf(!HAS_OPENSSL)(`openssl pkeyutl -verify accepts a raw Ed25519 signature by our key${SKIP}`, () => {
    const message = new TextEncoder().encode('DSSEv1 28 application/vnd.in-toto+json 2 {}');
    expect(verifyWithOpenssl(message, nacl.sign.detached(message, set.signing.secretKey))).toBe(0);
  });

  it.skipIf(!HAS_OPENSSL)(
    `openssl pkeyutl -verify refuses the signature over an edited message${SKIP}`,
    () => {
      const message = new TextEncoder().encode('cutoff 0.6');
      const signature = nacl.sign.detached(message, set.signing.secretKey);
      expect(verifyWithOpenssl(new TextEncoder().encode('cutoff 0.5'), signature)).not.toBe(0);
    },
  );

  it.skipIf(!HAS_OPENSSL)(`openssl reads our PEM back as the same raw Ed25519 key${SKIP}`, () => {
    const pem = join(dir, 'key.pem');
    writeFileSync(pem, ed25519PublicKeyPem(set.signing.publicKey));
    const run = runTool('openssl', ['pkey', '-pubin', '-in', pem, '-noout', '-text']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('ED25519 Public-Key');
    const hex = [...run.stdout.matchAll(/^\s+([0-9a-f:]+)$/gm)]
      .map((m) => m[1])
      .join('')
      .replaceAll(':', '');
    expect(hex).toBe(Buffer.from(set.signing.publicKey).toString('hex'));
  });

  it.skipIf(!HAS_OPENSSL)(`key ids equal openssl dgst -sha256 of the raw public key${SKIP}`, () => {
    for (const [key, keyId] of [
      [set.signing.publicKey, set.signing.keyId],
      [set.age.publicKey, set.age.keyId],
    ] as const) {
      const file = join(dir, 'pk.bin');
      writeFileSync(file, key);
      const run = runTool('openssl', ['dgst', '-sha256', '-r', file]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.split(' ')[0]).toBe(keyId);
    }
  });
});
