/**
 * The evaluator-to-developer path as users meet it, through the CLI: keys, a run for a developer, a sealed
 * assessment, the developer opening it with only their own secret and the evaluator's public key, every refusal
 * with its code, and the audit log that records it all.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEnvelopeFile, sealEnvelopeFile } from '../../src/crypto/assessment-file.js';
import { loadAgeIdentity, loadKeyEntry } from '../../src/crypto/key-files.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { assessArgv, expectSealedForAcme, openArgv, setUpAssessmentLab } from '../helpers/assessment-lab.js';
import {
  exportVerifiedCheckpoint,
  expectAuditBrokenAt,
  listAuditTypes,
  rewriteAuditRecord,
} from '../helpers/audit-log.js';
import { runCliCapture, type CliResult } from '../helpers/cli.js';
import { withRawDb } from '../helpers/pg.js';

const SUITE = 'suites/ctf-flags';
let dir: string;
let lab: string;
let devKeys: string;
let otherKeys: string;
let db: string;
let runId: string;
let otherRunId: string;

const cli = (argv: string[]): Promise<CliResult> => runCliCapture(argv);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-assess-'));
  db = join(dir, 'lab.db');
  ({ lab, devKeys, otherKeys, runId, otherRunId } = await setUpAssessmentLab(dir, db, SUITE));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const assess = (run: string, to: string, out: string): Promise<CliResult> =>
  cli(assessArgv(run, to, lab, db, out, '--detail', 'categories'));

describe('assess and open', () => {
  it('seals an assessment that only the developer opens, verified against the evaluator key', async () => {
    const file = join(dir, 'acme.assessment.json');
    await expectSealedForAcme({ lab, devKeys, runId }, db, file);
    const text = await cli(openArgv(file, join(devKeys, 'acme.age'), join(lab, 'lab-eval.pub.json')));
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Signature: verified');
  });

  it('carries no sample id, input, choice, target or response of the assessed run', async () => {
    const file = join(dir, 'leak.assessment.json');
    expect((await assess(runId, 'acme', file)).code).toBe(0);
    const identity = loadAgeIdentity(join(devKeys, 'acme.age'));
    const envelope = openEnvelopeFile(await readFile(file, 'utf8'), identity);
    const decrypted = Buffer.from(envelope.payload, 'base64').toString('utf8') + JSON.stringify(envelope);
    const secrets = new Set<string>();
    for await (const sample of (await openSuite(SUITE)).samples()) {
      const s = sample;
      secrets.add(s.id);
      secrets.add(s.input);
      for (const c of s.choices ?? []) secrets.add(c);
      for (const t of Array.isArray(s.target) ? s.target : [s.target]) secrets.add(t);
    }
    const rows = withRawDb(
      db,
      (conn) =>
        conn.prepare('SELECT output, answer FROM results WHERE run_id = ?').all(runId) as Array<{
          output: string | null;
          answer: string | null;
        }>,
      { readonly: true },
    );
    for (const row of rows) {
      if (row.output !== null) secrets.add(row.output);
      if (row.answer !== null) secrets.add(row.answer);
    }
    expect(secrets.size).toBeGreaterThan(30);
    const leaked = [...secrets].filter((s) => s.length >= 3 && decrypted.includes(s));
    expect(leaked).toEqual([]);
  });

  it('refuses to address a run to another developer, and an unfinished run', async () => {
    const wrong = await assess(otherRunId, 'acme', join(dir, 'wrong.json'));
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('[E_ACCESS]');
    withRawDb(db, (conn) =>
      conn.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ?").run(otherRunId),
    );
    const unfinished = await assess(otherRunId, 'globex', join(dir, 'unfinished.json'));
    expect(unfinished.code).toBe(3);
    expect(unfinished.stderr).toContain('[E_STATE]');
  });

  it('gives each wrong opening its own error', async () => {
    const file = join(dir, 'acme2.assessment.json');
    expect((await assess(runId, 'acme', file)).code).toBe(0);
    const open = (f: string, identity: string, trust: string): Promise<CliResult> =>
      cli(openArgv(f, identity, trust));
    const acme = join(devKeys, 'acme.age');
    const evaluator = join(lab, 'lab-eval.pub.json');

    const notMine = await open(file, join(otherKeys, 'globex.age'), evaluator);
    expect([notMine.code, notMine.stderr.includes('[E_NOT_RECIPIENT]')]).toEqual([6, true]);

    const untrusted = await open(file, acme, join(devKeys, 'acme.pub.json'));
    expect([untrusted.code, untrusted.stderr.includes('[E_UNTRUSTED_SIGNER]')]).toEqual([6, true]);

    const sealed = JSON.parse(await readFile(file, 'utf8')) as { ciphertext: string };
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[10] = bytes[10]! ^ 1;
    const tamperedFile = join(dir, 'tampered.json');
    await writeFile(tamperedFile, JSON.stringify({ ...sealed, ciphertext: bytes.toString('base64') }));
    const tampered = await open(tamperedFile, acme, evaluator);
    expect([tampered.code, tampered.stderr.includes('[E_TAMPERED]')]).toEqual([6, true]);

    const malformedFile = join(dir, 'malformed.json');
    await writeFile(malformedFile, '{"type": "redline.sealed-dsse/v1", "recipients": "nobody"}');
    const malformed = await open(malformedFile, acme, evaluator);
    expect([malformed.code, malformed.stderr.includes('[E_MALFORMED]')]).toEqual([2, true]);

    // acme forwards the genuine, signed envelope re-sealed to globex as if it had been addressed to globex.
    const envelope = openEnvelopeFile(await readFile(file, 'utf8'), loadAgeIdentity(acme));
    const globex = loadKeyEntry(join(otherKeys, 'globex.pub.json')).recipient;
    const forwardedFile = join(dir, 'forwarded.json');
    await writeFile(forwardedFile, JSON.stringify(sealEnvelopeFile(envelope, [globex])));
    const forwarded = await open(forwardedFile, join(otherKeys, 'globex.age'), evaluator);
    expect([forwarded.code, forwarded.stderr.includes('[E_READDRESSED]')]).toEqual([6, true]);
  });

  it('never overwrites an existing assessment file', async () => {
    const file = join(dir, 'once.json');
    expect((await assess(runId, 'acme', file)).code).toBe(0);
    const before = await readFile(file, 'utf8');
    expect((await assess(runId, 'acme', file)).code).toBe(2);
    expect(await readFile(file, 'utf8')).toBe(before);
  });
});

describe('audit log through the CLI', () => {
  it('records runs, key imports and assessments, verifies, and catches a rewrite against an exported checkpoint', async () => {
    const types = await listAuditTypes(db);
    expect(types, types.join(' ')).toEqual(
      expect.arrayContaining(['key.added', 'run.started', 'run.finished', 'assessment.issued']),
    );
    const checkpoint = join(dir, 'checkpoint.txt');
    await exportVerifiedCheckpoint(db, lab, checkpoint);

    // An attacker with the database file edits one record's bytes.
    const copy = join(dir, 'tampered.db');
    await copyFile(db, copy);
    withRawDb(copy, (conn) => {
      conn.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
      for (const { name } of conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        .all() as Array<{ name: string }>) {
        conn.exec(`DROP TRIGGER "${name}"`);
      }
      rewriteAuditRecord(conn, 2);
    });
    await expectAuditBrokenAt(copy, lab, checkpoint, 2);
  });
});

describe('sign and verify', () => {
  it('signs a file that verifies, and refuses it once edited', async () => {
    const file = join(dir, 'report.json');
    await writeFile(file, JSON.stringify({ hello: 'world' }));
    expect((await cli(['sign', file, '--identity', join(lab, 'lab-eval.key')])).code).toBe(0);
    expect((await cli(['verify', file, '--trust', join(lab, 'lab-eval.pub.json')])).code).toBe(0);
    await writeFile(file, JSON.stringify({ hello: 'World' }));
    const edited = await cli(['verify', file, '--trust', join(lab, 'lab-eval.pub.json')]);
    expect([edited.code, edited.stderr.includes('[E_TAMPERED]')]).toEqual([6, true]);
  });
});
