/**
 * A CLI refusal as the end-to-end tests check it: the coded error on stderr and the exit status.
 */
import { expect } from 'vitest';
import type { CliResult } from './cli.js';

/** Checks that the command printed `[CODE]` on stderr and exited with `exitCode` (3, a refusal, unless told). */
export function expectRefused(r: CliResult, code: string, exitCode = 3): void {
  expect(r.stderr).toContain(`[${code}]`);
  expect(r.code).toBe(exitCode);
}
