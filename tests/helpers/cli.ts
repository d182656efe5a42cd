/**
 * Runs the CLI in-process (fast) or as a child process (for signals and SIGKILL), capturing its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../harness/cli/program.js';

/** What a CLI invocation printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `redline ARGV` in this process. */
export async function runCliCapture(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  options: { now?: () => Date } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    isTTY: false,
    env: { ...process.env, ...env },
    cwd: process.cwd(),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return { code, stdout, stderr };
}

/** The CLI's entry point, run through tsx in a child process. */
export const MAIN = fileURLToPath(new URL('../../harness/cli/main.ts', import.meta.url));

/** Starts `redline ARGV` as a child process. */
export function spawnCli(argv: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a child's output and waits for it to exit. */
export function waitForExit(child: ChildProcess): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
}

/** The argv of `redline run SUITE --endpoint URL --model sim --db DB --json ...extra`. */
export function runArgv(suite: string, endpoint: string, db: string, ...extra: string[]): string[] {
  return ['run', suite, '--endpoint', endpoint, '--model', 'sim', '--db', db, '--json', ...extra];
}

/** `redline suite seal SUITE --to TO... --out OUT --keys KEYS`, then `extra`. */
export function sealArgv(
  suite: string,
  to: string[],
  out: string,
  keys: string,
  ...extra: string[]
): string[] {
  return ['suite', 'seal', suite, '--to', ...to, '--out', out, '--keys', keys, ...extra];
}

/** `redline suite validate SUITE --identity IDENTITY --db DB`, then `extra`: a sealed suite opened and checked. */
export function validateSealedArgv(
  suite: string,
  identity: string,
  db: string,
  ...extra: string[]
): string[] {
  return ['suite', 'validate', suite, '--identity', identity, '--db', db, ...extra];
}
