/**
 * The bundled CLI (dist/cli, written by `npm run build`, which `npm ci` runs): the fast path users get. It must do
 * what the sources do, worker threads included (the worker is its own bundle entry). Skipped, never passed, when
 * the bundle has not been built.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/build-report.js';
import { openSuite } from '../../src/suite/load-suite.js';
import { startSimulator } from '../../harness/endpoints/simulator.js';
import { HARNESS_VERSION } from '../../harness/version.js';
import { PAGE_FILES } from '../../harness/view/view-layout.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/redline.js', import.meta.url));
const isBundled = existsSync(fileURLToPath(new URL('../../dist/cli/boot.cjs', import.meta.url)));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-bundle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!isBundled)('the bundled CLI (npm run build)', () => {
  it('prints its version and lists commands without loading them', async () => {
    expect((await run('node', [BIN, '--version'])).stdout.trim()).toBe(HARNESS_VERSION);
    const help = (await run('node', [BIN, '--help'])).stdout;
    expect(help).toContain('run [options] [suite]');
    expect(help).toContain('images [options] <suite>');
  });

  it('starts from the code cache the build warmed, for the CLI and for its worker threads', async () => {
    const loader = fileURLToPath(new URL('../../dist/harness/cli/code-cache.js', import.meta.url));
    const caches: Array<[string, string | undefined]> = [
      ['redline.cjs', 'run'],
      ['redline.cjs', 'cli'],
      ['run-unit.cjs', undefined],
    ];
    for (const [bundle, variant] of caches) {
      const file = fileURLToPath(new URL(`../../dist/cli/${bundle}`, import.meta.url));
      const script = `const { requireWithCodeCache } = await import(${JSON.stringify(loader)});
        process.stdout.write(requireWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(variant)}).cache);`;
      const { stdout } = await run('node', ['--input-type=module', '-e', script]);
      expect(stdout, `${bundle} ${variant ?? ''}`).toBe('used');
    }
  });

  it('runs a suite through its worker threads and reports as the sources do', async () => {
    const suite = await openSuite('suites/cyber-knowledge');
    const sim = await startSimulator({ suite, port: 0, skill: 0.8, seed: 3 });
    try {
      const db = join(dir, 'bundle.db');
      const args = [BIN, 'run', 'suites/cyber-knowledge', '--endpoint', sim.url, '--model', 'sim'];
      const { stdout } = await run('node', [
        ...args,
        '--db',
        db,
        '--epochs',
        '2',
        '--json',
        '--workers',
        '2',
      ]);
      const report = JSON.parse(stdout) as RunReport;
      expect(report.samples).toEqual({
        total: suite.sampleCount * 2,
        scored: suite.sampleCount * 2,
        errors: 0,
      });
      const again = JSON.parse(
        (await run('node', [BIN, 'report', report.runId, '--db', db, '--json'])).stdout,
      ) as RunReport;
      expect(again.overall).toEqual(report.overall);
      const runs = JSON.parse((await run('node', [BIN, 'runs', '--db', db, '--json'])).stdout) as Array<{
        runId: string;
      }>;
      expect(runs.map((r) => r.runId)).toEqual([report.runId]);

      // The view's page files are found from the bundle (dist/cli/) as from the sources.
      const out = join(dir, 'view');
      const view = await run('node', [BIN, 'view', report.runId, '--db', db, '--out', out]);
      expect(view.stderr).toContain('LAB ONLY');
      for (const name of PAGE_FILES) {
        expect(readFileSync(join(out, name), 'utf8')).toBe(
          readFileSync(fileURLToPath(new URL(`../../harness/view/page/${name}`, import.meta.url)), 'utf8'),
        );
      }
      expect(readFileSync(join(out, 'data', 'meta.js'), 'utf8')).toContain(report.runId);
    } finally {
      await sim.close();
    }
  });
});
