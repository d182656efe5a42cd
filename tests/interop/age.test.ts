/**
 * Interop with the real `age` and `age-keygen` (FiloSottile/age): our identity files and recipients against
 * theirs. Skipped, saying so, only when the binaries are absent; CI installs them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRecipient } from '../../src/crypto/age.js';
import { generateKeySet, loadAgeIdentity, writeKeySet } from '../../src/crypto/key-files.js';
import { hasTool, runTool, skipReason } from '../src/crypto/keys/external-tool.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';

const HAS_AGE = hasTool('age', ['--version']) && hasTool('age-keygen', ['--version']);
const SKIP = skipReason('age / age-keygen', HAS_AGE);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redline-age-interop-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function ourKeys(id: string): { recipient: string; ageFile: string } {
  const set = generateKeySet(id, 'developer', fixedRandom(`age-interop/${id}`));
  const files = writeKeySet(dir, set, { now: new Date('2025-01-01T00:00:00Z') });
  return { recipient: set.entry.age, ageFile: files.ageIdentityFile };
}

/** Encrypts `plaintext` to `recipient` with `age -r`, then decrypts it with `age -d -i identityFile`. */
function roundTrip(recipient: string, identityFile: string, plaintext: string): string {
  const input = join(dir, 'plain.txt');
  const encrypted = join(dir, 'plain.txt.age');
  writeFileSync(input, plaintext);
  const enc = runTool('age', ['-r', recipient, '-o', encrypted, input]);
  expect(enc.status, enc.stderr).toBe(0);
  expect(readFileSync(encrypted).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
  const dec = runTool('age', ['-d', '-i', identityFile, encrypted]);
  expect(dec.status, dec.stderr).toBe(0);
  return dec.stdout;
}

describe('age interop', () => {
  it.skipIf(!HAS_AGE)(`age-keygen -y prints exactly our entry's recipient for our ID.age${SKIP}`, () => {
    const { recipient, ageFile } = ourKeys('dev-x');
    const run = runTool('age-keygen', ['-y', ageFile]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${recipient}\n`);
  });

  it.skipIf(!HAS_AGE)(`age -r <our recipient> encrypts and age -d -i <our ID.age> decrypts${SKIP}`, () => {
    const { recipient, ageFile } = ourKeys('dev-x');
    expect(roundTrip(recipient, ageFile, 'assessment for dev-x\n')).toBe('assessment for dev-x\n');
  });

  it.skipIf(!HAS_AGE)(`age -d with another of our identities cannot decrypt${SKIP}`, () => {
    const x = ourKeys('dev-x');
    const y = ourKeys('dev-y');
    const input = join(dir, 'secret.txt');
    writeFileSync(input, 'for dev-x only\n');
    expect(runTool('age', ['-r', x.recipient, '-o', `${input}.age`, input]).status).toBe(0);
    expect(runTool('age', ['-d', '-i', y.ageFile, `${input}.age`]).status).not.toBe(0);
  });

  it.skipIf(!HAS_AGE)(
    `we load an identity made by age-keygen and derive the recipient it prints${SKIP}`,
    () => {
      const file = join(dir, 'theirs.age');
      const gen = runTool('age-keygen', ['-o', file]);
      expect(gen.status, gen.stderr).toBe(0);
      const identity = loadAgeIdentity(file);
      const printed = runTool('age-keygen', ['-y', file]).stdout.trim();
      expect(identity.recipient).toBe(printed);
      expect(parseRecipient(printed).keyId).toBe(identity.keyId);
      expect(roundTrip(identity.recipient, file, 'to their key, via our recipient\n')).toBe(
        'to their key, via our recipient\n',
      );
    },
  );
});
