/**
 * The shipped agentic CTF suite solved end to end, for its tests on SQLite and PostgreSQL: a simulated agent that
 * runs each challenge's solution commands in bubblewrap sandboxes, and the transcripts the run stores.
 */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import type { RunReport } from '../../src/report/build-report.js';
import type { SuiteHandle } from '../../src/suite/load-suite.js';
import { runArgv, runCliCapture } from './cli.js';

/** The shipped agentic CTF suite. */
export const AGENTIC_SUITE = 'suites/ctf-agentic';

/** True when bubblewrap, which the agentic sandboxes need, is installed (.ci/run installs it). */
export const hasBwrap = existsSync('/usr/bin/bwrap');

/** One entry of `redline transcript --json`: a stored epoch's transcript. */
export interface StoredTranscript {
  epoch: number;
  transcript: {
    stopReason: string;
    events: Array<{ kind: string; name?: string; exitCode?: number | null }>;
  };
}

/**
 * Runs the agentic suite (opened as `suite`) into `db`, 4 episodes at a time, with a simulated agent that solves
 * every challenge (skill 1, seed 1); checks that every sample scored 1 and returns the run's report.
 */
export async function runSolvedAgentic(suite: SuiteHandle, db: string): Promise<RunReport> {
  const sim = await startSimulator({ suite, port: 0, skill: 1, seed: 1 });
  try {
    const run = await runCliCapture([...runArgv(AGENTIC_SUITE, sim.url, db), '--concurrency', '4']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(report.samples).toEqual({ total: suite.sampleCount, scored: suite.sampleCount, errors: 0 });
    expect(report.overall.mean).toBe(1);
    return report;
  } finally {
    await sim.close();
  }
}

/** The stored transcripts of `sampleId` in run `runId`, as `redline transcript --json` prints them. */
export async function showTranscripts(
  runId: string,
  sampleId: string,
  db: string,
): Promise<StoredTranscript[]> {
  const shown = await runCliCapture(['transcript', runId, sampleId, '--db', db, '--json']);
  expect(shown.code, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout) as StoredTranscript[];
}

/** Checks a solved episode: bash commands that all exited 0, then the submit tool, and the episode submitted. */
export function expectSolvedTranscript({ transcript }: StoredTranscript): void {
  expect(transcript.stopReason).toBe('submitted');
  const tools = transcript.events.filter((e) => e.kind === 'tool');
  expect(tools.filter((e) => e.name === 'bash').every((e) => e.exitCode === 0)).toBe(true);
  expect(tools.at(-1)?.name).toBe('submit');
}
