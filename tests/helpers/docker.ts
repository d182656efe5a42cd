/**
 * Docker Engine helpers for tests of the docker sandbox backend: whether an engine answers, a tiny busybox image
 * built from the host's static busybox (no registry, no docker CLI), and counts of Redline-labelled objects.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  createDockerClient,
  type DockerClient,
  type LabelFilter,
} from '../../harness/docker/docker-client.js';
import { writeTar } from '../../src/archive/write-tar.js';
import { LABEL } from '../../harness/sandbox/docker-backend.js';

/** The test image: Debian's static busybox on an empty root, with root and uid 1000. */
export const BUSYBOX_TEST_IMAGE = 'redline-test/busybox:1';

/** Where Debian's busybox-static package puts its binary. */
const HOST_BUSYBOX = '/bin/busybox';

const DOCKERFILE = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
  'COPY etc/ /etc/',
  'RUN mkdir -p /tmp /srv /work && chmod 1777 /tmp',
  'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
  'CMD ["/bin/sh"]',
  '',
].join('\n');

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:/work:/bin/sh\n';
const GROUP = 'root:x:0:\nagent:x:1000:\n';

/** True when a Docker engine answers a ping at the configured socket; false otherwise (throws under REDLINE_REQUIRE_DOCKER=1). */
export async function hasDockerEngine(): Promise<boolean> {
  let client: DockerClient | undefined;
  try {
    client = createDockerClient();
    await client.ping();
    return true;
  } catch (error) {
    // CI (.ci/run) starts an engine: there, a missing one is a failure, never a reason to skip.
    if (process.env['REDLINE_REQUIRE_DOCKER'] === '1') {
      throw new Error(`REDLINE_REQUIRE_DOCKER=1 but no Docker engine answers: ${(error as Error).message}`);
    }
    return false;
  } finally {
    client?.close();
  }
}

/**
 * The reference of the busybox test image, built through the Engine API when the engine does not have it yet.
 * Needs the host's static busybox (Debian package busybox-static).
 */
export async function ensureBusyboxImage(client: DockerClient = createDockerClient()): Promise<string> {
  if ((await client.inspectImage(BUSYBOX_TEST_IMAGE)) !== null) return BUSYBOX_TEST_IMAGE;
  if (!existsSync(HOST_BUSYBOX)) {
    throw new Error(`${HOST_BUSYBOX} not found: install the Debian package busybox-static`);
  }
  const context = writeTar([
    { path: 'Dockerfile', data: Buffer.from(DOCKERFILE) },
    { path: 'busybox', data: await readFile(HOST_BUSYBOX), mode: 0o755 },
    { path: 'etc', type: 'dir' },
    { path: 'etc/passwd', data: Buffer.from(PASSWD) },
    { path: 'etc/group', data: Buffer.from(GROUP) },
  ]);
  await client.buildImage(BUSYBOX_TEST_IMAGE, context);
  return BUSYBOX_TEST_IMAGE;
}

/** How many objects carry the `redline.sandbox` label. */
export interface RedlineObjectCounts {
  containers: number;
  networks: number;
  volumes: number;
}

/**
 * Counts the containers (running or not), networks and volumes labelled `redline.sandbox`, narrowed by `labels`
 * (e.g. `{'redline.owner': ownerLabel()}` to ignore what other processes on a shared engine create meanwhile).
 */
export async function countRedlineObjects(
  labels: LabelFilter = {},
  client: DockerClient = createDockerClient(),
): Promise<RedlineObjectCounts> {
  const filter: LabelFilter = { [LABEL.sandbox]: true, ...labels };
  const [containers, networks, volumes] = await Promise.all([
    client.listContainers(filter),
    client.listNetworks(filter),
    client.listVolumes(filter),
  ]);
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}
