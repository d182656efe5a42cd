/**
 * Checkpoints: the C2SP tlog-checkpoint text, its parser (with the line at fault), signature checks, and
 * createCheckpoint's refusal to sign over a log that does not verify (on both backends).
 */
import { describe, expect, it } from 'vitest';
import {
  createCheckpoint,
  DEFAULT_AUDIT_ORIGIN,
  formatCheckpointBody,
  parseCheckpoint,
  verifyCheckpointSignature,
} from '../../../src/audit/checkpoint.js';
import { EMPTY_TREE_HASH, merkleRoot } from '../../../src/audit/merkle.js';
import { listCheckpoints } from '../../../src/audit/read-audit.js';
import { signNote } from '../../../src/audit/signed-note.js';
import { type RedlineError } from '../../../src/errors.js';
import type { Db } from '../../../src/store/db.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';
import {
  appendEvents,
  codeOf,
  errorOf,
  LOG_KEY,
  openAsAttacker,
  OTHER_KEY,
  rewriteHistory,
} from './audit-helpers.js';

const AT = '2026-11-26T12:00:00.000Z';
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

// The example of c2sp.org/tlog-checkpoint (its signature is by a key we do not hold).
const SPEC_EXAMPLE =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

function leafHashesOf(db: Db): Uint8Array[] {
  return (db.prepare('SELECT leaf_hash FROM audit_log ORDER BY seq').all() as { leaf_hash: Buffer }[]).map(
    (row) => row.leaf_hash,
  );
}

describe('parseCheckpoint', () => {
  it('reads the example of the C2SP specification', () => {
    const checkpoint = parseCheckpoint(SPEC_EXAMPLE);
    expect(checkpoint).toMatchObject({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      extensions: [],
    });
    expect(b64(checkpoint.root)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(checkpoint.signatures[0]!.name).toBe('example.com/behind-the-sofa');
    expect(codeOf(() => verifyCheckpointSignature(checkpoint, LOG_KEY))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('keeps extension lines', () => {
    const body = formatCheckpointBody({ origin: 'o.example', size: 3, root: EMPTY_TREE_HASH }) + 'ext one\n';
    expect(parseCheckpoint(signNote(body, LOG_KEY)).extensions).toEqual(['ext one']);
  });

  it('names the line at fault (E_MALFORMED)', () => {
    const root = b64(EMPTY_TREE_HASH);
    const lineOf = (body: string): unknown => {
      const error = errorOf(() => parseCheckpoint(signNote(body, LOG_KEY), 'cp-7.txt'));
      expect((error as RedlineError).code).toBe('E_MALFORMED');
      return ((error as RedlineError).details as { line: number; file: string }).line;
    };
    expect(lineOf(`o\n07\n${root}\n`)).toBe(2); // leading zero
    expect(lineOf(`o\n-1\n${root}\n`)).toBe(2);
    expect(lineOf(`o\n1e3\n${root}\n`)).toBe(2);
    expect(lineOf(`o\n99999999999999999999\n${root}\n`)).toBe(2); // beyond exact integers
    expect(lineOf(`o\n7\n${b64(new Uint8Array(31))}\n`)).toBe(3);
    expect(lineOf(`o\n7\n${root.replace('=', '')}\n`)).toBe(3); // padding is required
    expect(lineOf(`o\n7\n`)).toBe(3); // no root line
    expect(lineOf(`o\n7\n${root}\n\next\n`)).toBe(4); // empty extension line
    expect(codeOf(() => parseCheckpoint(`o\n7\n${root}\n`))).toBe('E_MALFORMED'); // not signed
  });
});

describe('verifyCheckpointSignature', () => {
  const note = signNote(
    formatCheckpointBody({ origin: DEFAULT_AUDIT_ORIGIN, size: 1, root: EMPTY_TREE_HASH }),
    LOG_KEY,
  );

  it('returns the checkpoint when the log key signed it', () => {
    expect(verifyCheckpointSignature(note, LOG_KEY).size).toBe(1);
  });

  it('is E_UNTRUSTED_SIGNER for a checkpoint signed by another key', () => {
    expect(codeOf(() => verifyCheckpointSignature(note, OTHER_KEY))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('is E_TAMPERED when the signed lines were changed', () => {
    expect(codeOf(() => verifyCheckpointSignature(note.replace('\n1\n', '\n2\n'), LOG_KEY))).toBe(
      'E_TAMPERED',
    );
  });
});

describe.each(storeBackends())('checkpoints on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  describe('createCheckpoint', () => {
    it('signs the RFC 6962 root of the whole log in the exact tlog-checkpoint form and stores it', () => {
      const { db } = backend.open();
      appendEvents(db, 5);
      const note = createCheckpoint(db, { ...LOG_KEY, at: AT });
      const root = merkleRoot(leafHashesOf(db));
      expect(note.startsWith(`redline.lab/audit\n5\n${b64(root)}\n\n— redline.lab/audit `)).toBe(true);
      expect(note).toMatch(/\n\n— redline\.lab\/audit [A-Za-z0-9+/]{91}=\n$/); // key id (4) + signature (64) bytes
      expect(verifyCheckpointSignature(note, LOG_KEY)).toMatchObject({
        origin: DEFAULT_AUDIT_ORIGIN,
        size: 5,
      });
      expect(listCheckpoints(db)).toEqual([{ size: 5, root: Buffer.from(root), note, createdAt: AT }]);
      db.close();
    });

    it('checkpoints the empty log as size 0 and the hash of nothing', () => {
      const { db } = backend.open();
      const checkpoint = parseCheckpoint(
        createCheckpoint(db, { ...LOG_KEY, origin: 'lab7.example/audit', at: AT }),
      );
      expect(checkpoint).toMatchObject({ origin: 'lab7.example/audit', size: 0 });
      expect(b64(checkpoint.root)).toBe(b64(EMPTY_TREE_HASH));
      db.close();
    });

    it('stores one checkpoint per size and returns the same note again', () => {
      const { db } = backend.open();
      appendEvents(db, 3);
      const first = createCheckpoint(db, { ...LOG_KEY, at: AT });
      expect(createCheckpoint(db, { ...LOG_KEY, at: '2026-11-27T00:00:00.000Z' })).toBe(first);
      appendEvents(db, 2, 4);
      createCheckpoint(db, { ...LOG_KEY, at: AT });
      expect(listCheckpoints(db).map((c) => c.size)).toEqual([3, 5]);
      db.close();
    });

    it('refuses to sign over an entry that fails its checks (E_AUDIT)', () => {
      const store = backend.open();
      const { db } = store;
      appendEvents(db, 4);
      const raw = openAsAttacker(store);
      const records = raw.prepare('SELECT seq, record FROM audit_log').all() as {
        seq: number;
        record: Buffer;
      }[];
      const update = raw.prepare('UPDATE audit_log SET record = ? WHERE seq = ?');
      for (const { seq, record } of records) {
        update.run(Buffer.from(record.toString('utf8').replaceAll('alice', 'mallory')), seq);
      }
      raw.close();
      expect(codeOf(() => createCheckpoint(db, { ...LOG_KEY, at: AT }))).toBe('E_AUDIT');
      expect(listCheckpoints(db)).toEqual([]);
      db.close();
    });

    it('refuses to sign a history inconsistent with a stored checkpoint (E_AUDIT)', () => {
      const store = backend.open();
      const { db } = store;
      appendEvents(db, 4);
      createCheckpoint(db, { ...LOG_KEY, at: AT });
      const raw = openAsAttacker(store);
      rewriteHistory(raw, 2); // consistent chain, stored checkpoint left as it was
      raw.close();
      appendEvents(db, 1, 5);
      expect(codeOf(() => createCheckpoint(db, { ...LOG_KEY, at: AT }))).toBe('E_AUDIT');
      db.close();
    });

    it('refuses bad keys, origins and timestamps, storing nothing', () => {
      const { db } = backend.open();
      expect(codeOf(() => createCheckpoint(db, { ...LOG_KEY, publicKey: OTHER_KEY.publicKey, at: AT }))).toBe(
        'E_KEY',
      );
      expect(codeOf(() => createCheckpoint(db, { ...LOG_KEY, secretKey: new Uint8Array(32), at: AT }))).toBe(
        'E_KEY',
      );
      expect(codeOf(() => createCheckpoint(db, { ...LOG_KEY, keyName: 'has space', at: AT }))).toBe('E_KEY');
      expect(codeOf(() => createCheckpoint(db, { ...LOG_KEY, origin: 'two\nlines', at: AT }))).toBe(
        'E_USAGE',
      );
      expect(codeOf(() => createCheckpoint(db, { ...LOG_KEY, origin: '', at: AT }))).toBe('E_USAGE');
      expect(codeOf(() => createCheckpoint(db, { ...LOG_KEY, at: 'now' }))).toBe('E_INTERNAL');
      expect(listCheckpoints(db)).toEqual([]);
      db.close();
    });
  });
});
