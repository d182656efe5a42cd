#!/usr/bin/env node
// Runs the bundled CLI when built (npm run build: dist/cli), else the compiled modules, else the TypeScript sources
// through tsx (slower to start: development only).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundled = new URL('../dist/cli/redline.mjs', import.meta.url);
const built = new URL('../dist/harness/cli/main.js', import.meta.url);
if (existsSync(fileURLToPath(bundled))) {
  await import(bundled.href);
} else if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../harness/cli/main.ts', import.meta.url).href);
}
