/**
 * The docker sandbox backend: per (sample, epoch) a fresh internal network, the challenge's service containers
 * (healthy before the agent starts) and the agent's container, every one without capabilities, with
 * no-new-privileges, pids, memory and CPU limits, no host mounts and no Docker socket. Tool calls run by `exec` in
 * the agent container. Everything carries `redline.*` labels so a later start (or `redline sandbox prune`) can
 * remove what a killed process left.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedlineError } from '../../src/errors.js';
import type { ServiceHealthcheck } from '../../src/schema/suite.js';
import { createDockerClient, type DockerClient } from '../docker/docker-client.js';
import { ensureHostIsolation } from '../docker/ensure-host-isolation.js';
import { isPortListening } from '../docker/is-port-listening.js';
import { writeTar, type TarEntry } from '../../src/archive/write-tar.js';
import {
  type ExecOptions,
  type ExecResult,
  type Sandbox,
  type SandboxBackend,
  type SandboxSpec,
  checkExecRequest,
  resolveSandboxLimits,
} from './sandbox-backend.js';
import { checkTaskFilePath } from './write-task-files.js';

/** Label keys on every object Redline creates (containers, networks). */
export const LABEL = {
  /** The sandbox (episode) id. */
  sandbox: 'redline.sandbox',
  /** `host:pid` of the harness process that owns it: a later start removes what a dead owner left. */
  owner: 'redline.owner',
  /** The run id, when known. */
  run: 'redline.run',
  /** `sampleId#epoch`, when known. */
  unit: 'redline.unit',
} as const;

/** The owner label of this process. */
export function ownerLabel(): string {
  return `${hostname()}:${process.pid}`;
}

/** A service container, files resolved to bytes. */
export interface DockerServiceSpec {
  name: string;
  image: string;
  command?: string | string[];
  env?: Record<string, string>;
  /** Absolute path in the container -> bytes (written 0644 as root before the service starts). */
  files?: Record<string, Uint8Array>;
  healthcheck?: ServiceHealthcheck;
  dependsOn?: string[];
  /** Networks of the episode (default ['default'], the agent's network). */
  networks?: string[];
  user?: string;
  capabilities?: string[];
}

/** The flag planted for this unit. */
export interface PlantedFlagSpec {
  value: string;
  service: string;
  file?: string;
  env?: string;
}

/** What a docker sandbox starts with, beyond the common spec (the agent's /work files, setup, limits). */
export interface DockerSandboxSpec extends SandboxSpec {
  /** The agent's image (needs /bin/sh). */
  image: string;
  /** OCI runtime for every container of the episode (overrides the backend's). */
  runtime?: string;
  capabilities?: string[];
  services?: DockerServiceSpec[];
  flag?: PlantedFlagSpec;
  /** Extra labels (run, unit) on everything created. */
  labels?: Record<string, string>;
}

/** Where the start of an episode went, in ms. */
export interface DockerStartTimings {
  networksMs: number;
  servicesMs: number;
  agentMs: number;
}

/** A docker sandbox; `check` reports infrastructure failures seen since start. */
export interface DockerSandbox extends Sandbox {
  readonly timings: DockerStartTimings;
  /** Capabilities added anywhere in this episode, for the report. */
  readonly capabilities: string[];
  /** A problem with the infrastructure (a service OOM-killed), or null: then the unit is invalid, not scored. */
  check(): Promise<string | null>;
  /** Milliseconds the last `destroy` took. */
  readonly teardownMs: number;
}

/** The docker backend, whose `create` takes a DockerSandboxSpec. */
export interface DockerBackend extends SandboxBackend {
  create(spec: DockerSandboxSpec): Promise<DockerSandbox>;
}

/** Options of the docker backend. */
export interface DockerBackendOptions {
  client?: DockerClient;
  /** The lab's runtime (e.g. runsc); default REDLINE_DOCKER_RUNTIME, else runsc when the engine has it. */
  runtime?: string;
  /** CPUs per container (default 1). */
  cpus?: number;
  /** Memory of each service container in bytes (default 512 MiB). */
  serviceMemoryBytes?: number;
  /** Processes of each service container (default 256). */
  servicePids?: number;
}

const AGENT_USER = '1000:1000';
const AGENT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/work'];
// PID 1 of the agent container: waits forever, exits at once on SIGTERM (assumes only /bin/sh and sleep).
const IDLE_COMMAND = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait; done'];
const DEFAULT_HEALTH_TIMEOUT_S = 30;
const HEALTH_POLL_MS = 25;

/** The runtime to use: the spec's, the lab's, runsc when the engine has it, else the engine default. */
async function pickRuntime(client: DockerClient, lab: string | undefined): Promise<string | undefined> {
  if (lab !== undefined && lab !== '') return lab;
  const { runtimes } = await client.info();
  return runtimes.includes('runsc') ? 'runsc' : undefined;
}

/** Service names in start order: each after the ones it depends on (the validator refused cycles). */
function startWaves(services: readonly DockerServiceSpec[]): DockerServiceSpec[][] {
  const waves: DockerServiceSpec[][] = [];
  const started = new Set<string>();
  let left = [...services];
  while (left.length > 0) {
    const wave = left.filter((s) => (s.dependsOn ?? []).every((d) => started.has(d)));
    if (wave.length === 0) {
      throw new RedlineError(
        'E_INPUT',
        `sandbox services: dependsOn forms a cycle or names a missing service among ${left.map((s) => s.name).join(', ')}`,
      );
    }
    for (const s of wave) started.add(s.name);
    waves.push(wave);
    left = left.filter((s) => !started.has(s.name));
  }
  return waves;
}

/** Tar entries placing `files` (absolute paths) at `/`, with their parent directories. */
function filesArchive(files: Record<string, Uint8Array>): Buffer {
  const entries: TarEntry[] = [];
  const dirs = new Set<string>();
  for (const [path, data] of Object.entries(files)) {
    const normalised = posix.normalize(path);
    if (!posix.isAbsolute(path) || normalised !== path || path.endsWith('/') || path.includes('\0')) {
      throw new RedlineError(
        'E_INPUT',
        `service file ${JSON.stringify(path)}: must be a normalised absolute path`,
      );
    }
    const parts = normalised.slice(1).split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ path: dir, type: 'dir' });
      }
    }
    entries.push({ path: normalised.slice(1), data });
  }
  return writeTar(entries);
}

/** Tar entries of the agent's /work: the directory and files owned by the agent user. */
function workArchive(files: Record<string, Uint8Array>): Buffer {
  const entries: TarEntry[] = [{ path: 'work', type: 'dir', mode: 0o755, uid: 1000, gid: 1000 }];
  const dirs = new Set<string>();
  for (const [raw, data] of Object.entries(files)) {
    const path = checkTaskFilePath(raw);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ path: `work/${dir}`, type: 'dir', uid: 1000, gid: 1000 });
      }
    }
    entries.push({ path: `work/${path}`, data, uid: 1000, gid: 1000 });
  }
  return writeTar(entries);
}

function toCommand(command: string | string[] | undefined): string[] | undefined {
  if (command === undefined) return undefined;
  return typeof command === 'string' ? ['/bin/sh', '-c', command] : command;
}

/**
 * Creates the docker backend.
 *
 * @example
 * const backend = createDockerBackend();
 * const sandbox = await backend.create({ image: 'redline-ctf-live/base:1', files: {}, services: [web] });
 * const result = await sandbox.exec('wget -q -O- http://web:8080/');
 * await sandbox.destroy();
 */
export function createDockerBackend(options: DockerBackendOptions = {}): DockerBackend {
  const client = options.client ?? createDockerClient();
  const nanoCpus = Math.round((options.cpus ?? 1) * 1e9);
  const serviceMemory = options.serviceMemoryBytes ?? 512 * 1024 * 1024;
  const servicePids = options.servicePids ?? 256;
  let runtimePromise: Promise<string | undefined> | undefined;
  let isReady: Promise<void> | undefined;

  async function create(spec: DockerSandboxSpec): Promise<DockerSandbox> {
    const startedAt = performance.now();
    const limits = resolveSandboxLimits(spec.limits);
    // Fail on a bad spec before anything exists.
    const work = workArchive(spec.files);
    const services = spec.services ?? [];
    const waves = startWaves(services);
    isReady ??= (async () => {
      await client.ping();
      await ensureHostIsolation();
    })();
    await isReady;
    runtimePromise ??= pickRuntime(client, options.runtime ?? process.env['REDLINE_DOCKER_RUNTIME']);
    const runtime = spec.runtime ?? (await runtimePromise);

    const id = randomBytes(5).toString('hex');
    const labels = { ...spec.labels, [LABEL.sandbox]: id, [LABEL.owner]: ownerLabel() };
    const containers: string[] = [];
    const serviceIds = new Map<string, string>();
    const networkIds = new Map<string, string>();
    const capabilities = new Set<string>(spec.capabilities ?? []);
    for (const service of services) for (const cap of service.capabilities ?? []) capabilities.add(cap);
    let isDestroyed = false;
    let teardownMs = 0;

    async function destroy(): Promise<void> {
      if (isDestroyed) return;
      isDestroyed = true;
      const at = performance.now();
      const results = await Promise.allSettled(containers.map((c) => client.removeContainer(c)));
      await Promise.allSettled([...networkIds.values()].map((n) => client.removeNetwork(n)));
      teardownMs = performance.now() - at;
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }

    const hostConfig = (extra: {
      network: string;
      memory: number;
      pids: number;
      caps: readonly string[];
    }): Record<string, unknown> => ({
      NetworkMode: extra.network,
      CapDrop: ['ALL'],
      CapAdd: extra.caps.length === 0 ? null : [...extra.caps],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: extra.pids,
      Memory: extra.memory,
      MemorySwap: extra.memory,
      NanoCpus: nanoCpus,
      Ulimits: [{ Name: 'fsize', Soft: limits.fileSizeBytes, Hard: limits.fileSizeBytes }],
      Init: true,
      // No upstream resolver: the engine's embedded DNS answers the episode's own names and forwards nothing off
      // the host (other names fail, after the resolver's own timeout).
      Dns: ['0.0.0.0'],
      ...(runtime === undefined ? {} : { Runtime: runtime }),
    });

    async function startService(service: DockerServiceSpec): Promise<void> {
      const image = await client.inspectImage(service.image);
      if (image === null) {
        throw new RedlineError(
          'E_SANDBOX',
          `service ${service.name}: image ${service.image} is not in the engine; load or build it (redline images SUITE --load DIR | --build)`,
        );
      }
      const networks = service.networks ?? ['default'];
      const first = networks[0] ?? 'default';
      const env = { ...service.env };
      const files = { ...service.files };
      if (spec.flag !== undefined && spec.flag.service === service.name) {
        if (spec.flag.env !== undefined) env[spec.flag.env] = spec.flag.value;
        if (spec.flag.file !== undefined) files[spec.flag.file] = Buffer.from(`${spec.flag.value}\n`);
      }
      const command = toCommand(service.command);
      const container = await client.createContainer(`redline-${id}-${service.name}`, {
        Image: service.image,
        Hostname: service.name,
        ...(command === undefined ? {} : { Cmd: command }),
        ...(typeof service.command === 'string' ? { Entrypoint: [] } : {}),
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        ...(service.user === undefined ? {} : { User: service.user }),
        Labels: { ...labels, 'redline.service': service.name },
        HostConfig: hostConfig({
          network: networkIds.get(first) ?? '',
          memory: serviceMemory,
          pids: servicePids,
          caps: service.capabilities ?? [],
        }),
        NetworkingConfig: { EndpointsConfig: { [networkIds.get(first) ?? '']: { Aliases: [service.name] } } },
      });
      containers.push(container);
      serviceIds.set(service.name, container);
      for (const network of networks.slice(1))
        await client.connectNetwork(networkIds.get(network) ?? '', container, [service.name]);
      if (Object.keys(files).length > 0) await client.putArchive(container, '/', filesArchive(files));
      await client.startContainer(container);
      await awaitHealthy(service, container, image.hasHealthcheck);
    }

    async function awaitHealthy(
      service: DockerServiceSpec,
      container: string,
      hasImageCheck: boolean,
    ): Promise<void> {
      const check = service.healthcheck;
      const timeoutMs = (check?.timeoutS ?? DEFAULT_HEALTH_TIMEOUT_S) * 1000;
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const state = (await client.inspectContainer(container))['State'] as {
          Running?: boolean;
          Pid?: number;
          ExitCode?: number;
          OOMKilled?: boolean;
          Health?: { Status?: string };
        };
        if (state.Running !== true) {
          throw new RedlineError(
            'E_SANDBOX',
            `service ${service.name} (${service.image}) exited with code ${String(state.ExitCode)}${state.OOMKilled === true ? ' (OOM-killed)' : ''} before it was healthy`,
          );
        }
        let isHealthy: boolean;
        if (check === undefined) isHealthy = !hasImageCheck || state.Health?.Status === 'healthy';
        else if ('tcp' in check) isHealthy = await isPortListening(state.Pid ?? 0, check.tcp);
        else if ('command' in check) {
          const result = await client.exec(container, {
            cmd: toCommand(check.command) ?? [],
            timeoutMs: Math.max(1_000, Math.min(10_000, deadline - performance.now())),
            outputBytes: 4096,
          });
          isHealthy = result.exitCode === 0;
        } else isHealthy = state.Health?.Status === 'healthy';
        if (isHealthy) return;
        if (performance.now() > deadline) {
          throw new RedlineError(
            'E_SANDBOX',
            `service ${service.name} (${service.image}) was not healthy after ${timeoutMs / 1000} s (healthcheck ${JSON.stringify(check ?? 'image')})`,
          );
        }
        await sleep(HEALTH_POLL_MS);
      }
    }

    let agent = '';
    const timings: DockerStartTimings = { networksMs: 0, servicesMs: 0, agentMs: 0 };
    try {
      const agentImage = await client.inspectImage(spec.image);
      if (agentImage === null) {
        throw new RedlineError(
          'E_SANDBOX',
          `agent image ${spec.image} is not in the engine; load or build it (redline images SUITE --load DIR | --build)`,
        );
      }
      let mark = performance.now();
      const networkNames = new Set(['default']);
      for (const service of services) for (const n of service.networks ?? []) networkNames.add(n);
      await Promise.all(
        [...networkNames].map(async (name, index) => {
          const networkId = await client.createNetwork({
            Name: `redline-${id}-${name}`,
            Driver: 'bridge',
            Internal: true,
            CheckDuplicate: true,
            Labels: labels,
            // The rl* bridge names are what the host firewall rule (ensureHostIsolation) matches.
            Options: {
              'com.docker.network.bridge.name': `rl${id}n${index}`,
              'com.docker.network.bridge.enable_ip_masquerade': 'false',
            },
          });
          networkIds.set(name, networkId);
        }),
      );
      timings.networksMs = performance.now() - mark;
      mark = performance.now();
      const startServices = async (): Promise<void> => {
        for (const wave of waves) await Promise.all(wave.map((service) => startService(service)));
        timings.servicesMs = performance.now() - mark;
      };
      // The agent's container starts beside the services (it runs nothing until its first command, which comes
      // only after every service is healthy: create returns then).
      const startAgent = async (): Promise<void> => {
        const defaultNetwork = networkIds.get('default') ?? '';
        agent = await client.createContainer(`redline-${id}-agent`, {
          Image: spec.image,
          Hostname: 'agent',
          Entrypoint: [],
          Cmd: IDLE_COMMAND,
          User: AGENT_USER,
          WorkingDir: '/work',
          Env: AGENT_ENV,
          Labels: { ...labels, 'redline.service': 'agent' },
          HostConfig: {
            ...hostConfig({
              network: defaultNetwork,
              memory: limits.memoryBytes,
              pids: limits.processes,
              caps: spec.capabilities ?? [],
            }),
            Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${limits.fileSizeBytes}` },
          },
          NetworkingConfig: { EndpointsConfig: { [defaultNetwork]: { Aliases: ['agent'] } } },
        });
        containers.push(agent);
        await client.putArchive(agent, '/', work);
        await client.startContainer(agent);
        timings.agentMs = performance.now() - mark;
      };
      const started = await Promise.allSettled([startServices(), startAgent()]);
      for (const result of started) if (result.status === 'rejected') throw result.reason;
      // A service without a healthcheck counts as ready once running: one that exited right after its start (a
      // crash, a bad command) is caught here rather than by the agent.
      await Promise.all(
        services.map(async (service) => {
          const state = (await client.inspectContainer(serviceIds.get(service.name) ?? ''))['State'] as {
            Running?: boolean;
            ExitCode?: number;
          };
          if (state.Running !== true) {
            throw new RedlineError(
              'E_SANDBOX',
              `service ${service.name} (${service.image}) exited with code ${String(state.ExitCode)} right after it started`,
            );
          }
        }),
      );
    } catch (error) {
      await destroy().catch(() => undefined);
      throw error;
    }

    async function exec(script: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
      const timeoutMs = checkExecRequest(
        id,
        isDestroyed,
        script,
        execOptions.timeoutMs,
        limits.commandTimeoutMs,
      );
      const cmd =
        execOptions.interpreter === 'python3' ? ['python3', '-c', script] : ['/bin/sh', '-c', script];
      return client.exec(agent, {
        cmd,
        user: AGENT_USER,
        workdir: '/work',
        env: AGENT_ENV,
        ...(execOptions.stdin === undefined ? {} : { stdin: execOptions.stdin }),
        timeoutMs,
        outputBytes: limits.outputBytes,
      });
    }

    async function check(): Promise<string | null> {
      for (const [name, container] of serviceIds) {
        const state = (await client.inspectContainer(container))['State'] as { OOMKilled?: boolean };
        if (state.OOMKilled === true)
          return `service ${name} was OOM-killed (raise its memory or fix the challenge)`;
      }
      return null;
    }

    if (spec.setup !== undefined) {
      const setup = await exec(spec.setup).catch(async (error: unknown) => {
        await destroy().catch(() => undefined);
        throw error;
      });
      if (setup.exitCode !== 0) {
        await destroy().catch(() => undefined);
        throw new RedlineError(
          'E_SANDBOX',
          `sandbox setup failed (exit ${String(setup.exitCode)}, timed out ${setup.timedOut}): ${setup.stderr.trim().slice(-2000)}`,
        );
      }
    }

    return {
      id,
      workDir: '/work',
      startMs: performance.now() - startedAt,
      timings,
      capabilities: [...capabilities].sort(),
      get teardownMs() {
        return teardownMs;
      },
      exec,
      check,
      destroy,
    };
  }

  return { name: 'docker', create };
}
