/**
 * Classification markings (issue 15): a suite's `classification` is recorded on its runs, printed at the top and the
 * bottom of the report and the transcript, and reaches an assessment only under a policy that shares it.
 */
import nacl from 'tweetnacl';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAssessment } from '../../../src/assessment/build-assessment.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy.js';
import { diffPolicies } from '../../../src/policy/diff-policy.js';
import { policyDigest } from '../../../src/policy/policy-digest.js';
import { parseSignedPolicy, signPolicy } from '../../../src/policy/policy-statement.js';
import { buildReport } from '../../../src/report/build-report.js';
import { classificationBanner, withClassification } from '../../../src/report/classification-banner.js';
import { SuiteFile } from '../../../src/schema/suite.js';
import { compileValidator } from '../../../src/schema/validate.js';
import { insertPolicy } from '../../../src/store/insert-policy.js';
import { openStore, type Db } from '../../../src/store/open-store.js';
import { getRun } from '../../../src/store/runs.js';
import { writeTranscripts } from '../../../src/store/transcripts.js';
import { runCliCapture } from '../../helpers/cli.js';
import { renderReport } from '../../../harness/cli/render-report.js';
import { addRun } from '../../helpers/add-run.js';

let dir: string;
let db: Db;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-classification-'));
  db = openStore(join(dir, 'lab.db'));
  const units: [string, string, number[]][] = [
    ['q1', 'crypto', [1]],
    ['q2', 'web', [0]],
  ];
  addRun(db, { id: 'marked', units, classification: 'CUI//SP-CTI', developer: 'acme' });
  addRun(db, { id: 'plain', units, developer: 'acme' });
  writeTranscripts(db, [
    {
      runId: 'marked',
      sampleId: 'q1',
      epoch: 1,
      transcript: {
        messages: [{ role: 'user', content: 'Find the flag.' }],
        events: [{ turn: 1, kind: 'model', startedAtMs: 0, durationMs: 5 }],
        stopReason: 'submitted',
        answer: 'flag{x}',
        turns: 1,
        sandboxStartMs: 10,
      },
    },
  ]);
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('classification markings', () => {
  it('are recorded on the run and carried by its report, and absent from a run without one', () => {
    expect(getRun(db, 'marked').suite.classification).toBe('CUI//SP-CTI');
    expect(buildReport(db, 'marked').classification).toBe('CUI//SP-CTI');
    expect(getRun(db, 'plain').suite).not.toHaveProperty('classification');
    expect(buildReport(db, 'plain')).not.toHaveProperty('classification');
  });

  it('frame the human-readable report at its top and bottom', () => {
    const lines = renderReport(buildReport(db, 'marked')).trimEnd().split('\n');
    expect(lines[0]).toBe(classificationBanner('CUI//SP-CTI'));
    expect(lines.at(-1)).toBe(classificationBanner('CUI//SP-CTI'));
    expect(lines.filter((l) => l.includes('CUI//SP-CTI'))).toHaveLength(2);
    expect(renderReport(buildReport(db, 'plain'))).not.toContain('////');
    expect(withClassification('a\n', undefined)).toBe('a\n');
    expect(withClassification('a', 'X')).toBe('//// X ////\na\n//// X ////\n');
  });

  it('frame the transcript at its top and bottom', async () => {
    const result = await runCliCapture(['transcript', 'marked', 'q1', '--db', join(dir, 'lab.db')]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect([lines[0], lines.at(-1)]).toEqual([
      classificationBanner('CUI//SP-CTI'),
      classificationBanner('CUI//SP-CTI'),
    ]);
    expect(lines[1]).toContain('q1, epoch 1');
    // The export is in the audit log: which command, which run of which suite, which sample.
    const logged = await runCliCapture([
      'audit',
      'log',
      '--type',
      'transcript.exported',
      '--json',
      '--db',
      join(dir, 'lab.db'),
    ]);
    const entries = JSON.parse(logged.stdout) as Array<{
      type: string;
      actor: string;
      data: Record<string, unknown>;
    }>;
    expect(entries).toHaveLength(1);
    expect(entries[0]!.data).toEqual({
      command: 'transcript',
      runs: [
        {
          runId: 'marked',
          suite: 'cyber',
          version: '1.0.0',
          sha256: 'ab'.repeat(32),
          classification: 'CUI//SP-CTI',
        },
      ],
      sample: 'q1',
      epochs: [1],
      format: 'text',
    });
    expect(
      (await runCliCapture(['audit', 'log', '--type', 'no.such', '--db', join(dir, 'lab.db')])).code,
    ).toBe(2);
  });

  it('must be one line of printable text in a suite file', () => {
    const validator = compileValidator(SuiteFile);
    const suite = { id: 's', version: '1', title: 'S', samples: [] };
    expect(validator.check({ ...suite, classification: 'SECRET//REL TO LAB' })).toBe(true);
    expect(validator.check({ ...suite, classification: 'CUI\nforged line' })).toBe(false);
    expect(validator.check({ ...suite, classification: '' })).toBe(false);
  });

  it('reach an assessment only under a policy with shareClassification: true', () => {
    const options = {
      runIds: ['marked'],
      developer: 'acme',
      evaluatorKeyId: 'e'.repeat(64),
      recipientKeyIds: ['d'.repeat(64)],
      detail: 'summary' as const,
      issuedAt: '2026-12-03T12:00:00.000Z',
      assessmentId: 'a1',
    };
    expect(buildAssessment(db, options).runs[0]!.suite).not.toHaveProperty('classification');

    const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(3));
    const owner = { keyId: keyIdOf(pair.publicKey), secretKey: pair.secretKey };
    const policy = {
      ...DEFAULT_POLICY,
      id: 'lab',
      version: 1,
      owners: [owner.keyId],
      shareClassification: true,
    };
    const signed = parseSignedPolicy(JSON.stringify(signPolicy({ policy, previous: null }, owner)), 'p.json');
    insertPolicy(db, { signed, signers: [owner.keyId], appliedAt: 't', appliedBy: 'op' });
    const shared = buildAssessment(db, options).runs[0]!.suite;
    expect(shared.classification).toBe('CUI//SP-CTI');
    expect(Object.keys(shared).sort()).toEqual(['classification', 'id', 'sha256', 'version']);
  });

  it('leave policy digests alone unless shared: false is the default, true is a change', () => {
    expect(policyDigest({ ...DEFAULT_POLICY, shareClassification: false })).toBe(
      policyDigest(DEFAULT_POLICY),
    );
    expect(policyDigest({ ...DEFAULT_POLICY, shareClassification: true })).not.toBe(
      policyDigest(DEFAULT_POLICY),
    );
    expect(diffPolicies(DEFAULT_POLICY, { ...DEFAULT_POLICY, shareClassification: true })).toEqual([
      { path: '/shareClassification', before: undefined, after: true },
    ]);
  });
});
