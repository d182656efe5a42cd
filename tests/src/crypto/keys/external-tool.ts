/**
 * Finds the independent implementations the interop tests run (minisign, age, age-keygen, openssl) and runs them
 * with arguments, never through a shell.
 */
import { spawnSync } from 'node:child_process';

/** True when `tool` can be started (it answers `probeArgs` without failing to spawn). */
export function hasTool(tool: string, probeArgs: readonly string[]): boolean {
  const result = spawnSync(tool, probeArgs, { stdio: 'ignore' });
  return result.error === undefined;
}

/** The test-name suffix that says why an interop test was skipped. */
export function skipReason(tool: string, isPresent: boolean): string {
  return isPresent ? '' : ` [SKIPPED: \`${tool}\` is not installed on this machine; CI installs it]`;
}

/** The outcome of running a tool. */
export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tool args` (no shell) with optional stdin, and returns its exit status and output. */
export function runTool(
  tool: string,
  args: readonly string[],
  options: { input?: string | Uint8Array; cwd?: string } = {},
): ToolRun {
  const result = spawnSync(tool, args, {
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
