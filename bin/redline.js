#!/usr/bin/env node
// Runs the bundled CLI when built (npm run build: dist/cli, loaded through V8's code cache), else tsc's compiled
// modules, else the TypeScript sources through tsx (slower to start: development only).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const boot = fileURLToPath(new URL('../dist/cli/boot.cjs', import.meta.url));
const built = new URL('../dist/harness/cli/main.js', import.meta.url);
if (existsSync(boot)) {
  createRequire(import.meta.url)(boot);
} else if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../harness/cli/main.ts', import.meta.url).href);
}
