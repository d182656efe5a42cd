#!/usr/bin/env node
/**
 * Entry point of the `redline` command: the only place that calls process.exit.
 */
import { processIo } from './io.js';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), processIo());
// Flush stdout before exiting: a piped JSON result must arrive whole.
process.stdout.write('', () => process.exit(code));
