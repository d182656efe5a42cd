/**
 * `npm run build`, second step: bundles the CLI into dist/cli/ with esbuild, then warms its code cache.
 *
 * - redline.cjs: the whole CLI (cli-entry.ts), one CommonJS file: Node 20 can give a CommonJS script V8's code
 *   cache (code-cache.ts) but not an ES module. Commands are still loaded when they run (their dynamic imports
 *   become lazily initialised parts of the bundle).
 * - run-unit.cjs: the worker threads' code; run-unit-boot.cjs loads it through its cache for piscina.
 * - boot.cjs: what bin/redline.js runs: loads redline.cjs through its cache.
 * - warm-code-cache.cjs, run twice and removed: writes redline.cjs.run.cache (for `run`), redline.cjs.cli.cache
 *   (for every other command) and run-unit.cjs.cache.
 *
 * piscina (loads its own worker script by path) stays in node_modules; ajv is required lazily at run time
 * (src/schema/validate.ts); the JavaScript of the SQLite driver (better-sqlite3-multiple-ciphers) is bundled, and its
 * compiled addon is loaded from node_modules by path (src/store/open-store.ts).
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = `${root}dist/cli`;

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    redline: 'harness/cli/cli-entry.ts',
    boot: 'harness/cli/boot.ts',
    'run-unit': 'harness/worker/run-unit.ts',
    'run-unit-boot': 'harness/worker/worker-boot.ts',
    'warm-code-cache': 'harness/build/warm-code-cache.ts',
  },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['piscina', 'ajv'],
  // Modules find files beside them through import.meta.url: in a CommonJS bundle that is the bundle's own URL.
  define: { 'import.meta.url': '__redlineModuleUrl' },
  banner: { js: "var __redlineModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
const warmUp = `${outdir}/warm-code-cache.cjs`;
const scratch = await mkdtemp(join(tmpdir(), 'redline-warm-'));
try {
  for (const variant of ['run', 'cli']) {
    execFileSync(process.execPath, [warmUp, variant, scratch], { stdio: 'inherit' });
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
  await rm(warmUp);
}
process.stdout.write(`bundled the CLI into ${outdir} and warmed its code cache\n`);
