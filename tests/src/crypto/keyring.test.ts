import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatKeyEntry, generateKeySet, writeKeySet } from '../../../src/crypto/key-files.js';
import { addToKeyring, findByKeyId, findByRole, findKey, listKeyring } from '../../../src/crypto/keyring.js';
import { isRedlineError } from '../../../src/errors.js';
import type { KeyEntry } from '../../../src/schema/key-entry.js';
import { fixedRandom } from './keys/fixed-random.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : `not a RedlineError: ${String(error)}`;
  }
  return undefined;
}

const CREATED = new Date('2025-02-03T04:05:06Z');
let root: string;
let keyring: string;
let outside: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'redline-keyring-'));
  keyring = join(root, 'keys');
  outside = join(root, 'outside');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Generates a principal's keys in `outside` (secret files included) and returns its public entry's path. */
function makePrincipal(id: string, role: KeyEntry['role'], seed = id): string {
  return writeKeySet(outside, generateKeySet(id, role, fixedRandom(seed)), { now: CREATED }).publicFile;
}

function writeEntry(dir: string, name: string, entry: KeyEntry): string {
  const file = join(dir, name);
  writeFileSync(file, formatKeyEntry(entry));
  return file;
}

describe('addToKeyring', () => {
  it('adds a public entry, creating the keyring, and never copies secret files', () => {
    const added = addToKeyring(keyring, makePrincipal('lab-a', 'evaluator'));
    expect(added.isAdded).toBe(true);
    expect(readdirSync(keyring)).toEqual(['lab-a.pub.json']);
    expect(added.entry.file).toBe(join(keyring, 'lab-a.pub.json'));
    expect(readFileSync(added.entry.file, 'utf8')).toBe(
      readFileSync(join(outside, 'lab-a.pub.json'), 'utf8'),
    );
  });

  it('is idempotent for the identical entry', () => {
    const pub = makePrincipal('lab-a', 'evaluator');
    addToKeyring(keyring, pub);
    const again = addToKeyring(keyring, pub);
    expect(again.isAdded).toBe(false);
    expect(again.entry.entry.id).toBe('lab-a');
    expect(readdirSync(keyring)).toEqual(['lab-a.pub.json']);
  });

  it('writes a canonical entry whatever the input formatting', () => {
    const { entry } = generateKeySet('dev-x', 'developer', fixedRandom('canonical'));
    const file = join(root, 'dev-x-from-mail.json');
    writeFileSync(
      file,
      JSON.stringify({ age: entry.age, minisign: entry.minisign, role: entry.role, id: entry.id }),
    );
    addToKeyring(keyring, file);
    expect(readFileSync(join(keyring, 'dev-x.pub.json'), 'utf8')).toBe(formatKeyEntry(entry));
  });

  it('refuses an id already present with different keys (E_STATE) and keeps the old entry', () => {
    addToKeyring(keyring, makePrincipal('lab-a', 'evaluator', 'first'));
    const before = readFileSync(join(keyring, 'lab-a.pub.json'), 'utf8');
    const impostor = join(root, 'impostor');
    const other = writeKeySet(impostor, generateKeySet('lab-a', 'evaluator', fixedRandom('second')), {
      now: CREATED,
    });
    expect(codeOf(() => addToKeyring(keyring, other.publicFile))).toBe('E_STATE');
    expect(readFileSync(join(keyring, 'lab-a.pub.json'), 'utf8')).toBe(before);
  });

  it('refuses an id already present with the same keys but other details (E_STATE)', () => {
    const pub = makePrincipal('lab-a', 'evaluator');
    addToKeyring(keyring, pub);
    const entry = JSON.parse(readFileSync(pub, 'utf8')) as KeyEntry;
    const changed = writeEntry(root, 'changed.pub.json', { ...entry, role: 'owner' });
    expect(codeOf(() => addToKeyring(keyring, changed))).toBe('E_STATE');
  });

  it('refuses a key that already belongs to another id (E_STATE)', () => {
    const pub = makePrincipal('lab-a', 'evaluator');
    addToKeyring(keyring, pub);
    const entry = JSON.parse(readFileSync(pub, 'utf8')) as KeyEntry;
    const fresh = generateKeySet('lab-b', 'evaluator', fixedRandom('lab-b')).entry;
    const sameSigning = writeEntry(root, 's.pub.json', { ...fresh, minisign: entry.minisign });
    const sameAge = writeEntry(root, 'a.pub.json', { ...fresh, age: entry.age });
    expect(codeOf(() => addToKeyring(keyring, sameSigning))).toBe('E_STATE');
    expect(codeOf(() => addToKeyring(keyring, sameAge))).toBe('E_STATE');
  });

  it('refuses secret files (E_KEY), a minisign .pub (E_KEY) and malformed entries (E_MALFORMED)', () => {
    const files = writeKeySet(outside, generateKeySet('lab-s', 'owner', fixedRandom('s')), { now: CREATED });
    expect(codeOf(() => addToKeyring(keyring, files.signingKeyFile))).toBe('E_KEY');
    expect(codeOf(() => addToKeyring(keyring, files.ageIdentityFile))).toBe('E_KEY');
    const minisignPub = join(root, 'lab-s.pub');
    writeFileSync(minisignPub, 'untrusted comment: minisign public key 0\nRWQ=\n');
    expect(codeOf(() => addToKeyring(keyring, minisignPub))).toBe('E_KEY');
    const bad = join(root, 'bad.pub.json');
    writeFileSync(bad, '{"id": "bad"}');
    expect(codeOf(() => addToKeyring(keyring, bad))).toBe('E_MALFORMED');
  });

  it('refuses a missing file with E_INPUT', () => {
    expect(codeOf(() => addToKeyring(keyring, join(root, 'missing.pub.json')))).toBe('E_INPUT');
  });
});

describe('listKeyring and lookups', () => {
  beforeEach(() => {
    addToKeyring(keyring, makePrincipal('lab-a', 'evaluator'));
    addToKeyring(keyring, makePrincipal('dev-x', 'developer'));
    addToKeyring(keyring, makePrincipal('dev-y', 'developer'));
    addToKeyring(keyring, makePrincipal('policy-owner', 'owner'));
  });

  it('lists every entry, sorted by id, with decoded keys', () => {
    const entries = listKeyring(keyring);
    expect(entries.map((e) => e.entry.id)).toEqual(['dev-x', 'dev-y', 'lab-a', 'policy-owner']);
    for (const e of entries) {
      expect(e.signing.publicKey).toHaveLength(32);
      expect(e.recipient.recipient).toBe(e.entry.age);
    }
  });

  it('ignores secret files and other files beside the entries', () => {
    writeKeySet(keyring, generateKeySet('lab-z', 'log', fixedRandom('z')), { now: CREATED });
    writeFileSync(join(keyring, 'README.md'), '# keys\n');
    expect(listKeyring(keyring).map((e) => e.entry.id)).toContain('lab-z');
    expect(listKeyring(keyring)).toHaveLength(5);
  });

  it('finds by id, by role and by key id', () => {
    expect(findKey(keyring, 'dev-y').entry.role).toBe('developer');
    expect(findByRole(keyring, 'developer').map((e) => e.entry.id)).toEqual(['dev-x', 'dev-y']);
    expect(findByRole(keyring, 'log')).toEqual([]);
    const lab = findKey(keyring, 'lab-a');
    expect(findByKeyId(keyring, lab.signing.keyId)?.entry.id).toBe('lab-a');
    expect(findByKeyId(keyring, lab.recipient.keyId.toUpperCase())?.entry.id).toBe('lab-a');
    expect(findByKeyId(keyring, '00'.repeat(32))).toBeUndefined();
  });

  it('reports an unknown id with E_NOT_FOUND', () => {
    expect(codeOf(() => findKey(keyring, 'nobody'))).toBe('E_NOT_FOUND');
  });

  it('fails on a malformed entry with E_MALFORMED naming the file', () => {
    writeFileSync(join(keyring, 'broken.pub.json'), '{"id": "broken", "role": "owner"}');
    try {
      listKeyring(keyring);
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_MALFORMED')).toBe(true);
      expect((error as Error).message).toContain(join(keyring, 'broken.pub.json'));
    }
  });

  it('fails on an entry stored under another id with E_MALFORMED', () => {
    const entry = findKey(keyring, 'dev-x').entry;
    rmSync(join(keyring, 'dev-x.pub.json'));
    writeEntry(keyring, 'dev-z.pub.json', entry);
    expect(codeOf(() => listKeyring(keyring))).toBe('E_MALFORMED');
  });

  it('fails when two entries share a key (E_STATE)', () => {
    const entry = findKey(keyring, 'dev-x').entry;
    writeEntry(keyring, 'dev-copy.pub.json', { ...entry, id: 'dev-copy' });
    expect(codeOf(() => listKeyring(keyring))).toBe('E_STATE');
  });

  it('reports a missing keyring directory with E_INPUT', () => {
    expect(codeOf(() => listKeyring(join(root, 'no-such-dir')))).toBe('E_INPUT');
  });
});
