/**
 * One run over many runners (issue 16): runner processes joined to one shared run, against the simulator with
 * injected faults, store exactly one result per (sample, epoch) and the scores of a one-host run; runners killed
 * with SIGKILL midway lose only their leased units, which the others take over; the audit log stays one chain.
 * On both backends: a SQLite file (processes of one host) and PostgreSQL (any host).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { openLabStore } from '../../harness/store/open-lab-store.js';
import type { RunReport } from '../../src/report/build-report.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { runArgv, runCliCapture, spawnCli, waitForExit } from '../helpers/cli.js';
import { createPgDatabase, pgSkipReason, skipsPg, type PgTestDatabase } from '../helpers/pg.js';
import { writeChoiceSuite } from '../helpers/write-suite.js';

const SAMPLES = 120;
const EPOCHS = 2;
const TOTAL = SAMPLES * EPOCHS;
const SIM = { skill: 0.6, seed: 5, faultRate: 0.1 } as const;

let dir: string;
let suitePath: string;
const databases: PgTestDatabase[] = [];

const keysBefore = process.env['REDLINE_KEYS'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-shared-'));
  suitePath = await writeChoiceSuite(join(dir, 'suite'), { count: SAMPLES });
  // A lab log key, so that every runner signs checkpoints and `audit verify` checks them.
  const keys = join(dir, 'keys');
  const gen = await runCliCapture(['keys', 'gen', '--id', 'lab-log', '--role', 'log', '--out', keys]);
  expect(gen.code, gen.stderr).toBe(0);
  process.env['REDLINE_KEYS'] = keys;
});

afterAll(async () => {
  if (keysBefore === undefined) delete process.env['REDLINE_KEYS'];
  else process.env['REDLINE_KEYS'] = keysBefore;
  for (const db of databases) await db.drop();
  await rm(dir, { recursive: true, force: true });
});

/** A fresh simulator: its answers depend only on its seed and how often each prompt was answered. */
async function simulator(latencyMs: number): Promise<Awaited<ReturnType<typeof startSimulator>>> {
  return startSimulator({ suite: await openSuite(suitePath), port: 0, latencyMs, ...SIM });
}

interface Backend {
  name: string;
  skip: boolean;
  /** A new, empty lab database. */
  fresh(label: string): Promise<string>;
}

const backends: Backend[] = [
  { name: 'sqlite', skip: false, fresh: (label) => Promise.resolve(join(dir, `${label}.db`)) },
  {
    name: `postgres${pgSkipReason}`,
    skip: skipsPg,
    fresh: async () => {
      const db = await createPgDatabase();
      databases.push(db);
      return db.url;
    },
  },
];

/** What the store holds about a run's units, read through the store layer (either backend). */
function unitState(location: string, runId: string) {
  const db = openLabStore(location, { readonly: true });
  try {
    const results = db
      .prepare(
        `SELECT COUNT(*) AS rows, COUNT(*) FILTER (WHERE status = 'scored') AS scored,
           COUNT(DISTINCT sample_id || '/' || CAST(epoch AS TEXT)) AS units FROM results WHERE run_id = ?`,
      )
      .get(runId) as { rows: number; scored: number; units: number };
    const units = db
      .prepare(
        'SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE done = 1) AS done FROM run_units WHERE run_id = ?',
      )
      .get(runId) as { total: number; done: number };
    const runners = db
      .prepare('SELECT runner, units, left_at AS "leftAt" FROM run_runners WHERE run_id = ? ORDER BY runner')
      .all(runId) as Array<{ runner: string; units: number; leftAt: string | null }>;
    const status = db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId) as string;
    return { results, units, runners, status };
  } finally {
    db.close();
  }
}

/** Category means of a run's report, as the JSON report gives them. */
async function meansOf(location: string, runId: string): Promise<Record<string, number | null>> {
  const { code, stdout, stderr } = await runCliCapture(['report', runId, '--db', location, '--json']);
  expect(code, stderr).toBe(0);
  const report = JSON.parse(stdout) as RunReport;
  return meansOfReport(report);
}

function meansOfReport(report: RunReport): Record<string, number | null> {
  return Object.fromEntries(Object.entries(report.categories).map(([name, c]) => [name, c.mean]));
}

async function createShared(location: string, url: string, ...extra: string[]): Promise<string> {
  const created = await runCliCapture([
    ...runArgv(suitePath, url, location, '--epochs', String(EPOCHS), '--retry-base-ms', '5'),
    '--shared',
    '--create-only',
    ...extra,
  ]);
  expect(created.code, created.stderr).toBe(0);
  // --json (runArgv): the id as {"runId": ...}.
  return (JSON.parse(created.stdout) as { runId: string }).runId;
}

function joinRunner(location: string, runId: string, name: string, ...extra: string[]): ChildProcess {
  return spawnCli([
    'run',
    '--join',
    runId,
    '--db',
    location,
    '--runner',
    name,
    '--concurrency',
    '4',
    '--retry-base-ms',
    '5',
    '--quiet',
    ...extra,
  ]);
}

async function waitForDone(location: string, runId: string, atLeast: number): Promise<void> {
  for (;;) {
    if (unitState(location, runId).units.done >= atLeast) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(backends)('a shared run on $name', (backend) => {
  it.skipIf(backend.skip)(
    'four runners with endpoint faults store each unit once, with the scores of a one-host run',
    async () => {
      // The yardstick: the same suite, run on one host against a fresh simulator with the same faults.
      const single = await backend.fresh('single');
      const simA = await simulator(2);
      const one = await runCliCapture(
        runArgv(suitePath, simA.url, single, '--epochs', String(EPOCHS), '--retry-base-ms', '5'),
      );
      await simA.close();
      expect(one.code, one.stderr).toBe(0);
      const oneReport = JSON.parse(one.stdout) as RunReport;

      const location = await backend.fresh('shared');
      const simB = await simulator(2);
      try {
        const runId = await createShared(location, simB.url);
        const runners = ['r1', 'r2', 'r3', 'r4'].map((name) => joinRunner(location, runId, name));
        const exits = await Promise.all(runners.map(waitForExit));
        for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);
        const faults = Object.values(simB.stats().faults).reduce((sum, n) => sum + n, 0);
        expect(faults, 'the simulator injected faults').toBeGreaterThan(0);

        const state = unitState(location, runId);
        expect(state.status).toBe('completed');
        expect(state.results).toEqual({ rows: TOTAL, scored: TOTAL, units: TOTAL });
        expect(state.units).toEqual({ total: TOTAL, done: TOTAL });
        // Every runner worked, and together they stored each unit once.
        expect(state.runners.map((r) => r.runner)).toEqual(['r1', 'r2', 'r3', 'r4']);
        expect(state.runners.reduce((sum, r) => sum + r.units, 0)).toBe(TOTAL);
        expect(state.runners.filter((r) => r.units > 0).length).toBeGreaterThan(1);
        expect(await meansOf(location, runId)).toEqual(meansOfReport(oneReport));
        const verify = await runCliCapture(['audit', 'verify', '--db', location]);
        expect(verify.code, verify.stderr).toBe(0);
      } finally {
        await simB.close();
      }
    },
    120_000,
  );

  it.skipIf(backend.skip)(
    'two runners killed with SIGKILL midway: the others take over their units and finish the run',
    async () => {
      const location = await backend.fresh('kill');
      // Slow enough that the run is midway when two runners die; short leases so the take-over comes soon.
      const sim = await simulator(60);
      try {
        const runId = await createShared(location, sim.url);
        const runners = ['k1', 'k2', 'k3', 'k4'].map((name) =>
          joinRunner(location, runId, name, '--lease-seconds', '2'),
        );
        const exits = runners.map(waitForExit);
        await waitForDone(location, runId, TOTAL / 5);
        const killed = [runners[0], runners[1]] as ChildProcess[];
        for (const child of killed) child.kill('SIGKILL');
        const [k1, k2, k3, k4] = await Promise.all(exits);
        expect([k1?.signal, k2?.signal]).toEqual(['SIGKILL', 'SIGKILL']);
        expect(k3?.code, k3?.stderr).toBe(0);
        expect(k4?.code, k4?.stderr).toBe(0);

        const state = unitState(location, runId);
        expect(state.status).toBe('completed');
        expect(state.results).toEqual({ rows: TOTAL, scored: TOTAL, units: TOTAL });
        expect(state.units).toEqual({ total: TOTAL, done: TOTAL });
        // The killed runners never left; what they stored counts, and the survivors did the rest.
        const byName = new Map(state.runners.map((r) => [r.runner, r]));
        expect(byName.get('k1')?.leftAt).toBeNull();
        expect(byName.get('k2')?.leftAt).toBeNull();
        expect(state.runners.reduce((sum, r) => sum + r.units, 0)).toBe(TOTAL);
        const verify = await runCliCapture(['audit', 'verify', '--db', location]);
        expect(verify.code, verify.stderr).toBe(0);
      } finally {
        await sim.close();
      }
    },
    120_000,
  );
});

describe('run --join, --create-only: usage', () => {
  it('refuses to join a run that is not shared, and says how to resume it instead', async () => {
    const location = join(dir, 'plain.db');
    const sim = await simulator(0);
    try {
      const one = await runCliCapture(runArgv(suitePath, sim.url, location, '--limit', '3'));
      expect(one.code, one.stderr).toBe(0);
      const { runId } = JSON.parse(one.stdout) as RunReport;
      const joined = await runCliCapture(['run', '--join', runId, '--db', location]);
      expect(joined.code).toBe(3);
      expect(joined.stderr).toMatch(/E_STATE/);
      expect(joined.stderr).toContain(`--resume ${runId}`);
    } finally {
      await sim.close();
    }
  });

  it('refuses --join with --resume, --create-only with --join, and a run without SUITE', async () => {
    const location = join(dir, 'usage.db');
    const both = await runCliCapture(['run', '--join', 'x', '--resume', 'x', '--db', location]);
    const createJoin = await runCliCapture([
      'run',
      suitePath,
      '--create-only',
      '--join',
      'x',
      '--db',
      location,
    ]);
    const noSuite = await runCliCapture(['run', '--endpoint', 'http://127.0.0.1:9/v1', '--model', 'm']);
    for (const result of [both, createJoin, noSuite]) {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/E_USAGE/);
    }
  });
});
