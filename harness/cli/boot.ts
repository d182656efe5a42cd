/**
 * dist/cli/boot.cjs, what bin/redline.js runs when the CLI is built: loads the bundled CLI through its code cache
 * (code-cache.ts) and runs it. `run` has a cache of its own (`run`, which holds the run path's bytecode); every
 * other command starts from the smaller `cli` one.
 */
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';

const variant = process.argv[2] === 'run' ? 'run' : 'cli';
const cli = requireWithCodeCache(fileURLToPath(new URL('./redline.cjs', import.meta.url)), variant);
(cli.exports['main'] as () => void)();
