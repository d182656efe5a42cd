import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get, createServer, type Server } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { createDockerClient, type DockerClient } from '../../../harness/docker/docker-client.js';
import { ensureHostIsolation, HOST_ISOLATION_RULE } from '../../../harness/docker/ensure-host-isolation.js';
import {
  createDockerBackend,
  LABEL,
  ownerLabel,
  type DockerBackend,
  type DockerSandbox,
  type DockerSandboxSpec,
  type DockerServiceSpec,
} from '../../../harness/sandbox/docker-backend.js';
import { pruneDockerSandboxes } from '../../../harness/sandbox/prune-docker-sandboxes.js';
import { countRedlineObjects, ensureBusyboxImage, hasDockerEngine } from '../../helpers/docker.js';

const run = promisify(execFile);
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const MiB = 1024 * 1024;
// Larger than any pid Linux hands out (pid_max is at most 2^22): an owner that can never be alive.
const DEAD_PID = 2 ** 22 + 1;

/** Inspect fields of a container's networks the tests read. */
interface EndpointInfo {
  IPAddress: string;
  Gateway: string;
}

/** An HTTP server on every host address, counting the connections it accepts. */
interface HostServer {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

async function startHostServer(canary: string): Promise<HostServer> {
  let connections = 0;
  const server: Server = createServer((_req, res) => res.end(canary));
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GET from the host itself (no keep-alive): the body. */
function hostGet(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: address, port, path: '/', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    }).on('error', reject);
  });
}

/** The IPv4 addresses of this host other than loopback (docker0, the bridges, the uplink). */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

/** A busybox httpd serving /srv (an index.html, and `extra.files`) on port 8080, healthy once it listens. */
function httpService(image: string, name: string, extra: Partial<DockerServiceSpec> = {}): DockerServiceSpec {
  return {
    name,
    image,
    command: 'exec httpd -f -p 8080 -h /srv',
    healthcheck: { tcp: 8080 },
    ...extra,
    files: { '/srv/index.html': encode('SERVICE-OK\n'), ...extra.files },
  };
}

/** `wget` from inside a sandbox with a bounded wait (busybox 1.35's `wget -T` crashes: use timeout). */
function fetchIn(sandbox: DockerSandbox, url: string): ReturnType<DockerSandbox['exec']> {
  return sandbox.exec(`timeout 3 wget -q -O- ${url}`, { timeoutMs: 15_000 });
}

/** Ids of containers that never reached a sandbox (created by a test with the client directly). */
const strayContainers: string[] = [];
const strayNetworks: string[] = [];

describe.skipIf(!(await hasDockerEngine()))(
  'docker sandboxes (real containers; skipped: no Docker engine)',
  () => {
    let client: DockerClient;
    let backend: DockerBackend;
    let image: string;
    const live: DockerSandbox[] = [];
    const ownedHere = { [LABEL.owner]: ownerLabel() };

    async function make(spec: Omit<DockerSandboxSpec, 'image'> & { image?: string }): Promise<DockerSandbox> {
      const sandbox = await backend.create({ image, ...spec });
      live.push(sandbox);
      return sandbox;
    }

    /** The container id of `service` ('agent' for the agent) of `sandbox`, found by its labels. */
    async function containerOf(sandbox: DockerSandbox, service: string): Promise<string> {
      const found = await client.listContainers({ [LABEL.sandbox]: sandbox.id, 'redline.service': service });
      expect(found).toHaveLength(1);
      return found[0]!.id;
    }

    /** The network endpoints (address, gateway) of a container of `sandbox`, one per network it joins. */
    async function endpointsOf(sandbox: DockerSandbox, service: string): Promise<EndpointInfo[]> {
      const inspected = await client.inspectContainer(await containerOf(sandbox, service));
      const settings = inspected['NetworkSettings'] as { Networks: Record<string, EndpointInfo> };
      return Object.values(settings.Networks);
    }

    /** Runs a shell script in a service container as its own user. */
    function execInService(container: string, script: string): ReturnType<DockerClient['exec']> {
      return client.exec(container, {
        cmd: ['/bin/sh', '-c', script],
        timeoutMs: 15_000,
        outputBytes: 64 * 1024,
      });
    }

    beforeAll(async () => {
      client = createDockerClient();
      image = await ensureBusyboxImage(client);
      backend = createDockerBackend({ client });
    }, 120_000);

    afterEach(async () => {
      await Promise.allSettled(live.splice(0).map((sandbox) => sandbox.destroy()));
      await Promise.allSettled(strayContainers.splice(0).map((id) => client.removeContainer(id)));
      await Promise.allSettled(strayNetworks.splice(0).map((id) => client.removeNetwork(id)));
    });

    afterAll(async () => {
      // Whatever a failed create or destroy of this process left.
      if (client === undefined) return;
      await pruneDockerSandboxes('own', client);
      client.close();
    });

    describe('createDockerBackend', { timeout: 60_000 }, () => {
      it('starts services healthy and reachable by name before the agent, with the planted flag and the task files', async () => {
        const flag = `flag{${randomBytes(16).toString('hex')}}`;
        const sandbox = await make({
          files: { 'notes.txt': encode('hello\n'), 'src/run.sh': encode('echo hi\n') },
          // The service listens a second late: the setup's fetch (the agent's first command) works only if create
          // waited for the healthcheck.
          services: [httpService(image, 'web', { command: 'sleep 1; exec httpd -f -p 8080 -h /srv' })],
          flag: { value: flag, service: 'web', file: '/srv/flag.txt', env: 'FLAG' },
          setup: 'wget -q -O /work/first.txt http://web:8080/flag.txt',
        });
        expect((await sandbox.exec('cat /work/first.txt')).stdout).toBe(`${flag}\n`);

        const web = await execInService(await containerOf(sandbox, 'web'), 'echo "$FLAG"; cat /srv/flag.txt');
        expect(web).toMatchObject({ stdout: `${flag}\n${flag}\n`, exitCode: 0 });

        const files = await sandbox.exec(
          'id -u; pwd; stat -c "%u:%g %n" /work /work/notes.txt /work/src /work/src/run.sh; cat notes.txt',
        );
        expect(files).toMatchObject({ exitCode: 0, stderr: '' });
        expect(files.stdout).toBe(
          [
            '1000',
            '/work',
            '1000:1000 /work',
            '1000:1000 /work/notes.txt',
            '1000:1000 /work/src',
            '1000:1000 /work/src/run.sh',
            'hello',
            '',
          ].join('\n'),
        );
      });

      it('returns exit codes, stderr, stdin and truncated output, and kills a timed-out command with its children', async () => {
        const sandbox = await make({ files: {}, limits: { outputBytes: 1000 } });
        expect(await sandbox.exec('echo out; echo err >&2; exit 3')).toMatchObject({
          stdout: 'out\n',
          stderr: 'err\n',
          exitCode: 3,
          signal: null,
          timedOut: false,
          truncated: false,
        });
        expect(await sandbox.exec('tr a-z A-Z', { stdin: 'hello' })).toMatchObject({
          stdout: 'HELLO',
          exitCode: 0,
        });
        const long = await sandbox.exec("head -c 5000 /dev/zero | tr '\\0' a");
        expect(long.stdout).toBe('a'.repeat(1000));
        expect(long.truncated).toBe(true);

        const timedOut = await sandbox.exec('sleep 1234 & wait', { timeoutMs: 1_000 });
        expect(timedOut).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
        const processes = await sandbox.exec('ps -o args');
        expect(processes.exitCode).toBe(0);
        expect(processes.stdout.split('\n')).not.toContain('sleep 1234');
      });

      // A timeout kills the command's process tree. A child that detached itself (setsid, double fork) is a
      // background process of the container, like `server &`, and keeps running (docs/live-targets.md); the
      // command still returns right after its timeout, and later commands are not held up by it.
      it('returns at the timeout even when a detached child holds the output open', async () => {
        const sandbox = await make({ files: {} });
        const timedOut = await sandbox.exec('(setsid sleep 1235 &); sleep 100', { timeoutMs: 1_000 });
        expect(timedOut.timedOut).toBe(true);
        expect(timedOut.durationMs).toBeLessThan(10_000);
        const next = await sandbox.exec('ps -o args');
        expect(next.exitCode).toBe(0);
        expect(next.stdout.split('\n')).not.toContain('sleep 100');
      });

      it('returns when a command exits while its background child keeps running', async () => {
        const sandbox = await make({ files: {} });
        const started = await sandbox.exec('sleep 1236 & echo started', { timeoutMs: 60_000 });
        expect(started.timedOut).toBe(false);
        expect(started.exitCode).toBe(0);
        expect(started.stdout).toBe('started\n');
        const after = await sandbox.exec('ps -o args');
        expect(after.stdout.split('\n')).toContain('sleep 1236');
      });
    });

    describe('createDockerBackend isolation', { timeout: 60_000 }, () => {
      it('keeps the agent off every host address, the host loopback and the Docker socket', async () => {
        const server = await startHostServer('HOST-CANARY');
        try {
          const sandbox = await make({ files: {}, services: [httpService(image, 'web')] });
          const [agentEndpoint] = await endpointsOf(sandbox, 'agent');
          const route = await sandbox.exec('ip route');
          const routeGateway = /^default via (\S+)/m.exec(route.stdout)?.[1];
          const targets = [
            ...new Set([
              agentEndpoint!.Gateway,
              ...(routeGateway === undefined ? [] : [routeGateway]),
              ...hostAddresses(),
            ]),
          ];
          // The gateway and docker0 are among the addresses tried (docker0 when the engine has its default bridge).
          expect(targets).toContain(agentEndpoint!.Gateway);
          const docker0 = networkInterfaces()['docker0']?.find((a) => a.family === 'IPv4')?.address;
          if (docker0 !== undefined) expect(targets).toContain(docker0);

          // The host itself reaches the server on each of them, and on loopback.
          for (const address of [...targets, '127.0.0.1']) {
            expect(await hostGet(address, server.port)).toBe('HOST-CANARY');
          }
          const seenByHost = server.connections();

          // The same tool reaches the episode's own service: a refusal below is the network's, not the tool's.
          expect(await fetchIn(sandbox, 'http://web:8080/')).toMatchObject({
            stdout: 'SERVICE-OK\n',
            exitCode: 0,
          });
          const tries = [...targets, '127.0.0.1']
            .map(
              (address) =>
                `(timeout 3 wget -q -O- http://${address}:${server.port}/ && echo "OPEN ${address}") &`,
            )
            .join('\n');
          const probe = await sandbox.exec(`${tries}\nwait`, { timeoutMs: 20_000 });
          expect(probe.timedOut).toBe(false);
          expect(probe.stdout).toBe('');
          expect(server.connections()).toBe(seenByHost);

          const socket = await sandbox.exec(
            'for p in /var/run/docker.sock /run/docker.sock; do test -e $p && echo "FOUND $p"; done; true',
          );
          expect(socket).toMatchObject({ stdout: '', exitCode: 0 });
        } finally {
          await server.close();
        }
      });

      it('lets the agent reach only its own network: a pivot service behind another network, other sandboxes and their gateways stay out of reach', async () => {
        const server = await startHostServer('HOST-CANARY');
        try {
          const [first, second] = await Promise.all([
            make({
              files: {},
              services: [
                httpService(image, 'jump', { networks: ['default', 'inner'] }),
                httpService(image, 'db', {
                  networks: ['inner'],
                  files: { '/srv/db.txt': encode('DB-CANARY\n') },
                }),
              ],
            }),
            make({
              files: {},
              services: [
                httpService(image, 'other', { files: { '/srv/other.txt': encode('OTHER-CANARY\n') } }),
              ],
            }),
          ]);

          // (d) The inner service: the service joining both networks reaches it, the agent neither by name nor by IP.
          const [dbEndpoint] = await endpointsOf(first, 'db');
          const jump = await containerOf(first, 'jump');
          expect(await execInService(jump, 'timeout 3 wget -q -O- http://db:8080/db.txt')).toMatchObject({
            stdout: 'DB-CANARY\n',
            exitCode: 0,
          });
          expect(await fetchIn(first, 'http://jump:8080/')).toMatchObject({
            stdout: 'SERVICE-OK\n',
            exitCode: 0,
          });

          // (e) The other sandbox's service answers its own agent, by name and by IP.
          const [otherEndpoint] = await endpointsOf(second, 'other');
          const [secondAgentEndpoint] = await endpointsOf(second, 'agent');
          expect(await fetchIn(second, `http://${otherEndpoint!.IPAddress}:8080/other.txt`)).toMatchObject({
            stdout: 'OTHER-CANARY\n',
            exitCode: 0,
          });
          // (f) The host answers on the other sandbox's gateway.
          expect(await hostGet(secondAgentEndpoint!.Gateway, server.port)).toBe('HOST-CANARY');
          const seenByHost = server.connections();

          const refused = await Promise.all([
            fetchIn(first, 'http://db:8080/db.txt'),
            fetchIn(first, `http://${dbEndpoint!.IPAddress}:8080/db.txt`),
            fetchIn(first, `http://${otherEndpoint!.IPAddress}:8080/other.txt`),
            fetchIn(first, `http://${secondAgentEndpoint!.Gateway}:${server.port}/`),
          ]);
          for (const result of refused) {
            expect(result.exitCode).not.toBe(0);
            expect(result.stdout).toBe('');
          }
          expect(server.connections()).toBe(seenByHost);

          // Names of the other sandbox do not resolve in the first (nor does its inner service's).
          const names = ['db', 'other', `redline-${second.id}-other`];
          const lookups = await Promise.all(
            names.map((name) => first.exec(`timeout 8 nslookup ${name}`, { timeoutMs: 15_000 })),
          );
          for (const lookup of lookups) {
            expect(lookup.exitCode).not.toBe(0);
            expect(lookup.stdout).not.toContain(otherEndpoint!.IPAddress);
            expect(lookup.stdout).not.toContain(dbEndpoint!.IPAddress);
          }
        } finally {
          await server.close();
        }
      });

      it('does not let the agent read the planted flag of another sandbox', async () => {
        const flags = [0, 1].map(() => `flag{${randomBytes(16).toString('hex')}}`);
        const [mine, theirs] = await Promise.all(
          flags.map((value) =>
            make({
              files: { 'marker.txt': encode('MARKER-IN-WORK\n') },
              services: [httpService(image, 'web')],
              flag: { value, service: 'web', file: '/srv/flag.txt', env: 'FLAG' },
            }),
          ),
        );
        expect(await fetchIn(mine!, 'http://web:8080/flag.txt')).toMatchObject({
          stdout: `${flags[0]}\n`,
          exitCode: 0,
        });
        expect(await fetchIn(theirs!, 'http://web:8080/flag.txt')).toMatchObject({
          stdout: `${flags[1]}\n`,
          exitCode: 0,
        });

        const [theirWeb] = await endpointsOf(theirs!, 'web');
        const fetched = await fetchIn(mine!, `http://${theirWeb!.IPAddress}:8080/flag.txt`);
        expect(fetched.exitCode).not.toBe(0);
        expect(fetched.stdout).not.toContain(flags[1]);

        // A search of the agent's whole file system and environment finds the marker in /work but not the flag.
        const search = (needle: string): string =>
          `find / -xdev -type f 2>/dev/null | xargs grep -l -F -e '${needle}' 2>/dev/null; env | grep -c -F -e '${needle}'`;
        expect((await mine!.exec(search('MARKER-IN-WORK'), { timeoutMs: 30_000 })).stdout).toBe(
          '/work/marker.txt\n0\n',
        );
        expect((await mine!.exec(search(flags[1]!), { timeoutMs: 30_000 })).stdout).toBe('0\n');
      });
    });

    describe('createDockerBackend limits', { timeout: 60_000 }, () => {
      const limits = { memoryBytes: 64 * MiB, processes: 32 };

      it('keeps a fork bomb within the pids limit, and the sandbox still answers after', async () => {
        const sandbox = await make({ files: {}, limits });
        const host = (await client.inspectContainer(await containerOf(sandbox, 'agent')))['HostConfig'] as {
          PidsLimit: number;
        };
        expect(host.PidsLimit).toBe(32);
        // 2^8 - 1 processes wanted; each leaf sleeps 2 s, so the tree piles up against the limit and then ends. A
        // shell whose fork fails gives up and leaves its children to init, so the script waits (with builtins only:
        // no fork) until the process count is back to what it was, then reads the limit and its refusal count.
        const bomb = await sandbox.exec(
          [
            'b() { if [ "$1" -gt 0 ]; then b $(($1 - 1)) & b $(($1 - 1)) & wait; else sleep 2; fi; }',
            'd=/sys/fs/cgroup/pids; [ -d $d ] || d=/sys/fs/cgroup',
            'read -r before < $d/pids.current',
            '(b 7) 2>/dev/null',
            'while read -r now < $d/pids.current; [ "$now" -gt "$before" ]; do :; done',
            'read -r max < $d/pids.max; read -r events < $d/pids.events',
            'echo "$max"; echo "$events"',
          ].join('\n'),
          { timeoutMs: 30_000 },
        );
        expect(bomb.timedOut).toBe(false);
        const [max, events] = bomb.stdout.split('\n');
        expect(max).toBe('32');
        // The kernel refused forks at the limit.
        expect(Number(/^max (\d+)$/.exec(events ?? '')?.[1])).toBeGreaterThan(0);
        expect(await sandbox.exec('echo alive')).toMatchObject({ stdout: 'alive\n', exitCode: 0 });
        // And the host still starts processes.
        expect((await run('/bin/sh', ['-c', 'echo host-ok'])).stdout).toBe('host-ok\n');
      });

      it('OOM-kills a memory hog at the container memory limit, and the sandbox still answers after', async () => {
        const sandbox = await make({ files: {}, limits });
        const host = (await client.inspectContainer(await containerOf(sandbox, 'agent')))['HostConfig'] as {
          Memory: number;
          MemorySwap: number;
        };
        expect(host).toMatchObject({ Memory: 64 * MiB, MemorySwap: 64 * MiB });
        // The shell holds 200 MB in one variable.
        const hog = await sandbox.exec("x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}");
        expect(hog).toMatchObject({ stdout: '', exitCode: 137, signal: 'SIGKILL', timedOut: false });
        const oom = await sandbox.exec(
          'cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null || cat /sys/fs/cgroup/memory.events',
        );
        expect(Number(/^oom_kill (\d+)$/m.exec(oom.stdout)?.[1])).toBeGreaterThan(0);
        expect(await sandbox.exec('echo alive')).toMatchObject({ stdout: 'alive\n', exitCode: 0 });
      });

      it('gives no process a capability and sets no-new-privileges, in the agent and in a root service', async () => {
        const sandbox = await make({ files: {}, services: [httpService(image, 'web')] });
        const statusScript = "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status";
        const expected = [
          'CapInh:\t0000000000000000',
          'CapPrm:\t0000000000000000',
          'CapEff:\t0000000000000000',
          'CapBnd:\t0000000000000000',
          'CapAmb:\t0000000000000000',
          'NoNewPrivs:\t1',
          '',
        ].join('\n');
        expect(await sandbox.exec(statusScript)).toMatchObject({ stdout: expected, exitCode: 0 });
        const web = await containerOf(sandbox, 'web');
        expect(await execInService(web, `id -u; ${statusScript}`)).toMatchObject({
          stdout: `0\n${expected}`,
          exitCode: 0,
        });

        const [endpoint] = await endpointsOf(sandbox, 'agent');
        // Raw ICMP, packet sockets and a user namespace (which would hand out capabilities) are all refused.
        for (const script of [
          'ping -c 1 -W 1 127.0.0.1',
          `arping -c 1 -w 1 -I eth0 ${endpoint!.Gateway}`,
          'unshare -r -U id -u',
        ]) {
          const result = await sandbox.exec(script, { timeoutMs: 10_000 });
          expect({ script, exitCode: result.exitCode }).not.toEqual({ script, exitCode: 0 });
        }
        // Root in a service without CAP_CHOWN cannot give a file away.
        expect((await execInService(web, 'touch /srv/x && echo made')).stdout).toBe('made\n');
        expect((await execInService(web, 'chown 1000 /srv/x')).exitCode).not.toBe(0);
      });
    });

    describe('createDockerBackend failures', { timeout: 60_000 }, () => {
      it.each<[string, (image: string) => Omit<DockerSandboxSpec, 'files'>]>([
        ['a missing agent image', () => ({ image: 'redline-test/missing:1' })],
        [
          'a missing service image',
          (image) => ({ image, services: [httpService('redline-test/missing:1', 'web')] }),
        ],
        [
          'a service whose command exits at once',
          (image) => ({ image, services: [httpService(image, 'web', { command: 'exit 3' })] }),
        ],
        [
          'a service that never becomes healthy',
          (image) => ({
            image,
            services: [
              httpService(image, 'web', {
                command: 'exec sleep 600',
                healthcheck: { tcp: 8080, timeoutS: 2 },
              }),
            ],
          }),
        ],
      ])('fails with E_SANDBOX on %s and leaves nothing behind', async (_case, specOf) => {
        const before = await countRedlineObjects(ownedHere, client);
        const outcome: unknown = await backend
          .create({ files: {}, ...specOf(image) })
          .catch((error: unknown) => error);
        if (!(outcome instanceof Error)) live.push(outcome as DockerSandbox);
        expect(isRedlineError(outcome, 'E_SANDBOX')).toBe(true);
        expect(await countRedlineObjects(ownedHere, client)).toEqual(before);
      });
    });

    describe('DockerSandbox.destroy', { timeout: 60_000 }, () => {
      it('removes every container and network of the sandbox, and may be called twice', async () => {
        const before = await countRedlineObjects(ownedHere, client);
        const sandbox = await make({
          files: {},
          services: [httpService(image, 'web'), httpService(image, 'db', { networks: ['inner'] })],
        });
        expect(await countRedlineObjects(ownedHere, client)).toEqual({
          containers: before.containers + 3,
          networks: before.networks + 2,
          volumes: before.volumes,
        });
        await sandbox.destroy();
        await sandbox.destroy();
        expect(await countRedlineObjects(ownedHere, client)).toEqual(before);
        const late: unknown = await sandbox.exec('true').catch((error: unknown) => error);
        expect(isRedlineError(late, 'E_STATE')).toBe(true);
      });
    });

    // 'all' is left out on purpose: on a shared engine it would remove other processes' live sandboxes.
    describe('pruneDockerSandboxes', { timeout: 60_000 }, () => {
      it("keeps a sandbox whose owner is alive under 'dead' and removes it under 'own'", async () => {
        const sandbox = await make({ files: {}, services: [httpService(image, 'web')] });
        const ofSandbox = { [LABEL.sandbox]: sandbox.id };
        expect(await countRedlineObjects(ofSandbox, client)).toEqual({
          containers: 2,
          networks: 1,
          volumes: 0,
        });

        await pruneDockerSandboxes('dead', client);
        expect(await countRedlineObjects(ofSandbox, client)).toEqual({
          containers: 2,
          networks: 1,
          volumes: 0,
        });
        expect(await sandbox.exec('echo alive')).toMatchObject({ stdout: 'alive\n', exitCode: 0 });

        // Only this sandbox is left of this process (the others were destroyed after their tests).
        expect(await pruneDockerSandboxes('own', client)).toEqual({ containers: 2, networks: 1, volumes: 0 });
        expect(await countRedlineObjects(ofSandbox, client)).toEqual({
          containers: 0,
          networks: 0,
          volumes: 0,
        });
      });

      it("removes under 'dead' the containers and networks of an owner process of this host that is gone", async () => {
        const id = `t${randomBytes(5).toString('hex')}`;
        const labels = { [LABEL.sandbox]: id, [LABEL.owner]: `${hostname()}:${DEAD_PID}` };
        const network = await client.createNetwork({
          Name: `redline-${id}-default`,
          Driver: 'bridge',
          Internal: true,
          Labels: labels,
          Options: { 'com.docker.network.bridge.name': `rl${id}n0` },
        });
        strayNetworks.push(network);
        const container = await client.createContainer(`redline-${id}-agent`, {
          Image: image,
          Cmd: ['sleep', '600'],
          Labels: labels,
          HostConfig: { NetworkMode: network, CapDrop: ['ALL'], Init: true },
        });
        // Left created, not started: another process's prune 'dead' (a run starting meanwhile) selects these too, and
        // two prunes racing over a running container's network fail (see the author's report).
        strayContainers.push(container);
        const ofDeadOwner = { [LABEL.sandbox]: id };
        expect(await countRedlineObjects(ofDeadOwner, client)).toEqual({
          containers: 1,
          networks: 1,
          volumes: 0,
        });

        // 'own' is this process: it leaves them.
        await pruneDockerSandboxes('own', client);
        expect(await countRedlineObjects(ofDeadOwner, client)).toEqual({
          containers: 1,
          networks: 1,
          volumes: 0,
        });

        const removed = await pruneDockerSandboxes('dead', client);
        expect(removed.containers).toBeGreaterThanOrEqual(1);
        expect(removed.networks).toBeGreaterThanOrEqual(1);
        expect(await countRedlineObjects(ofDeadOwner, client)).toEqual({
          containers: 0,
          networks: 0,
          volumes: 0,
        });
      });
    });

    describe('ensureHostIsolation', () => {
      it('installs the host firewall rule exactly once however often it runs', async () => {
        await ensureHostIsolation();
        await ensureHostIsolation();
        const { stdout } = await run('/usr/sbin/iptables', ['-w', '-S', 'INPUT']);
        const rule = `-A ${HOST_ISOLATION_RULE.join(' ')}`;
        expect(stdout.split('\n').filter((line) => line === rule)).toHaveLength(1);
      });
    });
  },
);
