/**
 * Removes what docker sandboxes left behind: containers, networks and volumes labelled `redline.sandbox`. A run
 * removes its own at the end of each session (also after Ctrl-C or a worker crash); what a `kill -9` left is
 * removed at the next start, where the owner (`host:pid`) is a process of this host that no longer runs.
 */
import { hostname } from 'node:os';
import { createDockerClient, type DockerClient, type LabelledObject } from '../docker/docker-client.js';
import { LABEL, ownerLabel } from './docker-backend.js';
import { isProcessAlive } from '../is-process-alive.js';

/** Which objects to remove. */
export type PruneScope =
  /** Everything of this process. */
  | 'own'
  /** Everything whose owner process on this host is gone (and, with `allHosts`, on any host: never on a shared engine). */
  | 'dead'
  /** Everything labelled by Redline, live owners included. */
  | 'all';

/** What was removed. */
export interface PruneReport {
  containers: number;
  networks: number;
  volumes: number;
}

/** True when `owner` (`host:pid`) should be removed under `scope`. */
function isSelected(owner: string | undefined, scope: PruneScope, self: string, host: string): boolean {
  if (scope === 'all') return true;
  if (owner === undefined) return false;
  if (scope === 'own') return owner === self;
  const at = owner.lastIndexOf(':');
  const ownerHost = owner.slice(0, at);
  const pid = Number(owner.slice(at + 1));
  // A pid of another host cannot be checked from here: its sandboxes are that host's to prune.
  return ownerHost === host && owner !== self && Number.isSafeInteger(pid) && !isProcessAlive(pid);
}

/**
 * Removes the labelled containers (first: networks in use cannot go), then networks and volumes.
 *
 * @example
 * const removed = await pruneDockerSandboxes('dead');
 */
export async function pruneDockerSandboxes(
  scope: PruneScope,
  client: DockerClient = createDockerClient(),
): Promise<PruneReport> {
  const self = ownerLabel();
  const host = hostname();
  const pick = (items: LabelledObject[]): LabelledObject[] =>
    items.filter((item) => isSelected(item.labels[LABEL.owner], scope, self, host));
  const filter = { [LABEL.sandbox]: true } as const;
  const containers = pick(await client.listContainers(filter));
  await Promise.all(containers.map((c) => client.removeContainer(c.id)));
  const networks = pick(await client.listNetworks(filter));
  await Promise.all(networks.map((n) => client.removeNetwork(n.id)));
  const volumes = pick(await client.listVolumes(filter));
  await Promise.all(volumes.map((v) => client.removeVolume(v.name)));
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}
