/**
 * The evaluator-to-developer path as users meet it, through the CLI: keys, a run for a developer, a sealed
 * assessment, the developer opening it with only their own secret and the evaluator's public key, every refusal
 * with its code, and the audit log that records it all.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEnvelopeFile, sealEnvelopeFile } from '../../src/crypto/assessment-file.js';
import { loadAgeIdentity, loadKeyEntry } from '../../src/crypto/key-files.js';
import type { RunReport } from '../../src/report/build-report.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { runArgv, runCliCapture } from '../helpers/cli.js';

const SUITE = 'suites/ctf-flags';
let dir: string;
let lab: string;
let devKeys: string;
let otherKeys: string;
let db: string;
let sim: Awaited<ReturnType<typeof startSimulator>>;
let runId: string;
let otherRunId: string;

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCapture(argv);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-assess-'));
  lab = join(dir, 'lab-keys');
  devKeys = join(dir, 'acme-keys');
  otherKeys = join(dir, 'globex-keys');
  db = join(dir, 'lab.db');
  for (const [id, role, out] of [
    ['lab-eval', 'evaluator', lab],
    ['lab-log', 'log', lab],
    ['acme', 'developer', devKeys],
    ['globex', 'developer', otherKeys],
  ] as const) {
    const r = await cli(['keys', 'gen', '--id', id, '--role', role, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
  }
  for (const pub of [join(devKeys, 'acme.pub.json'), join(otherKeys, 'globex.pub.json')]) {
    const r = await cli(['keys', 'add', pub, '--keys', lab, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
  }
  sim = await startSimulator({ suite: await openSuite(SUITE), port: 0, skill: 0.8, seed: 4 });
  const run = await cli([
    ...runArgv(SUITE, sim.url, db, '--developer', 'acme', '--epochs', '2'),
    '--keys',
    lab,
  ]);
  expect(run.code, run.stderr).toBe(0);
  runId = (JSON.parse(run.stdout) as RunReport).runId;
  const other = await cli([...runArgv(SUITE, sim.url, db, '--developer', 'globex'), '--keys', lab]);
  otherRunId = (JSON.parse(other.stdout) as RunReport).runId;
});

afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const assess = (
  run: string,
  to: string,
  out: string,
): Promise<{ code: number; stdout: string; stderr: string }> =>
  cli([
    'assess',
    run,
    '--to',
    to,
    '--identity',
    join(lab, 'lab-eval.key'),
    '--keys',
    lab,
    '--db',
    db,
    '--detail',
    'categories',
    '--out',
    out,
  ]);

describe('assess and open', () => {
  it('seals an assessment that only the developer opens, verified against the evaluator key', async () => {
    const file = join(dir, 'acme.assessment.json');
    const sealed = await assess(runId, 'acme', file);
    expect(sealed.code, sealed.stderr).toBe(0);
    const opened = await cli([
      'open',
      file,
      '--identity',
      join(devKeys, 'acme.age'),
      '--trust',
      join(lab, 'lab-eval.pub.json'),
      '--json',
    ]);
    expect(opened.code, opened.stderr).toBe(0);
    const { predicate } = JSON.parse(opened.stdout) as {
      predicate: Record<string, unknown> & { runs: Array<{ runId: string }> };
    };
    expect(predicate).toMatchObject({ developer: 'acme', model: 'sim', detail: 'categories' });
    expect(predicate.runs.map((r) => r.runId)).toEqual([runId]);
    const text = await cli([
      'open',
      file,
      '--identity',
      join(devKeys, 'acme.age'),
      '--trust',
      join(lab, 'lab-eval.pub.json'),
    ]);
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
    const conn = new Database(db, { readonly: true });
    for (const row of conn
      .prepare('SELECT output, answer FROM results WHERE run_id = ?')
      .all(runId) as Array<{ output: string | null; answer: string | null }>) {
      if (row.output !== null) secrets.add(row.output);
      if (row.answer !== null) secrets.add(row.answer);
    }
    conn.close();
    expect(secrets.size).toBeGreaterThan(30);
    const leaked = [...secrets].filter((s) => s.length >= 3 && decrypted.includes(s));
    expect(leaked).toEqual([]);
  });

  it('refuses to address a run to another developer, and an unfinished run', async () => {
    const wrong = await assess(otherRunId, 'acme', join(dir, 'wrong.json'));
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('[E_ACCESS]');
    const conn = new Database(db);
    conn.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ?").run(otherRunId);
    conn.close();
    const unfinished = await assess(otherRunId, 'globex', join(dir, 'unfinished.json'));
    expect(unfinished.code).toBe(3);
    expect(unfinished.stderr).toContain('[E_STATE]');
  });

  it('gives each wrong opening its own error', async () => {
    const file = join(dir, 'acme2.assessment.json');
    expect((await assess(runId, 'acme', file)).code).toBe(0);
    const open = (f: string, identity: string, trust: string): Promise<{ code: number; stderr: string }> =>
      cli(['open', f, '--identity', identity, '--trust', trust]);
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
    const log = await cli(['audit', 'log', '--db', db, '--json']);
    const types = (JSON.parse(log.stdout) as Array<{ type: string }>).map((e) => e.type);
    expect(types, types.join(' ')).toEqual(
      expect.arrayContaining(['key.added', 'run.started', 'run.finished', 'assessment.issued']),
    );
    expect((await cli(['audit', 'verify', '--db', db, '--keys', lab])).code).toBe(0);
    const checkpoint = join(dir, 'checkpoint.txt');
    expect((await cli(['audit', 'checkpoint', '--out', checkpoint, '--db', db, '--keys', lab])).code).toBe(0);
    expect((await cli(['audit', 'verify', '--db', db, '--keys', lab, '--checkpoint', checkpoint])).code).toBe(
      0,
    );

    // An attacker with the database file edits one record's bytes.
    const copy = join(dir, 'tampered.db');
    await copyFile(db, copy);
    const conn = new Database(copy);
    conn.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
    for (const { name } of conn
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
      .all() as Array<{ name: string }>) {
      conn.exec(`DROP TRIGGER "${name}"`);
    }
    const row = conn.prepare('SELECT seq, record FROM audit_log WHERE seq = 2').get() as {
      seq: number;
      record: Buffer;
    };
    const edited = Buffer.from(row.record.toString('utf8').replace('"type":"', '"type":"x'));
    conn.prepare('UPDATE audit_log SET record = ? WHERE seq = 2').run(edited);
    conn.close();
    const verify = await cli([
      'audit',
      'verify',
      '--db',
      copy,
      '--keys',
      lab,
      '--checkpoint',
      checkpoint,
      '--json',
    ]);
    expect(verify.code).toBe(6);
    const report = JSON.parse(verify.stdout) as { ok: boolean; firstBad: { seq: number } };
    expect(report.ok).toBe(false);
    expect(report.firstBad.seq).toBe(2);
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
