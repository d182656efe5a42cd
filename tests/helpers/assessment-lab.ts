/**
 * An evaluation lab ready to assess, for the end-to-end tests of sealed assessments (on SQLite or PostgreSQL): the
 * lab's keys and two developers' keys, their runs in the lab database, and the argv of `assess` and `open`.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { runCliCapture } from './cli.js';
import { addDeveloperKey, genLabKeys } from './lab-keys.js';
import { runForDeveloper } from './simulated-runs.js';

/** The keyring folders and runs of setUpAssessmentLab. */
export interface AssessmentLab {
  /** The lab keyring: lab-eval (evaluator) and lab-log. */
  lab: string;
  /** acme's keys. */
  devKeys: string;
  /** globex's keys. */
  otherKeys: string;
  /** acme's completed run (2 epochs). */
  runId: string;
  /** globex's completed run. */
  otherRunId: string;
}

/**
 * Makes the lab keyring in `dir`/lab-keys and the keys of developers acme (`dir`/acme-keys) and globex
 * (`dir`/globex-keys), adds both developers to the lab database `db`, and runs `suite` for each against the
 * simulator (skill 0.8, seed 4): acme's run of 2 epochs, globex's of one.
 */
export async function setUpAssessmentLab(dir: string, db: string, suite: string): Promise<AssessmentLab> {
  const lab = join(dir, 'lab-keys');
  const devKeys = join(dir, 'acme-keys');
  const otherKeys = join(dir, 'globex-keys');
  await genLabKeys(lab, { acme: devKeys, globex: otherKeys });
  await addDeveloperKey('acme', devKeys, lab, db);
  await addDeveloperKey('globex', otherKeys, lab, db);
  const sim = await startSimulator({ suite: await openSuite(suite), port: 0, skill: 0.8, seed: 4 });
  try {
    const runId = await runForDeveloper(suite, sim.url, db, lab, 'acme', '--epochs', '2');
    const otherRunId = await runForDeveloper(suite, sim.url, db, lab, 'globex');
    return { lab, devKeys, otherKeys, runId, otherRunId };
  } finally {
    await sim.close();
  }
}

/** `redline assess RUN --to DEVELOPER --identity LAB/lab-eval.key --keys LAB --db DB --out OUT`, then `extra`. */
export function assessArgv(
  runId: string,
  to: string,
  lab: string,
  db: string,
  out: string,
  ...extra: string[]
): string[] {
  return [
    'assess',
    runId,
    '--to',
    to,
    '--identity',
    join(lab, 'lab-eval.key'),
    '--keys',
    lab,
    '--db',
    db,
    '--out',
    out,
    ...extra,
  ];
}

/** `redline open FILE --identity IDENTITY --trust TRUST`, then `extra`. */
export function openArgv(file: string, identity: string, trust: string, ...extra: string[]): string[] {
  return ['open', file, '--identity', identity, '--trust', trust, ...extra];
}

/**
 * Seals an assessment of acme's run (detail: categories) into `file` and opens it with acme's identity, trusting
 * lab-eval's key; checks that both succeed and that the assessment is acme's, of that run alone.
 */
export async function expectSealedForAcme(
  { lab, devKeys, runId }: Pick<AssessmentLab, 'lab' | 'devKeys' | 'runId'>,
  db: string,
  file: string,
): Promise<void> {
  const sealed = await runCliCapture(assessArgv(runId, 'acme', lab, db, file, '--detail', 'categories'));
  expect(sealed.code, sealed.stderr).toBe(0);
  const opened = await runCliCapture(
    openArgv(file, join(devKeys, 'acme.age'), join(lab, 'lab-eval.pub.json'), '--json'),
  );
  expect(opened.code, opened.stderr).toBe(0);
  const { predicate } = JSON.parse(opened.stdout) as {
    predicate: Record<string, unknown> & { runs: Array<{ runId: string }> };
  };
  expect(predicate).toMatchObject({ developer: 'acme', model: 'sim', detail: 'categories' });
  expect(predicate.runs.map((r) => r.runId)).toEqual([runId]);
}
