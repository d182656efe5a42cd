/**
 * Pre-release access (EO 14409) as evaluators meet it, through the CLI: register an engagement, run the model in
 * its window against the simulator, assess, watch the derived state move, issue the sequencing attestation and
 * verify it with only the evaluator's public key; every refusal with its code and exit status.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/access/day-number.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import {
  clearArgv,
  engagementWindow,
  openEngagementRow,
  readAccessStatus,
  readAttestation,
  registerArgv,
  verifyAttestationArgv,
  type StatusRow,
} from '../helpers/access-cli.js';
import { assessArgv } from '../helpers/assessment-lab.js';
import { runCliCapture, type CliResult } from '../helpers/cli.js';
import { expectRefused } from '../helpers/expect-refused.js';
import { addDeveloperKey, genLabKeys } from '../helpers/lab-keys.js';
import { withRawDb } from '../helpers/pg.js';
import { runForDeveloper } from '../helpers/simulated-runs.js';

const SUITE = 'suites/ctf-flags';
let dir: string;
let lab: string;
let devKeys: string;
let strangerKeys: string;
let db: string;
let sim: Awaited<ReturnType<typeof startSimulator>>;
const window = engagementWindow();
const { today, start, release } = window;

const cli = (argv: string[]): Promise<CliResult> => runCliCapture(argv);

function status(): Promise<StatusRow[]> {
  return readAccessStatus(db);
}

const register = (developer: string, from: string, to: string, model = 'sim'): Promise<CliResult> =>
  cli(registerArgv(developer, model, from, to, db, lab));

const clear = (out: string, identity = join(lab, 'lab-eval.key')): Promise<CliResult> =>
  cli(clearArgv(out, identity, db, lab));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-access-'));
  lab = join(dir, 'lab-keys');
  devKeys = join(dir, 'acme-keys');
  strangerKeys = join(dir, 'stranger-keys');
  db = join(dir, 'lab.db');
  await genLabKeys(lab, { acme: devKeys, globex: strangerKeys });
  await addDeveloperKey('acme', devKeys, lab, db);
  sim = await startSimulator({ suite: await openSuite(SUITE), port: 0, skill: 0.8, seed: 9 });
});

afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe('access register, status, clear and verify-attestation', () => {
  let engagementId: string;
  let runId: string;

  it('registers an engagement that is open today', async () => {
    const r = await register('acme', start, release);
    expect(r.code, r.stderr).toBe(0);
    const engagement = JSON.parse(r.stdout) as { id: string; partners: string[]; terms: string };
    engagementId = engagement.id;
    expect(engagement).toMatchObject({ partners: ['partner-a', 'partner-b'], terms: 'NDA-2025-17' });
    expect(await status()).toEqual([openEngagementRow(engagementId, window)]);
  });

  it('refuses each wrong registration with its code (exit 3; a bad date exits 2)', async () => {
    expectRefused(
      await register('acme', addDays(today, 20), addDays(today, 51), 'other-model'),
      'E_WINDOW_TOO_LONG',
    );
    expectRefused(
      await register('acme', addDays(today, 20), addDays(today, 19), 'other-model'),
      'E_WINDOW_ORDER',
    );
    expectRefused(
      await register('globex', addDays(today, 20), addDays(today, 30), 'other-model'),
      'E_UNKNOWN_KEY',
    );
    const overlap = await register('acme', release, addDays(release, 5));
    expectRefused(overlap, 'E_WINDOW_OVERLAP');
    expect(overlap.stderr).toContain(engagementId);
    expectRefused(await register('acme', '2025-02-30', '2025-03-10', 'other-model'), 'E_USAGE', 2);
    // A window of exactly 30 days is the order's limit, and allowed.
    const thirty = await register('acme', addDays(today, 40), addDays(today, 70), 'other-model');
    expect(thirty.code, thirty.stderr).toBe(0);
    expect(await status()).toHaveLength(1);
  });

  it('refuses to clear before any run or assessment (E_NOT_ASSESSED, exit 3)', async () => {
    expectRefused(await clear(join(dir, 'early.json')), 'E_NOT_ASSESSED');
  });

  it('moves to evaluated after a completed run of the model by the developer', async () => {
    runId = await runForDeveloper(SUITE, sim.url, db, lab, 'acme');
    const row0 = withRawDb(
      db,
      (conn) =>
        conn.prepare('SELECT engagement_id FROM runs WHERE id = ?').get(runId) as {
          engagement_id: string | null;
        },
      { readonly: true },
    );
    expect(row0.engagement_id).toBe(engagementId);
    const [row] = await status();
    expect(row?.state).toBe('evaluated');
    expect(row?.overdue).not.toBeNull();
    expectRefused(await clear(join(dir, 'unassessed.json')), 'E_NOT_ASSESSED');
  });

  it('moves to assessed once the assessment is issued, then cleared with a verifiable attestation', async () => {
    const assessed = await cli(assessArgv(runId, 'acme', lab, db, join(dir, 'acme.assessment.json')));
    expect(assessed.code, assessed.stderr).toBe(0);
    expect((await status())[0]).toMatchObject({ state: 'assessed', overdue: null });

    expectRefused(await clear(join(dir, 'wrong-key.json'), join(devKeys, 'acme.key')), 'E_KEY', 2);

    const file = join(dir, 'sim.sequencing.json');
    const cleared = await clear(file);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect((await status())[0]).toMatchObject({ state: 'cleared', overdue: null });

    const predicate = await readAttestation(file, join(lab, 'lab-eval.pub.json'));
    expect(predicate.engagement).toMatchObject({
      id: engagementId,
      model: 'sim',
      partners: ['partner-a', 'partner-b'],
    });
    expect(predicate.runs.map((r) => r.runId)).toEqual([runId]);
    expect(predicate.completedAt).toBe(today);
    expect(predicate.assessments).toHaveLength(1);
    const text = await cli(verifyAttestationArgv(file, join(lab, 'lab-eval.pub.json')));
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Signature: verified');

    // Never overwritten.
    const before = await readFile(file, 'utf8');
    expectRefused(await clear(file), 'E_USAGE', 2);
    expect(await readFile(file, 'utf8')).toBe(before);

    const log = await cli(['audit', 'log', '--db', db, '--json']);
    const types = (JSON.parse(log.stdout) as Array<{ type: string; data: Record<string, unknown> }>).filter(
      (e) => e.type.startsWith('access.'),
    );
    expect(types.map((e) => [e.type, e.data.engagementId !== undefined])).toEqual([
      ['access.registered', true],
      ['access.registered', true],
      ['access.cleared', true],
    ]);
  });

  it('verify-attestation fails with exit 6 for an untrusted key or an altered file', async () => {
    const file = join(dir, 'sim.sequencing.json');
    const untrusted = await cli(verifyAttestationArgv(file, join(devKeys, 'acme.pub.json')));
    expectRefused(untrusted, 'E_UNTRUSTED_SIGNER', 6);
    const envelope = JSON.parse(await readFile(file, 'utf8')) as { payload: string };
    const payload = Buffer.from(envelope.payload, 'base64')
      .toString('utf8')
      .replace(/"completedAt":"[^"]+"/, '"completedAt":"2000-01-01"');
    const altered = join(dir, 'altered.json');
    await writeFile(
      altered,
      JSON.stringify({ ...envelope, payload: Buffer.from(payload).toString('base64') }),
    );
    expectRefused(await cli(verifyAttestationArgv(altered, join(lab, 'lab-eval.pub.json'))), 'E_TAMPERED', 6);
  });
});
