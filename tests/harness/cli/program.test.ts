import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, createProgram, type RegisterCommands } from '../../../harness/cli/program.js';
import type { CliIo } from '../../../harness/cli/io.js';

const io: CliIo = { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, cwd: '/' };

describe('COMMANDS', () => {
  it('lists every top-level command of the command modules with their own term and description', async () => {
    const program = new Command('redline');
    const registered = new Set<RegisterCommands>();
    for (const entry of COMMANDS) {
      const register = await entry.load();
      if (!registered.has(register)) register(program, io, { code: 0 });
      registered.add(register);
    }
    const help = new Help();
    const loaded = program.commands.map((c) => ({
      name: c.name(),
      term: help.subcommandTerm(c),
      description: c.description(),
    }));
    const listed = COMMANDS.map(({ name, term, description }) => ({ name, term, description }));
    expect(listed).toEqual(expect.arrayContaining(loaded));
    expect(loaded).toEqual(expect.arrayContaining(listed));
  });
});

describe('createProgram', () => {
  it('loads only the module of the command named, and lists every command otherwise', async () => {
    const exit = { code: 0 };
    const forRuns = await createProgram(io, exit, ['runs', '--json']);
    expect(forRuns.commands.map((c) => c.name())).toEqual(['runs']);
    const forHelp = await createProgram(io, exit, ['help', 'transcript']);
    expect(forHelp.commands.map((c) => c.name())).toEqual(['transcript']);
    const root = await createProgram(io, exit, ['--help']);
    expect(root.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
  });
});
