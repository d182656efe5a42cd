/**
 * Regenerates the README's screenshots of `redline view` (docs/img/view-run.png, docs/img/view-compare.png) from
 * the demo's data: the demo's run (cyber-knowledge, simulator skill 0.75 with its per-category skills and 5% faults,
 * 3 epochs, seed 7) and a second run of a stronger simulated model to compare with, in a throwaway database, opened
 * in Debian's Chromium from file://. Not part of `npm run bench`; run it by hand after changing the page:
 * `npx tsx bench/view-screenshots.ts`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { startSimulator } from '../harness/endpoints/simulator.js';
import { runCli } from '../harness/cli/program.js';
import { openSuite } from '../src/suite/load-suite.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, 'docs', 'img');

/** Runs the CLI in-process; returns its stdout, throwing with its stderr on failure. */
async function cli(argv: string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    isTTY: false,
    env: process.env,
    cwd: process.cwd(),
  });
  if (code !== 0) throw new Error(`redline ${argv.join(' ')} exited ${code}: ${stderr}`);
  return stdout;
}

/** One run of cyber-knowledge against a simulator of `skill`, as the demo runs it; returns the run id. */
async function demoRun(db: string, model: string, skill: number, seed: number): Promise<string> {
  const suite = await openSuite(join(ROOT, 'suites', 'cyber-knowledge'));
  const sim = await startSimulator({
    suite,
    port: 0,
    skill,
    skillByCategory: { exploitation: Math.min(1, skill + 0.1), 'malware-re': skill - 0.15 },
    latencyMs: 25,
    jitterMs: 15,
    faultRate: 0.05,
    seed,
  });
  try {
    const args = ['--model', model, '--developer', 'demo-lab', '--epochs', '3', '--seed', '7'];
    const out = await cli([
      'run',
      join(ROOT, 'suites', 'cyber-knowledge'),
      '--endpoint',
      sim.url,
      ...args,
      '--retry-base-ms',
      '50',
      '--db',
      db,
      '--json',
    ]);
    return (JSON.parse(out) as { runId: string }).runId;
  } finally {
    await sim.close();
  }
}

if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
const dir = await mkdtemp(join(tmpdir(), 'redline-view-shots-'));
try {
  const db = join(dir, 'lab.db');
  const a = await demoRun(db, 'redline-sim-0.75', 0.75, 2026);
  const b = await demoRun(db, 'redline-sim-0.85', 0.85, 2027);
  const view = join(dir, 'view');
  await cli(['view', a, b, '--db', db, '--out', view]);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1500 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(join(view, 'index.html')).href);
    await page.waitForSelector('body[data-state="ready"]', { state: 'attached' });
    await page.screenshot({ path: join(OUT, 'view-run.png') });
    await page.click('[data-tab="comparison-0"]');
    await page.setViewportSize({ width: 1280, height: 1150 });
    await page.screenshot({ path: join(OUT, 'view-compare.png') });
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${join(OUT, 'view-run.png')} and ${join(OUT, 'view-compare.png')}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
