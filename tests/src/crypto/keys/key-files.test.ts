import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRecipient } from '../../../../src/crypto/age.js';
import {
  formatKeyEntry,
  generateKeySet,
  loadAgeIdentity,
  loadKeyEntry,
  loadPublicKey,
  loadSigningKey,
  resolveKeyEntry,
  writeKeySet,
} from '../../../../src/crypto/key-files.js';
import { formatMinisignPublicKeyFile } from '../../../../src/crypto/minisign.js';
import { signFile, verifyFileSignature } from '../../../../src/crypto/minisign-signature.js';
import { isRedlineError } from '../../../../src/errors.js';
import { fixedRandom } from './fixed-random.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : `not a RedlineError: ${String(error)}`;
  }
  return undefined;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return '(no error)';
}

const CREATED = new Date('2025-02-03T04:05:06Z');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redline-key-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('generateKeySet', () => {
  it('is deterministic for a seeded random source and matches the entry contract', () => {
    const a = generateKeySet('lab-a', 'evaluator', fixedRandom('lab-a'));
    const b = generateKeySet('lab-a', 'evaluator', fixedRandom('lab-a'));
    expect(a.entry).toEqual(b.entry);
    expect(Object.keys(a.entry)).toEqual(['id', 'role', 'minisign', 'age']);
    expect(a.entry.minisign).toMatch(/^RW[A-Za-z0-9+/]{54}$/);
    expect(parseRecipient(a.entry.age).publicKey).toEqual(a.age.publicKey);
    expect(a.ageIdentity).toBe(a.age.identity);
    expect(a.minisignSecretKeyFile.startsWith('untrusted comment: minisign secret key\n')).toBe(true);
  });

  it('gives different keys for different randomness', () => {
    const a = generateKeySet('x', 'developer', fixedRandom('one'));
    const b = generateKeySet('x', 'developer', fixedRandom('two'));
    expect(a.entry.minisign).not.toBe(b.entry.minisign);
    expect(a.entry.age).not.toBe(b.entry.age);
  });

  it('refuses an invalid id or role with E_USAGE', () => {
    for (const id of ['', 'Lab', '../x', '.hidden', 'a/b', 'a b', 'x'.repeat(101)]) {
      expect([id, codeOf(() => generateKeySet(id, 'evaluator'))]).toEqual([id, 'E_USAGE']);
    }
    expect(codeOf(() => generateKeySet('ok', 'admin' as 'owner'))).toBe('E_USAGE');
  });
});

describe('writeKeySet', () => {
  it('writes ID.pub.json (0644), ID.key and ID.age (0600), loadable again', () => {
    const set = generateKeySet('lab-a', 'evaluator', fixedRandom('write'));
    const files = writeKeySet(join(dir, 'keys'), set, { now: CREATED });
    expect(readdirSync(join(dir, 'keys')).sort()).toEqual(['lab-a.age', 'lab-a.key', 'lab-a.pub.json']);
    expect(statSync(files.signingKeyFile).mode & 0o777).toBe(0o600);
    expect(statSync(files.ageIdentityFile).mode & 0o777).toBe(0o600);
    // The public entry is 0644 less the umask: never more than that, always readable and writable by the owner.
    const publicMode = statSync(files.publicFile).mode & 0o777;
    expect(publicMode & ~0o644).toBe(0);
    expect(publicMode & 0o600).toBe(0o600);
    expect(readFileSync(files.publicFile, 'utf8')).toBe(formatKeyEntry(set.entry));
    expect(readFileSync(files.ageIdentityFile, 'utf8')).toBe(
      `# created: 2025-02-03T04:05:06Z\n# public key: ${set.entry.age}\n${set.ageIdentity}\n`,
    );
    expect(readFileSync(files.signingKeyFile, 'utf8')).toBe(set.minisignSecretKeyFile);

    const signing = loadSigningKey(files.signingKeyFile);
    expect(signing.secretKey).toEqual(set.signing.secretKey);
    expect(signing.keynum).toEqual(set.signing.keynum);
    expect(signing.keyId).toBe(set.signing.keyId);
    const age = loadAgeIdentity(files.ageIdentityFile);
    expect(age.recipient).toBe(set.entry.age);
    expect(age.keyId).toBe(set.age.keyId);
    const pub = loadPublicKey(files.publicFile);
    expect(pub.entry).toEqual(set.entry);
    expect(pub.signing.keyId).toBe(set.signing.keyId);
    expect(pub.recipient?.keyId).toBe(set.age.keyId);
  });

  it('sets mode 0600 on secrets even under a permissive umask', () => {
    const previous = process.umask(0o000);
    try {
      const files = writeKeySet(dir, generateKeySet('lab-u', 'evaluator', fixedRandom('umask')), {
        now: CREATED,
      });
      expect(statSync(files.signingKeyFile).mode & 0o777).toBe(0o600);
      expect(statSync(files.ageIdentityFile).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it('refuses to overwrite any existing file (E_USAGE naming it) and leaves the directory as it was', () => {
    const set = generateKeySet('lab-a', 'evaluator', fixedRandom('exists'));
    for (const name of ['lab-a.pub.json', 'lab-a.key', 'lab-a.age']) {
      const sub = join(dir, name.replaceAll('.', '-'));
      mkdirSync(sub);
      writeFileSync(join(sub, name), 'precious\n');
      const message = messageOf(() => writeKeySet(sub, set, { now: CREATED }));
      expect(codeOf(() => writeKeySet(sub, set, { now: CREATED }))).toBe('E_USAGE');
      expect(message).toContain(join(sub, name));
      expect(readdirSync(sub)).toEqual([name]);
      expect(readFileSync(join(sub, name), 'utf8')).toBe('precious\n');
    }
  });

  it('refuses a second write of the same set', () => {
    const set = generateKeySet('lab-a', 'evaluator', fixedRandom('twice'));
    writeKeySet(dir, set, { now: CREATED });
    expect(codeOf(() => writeKeySet(dir, set, { now: CREATED }))).toBe('E_USAGE');
  });
});

describe('loading secret key files', () => {
  let files: ReturnType<typeof writeKeySet>;
  beforeEach(() => {
    files = writeKeySet(dir, generateKeySet('lab-p', 'evaluator', fixedRandom('perm')), { now: CREATED });
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o601, 0o610, 0o666, 0o777])(
    'refuses a secret file with mode %o (E_KEY, with the chmod command to run)',
    (mode) => {
      for (const [file, load] of [
        [files.signingKeyFile, loadSigningKey],
        [files.ageIdentityFile, loadAgeIdentity],
      ] as const) {
        chmodSync(file, mode);
        expect(codeOf(() => load(file))).toBe('E_KEY');
        expect(messageOf(() => load(file))).toContain(`chmod 600 ${file}`);
      }
    },
  );

  it.each([0o600, 0o400, 0o700])('accepts a secret file with mode %o', (mode) => {
    chmodSync(files.signingKeyFile, mode);
    chmodSync(files.ageIdentityFile, mode);
    expect(codeOf(() => loadSigningKey(files.signingKeyFile))).toBeUndefined();
    expect(codeOf(() => loadAgeIdentity(files.ageIdentityFile))).toBeUndefined();
  });

  it('quotes a path with spaces in the chmod command', () => {
    const spaced = join(dir, 'my keys');
    const written = writeKeySet(spaced, generateKeySet('lab-q', 'owner', fixedRandom('spaces')), {
      now: CREATED,
    });
    chmodSync(written.signingKeyFile, 0o644);
    expect(messageOf(() => loadSigningKey(written.signingKeyFile))).toContain(
      `chmod 600 '${written.signingKeyFile}'`,
    );
  });

  it('refuses a missing path or a directory with E_INPUT', () => {
    expect(codeOf(() => loadSigningKey(join(dir, 'nope.key')))).toBe('E_INPUT');
    expect(codeOf(() => loadAgeIdentity(join(dir, 'nope.age')))).toBe('E_INPUT');
    const sub = join(dir, 'sub');
    mkdirSync(sub, { mode: 0o700 });
    expect(codeOf(() => loadSigningKey(sub))).toBe('E_INPUT');
  });

  it('refuses the wrong kind of key file with E_KEY', () => {
    expect(codeOf(() => loadSigningKey(files.ageIdentityFile))).toBe('E_KEY');
    expect(codeOf(() => loadAgeIdentity(files.signingKeyFile))).toBe('E_KEY');
    chmodSync(files.publicFile, 0o600);
    expect(codeOf(() => loadSigningKey(files.publicFile))).toBe('E_KEY');
  });

  it('refuses an unparsable secret file with E_MALFORMED', () => {
    const file = join(dir, 'junk.key');
    writeFileSync(file, 'untrusted comment: x\n!!!\n', { mode: 0o600 });
    expect(codeOf(() => loadSigningKey(file))).toBe('E_MALFORMED');
  });

  it('signs with a loaded key and verifies with the loaded public entry', () => {
    const key = loadSigningKey(files.signingKeyFile);
    const bytes = new TextEncoder().encode('policy\n');
    const pub = loadPublicKey(files.publicFile);
    expect(
      verifyFileSignature(bytes, signFile(bytes, key, { trustedComment: 't' }), pub.signing).trustedComment,
    ).toBe('t');
  });
});

describe('loadPublicKey', () => {
  it('reads a minisign .pub file (Ed25519 only)', () => {
    const set = generateKeySet('lab-m', 'owner', fixedRandom('pub'));
    const file = join(dir, 'lab-m.pub');
    writeFileSync(file, formatMinisignPublicKeyFile(set.signing));
    const loaded = loadPublicKey(file);
    expect(loaded.signing.publicKey).toEqual(set.signing.publicKey);
    expect(loaded.signing.keynum).toEqual(set.signing.keynum);
    expect(loaded.entry).toBeUndefined();
    expect(loaded.recipient).toBeUndefined();
  });

  it('refuses secret key files (E_KEY) so that they are never mistaken for public ones', () => {
    const files = writeKeySet(dir, generateKeySet('lab-s', 'owner', fixedRandom('secret')), { now: CREATED });
    expect(codeOf(() => loadPublicKey(files.signingKeyFile))).toBe('E_KEY');
    expect(codeOf(() => loadPublicKey(files.ageIdentityFile))).toBe('E_KEY');
  });

  it('refuses a bare age recipient (no signing key) with E_KEY', () => {
    const file = join(dir, 'r.txt');
    writeFileSync(file, `${generateKeySet('r', 'developer', fixedRandom('r')).entry.age}\n`);
    expect(codeOf(() => loadPublicKey(file))).toBe('E_KEY');
  });

  it('refuses invalid JSON, schema violations and undecodable keys with E_MALFORMED', () => {
    const { entry } = generateKeySet('lab-j', 'developer', fixedRandom('json'));
    const cases: [string, string][] = [
      ['bad-json', '{"id": '],
      ['not-object', '[]'],
      ['extra-field', JSON.stringify({ ...entry, secret: 'x' })],
      ['bad-role', JSON.stringify({ ...entry, role: 'admin' })],
      ['bad-id', JSON.stringify({ ...entry, id: 'Lab J' })],
      ['missing-age', JSON.stringify({ id: entry.id, role: entry.role, minisign: entry.minisign })],
      [
        'age-checksum',
        JSON.stringify({ ...entry, age: `${entry.age.slice(0, -1)}${entry.age.endsWith('q') ? 'p' : 'q'}` }),
      ],
      ['garbage', 'hello'],
    ];
    for (const [name, text] of cases) {
      const file = join(dir, `${name}.pub.json`);
      writeFileSync(file, text);
      expect([name, codeOf(() => loadPublicKey(file))]).toEqual([name, 'E_MALFORMED']);
    }
  });

  it('accepts the optional organisation, sector and created fields', () => {
    const { entry } = generateKeySet('dev-x', 'developer', fixedRandom('optional'));
    const file = join(dir, 'dev-x.pub.json');
    const full = {
      ...entry,
      organisation: 'Example AI',
      sector: 'frontier AI',
      created: '2025-02-03T04:05:06Z',
    };
    writeFileSync(file, JSON.stringify(full));
    expect(loadPublicKey(file).entry).toEqual(full);
  });

  it('refuses a missing file with E_INPUT', () => {
    expect(codeOf(() => loadPublicKey(join(dir, 'missing.pub.json')))).toBe('E_INPUT');
  });
});

describe('loadKeyEntry and resolveKeyEntry', () => {
  it('refuses a minisign .pub file where an entry is required (E_KEY)', () => {
    const set = generateKeySet('lab-e', 'owner', fixedRandom('entry'));
    const file = join(dir, 'lab-e.pub');
    writeFileSync(file, formatMinisignPublicKeyFile(set.signing));
    expect(codeOf(() => loadKeyEntry(file))).toBe('E_KEY');
  });

  it('reports schema problems as details, located in the file', () => {
    try {
      resolveKeyEntry({ id: 'x', role: 'boss' }, 'x.pub.json');
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_MALFORMED')).toBe(true);
      const problems = (error as { details: { file: string; pointer: string }[] }).details;
      expect(problems.every((p) => p.file === 'x.pub.json')).toBe(true);
      expect(problems.map((p) => p.pointer)).toContain('/role');
    }
  });
});
