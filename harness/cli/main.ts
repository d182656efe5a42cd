#!/usr/bin/env node
/**
 * Entry point of the `redline` command from the sources (tsx) and from tsc's dist/: runs the CLI. The bundled
 * CLI (dist/cli) starts from cli-entry.ts instead, through bin/redline.js and the code cache.
 */
import { main } from './cli-entry.js';

main();
