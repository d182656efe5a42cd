/**
 * A small client of the Docker Engine API over its unix socket (node:http, no dependency, no CLI processes): the
 * calls the docker sandbox backend and `redline images` need. Runs on whichever thread owns the sandbox.
 *
 * Why the API and not the `docker` CLI: one exec is two HTTP requests instead of a process (tens of ms each on two
 * cores), output arrives as a stream we can cap, and the client binary's version never has to match the engine's.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedlineError } from '../../src/errors.js';
import { createStreamDemuxer } from './demux-stream.js';
import { killProcessTree } from './kill-process-tree.js';
import type { ExecResult } from '../sandbox/sandbox-backend.js';

// Docker Engine 20.10 (Debian bookworm's docker.io) speaks 1.41; newer engines still accept it.
const API = '/v1.41';
const DEFAULT_SOCKET = '/var/run/docker.sock';

/** The socket path of the engine: DOCKER_HOST (unix:// only) or /var/run/docker.sock. */
export function dockerSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const host = env['DOCKER_HOST'];
  if (host === undefined || host === '') return DEFAULT_SOCKET;
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  throw new RedlineError(
    'E_USAGE',
    `DOCKER_HOST=${host}: only unix:// sockets are supported (Redline kills timed-out commands by their host ` +
      'process id, so the engine must run on this host); unset DOCKER_HOST or point it at unix:///path/docker.sock',
  );
}

/** What one exec returned: the sandbox interface's result of a command. */
export type DockerExecResult = ExecResult;

/** One command to run in a running container. */
export interface DockerExecSpec {
  cmd: string[];
  user?: string;
  workdir?: string;
  env?: string[];
  stdin?: string;
  timeoutMs: number;
  /** Bytes kept per stream; the rest is read and dropped. */
  outputBytes: number;
}

/** The fields of an image inspect Redline uses. */
export interface ImageInfo {
  id: string;
  repoDigests: string[];
  repoTags: string[];
  hasHealthcheck: boolean;
}

/** Label filters: `{key: value}` matches label key=value, `{key: true}` any value. */
export type LabelFilter = Record<string, string | true>;

/** A labelled object found by a list call. */
export interface LabelledObject {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** An HTTP status the engine answered with, and its message. */
export class DockerApiError extends RedlineError {
  readonly status: number;
  constructor(status: number, what: string, message: string) {
    super('E_SANDBOX', `docker engine: ${what}: ${message} (HTTP ${status})`);
    this.status = status;
  }
}

/** The Engine API calls of Redline. */
export interface DockerClient {
  readonly socketPath: string;
  /** E_STATE with what to do when the engine is not reachable. */
  ping(): Promise<void>;
  /** The engine's OCI runtimes and version. */
  info(): Promise<{ runtimes: string[]; serverVersion: string }>;
  /** The image, or null when the engine does not have it. */
  inspectImage(reference: string): Promise<ImageInfo | null>;
  createNetwork(body: Record<string, unknown>): Promise<string>;
  connectNetwork(network: string, container: string, aliases: string[]): Promise<void>;
  removeNetwork(id: string): Promise<void>;
  createContainer(name: string, body: Record<string, unknown>): Promise<string>;
  /** Extracts a tar archive at `path` in the container (created or running). */
  putArchive(container: string, path: string, tar: Buffer): Promise<void>;
  startContainer(id: string): Promise<void>;
  /** The raw inspect object (State, Config ...). */
  inspectContainer(id: string): Promise<Record<string, unknown>>;
  /** Kills and removes a container with its anonymous volumes; a missing one is not an error. */
  removeContainer(id: string): Promise<void>;
  exec(container: string, spec: DockerExecSpec): Promise<DockerExecResult>;
  listContainers(labels: LabelFilter): Promise<LabelledObject[]>;
  listNetworks(labels: LabelFilter): Promise<LabelledObject[]>;
  listVolumes(labels: LabelFilter): Promise<LabelledObject[]>;
  removeVolume(name: string): Promise<void>;
  /** Streams `docker save` of `references` (one tar) into `out`. */
  saveImages(references: string[], out: Writable): Promise<void>;
  /** Loads a `docker save` tar; returns the engine's progress lines. */
  loadImages(input: Readable): Promise<string[]>;
  /** Builds an image from a tar build context; returns the engine's output lines. E_SANDBOX on a build error. */
  buildImage(tag: string, context: Buffer, dockerfile?: string): Promise<string[]>;
  /** Removes an image by reference (forced, even if a stopped container uses it); a missing one is fine. */
  removeImage(reference: string): Promise<void>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

interface RawResponse {
  status: number;
  body: Buffer;
}

/**
 * A client of the engine at `socketPath` (default: from DOCKER_HOST).
 *
 * @example
 * const docker = createDockerClient();
 * await docker.ping();
 * const image = await docker.inspectImage('redline-ctf-live/base:1');
 */
export function createDockerClient(options: { socketPath?: string } = {}): DockerClient {
  const socketPath = options.socketPath ?? dockerSocketPath();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  function unreachable(error: NodeJS.ErrnoException): RedlineError {
    return new RedlineError(
      'E_STATE',
      `docker engine not reachable at ${socketPath} (${error.code ?? error.message}): start it (dockerd; see ` +
        'docs/live-targets.md) or set DOCKER_HOST=unix:///path/to/docker.sock',
    );
  }

  function send(
    method: string,
    path: string,
    body?: Buffer | Readable,
    headers: Record<string, string> = {},
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath, agent, method, path: API + path, headers }, resolve);
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'EACCES'
            ? unreachable(error)
            : new RedlineError('E_SANDBOX', `docker engine: ${method} ${path}: ${error.message}`),
        ),
      );
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else body.pipe(req);
    });
  }

  async function call(
    method: string,
    path: string,
    json?: unknown,
    extra: { body?: Buffer; contentType?: string } = {},
  ): Promise<RawResponse> {
    const body = json === undefined ? extra.body : Buffer.from(JSON.stringify(json));
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers['Content-Type'] = extra.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const res = await send(method, path, body, headers);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode ?? 0, body: Buffer.concat(chunks) };
  }

  function fail(response: RawResponse, what: string): never {
    let message = response.body.toString('utf8').trim();
    try {
      const parsed = JSON.parse(message) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not JSON: keep the text.
    }
    throw new DockerApiError(response.status, what, message.slice(0, 500));
  }

  async function expectJson(
    method: string,
    path: string,
    what: string,
    json?: unknown,
  ): Promise<Record<string, unknown>> {
    const response = await call(method, path, json);
    if (response.status >= 300) fail(response, what);
    return response.body.length === 0
      ? {}
      : (JSON.parse(response.body.toString('utf8')) as Record<string, unknown>);
  }

  async function expectOk(
    method: string,
    path: string,
    what: string,
    json?: unknown,
    okStatuses: number[] = [],
  ): Promise<void> {
    const response = await call(method, path, json);
    if (response.status >= 300 && !okStatuses.includes(response.status)) fail(response, what);
  }

  function filterQuery(labels: LabelFilter): string {
    const label = Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
    return encodeURIComponent(JSON.stringify({ label }));
  }

  async function list(path: string, labels: LabelFilter, what: string): Promise<unknown[]> {
    const response = await call(
      'GET',
      `${path}${path.includes('?') ? '&' : '?'}filters=${filterQuery(labels)}`,
    );
    if (response.status >= 300) fail(response, what);
    return JSON.parse(response.body.toString('utf8')) as unknown[];
  }

  /** Reads a JSON-lines progress stream (build, load); an `error` line fails it. */
  async function readProgress(res: IncomingMessage, what: string): Promise<string[]> {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if ((res.statusCode ?? 0) >= 300) fail({ status: res.statusCode ?? 0, body: Buffer.from(text) }, what);
    const lines: string[] = [];
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      let item: { stream?: unknown; status?: unknown; error?: unknown; errorDetail?: { message?: unknown } };
      try {
        item = JSON.parse(raw) as typeof item;
      } catch {
        lines.push(raw);
        continue;
      }
      if (item.error !== undefined) {
        throw new RedlineError(
          'E_SANDBOX',
          `docker engine: ${what}: ${(typeof item.error === 'string' ? item.error : JSON.stringify(item.error)).trim()}`,
          {
            details: { output: lines },
          },
        );
      }
      const line =
        typeof item.stream === 'string' ? item.stream : typeof item.status === 'string' ? item.status : '';
      if (line.trim() !== '') lines.push(line.trimEnd());
    }
    return lines;
  }

  async function exec(container: string, spec: DockerExecSpec): Promise<DockerExecResult> {
    const startedAt = performance.now();
    const hasStdin = spec.stdin !== undefined;
    const created = await expectJson('POST', `/containers/${container}/exec`, 'exec create', {
      Cmd: spec.cmd,
      AttachStdin: hasStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      ...(spec.user === undefined ? {} : { User: spec.user }),
      ...(spec.workdir === undefined ? {} : { WorkingDir: spec.workdir }),
      ...(spec.env === undefined ? {} : { Env: spec.env }),
    });
    const execId = String(created['Id']);
    const demux = createStreamDemuxer(spec.outputBytes);
    let timedOut = false;
    const stream = await new Promise<Socket | IncomingMessage>((resolve, reject) => {
      const body = Buffer.from(JSON.stringify({ Detach: false, Tty: false }));
      // Upgrade hijacks the connection: the process's output then arrives on the raw socket, and half-closing
      // our side ends its standard input.
      const req = request(
        {
          socketPath,
          method: 'POST',
          path: `${API}/exec/${execId}/start`,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': String(body.length),
            Connection: 'Upgrade',
            Upgrade: 'tcp',
          },
        },
        (res) => {
          if ((res.statusCode ?? 0) >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              try {
                fail({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }, 'exec start');
              } catch (error) {
                reject(error instanceof Error ? error : new Error(String(error)));
              }
            });
            return;
          }
          resolve(res);
        },
      );
      req.on('upgrade', (_res, socket, head) => {
        if (head.length > 0) demux.push(head);
        if (hasStdin) socket.write(spec.stdin ?? '');
        socket.end();
        resolve(socket);
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? unreachable(error) : error),
      );
      req.end(body);
    });
    const ended = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => demux.push(chunk));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), spec.timeoutMs);
    });
    // A background child (`server &`) keeps the output open after the command itself exited: watch the process,
    // and once it is gone take what arrived and close the stream, instead of waiting for the timeout.
    let isSettled = false;
    const exited = (async (): Promise<'exited'> => {
      let delayMs = 50;
      for (;;) {
        await sleep(delayMs);
        if (isSettled) return 'exited';
        delayMs = Math.min(delayMs * 2, 1_000);
        const state = await expectJson('GET', `/exec/${execId}/json`, 'exec inspect').catch(() => undefined);
        if (state !== undefined && state['Running'] === false) {
          await Promise.race([ended, sleep(100)]);
          return 'exited';
        }
      }
    })();
    const first = await Promise.race([ended.then(() => 'ended' as const), timeout, exited]);
    isSettled = true;
    if (first === 'exited') stream.destroy();
    if (first === 'timeout') {
      timedOut = true;
      // The exec's process is a host process (same kernel): kill it and everything it started. A child that
      // detached itself (setsid, double fork) is a background process of the container and keeps running.
      const inspected = await expectJson('GET', `/exec/${execId}/json`, 'exec inspect');
      const pid = Number(inspected['Pid']);
      if (Number.isSafeInteger(pid) && pid > 1) await killProcessTree(pid);
      await Promise.race([ended, sleep(250)]);
      stream.destroy();
    }
    clearTimeout(timer);
    const inspected = await expectJson('GET', `/exec/${execId}/json`, 'exec inspect');
    const code = inspected['Running'] === true ? null : Number(inspected['ExitCode']);
    const output = demux.finish();
    return {
      stdout: output.stdout,
      stderr: output.stderr,
      exitCode: timedOut ? null : code,
      signal: timedOut
        ? 'SIGKILL'
        : code !== null && code > 128 && code < 160
          ? signalName(code - 128)
          : null,
      timedOut,
      durationMs: performance.now() - startedAt,
      truncated: output.truncated,
    };
  }

  return {
    socketPath,
    async ping() {
      const response = await call('GET', '/_ping');
      if (response.status !== 200) fail(response, 'ping');
    },
    async info() {
      const info = await expectJson('GET', '/info', 'info');
      const runtimes = Object.keys(info['Runtimes'] ?? {});
      return {
        runtimes,
        serverVersion: typeof info['ServerVersion'] === 'string' ? info['ServerVersion'] : '',
      };
    },
    async inspectImage(reference) {
      const response = await call('GET', `/images/${encodeURIComponent(reference)}/json`);
      if (response.status === 404) return null;
      if (response.status >= 300) fail(response, `image ${reference}`);
      const image = JSON.parse(response.body.toString('utf8')) as {
        Id: string;
        RepoDigests?: string[] | null;
        RepoTags?: string[] | null;
        Config?: { Healthcheck?: { Test?: string[] } | null } | null;
      };
      const test = image.Config?.Healthcheck?.Test;
      return {
        id: image.Id,
        repoDigests: image.RepoDigests ?? [],
        repoTags: image.RepoTags ?? [],
        hasHealthcheck: Array.isArray(test) && test.length > 0 && test[0] !== 'NONE',
      };
    },
    async createNetwork(body) {
      const created = await expectJson('POST', '/networks/create', 'network create', body);
      return String(created['Id']);
    },
    async connectNetwork(network, container, aliases) {
      await expectOk('POST', `/networks/${network}/connect`, 'network connect', {
        Container: container,
        EndpointConfig: { Aliases: aliases },
      });
    },
    async removeNetwork(id) {
      // 403 "active endpoints": a container being removed elsewhere still holds it for a moment.
      for (let attempt = 1; ; attempt++) {
        const response = await call('DELETE', `/networks/${id}`);
        if (response.status < 300 || response.status === 404) return;
        if (response.status !== 403 || attempt >= 10) fail(response, 'network remove');
        await sleep(100 * attempt);
      }
    },
    async createContainer(name, body) {
      const created = await expectJson(
        'POST',
        `/containers/create?name=${encodeURIComponent(name)}`,
        'container create',
        body,
      );
      return String(created['Id']);
    },
    async putArchive(container, path, tar) {
      const response = await call(
        'PUT',
        `/containers/${container}/archive?path=${encodeURIComponent(path)}`,
        undefined,
        {
          body: tar,
          contentType: 'application/x-tar',
        },
      );
      if (response.status >= 300) fail(response, 'copy files into container');
    },
    async startContainer(id) {
      await expectOk('POST', `/containers/${id}/start`, 'container start', undefined, [304]);
    },
    inspectContainer: (id) => expectJson('GET', `/containers/${id}/json`, 'container inspect'),
    async removeContainer(id) {
      const response = await call('DELETE', `/containers/${id}?force=true&v=true`);
      if (response.status < 300 || response.status === 404) return;
      if (response.status !== 409) fail(response, 'container remove');
      // 409: another caller is removing it already; done when that removal is.
      const waited = await call('POST', `/containers/${id}/wait?condition=removed`);
      if (waited.status >= 300 && waited.status !== 404) fail(waited, 'container remove (wait)');
    },
    exec,
    async listContainers(labels) {
      const items = (await list('/containers/json?all=true', labels, 'container list')) as Array<{
        Id: string;
        Names?: string[];
        Labels?: Record<string, string>;
      }>;
      return items.map((c) => ({
        id: c.Id,
        name: (c.Names?.[0] ?? '').replace(/^\//, ''),
        labels: c.Labels ?? {},
      }));
    },
    async listNetworks(labels) {
      const items = (await list('/networks', labels, 'network list')) as Array<{
        Id: string;
        Name: string;
        Labels?: Record<string, string>;
      }>;
      return items.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
    },
    async listVolumes(labels) {
      const response = await call('GET', `/volumes?filters=${filterQuery(labels)}`);
      if (response.status >= 300) fail(response, 'volume list');
      const body = JSON.parse(response.body.toString('utf8')) as {
        Volumes?: Array<{ Name: string; Labels?: Record<string, string> | null }> | null;
      };
      return (body.Volumes ?? []).map((v) => ({ id: v.Name, name: v.Name, labels: v.Labels ?? {} }));
    },
    async removeVolume(name) {
      await expectOk(
        'DELETE',
        `/volumes/${encodeURIComponent(name)}?force=true`,
        'volume remove',
        undefined,
        [404],
      );
    },
    async saveImages(references, out) {
      const query = references.map((r) => `names=${encodeURIComponent(r)}`).join('&');
      const res = await send('GET', `/images/get?${query}`);
      if ((res.statusCode ?? 0) >= 300) {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        fail({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }, 'image save');
      }
      await pipeline(res, out);
    },
    async loadImages(input) {
      const res = await send('POST', '/images/load?quiet=1', input, { 'Content-Type': 'application/x-tar' });
      return readProgress(res, 'image load');
    },
    async buildImage(tag, context, dockerfile) {
      const query = `t=${encodeURIComponent(tag)}&rm=1&forcerm=1&networkmode=none${
        dockerfile === undefined ? '' : `&dockerfile=${encodeURIComponent(dockerfile)}`
      }`;
      const res = await send('POST', `/build?${query}`, context, {
        'Content-Type': 'application/x-tar',
        'Content-Length': String(context.length),
      });
      return readProgress(res, `build ${tag}`);
    },
    async removeImage(reference) {
      await expectOk(
        'DELETE',
        `/images/${encodeURIComponent(reference)}?force=1`,
        'image remove',
        undefined,
        [404],
      );
    },
    close: () => agent.destroy(),
  };
}

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  6: 'SIGABRT',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};

/** A signal's name from its number (exec exit codes above 128 are 128 + the signal). */
function signalName(signal: number): string {
  return SIGNALS[signal] ?? `SIG${signal}`;
}
