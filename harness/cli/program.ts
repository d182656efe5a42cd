/**
 * The `redline` command: a commander program whose actions return exit codes, run in-process by `runCli`.
 */
import { Command, CommanderError } from 'commander';
import { RedlineError, isRedlineError } from '../../src/errors.js';
import { HARNESS_VERSION } from '../version.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';
import { registerAccessCommands } from './commands/access.js';
import { registerAssessCommands } from './commands/assess.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerImagesCommand } from './commands/images.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerReportCommands } from './commands/report.js';
import { registerRunCommand } from './commands/run.js';
import { registerSandboxCommands } from './commands/sandbox.js';
import { registerSignCommands } from './commands/sign.js';
import { registerSimCommand } from './commands/sim.js';
import { registerTranscriptCommand } from './commands/transcript.js';
import { registerSuiteCommands } from './commands/suite.js';
import { registerVulnCommands } from './commands/vuln.js';

/** A command action sets the exit code through this holder (commander's actions return nothing useful). */
export interface ExitHolder {
  code: number;
}

/** Builds the program; actions write through `io` and set `exit.code`. */
export function createProgram(io: CliIo, exit: ExitHolder): Command {
  const program = new Command('redline')
    .description(
      'Evaluate the cyber capabilities of AI models: suites, endpoints, scores with intervals, designation.',
    )
    .version(HARNESS_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerRunCommand(program, io, exit);
  registerReportCommands(program, io, exit);
  registerSuiteCommands(program, io, exit);
  registerSimCommand(program, io, exit);
  registerKeysCommands(program, io, exit);
  registerAssessCommands(program, io, exit);
  registerSignCommands(program, io, exit);
  registerAuditCommands(program, io, exit);
  registerPolicyCommands(program, io, exit);
  registerTranscriptCommand(program, io, exit);
  registerAccessCommands(program, io, exit);
  registerVulnCommands(program, io, exit);
  registerSandboxCommands(program, io, exit);
  registerImagesCommand(program, io, exit);
  for (const command of program.commands)
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code; never calls process.exit.
 *
 * @example
 * const code = await runCli(['runs', '--json'], processIo());
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const exit: ExitHolder = { code: EXIT.ok };
  const program = createProgram(io, exit);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit.code;
  } catch (error) {
    return reportError(error, io);
  }
}

/** Prints an error the way its kind deserves and returns its exit code. */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; its own message was already printed.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      return EXIT.ok;
    }
    return EXIT.usage;
  }
  if (isRedlineError(error)) {
    io.stderr(`redline: ${error.message} [${error.code}]\n`);
    const problems = (error.details as { problems?: unknown } | undefined)?.problems;
    if (Array.isArray(problems) && error.code === 'E_SCHEMA') {
      for (const line of problems.slice(0, 50) as Array<{
        file: string;
        line?: number;
        pointer: string;
        message: string;
      }>) {
        io.stderr(
          `  ${line.file}${line.line === undefined ? '' : `:${line.line}`}: ${line.pointer || '/'}: ${line.message}\n`,
        );
      }
      if (problems.length > 50)
        io.stderr(`  ... and ${problems.length - 50} more (see "redline suite validate")\n`);
    }
    if (error.code === 'E_INTERNAL') io.stderr(`${error.stack ?? ''}\n`);
    return exitCodeFor(error.code);
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`redline: internal error (a bug; please report it with this trace):\n${stack}\n`);
  return EXIT.internal;
}

/** Throws a usage error (exit 2) with `message`. */
export function usageError(message: string): never {
  throw new RedlineError('E_USAGE', message);
}
