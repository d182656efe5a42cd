/**
 * `redline suite validate PATH`: every problem of a suite, one per line as `file[:line]: /pointer: message`.
 */
import type { Command } from 'commander';
import { formatProblem } from '../../../src/errors.js';
import { validateSuite } from '../../../src/suite/validate-suite.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { ExitHolder } from '../program.js';
import { registerSuiteImportCommand } from './suite-import.js';

/** Registers `suite validate`. */
export function registerSuiteCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const suite = program.command('suite').description('Work with suite files.');
  suite
    .command('validate')
    .description(
      'Check a suite against the format (DESIGN.md §3); exit 2 and list every problem when invalid.',
    )
    .argument('<path>', 'suite directory or file')
    .option('--json', 'print {ok, problems, suite} as JSON')
    .action(async (path: string, flags: { json?: boolean }) => {
      const result = await validateSuite(path);
      if (flags.json === true) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      } else if (result.ok && result.suite !== undefined) {
        const s = result.suite;
        io.stdout(`${path}: ok (${s.id}@${s.version}, ${s.sampleCount} samples, sha256 ${s.sha256})\n`);
      } else {
        for (const problem of result.problems) io.stdout(`${formatProblem(problem)}\n`);
        io.stderr(
          `${path}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; fix them and validate again\n`,
        );
      }
      exit.code = result.ok ? EXIT.ok : EXIT.usage;
    });
  registerSuiteImportCommand(suite, io, exit);
}
