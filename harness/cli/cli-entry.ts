/**
 * What the bundled CLI (dist/cli/redline.cjs, harness/build/bundle-cli.ts) exports: `main`, which bin/redline.js
 * calls once the bundle is loaded through its code cache, and `runCli`, which the build's code-cache warm-up runs
 * in-process (harness/build/warm-code-cache.ts).
 */
import { processIo } from './io.js';
import { runCli } from './program.js';

export { runCli };

/** Runs the CLI on this process's arguments and exits with its code: the only place that calls process.exit. */
export function main(): void {
  void runCli(process.argv.slice(2), processIo()).then((code) => {
    // Flush stdout before exiting: a piped JSON result must arrive whole.
    process.stdout.write('', () => process.exit(code));
  });
}
