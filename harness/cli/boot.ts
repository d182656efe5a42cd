/**
 * dist/cli/boot.cjs, what bin/redline.js runs when the CLI is built: loads the bundled CLI through its code cache
 * (code-cache.ts) and runs it.
 */
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';

const cli = requireWithCodeCache(fileURLToPath(new URL('./redline.cjs', import.meta.url)));
(cli.exports['main'] as () => void)();
