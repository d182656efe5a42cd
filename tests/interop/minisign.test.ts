/**
 * Interop with the real `minisign` (jedisct1/minisign): our signatures, public keys and secret key files against
 * theirs. Skipped, saying so, only when the binary is absent; CI installs it.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeySet, loadPublicKey, loadSigningKey, writeKeySet } from '../../src/crypto/key-files.js';
import { signFile, verifyFileSignature } from '../../src/crypto/minisign-signature.js';
import { formatMinisignPublicKeyFile } from '../../src/crypto/minisign.js';
import { isRedlineError } from '../../src/errors.js';
import { hasTool, runTool, skipReason } from '../src/crypto/keys/external-tool.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';

const HAS_MINISIGN = hasTool('minisign', ['-v']);
const SKIP = skipReason('minisign', HAS_MINISIGN);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : `not a RedlineError: ${String(error)}`;
  }
  return undefined;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redline-minisign-interop-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Our keys for `id`, written to the temp dir, plus a minisign .pub file of the Ed25519 key. */
function ourKeys(id: string): { set: ReturnType<typeof generateKeySet>; keyFile: string; pubFile: string } {
  const set = generateKeySet(id, 'owner', fixedRandom(`minisign-interop/${id}`));
  const files = writeKeySet(dir, set, { now: new Date('2025-01-01T00:00:00Z') });
  const pubFile = join(dir, `${id}.pub`);
  writeFileSync(pubFile, formatMinisignPublicKeyFile(set.signing));
  return { set, keyFile: files.signingKeyFile, pubFile };
}

/** A key pair made by `minisign -G -W` in the temp dir. */
function theirKeys(): { keyFile: string; pubFile: string } {
  const keyFile = join(dir, 'their.key');
  const pubFile = join(dir, 'their.pub');
  const run = runTool('minisign', ['-G', '-W', '-p', pubFile, '-s', keyFile]);
  expect(run.status, run.stderr).toBe(0);
  return { keyFile, pubFile };
}

function writeMessage(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('minisign interop', () => {
  it.skipIf(!HAS_MINISIGN)(`minisign -V verifies our signature and its trusted comment${SKIP}`, () => {
    const { set, pubFile } = ourKeys('lab-a');
    const file = writeMessage('policy.json', '{"cutoff":0.6}\n');
    const comment = 'policy covered-frontier-cyber v1';
    writeFileSync(`${file}.minisig`, signFile(readFileSync(file), set.signing, { trustedComment: comment }));
    const run = runTool('minisign', ['-V', '-p', pubFile, '-m', file]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Trusted comment: ${comment}`);
    // -H: require a prehashed signature, which is what we write by default.
    expect(runTool('minisign', ['-V', '-H', '-p', pubFile, '-m', file]).status).toBe(0);
    // The public key string of our entry works with -P too.
    expect(runTool('minisign', ['-V', '-P', set.entry.minisign, '-m', file]).status).toBe(0);
  });

  it.skipIf(!HAS_MINISIGN)(`minisign -V refuses our signature over a file edited by one byte${SKIP}`, () => {
    const { set, pubFile } = ourKeys('lab-a');
    const file = writeMessage('policy.json', '{"cutoff":0.6}\n');
    writeFileSync(`${file}.minisig`, signFile(readFileSync(file), set.signing));
    writeFileSync(file, '{"cutoff":0.5}\n');
    expect(runTool('minisign', ['-V', '-p', pubFile, '-m', file]).status).not.toBe(0);
  });

  it.skipIf(!HAS_MINISIGN)(
    `minisign -V verifies our legacy signature and our longest trusted comment${SKIP}`,
    () => {
      const { set, pubFile } = ourKeys('lab-a');
      const file = writeMessage('data.bin', 'x'.repeat(1000));
      writeFileSync(`${file}.minisig`, signFile(readFileSync(file), set.signing, { isLegacy: true }));
      expect(runTool('minisign', ['-V', '-p', pubFile, '-m', file]).status).toBe(0);
      const longComment = 't'.repeat(8173);
      writeFileSync(
        `${file}.minisig`,
        signFile(readFileSync(file), set.signing, { trustedComment: longComment }),
      );
      const run = runTool('minisign', ['-V', '-Q', '-p', pubFile, '-m', file]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe(longComment);
    },
  );

  it.skipIf(!HAS_MINISIGN)(`we verify signatures made by minisign -S, prehashed and legacy${SKIP}`, () => {
    const their = theirKeys();
    const pub = loadPublicKey(their.pubFile).signing;
    const file = writeMessage('report.json', '{"mean":0.675}\n');
    const signed = runTool('minisign', ['-S', '-s', their.keyFile, '-m', file, '-t', 'run 42']);
    expect(signed.status, signed.stderr).toBe(0);
    const bytes = readFileSync(file);
    expect(verifyFileSignature(bytes, readFileSync(`${file}.minisig`, 'utf8'), pub)).toMatchObject({
      trustedComment: 'run 42',
      isPrehashed: true,
    });
    const legacy = runTool('minisign', ['-S', '-l', '-s', their.keyFile, '-m', file, '-x', `${file}.legacy`]);
    expect(legacy.status, legacy.stderr).toBe(0);
    expect(verifyFileSignature(bytes, readFileSync(`${file}.legacy`, 'utf8'), pub).isPrehashed).toBe(false);

    const edited = Buffer.from(bytes);
    edited[3] = (edited[3] ?? 0) ^ 1;
    expect(codeOf(() => verifyFileSignature(edited, readFileSync(`${file}.minisig`, 'utf8'), pub))).toBe(
      'E_TAMPERED',
    );
    const ours = ourKeys('lab-b').set.signing;
    expect(codeOf(() => verifyFileSignature(bytes, readFileSync(`${file}.minisig`, 'utf8'), ours))).toBe(
      'E_UNTRUSTED_SIGNER',
    );
  });

  it.skipIf(!HAS_MINISIGN)(
    `we load a secret key made by minisign -G -W and sign for minisign -V${SKIP}`,
    () => {
      const their = theirKeys();
      const key = loadSigningKey(their.keyFile);
      const pub = loadPublicKey(their.pubFile).signing;
      expect(key.publicKey).toEqual(pub.publicKey);
      expect(key.keynum).toEqual(pub.keynum);
      expect(formatMinisignPublicKeyFile(key)).toBe(readFileSync(their.pubFile, 'utf8'));
      const file = writeMessage('msg.txt', 'signed with their key, by us\n');
      writeFileSync(`${file}.minisig`, signFile(readFileSync(file), key));
      const run = runTool('minisign', ['-V', '-p', their.pubFile, '-m', file]);
      expect(run.status, run.stderr).toBe(0);
    },
  );

  it.skipIf(!HAS_MINISIGN)(
    `we refuse a world-readable secret key made by minisign -G -W (E_KEY)${SKIP}`,
    () => {
      const their = theirKeys();
      chmodSync(their.keyFile, 0o644);
      expect(codeOf(() => loadSigningKey(their.keyFile))).toBe('E_KEY');
    },
  );

  it.skipIf(!HAS_MINISIGN)(
    `minisign -S signs with our ID.key (no password) and -R rebuilds our .pub${SKIP}`,
    () => {
      const { set, keyFile, pubFile } = ourKeys('lab-c');
      const file = writeMessage('msg.txt', 'signed by minisign with our key file\n');
      const signed = runTool('minisign', ['-S', '-s', keyFile, '-m', file, '-t', 'from minisign']);
      expect(signed.status, signed.stderr).toBe(0);
      expect(
        verifyFileSignature(readFileSync(file), readFileSync(`${file}.minisig`, 'utf8'), set.signing),
      ).toMatchObject({ trustedComment: 'from minisign' });
      const rebuilt = join(dir, 'rebuilt.pub');
      const run = runTool('minisign', ['-R', '-s', keyFile, '-p', rebuilt]);
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(rebuilt, 'utf8')).toBe(readFileSync(pubFile, 'utf8'));
    },
  );
});
