/**
 * `redline suite validate PATH`: every problem of a suite, one per line as `file[:line]: /pointer: message`; a sealed
 * suite is validated in memory with `--identity`, and its opening recorded in the lab database when there is one.
 */
import type { Command } from 'commander';
import { formatProblem } from '../../../src/errors.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { ExitHolder } from '../program.js';
import { addSealedSuiteOptions, recordSuiteOpenedInLab, validateSuiteArgument } from '../suite-argument.js';
import { registerSuiteImportCommand } from './suite-import.js';
import { registerSuiteSealCommand } from './suite-seal.js';

interface ValidateFlags {
  json?: boolean;
  identity?: string;
  db?: string;
  keys?: string;
}

/** Registers `suite validate`, `suite import` and `suite seal`. */
export function registerSuiteCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const suite = program.command('suite').description('Work with suite files.');
  addSealedSuiteOptions(
    suite
      .command('validate')
      .description(
        'Check a suite against the format (DESIGN.md §3); exit 2 and list every problem when invalid.',
      )
      .argument('<path>', 'suite directory or file, or a sealed suite (with --identity)')
      .option('--json', 'print {ok, problems, suite} as JSON'),
  ).action(async (path: string, flags: ValidateFlags) => {
    const { validation: result, sealed } = await validateSuiteArgument(path, flags.identity, io);
    const s = result.suite;
    recordSuiteOpenedInLab(io, {
      ...(flags.db === undefined ? {} : { db: flags.db }),
      ...(flags.keys === undefined ? {} : { keys: flags.keys }),
      command: 'suite validate',
      sealed,
      suite: s === undefined ? null : { id: s.id, version: s.version, sha256: s.sha256 },
    });
    if (flags.json === true) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } else if (result.ok && s !== undefined) {
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
  registerSuiteSealCommand(suite, io, exit);
}
