/**
 * `redline sandbox prune`: removes the containers, networks and volumes of docker sandboxes that Redline
 * processes left behind (a `kill -9`, a power cut). Runs also do this at start, for owners that are gone.
 */
import type { Command } from 'commander';
import { createDockerClient, dockerSocketPath } from '../../docker/docker-client.js';
import { pruneDockerSandboxes, type PruneScope } from '../../sandbox/prune-docker-sandboxes.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { ExitHolder } from '../program.js';

/** Registers `sandbox prune`. */
export function registerSandboxCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const sandbox = program
    .command('sandbox')
    .description('Manage the docker sandboxes of live-target challenges.');
  sandbox
    .command('prune')
    .description(
      'Remove docker sandboxes (containers, networks, volumes labelled redline.sandbox) whose Redline process on ' +
        'this host is gone; --all removes those of running processes too.',
    )
    .option(
      '--all',
      'also remove sandboxes of Redline processes that are still running (stops their episodes)',
    )
    .option('--json', 'print {containers, networks, volumes} removed as JSON')
    .action(async (flags: { all?: boolean; json?: boolean }) => {
      const scope: PruneScope = flags.all === true ? 'all' : 'dead';
      const client = createDockerClient({ socketPath: dockerSocketPath(io.env) });
      try {
        await client.ping();
        const removed = await pruneDockerSandboxes(scope, client);
        if (flags.json === true) io.stdout(`${JSON.stringify(removed)}\n`);
        else {
          io.stdout(
            `removed ${removed.containers} container(s), ${removed.networks} network(s), ${removed.volumes} volume(s)\n`,
          );
        }
      } finally {
        client.close();
      }
      exit.code = EXIT.ok;
    });
}
