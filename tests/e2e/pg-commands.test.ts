/**
 * Every command family on a PostgreSQL lab database (`--db postgres://...`), through the CLI with the argv and
 * fixtures of the SQLite end-to-end tests: run (the same report as on SQLite), runs, report, view, transcript,
 * policy, keys' use (assessments sealed for a developer), access engagements, the vulnerability clearinghouse, and
 * the audit log with its verification against an exported checkpoint. Each family has its own database.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { addDays, utcDateOf } from '../../src/access/day-number.js';
import type { RunComparison } from '../../src/compare/compare-runs.js';
import type { RunReport } from '../../src/report/build-report.js';
import type { Db } from '../../src/store/db.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { fingerprintFinding } from '../../src/vuln/fingerprint.js';
import { parseOsv } from '../../src/vuln/parse-osv.js';
import { runArgv, runCliCapture, sealArgv, type CliResult } from '../helpers/cli.js';
import {
  createPgDatabase,
  openRawDb,
  pgSkipReason,
  pgUrlOf,
  runAsPgAdmin,
  skipsPg,
  type PgTestDatabase,
} from '../helpers/pg.js';
import { writeChoiceSuite } from '../helpers/write-suite.js';

const hasBwrap = existsSync('/usr/bin/bwrap');
let dir: string;
const databases: PgTestDatabase[] = [];

/** A new, empty PostgreSQL database (dropped after the file). */
async function freshDb(): Promise<PgTestDatabase> {
  const database = await createPgDatabase();
  databases.push(database);
  return database;
}

/** Runs `fn` on a connection with no Redline checks (an operator's psql, an attacker's write access). */
function withRawDb<T>(url: string, fn: (db: Db) => T): T {
  const db = openRawDb(url);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The audit log's event types, read with SQL from the server's rows. */
function auditRecords(url: string): Array<{ type: string; data: Record<string, unknown> }> {
  return withRawDb(url, (db) =>
    (db.prepare('SELECT record FROM audit_log ORDER BY seq').pluck().all() as Buffer[]).map(
      (record) => JSON.parse(record.toString('utf8')) as { type: string; data: Record<string, unknown> },
    ),
  );
}

const expectRefused = (r: CliResult, code: string, exitCode = 3): void => {
  expect(r.stderr).toContain(`[${code}]`);
  expect(r.code).toBe(exitCode);
};

describe.skipIf(skipsPg)(`the commands on PostgreSQL${pgSkipReason}`, () => {
  const keysBefore = process.env['REDLINE_KEYS'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redline-pg-commands-'));
    // No keyring unless a command names one: no db key, so every database here stays plaintext.
    process.env['REDLINE_KEYS'] = join(dir, 'no-keys');
  });

  afterAll(async () => {
    if (keysBefore === undefined) delete process.env['REDLINE_KEYS'];
    else process.env['REDLINE_KEYS'] = keysBefore;
    for (const database of databases) await database.drop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  describe('run, runs, report, view', () => {
    it('runs a suite against the simulator with the report a SQLite run gets, and reads it back', async () => {
      const suitePath = await writeChoiceSuite(join(dir, 'suite'), { count: 90, multiEvery: 7 });
      const { url } = await freshDb();
      // The simulator answers by its seed and how often each prompt was asked: one per run, the same each time.
      const runOn = async (db: string): Promise<RunReport> => {
        const sim = await startSimulator({
          suite: await openSuite(suitePath),
          port: 0,
          skill: 0.7,
          seed: 11,
        });
        try {
          const r = await runCliCapture(
            runArgv(suitePath, sim.url, db, '--epochs', '3', '--developer', 'acme', '--concurrency', '16'),
          );
          expect(r.code, r.stderr).toBe(0);
          return JSON.parse(r.stdout) as RunReport;
        } finally {
          await sim.close();
        }
      };
      const report = await runOn(url);
      const onSqlite = await runOn(join(dir, 'same.db'));
      const comparable = (r: RunReport): Partial<RunReport> => {
        const { runId, endpoint, startedAt, finishedAt, elapsedMs, ...rest } = r;
        void [runId, endpoint, startedAt, finishedAt, elapsedMs];
        return rest;
      };
      expect(report.status).toBe('completed');
      expect(report.samples).toEqual({ total: 270, scored: 270, errors: 0 });
      expect(comparable(report)).toEqual(comparable(onSqlite));

      // The means, recomputed with SQL and arithmetic from the stored rows.
      const rows = withRawDb(
        url,
        (db) =>
          db
            .prepare(
              `SELECT sample_id, AVG(score) AS mean FROM results WHERE run_id = ? AND status = 'scored'
               GROUP BY sample_id`,
            )
            .all(report.runId) as Array<{ sample_id: string; mean: number }>,
      );
      expect(rows).toHaveLength(90);
      expect(report.overall.mean).toBeCloseTo(rows.reduce((sum, r) => sum + r.mean, 0) / rows.length, 12);

      const again = await runCliCapture(['report', report.runId, '--db', url, '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual(report);
      const text = await runCliCapture(['report', report.runId, '--db', url]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`Run ${report.runId}  completed`);
      expect(text.stdout).toContain('270 scored, 0 errors');

      const runs = await runCliCapture(['runs', '--db', url, '--json']);
      expect(runs.code, runs.stderr).toBe(0);
      expect(JSON.parse(runs.stdout)).toEqual([
        expect.objectContaining({
          runId: report.runId,
          status: 'completed',
          suite: 'generated',
          model: 'sim',
          developer: 'acme',
          samples: { total: 270, scored: 270, errors: 0 },
        }),
      ]);

      const out = join(dir, 'view');
      const view = await runCliCapture(['view', report.runId, '--out', out, '--db', url]);
      expect(view.code, view.stderr).toBe(0);
      expect(view.stderr).toContain('LAB ONLY');
      expect(view.stdout).toContain('90 samples, 0 transcripts');
      expect(readdirSync(out)).toContain('index.html');
      const logged = await runCliCapture(['audit', 'log', '--type', 'view.exported', '--json', '--db', url]);
      expect(
        (JSON.parse(logged.stdout) as Array<{ data: { runs: Array<{ runId: string }> } }>).map((e) =>
          e.data.runs.map((r) => r.runId),
        ),
      ).toEqual([[report.runId]]);
    });

    it('stops the run as failed with exit 4 when the endpoint rejects the credentials, storing no secret', async () => {
      const suitePath = await writeChoiceSuite(join(dir, 'suite-auth'), { count: 10 });
      const locked = await startSimulator({ suite: await openSuite(suitePath), port: 0, apiKey: 'sk-right' });
      try {
        const { url } = await freshDb();
        const result = await runCliCapture(runArgv(suitePath, locked.url, url, '--api-key-env', 'TEST_KEY'), {
          TEST_KEY: 'sk-wrong-secret',
        });
        expect(result.code).toBe(4);
        expect((JSON.parse(result.stdout) as RunReport).status).toBe('failed');
        expect(result.stderr).toContain('--resume');
        expect(result.stdout + result.stderr).not.toContain('sk-wrong-secret');
        const dump = withRawDb(
          url,
          (db) =>
            JSON.stringify(db.prepare('SELECT * FROM runs').all()) +
            JSON.stringify(db.prepare('SELECT * FROM results').all()),
        );
        expect(dump).toContain('failed');
        expect(dump).not.toContain('sk-wrong-secret');
      } finally {
        await locked.close();
      }
    });

    it('refuses to resume a completed run with nothing left to do', async () => {
      const suitePath = await writeChoiceSuite(join(dir, 'suite-small'), { count: 10 });
      const sim = await startSimulator({ suite: await openSuite(suitePath), port: 0, skill: 0.7, seed: 11 });
      try {
        const { url } = await freshDb();
        const first = await runCliCapture(runArgv(suitePath, sim.url, url, '--limit', '5'));
        expect(first.code, first.stderr).toBe(0);
        const { runId } = JSON.parse(first.stdout) as RunReport;
        const again = await runCliCapture(['run', suitePath, '--resume', runId, '--db', url, '--json']);
        expect(again.code).toBe(3);
      } finally {
        await sim.close();
      }
    });
  });

  describe.skipIf(!hasBwrap)('transcript (an agentic run in bubblewrap sandboxes)', () => {
    it('stores the transcripts of a run and shows them', async () => {
      const SUITE = 'suites/ctf-agentic';
      const suite = await openSuite(SUITE);
      const sim = await startSimulator({ suite, port: 0, skill: 1, seed: 1 });
      try {
        const { url } = await freshDb();
        const run = await runCliCapture([...runArgv(SUITE, sim.url, url), '--concurrency', '4']);
        expect(run.code, run.stderr).toBe(0);
        const report = JSON.parse(run.stdout) as RunReport;
        expect(report.samples).toEqual({ total: suite.sampleCount, scored: suite.sampleCount, errors: 0 });
        expect(report.overall.mean).toBe(1);

        const shown = await runCliCapture(['transcript', report.runId, 'enc-layers', '--db', url, '--json']);
        expect(shown.code, shown.stderr).toBe(0);
        const stored = JSON.parse(shown.stdout) as Array<{
          epoch: number;
          transcript: {
            stopReason: string;
            events: Array<{ kind: string; name?: string; exitCode?: number }>;
          };
        }>;
        expect(stored.map((s) => s.epoch)).toEqual([1]);
        const tools = stored[0]!.transcript.events.filter((e) => e.kind === 'tool');
        expect(stored[0]!.transcript.stopReason).toBe('submitted');
        expect(tools.filter((e) => e.name === 'bash').every((e) => e.exitCode === 0)).toBe(true);
        expect(tools.at(-1)?.name).toBe('submit');
        const text = await runCliCapture(['transcript', report.runId, 'enc-layers', '--db', url]);
        expect(text.code, text.stderr).toBe(0);
        expect(text.stdout).toContain('enc-layers, epoch 1: submitted');
        const missing = await runCliCapture(['transcript', report.runId, 'no-such-sample', '--db', url]);
        expectRefused(missing, 'E_NOT_FOUND', 2);
      } finally {
        await sim.close();
      }
    });
  });

  describe('a sealed suite', () => {
    it('records its opening by validate in the audit log of the PostgreSQL lab database', async () => {
      const SUITE = 'suites/cyber-knowledge';
      const { url } = await freshDb();
      const keys = join(dir, 'seal-keys');
      expect(
        (await runCliCapture(['keys', 'gen', '--id', 'lab', '--role', 'evaluator', '--out', keys])).code,
      ).toBe(0);
      const sealed = join(dir, 'knowledge.age');
      const sealing = await runCliCapture(sealArgv(SUITE, ['lab'], sealed, keys));
      expect(sealing.code, sealing.stderr).toBe(0);
      const validated = await runCliCapture([
        'suite',
        'validate',
        sealed,
        '--identity',
        join(keys, 'lab.age'),
        '--db',
        url,
        '--keys',
        keys,
      ]);
      expect(validated.code, validated.stderr).toBe(0);
      const plain = await openSuite(SUITE);
      const opened = auditRecords(url).filter((e) => e.type === 'suite.opened');
      expect(opened.map((e) => e.data)).toEqual([
        expect.objectContaining({
          key: 'lab',
          command: 'suite validate',
          file: sealed,
          suite: { id: plain.header.id, version: plain.header.version, sha256: plain.sha256 },
        }),
      ]);
    });
  });

  describe('policy', () => {
    let url: string;
    let keys: string;
    const runIds: string[] = [];
    const base = { metric: 'mean', basis: 'lower', confidence: 0.95, rule: 'overall', maxErrorRate: 0.05 };

    const writePolicy = async (name: string, fields: Record<string, unknown>): Promise<string> => {
      const file = join(dir, name);
      await writeFile(file, JSON.stringify({ id: 'covered-frontier-cyber', ...base, ...fields }));
      return file;
    };
    const show = async (): Promise<{ id: string; version: number; sha256: string; isBuiltIn: boolean }> => {
      const r = await runCliCapture(['policy', 'show', '--db', url, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { id: string; version: number; sha256: string; isBuiltIn: boolean };
    };

    beforeAll(async () => {
      url = (await freshDb()).url;
      keys = join(dir, 'policy-keys');
      for (const [id, role] of [
        ['alice', 'owner'],
        ['bob', 'owner'],
        ['lab-eval', 'evaluator'],
      ] as const) {
        expect((await runCliCapture(['keys', 'gen', '--id', id, '--role', role, '--out', keys])).code).toBe(
          0,
        );
      }
      const suite = await writeChoiceSuite(join(dir, 'policy-suite'), { count: 80 });
      for (const [model, skill] of [
        ['weak', 0.25],
        ['strong', 0.92],
      ] as const) {
        const sim = await startSimulator({ suite: await openSuite(suite), port: 0, skill, seed: 9 });
        const run = await runCliCapture(
          runArgv(suite, sim.url, url, '--developer', 'acme').map((a) => (a === 'sim' ? model : a)),
        );
        await sim.close();
        expect(run.code, run.stderr).toBe(0);
        runIds.push((JSON.parse(run.stdout) as RunReport).runId);
      }
    });

    it('what-ifs a proposal, then applies a version signed by two owners, and refuses a replay', async () => {
      expect(await show()).toMatchObject({ id: 'redline-default', isBuiltIn: true });
      const proposed = await writePolicy('p1.json', { version: 1, cutoff: 0.3 });
      const whatif = await runCliCapture(['policy', 'whatif', proposed, '--db', url, '--json']);
      expect(whatif.code, whatif.stderr).toBe(0);
      const result = JSON.parse(whatif.stdout) as {
        proposed: { id: string; version: number };
        runs: Array<{ runId: string; model: string; active: string; proposed: string; changed: boolean }>;
      };
      expect(result.proposed).toEqual({ id: 'covered-frontier-cyber', version: 1 });
      expect(result.runs.map((r) => r.runId).sort()).toEqual([...runIds].sort());
      const byModel = Object.fromEntries(result.runs.map((r) => [r.model, r]));
      expect(byModel.strong).toMatchObject({ active: 'covered', proposed: 'covered' });
      expect(byModel.weak?.active).toBe('not-covered');

      const v1 = await writePolicy('v1.json', { version: 1, cutoff: 0.55, threshold: 2 });
      const oneSig = join(dir, 'v1.alice.json');
      // No --previous: the active policy is read from the lab database named by --db.
      const signed = await runCliCapture([
        'policy',
        'sign',
        v1,
        '--identity',
        join(keys, 'alice.key'),
        '--out',
        oneSig,
        '--db',
        url,
      ]);
      expect(signed.code, signed.stderr).toBe(0);
      expectRefused(
        await runCliCapture(['policy', 'apply', oneSig, '--db', url, '--keys', keys]),
        'E_THRESHOLD',
      );
      const twoSigs = join(dir, 'v1.both.json');
      const cosigned = await runCliCapture([
        'policy',
        'sign',
        oneSig,
        '--identity',
        join(keys, 'bob.key'),
        '--out',
        twoSigs,
      ]);
      expect(cosigned.code, cosigned.stderr).toBe(0);
      const applied = await runCliCapture(['policy', 'apply', twoSigs, '--db', url, '--keys', keys]);
      expect(applied.code, applied.stderr).toBe(0);
      const active = await show();
      expect(active).toMatchObject({ id: 'covered-frontier-cyber', version: 1, cutoff: 0.55 });
      expectRefused(
        await runCliCapture(['policy', 'apply', twoSigs, '--db', url, '--keys', keys]),
        'E_POLICY_VERSION',
      );
      expect(await show()).toEqual(active);

      const compared = await runCliCapture(['compare', runIds[0]!, runIds[1]!, '--db', url, '--json']);
      expect(compared.code, compared.stderr).toBe(0);
      const comparison = JSON.parse(compared.stdout) as RunComparison;
      expect(comparison.sameSuiteContent).toBe(true);
      expect(comparison.overall.n).toBe(80);
      expect(comparison.overall.difference).toBeGreaterThan(0.4); // strong (0.92) over weak (0.25)

      const history = await runCliCapture(['policy', 'history', '--db', url, '--json']);
      expect(JSON.parse(history.stdout)).toHaveLength(1);
      const report = await runCliCapture(['report', runIds[0]!, '--db', url, '--json']);
      expect((JSON.parse(report.stdout) as RunReport).designation.policy).toEqual({
        id: 'covered-frontier-cyber',
        version: 1,
        sha256: active.sha256,
      });
      expect(
        auditRecords(url)
          .filter((e) => e.type === 'policy.applied')
          .map((e) => e.data['sha256']),
      ).toEqual([active.sha256]);
    });
  });

  describe("keys' use: assessments sealed for a developer, and the audit log", () => {
    const SUITE = 'suites/ctf-flags';
    let url: string;
    let database: PgTestDatabase;
    let lab: string;
    let devKeys: string;
    let otherKeys: string;
    let runId: string;
    let otherRunId: string;

    const assess = (run: string, to: string, out: string): Promise<CliResult> =>
      runCliCapture([
        'assess',
        run,
        '--to',
        to,
        '--identity',
        join(lab, 'lab-eval.key'),
        '--keys',
        lab,
        '--db',
        url,
        '--detail',
        'categories',
        '--out',
        out,
      ]);

    beforeAll(async () => {
      database = await freshDb();
      url = database.url;
      lab = join(dir, 'lab-keys');
      devKeys = join(dir, 'acme-keys');
      otherKeys = join(dir, 'globex-keys');
      for (const [id, role, out] of [
        ['lab-eval', 'evaluator', lab],
        ['lab-log', 'log', lab],
        ['acme', 'developer', devKeys],
        ['globex', 'developer', otherKeys],
      ] as const) {
        const r = await runCliCapture(['keys', 'gen', '--id', id, '--role', role, '--out', out]);
        expect(r.code, r.stderr).toBe(0);
      }
      for (const pub of [join(devKeys, 'acme.pub.json'), join(otherKeys, 'globex.pub.json')]) {
        const r = await runCliCapture(['keys', 'add', pub, '--keys', lab, '--db', url]);
        expect(r.code, r.stderr).toBe(0);
      }
      const sim = await startSimulator({ suite: await openSuite(SUITE), port: 0, skill: 0.8, seed: 4 });
      try {
        const run = await runCliCapture([
          ...runArgv(SUITE, sim.url, url, '--developer', 'acme', '--epochs', '2'),
          '--keys',
          lab,
        ]);
        expect(run.code, run.stderr).toBe(0);
        runId = (JSON.parse(run.stdout) as RunReport).runId;
        const other = await runCliCapture([
          ...runArgv(SUITE, sim.url, url, '--developer', 'globex'),
          '--keys',
          lab,
        ]);
        expect(other.code, other.stderr).toBe(0);
        otherRunId = (JSON.parse(other.stdout) as RunReport).runId;
      } finally {
        await sim.close();
      }
    });

    it('seals an assessment that only the developer opens, and refuses the wrong developer and an unfinished run', async () => {
      const file = join(dir, 'acme.assessment.json');
      const sealed = await assess(runId, 'acme', file);
      expect(sealed.code, sealed.stderr).toBe(0);
      const opened = await runCliCapture([
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
      const notMine = await runCliCapture([
        'open',
        file,
        '--identity',
        join(otherKeys, 'globex.age'),
        '--trust',
        join(lab, 'lab-eval.pub.json'),
      ]);
      expectRefused(notMine, 'E_NOT_RECIPIENT', 6);

      expectRefused(await assess(otherRunId, 'acme', join(dir, 'wrong.json')), 'E_ACCESS');
      withRawDb(url, (db) =>
        db.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ?").run(otherRunId),
      );
      expectRefused(await assess(otherRunId, 'globex', join(dir, 'unfinished.json')), 'E_STATE');
    });

    it('logs runs, key imports and assessments, verifies, and catches a rewrite against an exported checkpoint', async () => {
      const log = await runCliCapture(['audit', 'log', '--db', url, '--json']);
      expect(log.code, log.stderr).toBe(0);
      const types = (JSON.parse(log.stdout) as Array<{ type: string }>).map((e) => e.type);
      expect(types, types.join(' ')).toEqual(
        expect.arrayContaining(['key.added', 'run.started', 'run.finished', 'assessment.issued']),
      );
      const text = await runCliCapture(['audit', 'log', '--db', url, '--type', 'assessment.issued']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('assessment.issued');
      expect((await runCliCapture(['audit', 'verify', '--db', url, '--keys', lab])).code).toBe(0);
      const checkpoint = join(dir, 'checkpoint.txt');
      const exported = await runCliCapture([
        'audit',
        'checkpoint',
        '--out',
        checkpoint,
        '--db',
        url,
        '--keys',
        lab,
      ]);
      expect(exported.code, exported.stderr).toBe(0);
      const verified = await runCliCapture([
        'audit',
        'verify',
        '--db',
        url,
        '--keys',
        lab,
        '--checkpoint',
        checkpoint,
      ]);
      expect(verified.code, verified.stderr).toBe(0);

      // An attacker with write access to a copy of the database edits one record's bytes.
      const copy = `${database.name}_copy`;
      await runAsPgAdmin(`CREATE DATABASE ${copy} TEMPLATE ${database.name}`);
      databases.push({
        name: copy,
        url: pgUrlOf(copy),
        drop: () => runAsPgAdmin(`DROP DATABASE ${copy} WITH (FORCE)`),
      });
      withRawDb(pgUrlOf(copy), (db) => {
        db.exec('DROP TRIGGER audit_log_no_update ON audit_log');
        const record = db.prepare('SELECT record FROM audit_log WHERE seq = 2').pluck().get() as Buffer;
        const edited = Buffer.from(record.toString('utf8').replace('"type":"', '"type":"x'));
        db.prepare('UPDATE audit_log SET record = ? WHERE seq = 2').run(edited);
      });
      const tampered = await runCliCapture([
        'audit',
        'verify',
        '--db',
        pgUrlOf(copy),
        '--keys',
        lab,
        '--checkpoint',
        checkpoint,
        '--json',
      ]);
      expect(tampered.code).toBe(6);
      const report = JSON.parse(tampered.stdout) as { ok: boolean; firstBad: { seq: number } };
      expect(report.ok).toBe(false);
      expect(report.firstBad.seq).toBe(2);
    });
  });

  describe('access engagements', () => {
    const SUITE = 'suites/ctf-flags';
    // Runs record their engagement only when they start inside the window (UTC date): open it yesterday.
    const today = utcDateOf(new Date());
    const start = addDays(today, -1);
    const release = addDays(today, 10);

    it('registers an engagement, follows it from open to cleared, and issues an attestation that verifies', async () => {
      const { url } = await freshDb();
      const lab = join(dir, 'access-lab');
      const devKeys = join(dir, 'access-acme');
      for (const [id, role, out] of [
        ['lab-eval', 'evaluator', lab],
        ['lab-log', 'log', lab],
        ['acme', 'developer', devKeys],
      ] as const) {
        const r = await runCliCapture(['keys', 'gen', '--id', id, '--role', role, '--out', out]);
        expect(r.code, r.stderr).toBe(0);
      }
      const added = await runCliCapture([
        'keys',
        'add',
        join(devKeys, 'acme.pub.json'),
        '--keys',
        lab,
        '--db',
        url,
      ]);
      expect(added.code, added.stderr).toBe(0);
      const status = async (): Promise<Array<{ id: string; state: string; overdue: string | null }>> => {
        const r = await runCliCapture(['access', 'status', '--model', 'sim', '--db', url, '--json']);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as Array<{ id: string; state: string; overdue: string | null }>;
      };
      const register = (from: string, to: string, model = 'sim'): Promise<CliResult> =>
        runCliCapture([
          'access',
          'register',
          '--developer',
          'acme',
          '--model',
          model,
          '--start',
          from,
          '--release',
          to,
          '--partners',
          'partner-a, partner-b',
          '--terms',
          'NDA-2025-17',
          '--db',
          url,
          '--keys',
          lab,
          '--json',
        ]);
      const clear = (out: string): Promise<CliResult> =>
        runCliCapture([
          'access',
          'clear',
          '--model',
          'sim',
          '--identity',
          join(lab, 'lab-eval.key'),
          '--out',
          out,
          '--db',
          url,
          '--keys',
          lab,
        ]);

      const registered = await register(start, release);
      expect(registered.code, registered.stderr).toBe(0);
      const engagementId = (JSON.parse(registered.stdout) as { id: string }).id;
      expect(await status()).toEqual([
        {
          id: engagementId,
          developer: 'acme',
          model: 'sim',
          start,
          release,
          partners: ['partner-a', 'partner-b'],
          terms: 'NDA-2025-17',
          state: 'open',
          daysRemaining: 10,
          overdue: null,
        },
      ]);
      const overlap = await register(release, addDays(release, 5));
      expectRefused(overlap, 'E_WINDOW_OVERLAP');
      expect(overlap.stderr).toContain(engagementId);
      expectRefused(
        await register(addDays(today, 20), addDays(today, 51), 'other-model'),
        'E_WINDOW_TOO_LONG',
      );
      expectRefused(await clear(join(dir, 'early.json')), 'E_NOT_ASSESSED');

      const sim = await startSimulator({ suite: await openSuite(SUITE), port: 0, skill: 0.8, seed: 9 });
      let runId: string;
      try {
        const run = await runCliCapture([
          ...runArgv(SUITE, sim.url, url, '--developer', 'acme'),
          '--keys',
          lab,
        ]);
        expect(run.code, run.stderr).toBe(0);
        runId = (JSON.parse(run.stdout) as RunReport).runId;
      } finally {
        await sim.close();
      }
      expect(
        withRawDb(url, (db) => db.prepare('SELECT engagement_id FROM runs WHERE id = ?').pluck().get(runId)),
      ).toBe(engagementId);
      expect((await status())[0]?.state).toBe('evaluated');

      const assessed = await runCliCapture([
        'assess',
        runId,
        '--to',
        'acme',
        '--identity',
        join(lab, 'lab-eval.key'),
        '--keys',
        lab,
        '--db',
        url,
        '--out',
        join(dir, 'access-acme.assessment.json'),
      ]);
      expect(assessed.code, assessed.stderr).toBe(0);
      expect((await status())[0]).toMatchObject({ state: 'assessed', overdue: null });

      const file = join(dir, 'sim.sequencing.json');
      const cleared = await clear(file);
      expect(cleared.code, cleared.stderr).toBe(0);
      expect((await status())[0]).toMatchObject({ state: 'cleared', overdue: null });
      const verified = await runCliCapture([
        'verify-attestation',
        file,
        '--trust',
        join(lab, 'lab-eval.pub.json'),
        '--json',
      ]);
      expect(verified.code, verified.stderr).toBe(0);
      const { predicate } = JSON.parse(verified.stdout) as {
        predicate: { engagement: { id: string }; completedAt: string; runs: Array<{ runId: string }> };
      };
      expect(predicate.engagement.id).toBe(engagementId);
      expect(predicate.runs.map((r) => r.runId)).toEqual([runId]);
      expect(predicate.completedAt).toBe(today);
      expect(
        auditRecords(url)
          .filter((e) => e.type.startsWith('access.'))
          .map((e) => e.type),
      ).toEqual(['access.registered', 'access.cleared']);
    });
  });

  describe('the vulnerability clearinghouse', () => {
    const FIXTURES = 'tests/fixtures/vuln';
    /** The clearinghouse's clock (injected, so the dates below never go stale). */
    const NOW = new Date('2026-12-01T00:00:00Z');
    const embargo = '2027-01-15T00:00:00.000Z';
    let url: string;
    let keys: string;

    const cli = (argv: string[], now = NOW): Promise<CliResult> =>
      runCliCapture([...argv, '--db', url, '--keys', keys], {}, { now: () => now });
    const bare = (argv: string[], now = NOW): Promise<CliResult> =>
      runCliCapture(argv, {}, { now: () => now });
    const json = async <T>(argv: string[]): Promise<T> => {
      const r = await cli([...argv, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as T;
    };

    beforeAll(async () => {
      url = (await freshDb()).url;
      keys = join(dir, 'vuln-keys');
      for (const [id, role, sector] of [
        ['clearinghouse', 'operator', 'government'],
        ['grid-co', 'participant', 'energy'],
        ['frontier-ai', 'participant', 'ai-provider'],
        ['shop', 'participant', 'retail'],
        ['lab-log', 'log', undefined],
      ] as const) {
        const r = await bare([
          'keys',
          'gen',
          '--id',
          id,
          '--role',
          role,
          '--out',
          keys,
          '--organisation',
          `${id} org`,
          ...(sector === undefined ? [] : ['--sector', sector]),
        ]);
        expect(r.code, r.stderr).toBe(0);
      }
    });

    it('deconflicts scans, merges reports, validates, seals advisories, exports after the embargo, and logs it all', async () => {
      const claim = (participant: string, target: string, from: string, to: string): Promise<CliResult> =>
        cli([
          'vuln',
          'scan',
          'claim',
          '--participant',
          participant,
          '--target',
          target,
          '--from',
          from,
          '--to',
          to,
        ]);
      const first = await claim(
        'frontier-ai',
        'pkg:npm/tunnelkit@>=1.0.0 <2.0.0',
        '2030-01-01T00:00:00Z',
        '2030-01-08T00:00:00Z',
      );
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('claimed SC-1');
      const clash = await claim(
        'grid-co',
        'pkg:npm/tunnelkit@^1.5.0',
        '2030-01-07T00:00:00Z',
        '2030-01-09T00:00:00Z',
      );
      expectRefused(clash, 'E_SCAN_CONFLICT');
      expect(clash.stderr).toContain('SC-1 held by frontier-ai');
      const held = await json<Array<{ id: string }>>(['vuln', 'scan', 'list']);
      expect(held.map((c) => c.id)).toEqual(['SC-1']);
      expect((await cli(['vuln', 'scan', 'release', 'SC-1', '--participant', 'frontier-ai'])).code).toBe(0);

      // The same vulnerability as OSV and as SARIF: one finding, both reporters.
      const reported = await json<Array<{ id: string; outcome: string }>>([
        'vuln',
        'report',
        join(FIXTURES, 'tunnelkit.osv.json'),
        '--participant',
        'frontier-ai',
        '--reproducer',
        join(FIXTURES, 'repro-ok', 'reproducer.json'),
      ]);
      expect(reported).toMatchObject([{ id: 'RLV-2026-1', outcome: 'new' }]);
      const merged = await json<Array<{ id: string; outcome: string; reporters: string[] }>>([
        'vuln',
        'report',
        join(FIXTURES, 'tunnelkit.sarif.json'),
        '--participant',
        'grid-co',
      ]);
      expect(merged).toMatchObject([
        { id: 'RLV-2026-1', outcome: 'merged', reporters: ['frontier-ai', 'grid-co'] },
      ]);
      const other = await json<Array<{ id: string }>>([
        'vuln',
        'report',
        join(FIXTURES, 'sqli.sarif.json'),
        '--participant',
        'shop',
      ]);
      expect(other).toMatchObject([{ id: 'RLV-2026-2' }]);
      const malformed = await cli([
        'vuln',
        'report',
        join(FIXTURES, 'osv-missing-id.json'),
        '--participant',
        'shop',
      ]);
      expectRefused(malformed, 'E_SCHEMA', 2);
      expect(
        (await json<Array<{ id: string; state: string; reporters: string[] }>>(['vuln', 'list'])).map((f) => [
          f.id,
          f.state,
          f.reporters,
        ]),
      ).toEqual([
        ['RLV-2026-1', 'reported', ['frontier-ai', 'grid-co']],
        ['RLV-2026-2', 'reported', ['shop']],
      ]);

      for (const [participant, purl] of [
        ['grid-co', 'pkg:npm/tunnelkit@1.6.0'],
        ['frontier-ai', 'pkg:npm/tunnelkit@1.2.0'],
        ['shop', 'pkg:npm/tunnelkit@1.9.0'],
      ] as const) {
        expect((await cli(['vuln', 'inventory', 'add', '--participant', participant, purl])).code).toBe(0);
      }
      const queue = await json<Array<{ id: string; decision: string; score: number; affected: string[] }>>([
        'vuln',
        'queue',
      ]);
      expect(queue.map((q) => [q.id, q.decision, q.score])).toEqual([
        ['RLV-2026-1', 'attend', 9.8],
        ['RLV-2026-2', 'track', 5.4],
      ]);
      expect(queue[0]?.affected).toEqual(['frontier-ai', 'grid-co']);

      const triage = await cli([
        'vuln',
        'triage',
        'RLV-2026-1',
        '--operator',
        'clearinghouse',
        '--known-exploited',
        '--public-wellbeing',
        'material',
      ]);
      expect(triage.code, triage.stderr).toBe(0);
      const validated = await cli([
        'vuln',
        'validate',
        'RLV-2026-1',
        '--operator',
        'clearinghouse',
        '--json',
      ]);
      expect(validated.code, validated.stderr).toBe(0);
      const attempt = JSON.parse(validated.stdout) as {
        isReproduced: boolean;
        transcript: { stdout: string };
      };
      expect(attempt.isReproduced).toBe(true);
      expect(attempt.transcript.stdout).toContain('TRAVERSAL-CONFIRMED');
      const rejected = await cli([
        'vuln',
        'reject',
        'RLV-2026-2',
        '--operator',
        'clearinghouse',
        '--reason',
        'not reproducible',
      ]);
      expect(rejected.code, rejected.stderr).toBe(0);

      const patch = join(dir, 'fix.patch');
      await writeFile(patch, 'upgrade tunnelkit to 1.8.3\n');
      expect((await cli(['vuln', 'patch', 'RLV-2026-1', patch, '--operator', 'clearinghouse'])).code).toBe(0);
      const advisories = join(dir, 'advisories');
      const notified = await cli([
        'vuln',
        'notify',
        'RLV-2026-1',
        '--operator',
        'clearinghouse',
        '--identity',
        join(keys, 'clearinghouse.key'),
        '--out-dir',
        advisories,
        '--embargo-until',
        '2027-01-15',
        '--json',
      ]);
      expect(notified.code, notified.stderr).toBe(0);
      expect(JSON.parse(notified.stdout)).toMatchObject({ embargoUntil: embargo });
      expect(readdirSync(advisories).sort()).toEqual([
        'RLV-2026-1.frontier-ai.advisory.json',
        'RLV-2026-1.grid-co.advisory.json',
      ]);
      const patchOut = join(dir, 'grid-fix.patch');
      const opened = await bare(
        [
          'vuln',
          'open',
          join(advisories, 'RLV-2026-1.grid-co.advisory.json'),
          '--identity',
          join(keys, 'grid-co.age'),
          '--trust',
          join(keys, 'clearinghouse.pub.json'),
          '--patch-out',
          patchOut,
          '--json',
        ],
        new Date('2026-12-02T00:00:00Z'),
      );
      expect(opened.code, opened.stderr).toBe(0);
      expect((JSON.parse(opened.stdout) as { advisory: unknown }).advisory).toMatchObject({
        findingId: 'RLV-2026-1',
        participant: 'grid-co',
        affectedVersions: ['pkg:npm/tunnelkit@1.6.0'],
      });
      expect(await readFile(patchOut, 'utf8')).toBe('upgrade tunnelkit to 1.8.3\n');

      const notNotified = await cli(['vuln', 'ack', 'RLV-2026-1', '--participant', 'shop']);
      expect(notNotified.code).toBe(3);
      expect(notNotified.stderr).toContain('was not notified');
      for (const participant of ['grid-co', 'frontier-ai']) {
        expect((await cli(['vuln', 'ack', 'RLV-2026-1', '--participant', participant])).code).toBe(0);
        expect((await cli(['vuln', 'remediated', 'RLV-2026-1', '--participant', participant])).code).toBe(0);
      }
      expect(await json<unknown[]>(['vuln', 'queue'])).toEqual([]);

      const early = await cli(
        ['vuln', 'export', 'RLV-2026-1', '--osv', '--operator', 'clearinghouse'],
        new Date('2027-01-14T23:59:59Z'),
      );
      expect(early.code).toBe(3);
      expect(early.stderr).toContain(`embargoed until ${embargo}`);
      const exported = await cli(
        ['vuln', 'export', 'RLV-2026-1', '--osv', '--operator', 'clearinghouse', '--credit'],
        new Date(embargo),
      );
      expect(exported.code, exported.stderr).toBe(0);
      const [record] = parseOsv(exported.stdout, 'export.json');
      const original = parseOsv(await readFile(join(FIXTURES, 'tunnelkit.osv.json'), 'utf8'), 'fixture')[0]!;
      expect(fingerprintFinding(record!)).toBe(fingerprintFinding(original));

      const shown = await json<{ state: string; validations: Array<{ isReproduced: boolean }> }>([
        'vuln',
        'show',
        'RLV-2026-1',
      ]);
      expect(shown.state).toBe('validated');
      expect(shown.validations.map((v) => v.isReproduced)).toEqual([true]);

      const events = auditRecords(url).filter((e) => e.type.startsWith('vuln.'));
      expect([...new Set(events.map((e) => e.type))].sort()).toEqual(
        [
          'vuln.scan.claimed',
          'vuln.scan.released',
          'vuln.reported',
          'vuln.inventory.changed',
          'vuln.triaged',
          'vuln.validated',
          'vuln.rejected',
          'vuln.patched',
          'vuln.notified',
          'vuln.acknowledged',
          'vuln.remediated',
          'vuln.exported',
        ].sort(),
      );
      for (const e of events)
        expect(e.data['participant'] ?? e.data['operator'], e.type).toBeTypeOf('string');
      const verify = await cli(['audit', 'verify']);
      expect(verify.code, verify.stderr).toBe(0);
    });
  });
});
