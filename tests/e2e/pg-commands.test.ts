/**
 * Every command family on a PostgreSQL lab database (`--db postgres://...`), through the CLI with the argv and
 * fixtures of the SQLite end-to-end tests: run (the same report as on SQLite), runs, report, view, transcript,
 * policy, keys' use (assessments sealed for a developer), access engagements, the vulnerability clearinghouse, and
 * the audit log with its verification against an exported checkpoint. Each family has its own database.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { addDays } from '../../src/access/day-number.js';
import type { RunComparison } from '../../src/compare/compare-runs.js';
import type { RunReport } from '../../src/report/build-report.js';
import { openSuite } from '../../src/suite/load-suite.js';
import {
  clearArgv,
  engagementWindow,
  openEngagementRow,
  readAccessStatus,
  readAttestation,
  registerArgv,
  type StatusRow,
} from '../helpers/access-cli.js';
import {
  AGENTIC_SUITE,
  expectSolvedTranscript,
  hasBwrap,
  runSolvedAgentic,
  showTranscripts,
} from '../helpers/agentic-run.js';
import { assessArgv, expectSealedForAcme, openArgv, setUpAssessmentLab } from '../helpers/assessment-lab.js';
import {
  exportVerifiedCheckpoint,
  expectAuditBrokenAt,
  listAuditTypes,
  readAuditRecords,
  rewriteAuditRecord,
  suiteOpenedData,
} from '../helpers/audit-log.js';
import { runArgv, runCliCapture, sealArgv, validateSealedArgv, type CliResult } from '../helpers/cli.js';
import { expectRefused } from '../helpers/expect-refused.js';
import {
  GENERATED_RUN_OPTIONS,
  listedGeneratedRun,
  startGeneratedSimulator,
  writeGeneratedSuite,
} from '../helpers/generated-run.js';
import { addDeveloperKey, genKeys, genLabKeys } from '../helpers/lab-keys.js';
import {
  createPgDatabase,
  pgSkipReason,
  pgUrlOf,
  runAsPgAdmin,
  skipsPg,
  withRawDb,
  type PgTestDatabase,
} from '../helpers/pg.js';
import { genPolicyKeys, signPolicyArgv, writePolicy } from '../helpers/policy-cli.js';
import { runAsModels, runForDeveloper } from '../helpers/simulated-runs.js';
import {
  CLASHING_SCAN,
  expectTunnelkitFingerprint,
  expectTunnelkitQueue,
  FIRST_SCAN,
  notifyTunnelkit,
  openGridCoAdvisory,
  reportTunnelkitTwice,
  TUNNELKIT_PATCH,
  validateTunnelkit,
} from '../helpers/tunnelkit-finding.js';
import {
  CLEARINGHOUSE_PARTIES,
  clearinghouseCli,
  EMBARGO,
  genPartyKeys,
  operatorArgv,
  reportArgv,
  vulnFixture,
} from '../helpers/vuln-cli.js';
import { writeChoiceSuite } from '../helpers/write-suite.js';

let dir: string;
const databases: PgTestDatabase[] = [];

/** A new, empty PostgreSQL database (dropped after the file). */
async function freshDb(): Promise<PgTestDatabase> {
  const database = await createPgDatabase();
  databases.push(database);
  return database;
}

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
      const suitePath = await writeGeneratedSuite(join(dir, 'suite'));
      const { url } = await freshDb();
      // A fresh simulator for each run: it answers by its seed and how often each prompt was asked.
      const runOn = async (db: string): Promise<RunReport> => {
        const sim = await startGeneratedSimulator(suitePath);
        try {
          const r = await runCliCapture(runArgv(suitePath, sim.url, db, ...GENERATED_RUN_OPTIONS));
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
      expect(JSON.parse(runs.stdout)).toEqual([expect.objectContaining(listedGeneratedRun(report.runId))]);

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
      const { url } = await freshDb();
      const report = await runSolvedAgentic(await openSuite(AGENTIC_SUITE), url);
      const stored = await showTranscripts(report.runId, 'enc-layers', url);
      expect(stored.map((s) => s.epoch)).toEqual([1]);
      expectSolvedTranscript(stored[0]!);
      const text = await runCliCapture(['transcript', report.runId, 'enc-layers', '--db', url]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('enc-layers, epoch 1: submitted');
      const missing = await runCliCapture(['transcript', report.runId, 'no-such-sample', '--db', url]);
      expectRefused(missing, 'E_NOT_FOUND', 2);
    });
  });

  describe('a sealed suite', () => {
    it('records its opening by validate in the audit log of the PostgreSQL lab database', async () => {
      const SUITE = 'suites/cyber-knowledge';
      const { url } = await freshDb();
      const keys = join(dir, 'seal-keys');
      await genKeys([['lab', 'evaluator', keys]]);
      const sealed = join(dir, 'knowledge.age');
      const sealing = await runCliCapture(sealArgv(SUITE, ['lab'], sealed, keys));
      expect(sealing.code, sealing.stderr).toBe(0);
      const validated = await runCliCapture(
        validateSealedArgv(sealed, join(keys, 'lab.age'), url, '--keys', keys),
      );
      expect(validated.code, validated.stderr).toBe(0);
      const plain = await openSuite(SUITE);
      const opened = readAuditRecords(url).filter((e) => e.type === 'suite.opened');
      expect(opened.map((e) => e.data)).toEqual([
        expect.objectContaining(suiteOpenedData('lab', 'suite validate', sealed, plain)),
      ]);
    });
  });

  describe('policy', () => {
    let url: string;
    let keys: string;
    const runIds: string[] = [];

    const show = async (): Promise<{ id: string; version: number; sha256: string; isBuiltIn: boolean }> => {
      const r = await runCliCapture(['policy', 'show', '--db', url, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { id: string; version: number; sha256: string; isBuiltIn: boolean };
    };

    beforeAll(async () => {
      url = (await freshDb()).url;
      keys = join(dir, 'policy-keys');
      await genPolicyKeys(keys);
      const suite = await writeChoiceSuite(join(dir, 'policy-suite'), { count: 80 });
      runIds.push(
        ...(await runAsModels(suite, url, [
          ['weak', 0.25],
          ['strong', 0.92],
        ])),
      );
    });

    it('what-ifs a proposal, then applies a version signed by two owners, and refuses a replay', async () => {
      expect(await show()).toMatchObject({ id: 'redline-default', isBuiltIn: true });
      const proposed = await writePolicy(dir, 'p1.json', { version: 1, cutoff: 0.3 });
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

      const v1 = await writePolicy(dir, 'v1.json', { version: 1, cutoff: 0.55, threshold: 2 });
      const oneSig = join(dir, 'v1.alice.json');
      // No --previous: the active policy is read from the lab database named by --db.
      const signed = await runCliCapture(signPolicyArgv(v1, join(keys, 'alice.key'), oneSig, '--db', url));
      expect(signed.code, signed.stderr).toBe(0);
      expectRefused(
        await runCliCapture(['policy', 'apply', oneSig, '--db', url, '--keys', keys]),
        'E_THRESHOLD',
      );
      const twoSigs = join(dir, 'v1.both.json');
      const cosigned = await runCliCapture(signPolicyArgv(oneSig, join(keys, 'bob.key'), twoSigs));
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
        readAuditRecords(url)
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
      runCliCapture(assessArgv(run, to, lab, url, out, '--detail', 'categories'));

    beforeAll(async () => {
      database = await freshDb();
      url = database.url;
      ({ lab, devKeys, otherKeys, runId, otherRunId } = await setUpAssessmentLab(dir, url, SUITE));
    });

    it('seals an assessment that only the developer opens, and refuses the wrong developer and an unfinished run', async () => {
      const file = join(dir, 'acme.assessment.json');
      await expectSealedForAcme({ lab, devKeys, runId }, url, file);
      const notMine = await runCliCapture(
        openArgv(file, join(otherKeys, 'globex.age'), join(lab, 'lab-eval.pub.json')),
      );
      expectRefused(notMine, 'E_NOT_RECIPIENT', 6);

      expectRefused(await assess(otherRunId, 'acme', join(dir, 'wrong.json')), 'E_ACCESS');
      withRawDb(url, (db) =>
        db.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ?").run(otherRunId),
      );
      expectRefused(await assess(otherRunId, 'globex', join(dir, 'unfinished.json')), 'E_STATE');
    });

    it('logs runs, key imports and assessments, verifies, and catches a rewrite against an exported checkpoint', async () => {
      const types = await listAuditTypes(url);
      expect(types, types.join(' ')).toEqual(
        expect.arrayContaining(['key.added', 'run.started', 'run.finished', 'assessment.issued']),
      );
      const text = await runCliCapture(['audit', 'log', '--db', url, '--type', 'assessment.issued']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('assessment.issued');
      const checkpoint = join(dir, 'checkpoint.txt');
      await exportVerifiedCheckpoint(url, lab, checkpoint);

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
        rewriteAuditRecord(db, 2);
      });
      await expectAuditBrokenAt(pgUrlOf(copy), lab, checkpoint, 2);
    });
  });

  describe('access engagements', () => {
    const SUITE = 'suites/ctf-flags';
    const window = engagementWindow();
    const { today, start, release } = window;

    it('registers an engagement, follows it from open to cleared, and issues an attestation that verifies', async () => {
      const { url } = await freshDb();
      const lab = join(dir, 'access-lab');
      const devKeys = join(dir, 'access-acme');
      await genLabKeys(lab, { acme: devKeys });
      await addDeveloperKey('acme', devKeys, lab, url);
      const status = (): Promise<StatusRow[]> => readAccessStatus(url);
      const register = (from: string, to: string, model = 'sim'): Promise<CliResult> =>
        runCliCapture(registerArgv('acme', model, from, to, url, lab));
      const clear = (out: string): Promise<CliResult> =>
        runCliCapture(clearArgv(out, join(lab, 'lab-eval.key'), url, lab));

      const registered = await register(start, release);
      expect(registered.code, registered.stderr).toBe(0);
      const engagementId = (JSON.parse(registered.stdout) as { id: string }).id;
      expect(await status()).toEqual([openEngagementRow(engagementId, window)]);
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
        runId = await runForDeveloper(SUITE, sim.url, url, lab, 'acme');
      } finally {
        await sim.close();
      }
      expect(
        withRawDb(url, (db) => db.prepare('SELECT engagement_id FROM runs WHERE id = ?').pluck().get(runId)),
      ).toBe(engagementId);
      expect((await status())[0]?.state).toBe('evaluated');

      const assessed = await runCliCapture(
        assessArgv(runId, 'acme', lab, url, join(dir, 'access-acme.assessment.json')),
      );
      expect(assessed.code, assessed.stderr).toBe(0);
      expect((await status())[0]).toMatchObject({ state: 'assessed', overdue: null });

      const file = join(dir, 'sim.sequencing.json');
      const cleared = await clear(file);
      expect(cleared.code, cleared.stderr).toBe(0);
      expect((await status())[0]).toMatchObject({ state: 'cleared', overdue: null });
      const predicate = await readAttestation(file, join(lab, 'lab-eval.pub.json'));
      expect(predicate.engagement.id).toBe(engagementId);
      expect(predicate.runs.map((r) => r.runId)).toEqual([runId]);
      expect(predicate.completedAt).toBe(today);
      expect(
        readAuditRecords(url)
          .filter((e) => e.type.startsWith('access.'))
          .map((e) => e.type),
      ).toEqual(['access.registered', 'access.cleared']);
    });
  });

  describe('the vulnerability clearinghouse', () => {
    let url: string;
    let keys: string;
    const clearinghouse = clearinghouseCli(() => ({ db: url, keys }));
    const { cli, json, claim } = clearinghouse;

    beforeAll(async () => {
      url = (await freshDb()).url;
      keys = join(dir, 'vuln-keys');
      await genPartyKeys(keys, CLEARINGHOUSE_PARTIES);
    });

    it('deconflicts scans, merges reports, validates, seals advisories, exports after the embargo, and logs it all', async () => {
      const first = await claim(...FIRST_SCAN);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('claimed SC-1');
      const clash = await claim(...CLASHING_SCAN);
      expectRefused(clash, 'E_SCAN_CONFLICT');
      expect(clash.stderr).toContain('SC-1 held by frontier-ai');
      const held = await json<Array<{ id: string }>>(['vuln', 'scan', 'list']);
      expect(held.map((c) => c.id)).toEqual(['SC-1']);
      expect((await cli(['vuln', 'scan', 'release', 'SC-1', '--participant', 'frontier-ai'])).code).toBe(0);

      // The same vulnerability as OSV and as SARIF: one finding, both reporters.
      await reportTunnelkitTwice(clearinghouse);
      const other = await json<Array<{ id: string }>>(reportArgv(vulnFixture('sqli.sarif.json'), 'shop'));
      expect(other).toMatchObject([{ id: 'RLV-2026-2' }]);
      const malformed = await cli(reportArgv(vulnFixture('osv-missing-id.json'), 'shop'));
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

      await expectTunnelkitQueue(clearinghouse);
      await validateTunnelkit(clearinghouse);
      const rejected = await cli(operatorArgv('reject', 'RLV-2026-2', '--reason', 'not reproducible'));
      expect(rejected.code, rejected.stderr).toBe(0);

      const patch = join(dir, 'fix.patch');
      await writeFile(patch, TUNNELKIT_PATCH);
      expect((await cli(['vuln', 'patch', 'RLV-2026-1', patch, '--operator', 'clearinghouse'])).code).toBe(0);
      const advisories = join(dir, 'advisories');
      await notifyTunnelkit(clearinghouse, keys, advisories);
      const advisory = await openGridCoAdvisory(clearinghouse, keys, advisories, join(dir, 'grid-fix.patch'));
      expect(advisory).toMatchObject({
        findingId: 'RLV-2026-1',
        participant: 'grid-co',
        affectedVersions: ['pkg:npm/tunnelkit@1.6.0'],
      });

      const notNotified = await cli(['vuln', 'ack', 'RLV-2026-1', '--participant', 'shop']);
      expect(notNotified.code).toBe(3);
      expect(notNotified.stderr).toContain('was not notified');
      for (const participant of ['grid-co', 'frontier-ai']) {
        expect((await cli(['vuln', 'ack', 'RLV-2026-1', '--participant', participant])).code).toBe(0);
        expect((await cli(['vuln', 'remediated', 'RLV-2026-1', '--participant', participant])).code).toBe(0);
      }
      expect(await json<unknown[]>(['vuln', 'queue'])).toEqual([]);

      const early = await cli(
        operatorArgv('export', 'RLV-2026-1', '--osv'),
        new Date('2027-01-14T23:59:59Z'),
      );
      expect(early.code).toBe(3);
      expect(early.stderr).toContain(`embargoed until ${EMBARGO}`);
      const exported = await cli(
        operatorArgv('export', 'RLV-2026-1', '--osv', '--credit'),
        new Date(EMBARGO),
      );
      expect(exported.code, exported.stderr).toBe(0);
      await expectTunnelkitFingerprint(exported.stdout);

      const shown = await json<{ state: string; validations: Array<{ isReproduced: boolean }> }>([
        'vuln',
        'show',
        'RLV-2026-1',
      ]);
      expect(shown.state).toBe('validated');
      expect(shown.validations.map((v) => v.isReproduced)).toEqual([true]);

      const events = readAuditRecords(url).filter((e) => e.type.startsWith('vuln.'));
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
