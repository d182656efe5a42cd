/**
 * The name of the command a CLI invocation runs (`vuln scan claim`), recorded by the program before the action
 * runs, so that code far from commander (the lab database's `db.opened` audit event) can name it.
 */
import type { Command } from 'commander';
import type { CliIo } from './io.js';

const names = new WeakMap<CliIo, string>();

/** Records the full name of `action` (without the program's own) as the command `io` runs. */
export function recordCommandName(io: CliIo, action: Command): void {
  const words: string[] = [];
  for (let command: Command | null = action; command?.parent != null; command = command.parent) {
    words.unshift(command.name());
  }
  names.set(io, words.join(' '));
}

/** The command `io` runs, or "redline" when none was recorded (library callers, tests). */
export function commandNameOf(io: CliIo): string {
  return names.get(io) ?? 'redline';
}
