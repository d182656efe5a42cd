/**
 * `npm run build`, second step: bundles the CLI and the worker into dist/cli/ (redline.mjs, run-unit.mjs and their
 * shared chunks) with esbuild, so a command loads a handful of files instead of ~400 modules (TypeBox alone is 200
 * files). better-sqlite3 (native) and piscina (loads its own worker script by path) stay in node_modules; ajv is
 * required lazily at run time (src/schema/validate.ts). bin/redline.js runs the bundle when it exists.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = `${root}dist/cli`;

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { redline: 'harness/cli/main.ts', 'run-unit': 'harness/worker/run-unit.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'piscina', 'ajv'],
  // CommonJS dependencies bundled into ESM still call require() for Node's builtins.
  banner: {
    js: "import { createRequire as __redlineRequire } from 'node:module'; const require = __redlineRequire(import.meta.url);",
  },
  legalComments: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
process.stdout.write(`bundled the CLI into ${outdir}\n`);
