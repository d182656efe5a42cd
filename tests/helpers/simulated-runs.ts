/**
 * Runs stored by `redline run` against the project's simulator, for the end-to-end tests of what reads runs
 * (assessments, access engagements, policies): each checks that the run succeeded and returns its id.
 */
import { expect } from 'vitest';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import type { RunReport } from '../../src/report/build-report.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { runArgv, runCliCapture } from './cli.js';

/** Runs `suite` as model "sim" for `developer` into `db` with the lab keyring `lab`; returns the run id. */
export async function runForDeveloper(
  suite: string,
  endpoint: string,
  db: string,
  lab: string,
  developer: string,
  ...extra: string[]
): Promise<string> {
  const run = await runCliCapture([
    ...runArgv(suite, endpoint, db, '--developer', developer, ...extra),
    '--keys',
    lab,
  ]);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as RunReport).runId;
}

/**
 * Runs `suite` for developer acme into `db` once per [model, skill]: each model a simulator of that skill (seed 9)
 * named as the model; returns the run ids in order.
 */
export async function runAsModels(
  suite: string,
  db: string,
  models: ReadonlyArray<readonly [model: string, skill: number]>,
): Promise<string[]> {
  const runIds: string[] = [];
  for (const [model, skill] of models) {
    const sim = await startSimulator({ suite: await openSuite(suite), port: 0, skill, seed: 9 });
    const run = await runCliCapture(
      runArgv(suite, sim.url, db, '--developer', 'acme').map((a) => (a === 'sim' ? model : a)),
    );
    await sim.close();
    expect(run.code, run.stderr).toBe(0);
    runIds.push((JSON.parse(run.stdout) as RunReport).runId);
  }
  return runIds;
}
