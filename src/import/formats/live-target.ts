/**
 * The live targets of docker CTF challenges (Cybench, NYU CTF): a task's compose file (parseCompose) or Dockerfile
 * turned into the services of a docker sandbox, with the build contexts copied beside the suite and a recipe for
 * each built image, and the target service the agent attacks put on the agent's network.
 */
import { lstat, readFile, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatProblem } from '../../errors.js';
import { parseCompose, type ParsedCompose } from '../../sandbox/parse-compose.js';
import type { ImageBuild, ServiceSpec } from '../../schema/suite.js';
import { builtImageName } from './built-image-name.js';
import { chooseTargetService, type TargetHint } from './choose-target-service.js';
import { isInside, listChallengeFiles, type ChallengeFileStore, type SandboxReason } from './ctf-helpers.js';
import type { ImageTable } from './image-table.js';

/** Compose files larger than this are not read (a compose file is a few KiB). */
const MAX_COMPOSE_BYTES = 1024 * 1024;

/** Where the live target of one task is built from: its folder, its key and the import's stores. */
export interface LiveTargetTask {
  /** Task or sample key: names copies (`images/<key>/<service>`) and built images. */
  key: string;
  /** The task's folder: build contexts must lie inside it. */
  dir: string;
  store: ChallengeFileStore;
  images: ImageTable;
}

/** The services of a docker challenge and the address of the one the agent attacks. */
export interface LiveTarget {
  services: Record<string, ServiceSpec>;
  /** The target service's name, resolvable inside the episode. */
  host: string;
  port?: number;
}

/** A live target, or why the task cannot have one (it is then imported question-only). */
export type LiveTargetOutcome =
  | { target: LiveTarget }
  | { reason: Extract<SandboxReason, 'over-cap' | 'compose-unsupported'>; detail: string };

/**
 * The live target of a task with a compose file: its services (parseCompose), build contexts copied beside the
 * suite with a recipe each, and the target service chosen by `hint` (renamed to the hinted host when that is a DNS
 * label, so the name the task text uses resolves). The target joins the agent's network and, without a
 * healthcheck, is awaited on its port. Takes nothing when it fails.
 */
export async function composeLiveTarget(
  task: LiveTargetTask,
  composePath: string,
  composeName: string,
  hint: TargetHint,
): Promise<LiveTargetOutcome> {
  let text: string;
  try {
    const stats = await lstat(composePath);
    if (stats.size > MAX_COMPOSE_BYTES) return unsupported(`${composeName} is larger than 1 MiB`);
    text = (await readFile(composePath, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    return unsupported(`${composeName} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const parsed = parseCompose(text, composeName, { builtImageName: (s) => builtImageName(task.key, s) });
  if (parsed.problems.length > 0) return unsupported(parsed.problems.map(formatProblem).join('; '));
  const outcome = await takeBuildContexts(task, parsed, dirname(composePath), composeName);
  if (outcome !== undefined) {
    releaseLiveTarget(task);
    return outcome;
  }
  const chosen = chooseTargetService(parsed, hint);
  if (chosen === undefined) {
    releaseLiveTarget(task);
    const wanted = [hint.host, hint.port].filter((v) => v !== undefined).join(':');
    return unsupported(
      `${composeName}: the target ${wanted === '' ? '' : `${wanted} `}is none of its services (${Object.keys(parsed.services).join(', ')}) or ambiguous`,
    );
  }
  return { target: reachable(chosen.services, chosen.host, hint.port) };
}

/**
 * The live target of a task with a Dockerfile in `contextDir` (and no compose file): one service named `service`,
 * built from a copy of the folder, listening on `port`.
 */
export async function dockerfileLiveTarget(
  task: LiveTargetTask,
  contextDir: string,
  service: string,
  port: number | undefined,
): Promise<LiveTargetOutcome> {
  const files = await listChallengeFiles(contextDir, true);
  const dir = `images/${task.key}/${service}`;
  if (!task.store.takeDir(dir, files))
    return { reason: 'over-cap', detail: 'the build context is over the size cap' };
  const image = builtImageName(task.key, service);
  task.images.claim(image, { context: dir }, `${resolve(contextDir)}\0Dockerfile`, task.key);
  return { target: reachable({ [service]: { image } }, service, port) };
}

/** Gives back the build contexts and image recipes taken for a task that is imported question-only after all. */
export function releaseLiveTarget(task: LiveTargetTask): void {
  task.store.releaseDir(`images/${task.key}`);
  task.images.release(task.key);
}

function unsupported(detail: string): LiveTargetOutcome {
  return { reason: 'compose-unsupported', detail };
}

/** Copies the build context of every built service and records its recipe; an outcome only when that fails. */
async function takeBuildContexts(
  task: LiveTargetTask,
  parsed: ParsedCompose,
  composeDir: string,
  composeName: string,
): Promise<LiveTargetOutcome | undefined> {
  const realTaskDir = await realpath(task.dir).catch(() => resolve(task.dir));
  const copied = new Map<string, string>();
  for (const [service, build] of Object.entries(parsed.builds)) {
    const where = `${composeName}: services.${service}.build`;
    const real = await realpath(resolve(composeDir, build.context)).catch(() => undefined);
    if (real === undefined || (real !== realTaskDir && !isInside(realTaskDir, real)))
      return unsupported(`${where}: the context ${build.context} is not a folder inside the task`);
    const dockerfile = build.dockerfile ?? 'Dockerfile';
    let dir = copied.get(real);
    if (dir === undefined) {
      const files = await listChallengeFiles(real, true);
      if (!files.some((f) => f.name === dockerfile))
        return unsupported(`${where}: the context ${build.context} has no ${dockerfile}`);
      dir = `images/${task.key}/${service}`;
      if (!task.store.takeDir(dir, files))
        return { reason: 'over-cap', detail: `${where}: the build context is over the size cap` };
      copied.set(real, dir);
    }
    const recipe: ImageBuild = { context: dir, ...(build.dockerfile === undefined ? {} : { dockerfile }) };
    const identity = `${real}\0${dockerfile}`;
    if (task.images.claim(build.image, recipe, identity, task.key)) continue;
    // Another task builds an image of this name from other files: this one gets a name of its own.
    const image = builtImageName(task.key, service);
    task.images.claim(image, recipe, identity, task.key);
    for (const spec of Object.values(parsed.services)) if (spec.image === build.image) spec.image = image;
  }
  return undefined;
}

/** The services with the target on the agent's network ("default") and, when it has no healthcheck, awaited on its port. */
function reachable(
  services: Record<string, ServiceSpec>,
  host: string,
  port: number | undefined,
): LiveTarget {
  const spec = services[host];
  if (spec !== undefined) {
    const networks = spec.networks;
    if (networks !== undefined && !networks.includes('default')) spec.networks = ['default', ...networks];
    if (spec.healthcheck === undefined && port !== undefined) spec.healthcheck = { tcp: port };
    if (port !== undefined && spec.ports?.includes(port) !== true) spec.ports = [...(spec.ports ?? []), port];
  }
  return { services, host, ...(port === undefined ? {} : { port }) };
}

/** The input of a docker CTF sample: the task text, the target's address, and any files in the work directory. */
export function liveTargetInput(
  parts: readonly string[],
  target: LiveTarget,
  fileNames: readonly string[],
  originalName?: string,
): string {
  const address = target.port === undefined ? target.host : `${target.host}:${target.port}`;
  const called =
    originalName !== undefined && originalName !== address && originalName !== target.host
      ? ` (originally ${originalName})`
      : '';
  const lines = [`The target server is reachable from your machine at ${address}${called}.`];
  if (fileNames.length > 0)
    lines.push(`The challenge files are in your working directory: ${fileNames.join(', ')}.`);
  return [...parts.map((p) => p.trim()).filter((p) => p !== ''), ...lines].join('\n\n');
}
