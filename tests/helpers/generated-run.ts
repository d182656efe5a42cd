/**
 * The generated choice-suite run that the run tests check on SQLite and PostgreSQL: 90 four-option questions (every
 * 7th multi-answer), run for 3 epochs for developer acme against the simulator at skill 0.7.
 */
import { startSimulator, type Simulator } from '../../harness/endpoints/simulator.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { writeChoiceSuite } from './write-suite.js';

/** The run's options after runArgv's: 3 epochs for acme, 16 requests in flight. */
export const GENERATED_RUN_OPTIONS = ['--epochs', '3', '--developer', 'acme', '--concurrency', '16'];

/** Writes the generated suite into `dir`; returns its path. */
export function writeGeneratedSuite(dir: string): Promise<string> {
  return writeChoiceSuite(dir, { count: 90, multiEvery: 7 });
}

/**
 * A simulator for the generated suite at `suitePath` (skill 0.7, seed 11). It answers by its seed and how often each
 * prompt was asked: a fresh one gives a run the same answers each time.
 */
export async function startGeneratedSimulator(suitePath: string): Promise<Simulator> {
  return startSimulator({ suite: await openSuite(suitePath), port: 0, skill: 0.7, seed: 11 });
}

/** What `redline runs --json` lists for a completed generated run (90 samples x 3 epochs, all scored). */
export function listedGeneratedRun(runId: string): Record<string, unknown> {
  return {
    runId,
    status: 'completed',
    suite: 'generated',
    model: 'sim',
    developer: 'acme',
    samples: { total: 270, scored: 270, errors: 0 },
  };
}
