/**
 * Every import format through the CLI, as an evaluator uses it: import a fixture of that shape, run it against the
 * simulator (question samples; agentic ones are skipped until the sandboxed runner exists), and read the report.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/build-report.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { runArgv, runCliCapture } from '../helpers/cli.js';

const F = 'tests/fixtures/import';
const CASES: Array<[format: string, source: string, extra: string[]]> = [
  ['cybermetric', `${F}/mcq/cybermetric.json`, []],
  ['ctibench-mcq', `${F}/mcq/ctibench-mcq.tsv`, []],
  ['ctibench-rcm', `${F}/mcq/ctibench-rcm.tsv`, []],
  ['seceval', `${F}/mcq/seceval.json`, []],
  ['secbench', `${F}/mcq/secbench.jsonl`, ['--language', 'English']],
  ['cyberseceval-mcq', `${F}/mcq/cyberseceval-mcq.json`, ['--partial', 'jaccard']],
  ['intercode-ctf', `${F}/ctf/intercode/ic_ctf.json`, []],
  ['cybench', `${F}/ctf/cybench`, []],
  ['nyu-ctf', `${F}/ctf/nyu/test_dataset.json`, []],
  [
    'jsonl',
    `${F}/generic/questions.jsonl`,
    ['--map', 'input=question,target=answer,choices=opt_a|opt_b|opt_c|opt_d,category=topic,id=qid'],
  ],
  [
    'csv',
    `${F}/generic/questions.csv`,
    ['--map', 'input=question,target=answer,choices=a|b|c|d,category=category,id=id'],
  ],
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('redline suite import', () => {
  it.each(CASES)('%s: imports, runs against the simulator and reports', async (format, source, extra) => {
    const out = join(dir, format);
    const imported = await runCliCapture([
      'suite',
      'import',
      format,
      source,
      '--out',
      out,
      '--json',
      ...extra,
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const summary = JSON.parse(imported.stdout) as {
      imported: number;
      rejected: Array<{ index: number; reason: string }>;
      suite: { id: string; sha256: string };
    };
    expect(summary.imported).toBeGreaterThan(0);
    // Every fixture holds malformed rows on purpose: they are reported, not dropped.
    expect(summary.rejected.length).toBeGreaterThan(0);
    for (const r of summary.rejected) expect(r.index).toBeGreaterThan(0);

    const again = await runCliCapture([
      'suite',
      'import',
      format,
      source,
      '--out',
      join(dir, `${format}-again`),
      '--json',
      ...extra,
    ]);
    expect((JSON.parse(again.stdout) as { suite: { sha256: string } }).suite.sha256).toBe(
      summary.suite.sha256,
    );

    const suite = await openSuite(out);
    const sim = await startSimulator({ suite, port: 0, skill: 1, seed: 1 });
    try {
      const db = join(dir, `${format}.db`);
      const run = await runCliCapture([...runArgv(out, sim.url, db), '--skip-agentic']);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(
        (await runCliCapture(['report', (JSON.parse(run.stdout) as RunReport).runId, '--db', db, '--json']))
          .stdout,
      ) as RunReport;
      expect(report.suite.id).toBe(summary.suite.id);
      expect(report.samples.total).toBe(suite.sampleCount - suite.agenticCount);
      expect(report.samples.errors).toBe(0);
      // A simulator with skill 1 answers every question sample right: the importer's targets and scorers agree.
      expect(report.overall.mean).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it('runs the agentic samples of an imported CTF benchmark in sandboxes when they are not skipped', async () => {
    const out = join(dir, 'cybench');
    const suite = await openSuite(out);
    expect(suite.agenticCount).toBeGreaterThan(0);
    const sim = await startSimulator({ suite, port: 0, skill: 1, seed: 1 });
    try {
      const db = join(dir, 'agentic.db');
      const run = await runCliCapture(runArgv(out, sim.url, db));
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as RunReport;
      expect(report.samples).toMatchObject({ total: suite.sampleCount, errors: 0 });
    } finally {
      await sim.close();
    }
  });

  it('refuses an output directory that is not empty, and exits 2 with --strict when rows were rejected', async () => {
    const busy = await runCliCapture([
      'suite',
      'import',
      'cybermetric',
      `${F}/mcq/cybermetric.json`,
      '--out',
      join(dir, 'cybermetric'),
    ]);
    expect(busy.code).toBe(2);
    const strict = await runCliCapture([
      'suite',
      'import',
      'cybermetric',
      `${F}/mcq/cybermetric.json`,
      '--out',
      join(dir, 'strict'),
      '--strict',
    ]);
    expect(strict.code).toBe(2);
  });
});
