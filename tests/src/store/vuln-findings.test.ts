/**
 * The clearinghouse's findings on both backends: ids per year, reporters, the lifecycle with its history, the
 * append-only events, validations, patches, reproducers and embargoes.
 */
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../src/store/db.js';
import {
  addReporter,
  findByFingerprint,
  getFinding,
  getPatchBytes,
  insertFinding,
  insertValidation,
  listFindingEvents,
  listFindings,
  listReporters,
  listValidations,
  moveFinding,
  setEmbargo,
  setPatch,
  setReproducer,
  updateFindingContent,
  type FindingReporter,
} from '../../../src/store/vuln-findings.js';
import type { Finding } from '../../../src/vuln/finding.js';
import type { Reproducer, ReproductionTranscript } from '../../../src/vuln/reproducer.js';
import { codeOf, driverCodeOf } from '../../helpers/error-of.js';
import { storeBackends, useStoreBackend, type StoreBackend } from '../../helpers/pg.js';

/** The driver's code of a foreign-key violation on each backend. */
const FOREIGN_KEY_VIOLATION = { sqlite: 'SQLITE_CONSTRAINT_FOREIGNKEY', postgres: '23503' } as const;
/** The driver's code of a unique violation on each backend. */
const UNIQUE_VIOLATION = { sqlite: 'SQLITE_CONSTRAINT_UNIQUE', postgres: '23505' } as const;

function finding(title: string): Finding {
  return {
    source: 'osv',
    sourceId: 'GHSA-2345-6789-cfgh',
    title,
    details: 'Comment bodies are rendered without escaping.',
    package: { purl: 'pkg:npm/%40acme/board', ecosystem: 'npm', name: '@acme/board' },
    ranges: [{ type: 'SEMVER', introduced: '1.0.0', fixed: '1.3.2' }],
    versions: ['1.0.0'],
    cwe: ['CWE-79'],
    cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N',
    evidence: {},
    aliases: ['CVE-2099-7777'],
  };
}

function reporter(participant: string, reportedAt: string): FindingReporter {
  return {
    participant,
    source: 'osv',
    sourceId: 'GHSA-2345-6789-cfgh',
    fileSha256: 'ef'.repeat(32),
    reportedAt,
  };
}

let fingerprintCount = 0;
/** Inserts a finding with a fresh fingerprint, reported by `participant` at `reportedAt`. */
function insert(db: Db, reportedAt = '2026-03-01T10:00:00Z', participant = 'alpha-lab'): string {
  const fingerprint = (++fingerprintCount).toString(16).padStart(64, '0');
  return insertFinding(db, {
    finding: finding(`finding ${fingerprint}`),
    fingerprint,
    reporter: reporter(participant, reportedAt),
  });
}

function transcript(isReproduced: boolean): ReproductionTranscript {
  return {
    reproducerSha256: '12'.repeat(32),
    command: './poc.sh',
    startedAt: '2026-03-02T00:00:00Z',
    durationMs: 120,
    exitCode: isReproduced ? 139 : 0,
    signal: null,
    timedOut: false,
    stdout: 'boom',
    stderr: '',
    truncated: false,
    checks: [
      { check: 'signal', expected: 'SIGSEGV', actual: isReproduced ? 'SIGSEGV' : null, isMet: isReproduced },
    ],
    isReproduced,
    sandbox: 'bwrap:150000-1a2b3c4d',
  };
}

describe.each(storeBackends())('vulnerability findings on %s', (backend: StoreBackend) => {
  useStoreBackend(backend);

  describe('insertFinding ids', () => {
    it('numbers RLV-<year>-<n> from 1 per year of reportedAt', () => {
      const { db } = backend.open();
      expect(insert(db, '2026-01-05T00:00:00Z')).toBe('RLV-2026-1');
      expect(insert(db, '2026-12-31T23:59:59Z')).toBe('RLV-2026-2');
      expect(insert(db, '2027-01-01T00:00:00Z')).toBe('RLV-2027-1');
      expect(insert(db, '2026-06-01T00:00:00Z')).toBe('RLV-2026-3');
      db.close();
    });

    it('counts numerically past 9 (not by text order)', () => {
      const { db } = backend.open();
      const ids = Array.from({ length: 12 }, () => insert(db));
      expect(ids.at(-1)).toBe('RLV-2026-12');
      expect(new Set(ids).size).toBe(12);
      db.close();
    });

    it('continues the count after the file is closed and reopened', () => {
      const store = backend.open();
      const { db } = store;
      insert(db, '2026-01-01T00:00:00Z');
      insert(db, '2026-02-01T00:00:00Z');
      insert(db, '2027-02-01T00:00:00Z');
      db.close();
      const reopened = store.reopen();
      expect(insert(reopened, '2026-03-01T00:00:00Z')).toBe('RLV-2026-3');
      expect(insert(reopened, '2027-03-01T00:00:00Z')).toBe('RLV-2027-2');
      expect(listFindings(reopened).map((f) => f.id)).toEqual([
        'RLV-2026-1',
        'RLV-2026-2',
        'RLV-2026-3',
        'RLV-2027-1',
        'RLV-2027-2',
      ]);
      reopened.close();
    });
  });

  describe('insertFinding', () => {
    it('stores the finding as reported, with its reporter and a first history entry', () => {
      const { db } = backend.open();
      const id = insertFinding(db, {
        finding: finding('Stored XSS'),
        fingerprint: 'aa'.repeat(32),
        reporter: reporter('alpha-lab', '2026-03-01T10:00:00Z'),
      });
      expect(getFinding(db, id)).toEqual({
        id,
        fingerprint: 'aa'.repeat(32),
        finding: finding('Stored XSS'),
        state: 'reported',
        duplicateOf: null,
        triage: null,
        reproducer: null,
        reportedAt: '2026-03-01T10:00:00Z',
        updatedAt: '2026-03-01T10:00:00Z',
        embargoUntil: null,
        patch: null,
      });
      expect(listReporters(db, id)).toEqual([reporter('alpha-lab', '2026-03-01T10:00:00Z')]);
      expect(listFindingEvents(db, id)).toEqual([
        {
          seq: 1,
          at: '2026-03-01T10:00:00Z',
          actor: 'alpha-lab',
          fromState: null,
          toState: 'reported',
          evidence: { event: 'reported', source: 'osv', fileSha256: 'ef'.repeat(32) },
        },
      ]);
      expect(findByFingerprint(db, 'aa'.repeat(32))?.id).toBe(id);
      expect(findByFingerprint(db, 'bb'.repeat(32))).toBeUndefined();
      db.close();
    });

    it('refuses a second finding with the same fingerprint', () => {
      const { db } = backend.open();
      const input = {
        finding: finding('x'),
        fingerprint: 'cc'.repeat(32),
        reporter: reporter('a', '2026-01-01T00:00:00Z'),
      };
      insertFinding(db, input);
      expect(driverCodeOf(() => insertFinding(db, input))).toBe(UNIQUE_VIOLATION[backend.name]);
      expect(listFindings(db)).toHaveLength(1);
      db.close();
    });
  });

  describe('addReporter', () => {
    it('credits each participant once, listing reporters first first', () => {
      const { db } = backend.open();
      const id = insert(db, '2026-03-01T10:00:00Z', 'zeta-lab');
      expect(addReporter(db, id, reporter('zeta-lab', '2026-03-05T00:00:00Z'))).toBe(false);
      expect(addReporter(db, id, reporter('beta-lab', '2026-03-02T00:00:00Z'))).toBe(true);
      expect(addReporter(db, id, reporter('beta-lab', '2026-03-03T00:00:00Z'))).toBe(false);
      expect(addReporter(db, id, reporter('alpha-lab', '2026-03-02T00:00:00Z'))).toBe(true);
      expect(listReporters(db, id).map((r) => [r.participant, r.reportedAt])).toEqual([
        ['zeta-lab', '2026-03-01T10:00:00Z'],
        ['alpha-lab', '2026-03-02T00:00:00Z'],
        ['beta-lab', '2026-03-02T00:00:00Z'],
      ]);
      db.close();
    });

    it('refuses a reporter of a finding that does not exist (foreign key)', () => {
      const { db } = backend.open();
      expect(driverCodeOf(() => addReporter(db, 'RLV-2026-99', reporter('a', '2026-01-01T00:00:00Z')))).toBe(
        FOREIGN_KEY_VIOLATION[backend.name],
      );
      db.close();
    });
  });

  describe('getFinding and listFindings', () => {
    it('gives E_NOT_FOUND for an unknown id', () => {
      const { db } = backend.open();
      expect(codeOf(() => getFinding(db, 'RLV-2026-1'))).toBe('E_NOT_FOUND');
      db.close();
    });

    it('lists oldest first, optionally of one state', () => {
      const { db } = backend.open();
      const later = insert(db, '2026-05-01T00:00:00Z');
      const earlier = insert(db, '2026-04-01T00:00:00Z');
      moveFinding(db, later, { to: 'triaged', actor: 'op', at: '2026-05-02T00:00:00Z', evidence: {} });
      expect(listFindings(db).map((f) => f.id)).toEqual([earlier, later]);
      expect(listFindings(db, 'triaged').map((f) => f.id)).toEqual([later]);
      expect(listFindings(db, 'reported').map((f) => f.id)).toEqual([earlier]);
      expect(listFindings(db, 'validated')).toEqual([]);
      db.close();
    });
  });

  describe('moveFinding', () => {
    it('moves along the lifecycle, storing triage and recording the evidence in the history', () => {
      const { db } = backend.open();
      const id = insert(db);
      moveFinding(db, id, {
        to: 'triaged',
        actor: 'operator-1',
        at: '2026-03-02T00:00:00Z',
        evidence: { event: 'triaged', inputs: { exploitation: 'active' } },
        triage: { exploitation: 'active', participants: ['alpha-grid'] },
      });
      moveFinding(db, id, {
        to: 'validated',
        actor: 'operator-2',
        at: '2026-03-03T00:00:00Z',
        evidence: { event: 'validated', attempt: 1 },
      });
      const stored = getFinding(db, id);
      expect(stored.state).toBe('validated');
      expect(stored.updatedAt).toBe('2026-03-03T00:00:00Z');
      // A later move without triage keeps the triage stored earlier.
      expect(stored.triage).toEqual({ exploitation: 'active', participants: ['alpha-grid'] });
      expect(listFindingEvents(db, id).slice(1)).toEqual([
        {
          seq: 2,
          at: '2026-03-02T00:00:00Z',
          actor: 'operator-1',
          fromState: 'reported',
          toState: 'triaged',
          evidence: { event: 'triaged', inputs: { exploitation: 'active' } },
        },
        {
          seq: 3,
          at: '2026-03-03T00:00:00Z',
          actor: 'operator-2',
          fromState: 'triaged',
          toState: 'validated',
          evidence: { event: 'validated', attempt: 1 },
        },
      ]);
      db.close();
    });

    it('records what a duplicate duplicates', () => {
      const { db } = backend.open();
      const original = insert(db);
      const copy = insert(db);
      moveFinding(db, copy, {
        to: 'duplicate',
        actor: 'op',
        at: '2026-03-02T00:00:00Z',
        evidence: { duplicateOf: original },
        duplicateOf: original,
      });
      expect(getFinding(db, copy)).toMatchObject({ state: 'duplicate', duplicateOf: original });
      expect(getFinding(db, original).duplicateOf).toBeNull();
      db.close();
    });

    it('refuses a move the lifecycle does not allow with E_STATE, changing nothing', () => {
      const { db } = backend.open();
      const id = insert(db);
      const before = getFinding(db, id);
      expect(
        codeOf(() =>
          moveFinding(db, id, { to: 'validated', actor: 'op', at: '2026-04-01T00:00:00Z', evidence: {} }),
        ),
      ).toBe('E_STATE');
      expect(getFinding(db, id)).toEqual(before);
      expect(listFindingEvents(db, id)).toHaveLength(1);
      moveFinding(db, id, {
        to: 'rejected',
        actor: 'op',
        at: '2026-04-01T00:00:00Z',
        evidence: { reason: 'noise' },
      });
      for (const to of ['reported', 'triaged', 'validated', 'rejected', 'duplicate'] as const) {
        expect(
          codeOf(() => moveFinding(db, id, { to, actor: 'op', at: '2026-04-02T00:00:00Z', evidence: {} })),
        ).toBe('E_STATE');
      }
      expect(listFindingEvents(db, id).map((e) => e.toState)).toEqual(['reported', 'rejected']);
      db.close();
    });

    it('gives E_NOT_FOUND for an unknown finding', () => {
      const { db } = backend.open();
      expect(
        codeOf(() =>
          moveFinding(db, 'RLV-2026-1', {
            to: 'triaged',
            actor: 'op',
            at: '2026-01-01T00:00:00Z',
            evidence: {},
          }),
        ),
      ).toBe('E_NOT_FOUND');
      db.close();
    });
  });

  describe('vuln_events', () => {
    it('is append-only: UPDATE and DELETE raise', () => {
      const { db } = backend.open();
      const id = insert(db);
      expect(() =>
        db.prepare("UPDATE vuln_events SET actor = 'mallory' WHERE finding_id = ?").run(id),
      ).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM vuln_events WHERE finding_id = ?').run(id)).toThrow(/append-only/);
      expect(listFindingEvents(db, id)).toHaveLength(1);
      expect(listFindingEvents(db, id)[0]?.actor).toBe('alpha-lab');
      db.close();
    });
  });

  describe('validations', () => {
    it('numbers attempts from 1 per finding and reads them back', () => {
      const { db } = backend.open();
      const a = insert(db);
      const b = insert(db);
      expect(
        insertValidation(db, a, { at: '2026-03-02T00:00:00Z', actor: 'op', transcript: transcript(false) }),
      ).toBe(1);
      expect(
        insertValidation(db, a, { at: '2026-03-03T00:00:00Z', actor: 'op', transcript: transcript(true) }),
      ).toBe(2);
      expect(
        insertValidation(db, b, { at: '2026-03-04T00:00:00Z', actor: 'op2', transcript: transcript(true) }),
      ).toBe(1);
      expect(listValidations(db, a)).toEqual([
        {
          attempt: 1,
          at: '2026-03-02T00:00:00Z',
          actor: 'op',
          isReproduced: false,
          transcript: transcript(false),
        },
        {
          attempt: 2,
          at: '2026-03-03T00:00:00Z',
          actor: 'op',
          isReproduced: true,
          transcript: transcript(true),
        },
      ]);
      expect(listValidations(db, b).map((v) => v.attempt)).toEqual([1]);
      expect(listValidations(db, 'RLV-2026-99')).toEqual([]);
      db.close();
    });
  });

  describe('patches, reproducers, embargoes and content', () => {
    it('round-trips the patch bytes exactly and reports its size', () => {
      const { db } = backend.open();
      const id = insert(db);
      expect(getPatchBytes(db, id)).toBeNull();
      const bytes = new Uint8Array([0, 1, 2, 0xff, 0x0a, 0x0d, 0x00, 0x80, 0x7f]);
      setPatch(db, id, { name: 'fix.patch', sha256: 'dd'.repeat(32), bytes, at: '2026-03-05T00:00:00Z' });
      expect(getPatchBytes(db, id)).toEqual(bytes);
      expect(getFinding(db, id)).toMatchObject({
        patch: { name: 'fix.patch', sha256: 'dd'.repeat(32), size: 9, registeredAt: '2026-03-05T00:00:00Z' },
        updatedAt: '2026-03-05T00:00:00Z',
      });
      const replacement = new TextEncoder().encode('--- a/x\n+++ b/x\n');
      setPatch(db, id, {
        name: 'fix-2.patch',
        sha256: 'ee'.repeat(32),
        bytes: replacement,
        at: '2026-03-06T00:00:00Z',
      });
      expect(getPatchBytes(db, id)).toEqual(replacement);
      expect(getFinding(db, id).patch?.name).toBe('fix-2.patch');
      expect(getPatchBytes(db, 'RLV-2026-99')).toBeNull();
      db.close();
    });

    it('stores a reproducer, an embargo and merged content', () => {
      const { db } = backend.open();
      const id = insert(db);
      const reproducer: Reproducer = {
        command: './poc.sh',
        files: { 'poc.sh': Buffer.from('#!/bin/sh\nexit 139\n').toString('base64') },
        expect: { signal: 'SIGSEGV' },
        timeoutMs: 30_000,
      };
      setReproducer(db, id, reproducer, '2026-03-02T00:00:00Z');
      setEmbargo(db, id, '2026-06-01T00:00:00Z', '2026-03-03T00:00:00Z');
      const merged = { ...finding('merged'), aliases: ['CVE-2099-7777', 'PYSEC-2099-1'] };
      updateFindingContent(db, id, merged, '2026-03-04T00:00:00Z');
      expect(getFinding(db, id)).toMatchObject({
        reproducer,
        embargoUntil: '2026-06-01T00:00:00Z',
        finding: merged,
        updatedAt: '2026-03-04T00:00:00Z',
        state: 'reported',
      });
      db.close();
    });
  });
});
