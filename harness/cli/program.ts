/**
 * The `redline` command: a commander program whose actions return exit codes, run in-process by `runCli`.
 */
import { Command, CommanderError, Help } from 'commander';
import { RedlineError, isRedlineError } from '../../src/errors.js';
import { HARNESS_VERSION } from '../version.js';
import { recordCommandName } from './command-name.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';
/** A command action sets the exit code through this holder (commander's actions return nothing useful). */
export interface ExitHolder {
  code: number;
}

/** Registers one module's top-level commands on the program. */
export type RegisterCommands = (program: Command, io: CliIo, exit: ExitHolder) => void;

/** A top-level command: what the root help shows without loading it, and how to load it. */
export interface CommandEntry {
  name: string;
  /** The usage term of the root help (`run [options] <suite>`), as commander renders the loaded command. */
  term: string;
  description: string;
  /** Imports the command's module (and everything it needs) only when the command runs. */
  load: () => Promise<RegisterCommands>;
}

/**
 * Every top-level command, in help order. A module is imported only when its command runs, so `--version`,
 * `--help` and light commands never pay for heavy ones (a test checks terms and descriptions match the modules).
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'run',
    term: 'run [options] [suite]',
    description:
      'Run a suite against an OpenAI-compatible model endpoint (or resume a run) and print the report.',
    load: async () => (await import('./commands/run.js')).registerRunCommand,
  },
  {
    name: 'report',
    term: 'report [options] <runId>',
    description: 'Print the report of a run: scores with confidence intervals and the designation.',
    load: async () => (await import('./commands/report.js')).registerReportCommands,
  },
  {
    name: 'compare',
    term: 'compare [options] <runA> <runB>',
    description:
      'Compare two runs of one suite sample by sample: the difference B - A per category and overall, with paired bootstrap intervals, and the samples that changed.',
    load: async () => (await import('./commands/compare.js')).registerCompareCommand,
  },
  {
    name: 'view',
    term: 'view [options] <runIds...>',
    description:
      'Write a static HTML report of runs for a browser in the lab (no network): designation chart, every sample, transcripts, and a comparison with the first run.',
    load: async () => (await import('./commands/view.js')).registerViewCommand,
  },
  {
    name: 'runs',
    term: 'runs [options]',
    description: 'List the runs in the lab database, newest first.',
    load: async () => (await import('./commands/runs.js')).registerRunsCommand,
  },
  {
    name: 'suite',
    term: 'suite',
    description: 'Work with suite files.',
    load: async () => (await import('./commands/suite.js')).registerSuiteCommands,
  },
  {
    name: 'sim',
    term: 'sim [options]',
    description: 'Serve an OpenAI-compatible simulator of a model that answers a suite with a given skill.',
    load: async () => (await import('./commands/sim.js')).registerSimCommand,
  },
  {
    name: 'keys',
    term: 'keys',
    description: 'Create, list and import keys (public entries in the keyring).',
    load: async () => (await import('./commands/keys.js')).registerKeysCommands,
  },
  {
    name: 'assess',
    term: 'assess [options] <runIds...>',
    description:
      "Seal the assessment of completed runs to their developer: signed (DSSE), encrypted to the developer's key.",
    load: async () => (await import('./commands/assess.js')).registerAssessCommands,
  },
  {
    name: 'open',
    term: 'open [options] <file>',
    description:
      'Open a sealed assessment addressed to you and verify it was issued by the evaluator you trust.',
    load: async () => (await import('./commands/assess.js')).registerAssessCommands,
  },
  {
    name: 'sign',
    term: 'sign [options] <file>',
    description: 'Sign a file with a minisign secret key, writing FILE.minisig (as minisign -S does).',
    load: async () => (await import('./commands/sign.js')).registerSignCommands,
  },
  {
    name: 'verify',
    term: 'verify [options] <file>',
    description: 'Verify a minisign signature (FILE.minisig) against a trusted public key.',
    load: async () => (await import('./commands/sign.js')).registerSignCommands,
  },
  {
    name: 'audit',
    term: 'audit',
    description: 'Verify, checkpoint and read the audit log.',
    load: async () => (await import('./commands/audit.js')).registerAuditCommands,
  },
  {
    name: 'db',
    term: 'db',
    description: 'Encrypt the lab database, change its key, or show how it is encrypted.',
    load: async () => (await import('./commands/db.js')).registerDbCommands,
  },
  {
    name: 'policy',
    term: 'policy',
    description: 'Show, compare, sign, apply and analyse designation policies.',
    load: async () => (await import('./commands/policy.js')).registerPolicyCommands,
  },
  {
    name: 'transcript',
    term: 'transcript [options] <runId> <sampleId>',
    description:
      'Show the transcript of an agentic sample of a run (messages, tool calls, outputs, timings).',
    load: async () => (await import('./commands/transcript.js')).registerTranscriptCommand,
  },
  {
    name: 'access',
    term: 'access',
    description:
      'Pre-release access engagements (EO 14409): at most 30 days before release, government evaluation first.',
    load: async () => (await import('./commands/access.js')).registerAccessCommands,
  },
  {
    name: 'verify-attestation',
    term: 'verify-attestation [options] <file>',
    description:
      "Verify a sequencing attestation against the evaluator's public key and show what it attests.",
    load: async () => (await import('./commands/access.js')).registerAccessCommands,
  },
  {
    name: 'vuln',
    term: 'vuln',
    description:
      'The vulnerability clearinghouse: deconflicted scanning, validated findings, prioritised and sealed remediation.',
    load: async () => (await import('./commands/vuln.js')).registerVulnCommands,
  },
  {
    name: 'sandbox',
    term: 'sandbox',
    description: 'Manage the docker sandboxes of live-target challenges.',
    load: async () => (await import('./commands/sandbox.js')).registerSandboxCommands,
  },
  {
    name: 'images',
    term: 'images [options] <suite>',
    description:
      'List the container images a suite needs and whether the engine has them (exit 3 when any is missing); save them to a directory, load them from one, or build them from the suite header recipes.',
    load: async () => (await import('./commands/images.js')).registerImagesCommand,
  },
];

/**
 * Builds the program for `argv`: the modules of the command it names (`help NAME` included) are loaded and
 * registered; otherwise (root help, version, an unknown command) every command is listed from COMMANDS without
 * loading any. Actions write through `io` and set `exit.code`.
 */
export async function createProgram(
  io: CliIo,
  exit: ExitHolder,
  argv: readonly string[] = [],
): Promise<Command> {
  const program = new Command('redline')
    .description(
      'Evaluate the cyber capabilities of AI models: suites, endpoints, scores with intervals, designation.',
    )
    .version(HARNESS_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // The audit log names the command that opened the lab database (harness/cli/open-lab-db.ts).
    .hook('preAction', (_program, action) => recordCommandName(io, action));
  const words = argv.filter((arg) => !arg.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  const wanted = COMMANDS.filter((entry) => entry.name === named);
  if (wanted.length > 0) {
    const loaded = new Set<RegisterCommands>();
    for (const entry of wanted) {
      const register = await entry.load();
      if (!loaded.has(register)) register(program, io, exit);
      loaded.add(register);
    }
  } else {
    const terms = new Map(COMMANDS.map((entry) => [entry.name, entry.term]));
    const help = new Help();
    program.configureHelp({
      subcommandTerm: (command) => terms.get(command.name()) ?? help.subcommandTerm(command),
    });
    for (const entry of COMMANDS) program.command(entry.name).description(entry.description);
  }
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
  const program = await createProgram(io, exit, argv);
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
