/**
 * The terminal as the commands see it: injected, so the CLI runs in-process in tests.
 */

/** Where a command writes. */
export interface CliIo {
  /** Results only (one JSON object with --json). */
  stdout: (text: string) => void;
  /** Progress, warnings and errors. */
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress lines are redrawn in place. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The clock, injected by tests (embargoes, windows); the system clock when absent. Never read from env. */
  now?: () => Date;
}

/** The current time as the commands see it. */
export function nowOf(io: CliIo): Date {
  return io.now?.() ?? new Date();
}

/** The process's own terminal. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
  };
}
