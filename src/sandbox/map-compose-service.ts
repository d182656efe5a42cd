/**
 * mapComposeService: one compose service as a ServiceSpec. `image`, `command` (a string is split as compose splits
 * it, never run under a shell), `environment`, `expose`/`ports`, `healthcheck`, `depends_on`, `links`, `networks`,
 * `cap_add` (ALLOWED_CAPABILITIES only), `user`, `build` and `volumes` are mapped by their own mappers; the fields
 * in IGNORED_FIELDS are dropped; everything else is a problem naming the field, and fields that weaken isolation or
 * need host access (ISOLATION_FIELDS) say so.
 */
import { ALLOWED_CAPABILITIES, type Capability, type ServiceSpec } from '../schema/suite.js';
import { checkComposeVolumes } from './check-compose-volumes.js';
import { isRecord, type ComposeContext, type ComposePath } from './compose-context.js';
import { mapComposeBuild } from './map-compose-build.js';
import { mapComposeDependsOn, mapComposeLinks } from './map-compose-depends-on.js';
import { mapComposeEnvironment } from './map-compose-environment.js';
import { mapComposeHealthcheck } from './map-compose-healthcheck.js';
import { mapComposeNetworks } from './map-compose-networks.js';
import { mapComposePorts } from './map-compose-ports.js';
import { splitCommand } from './split-command.js';

/** Service fields dropped without a problem: they name, label or restart containers, or only drop privileges. */
const IGNORED_FIELDS = new Set([
  'container_name',
  'hostname',
  'restart',
  'labels',
  'logging',
  'platform',
  'pull_policy',
  'stdin_open',
  'tty',
  'cap_drop',
  'stop_signal',
  'stop_grace_period',
]);

/** Service fields that weaken the isolation of an episode or need the host: always refused. */
const ISOLATION_FIELDS = new Set([
  'privileged',
  'network_mode',
  'pid',
  'ipc',
  'uts',
  'userns_mode',
  'cgroup',
  'cgroup_parent',
  'devices',
  'device_cgroup_rules',
  'gpus',
  'security_opt',
  'sysctls',
  'extra_hosts',
  'external_links',
  'dns',
  'dns_search',
  'dns_opt',
  'runtime',
  'isolation',
  'volumes_from',
  'env_file',
  'secrets',
  'configs',
]);

const allowedCapabilities: ReadonlySet<string> = new Set(ALLOWED_CAPABILITIES);

/** The spec of service `name` (DNS label `label`), or undefined when it has no image to run. */
export function mapComposeService(
  ctx: ComposeContext,
  name: string,
  label: string,
  raw: unknown,
): ServiceSpec | undefined {
  const path = ['services', name];
  if (!isRecord(raw)) {
    ctx.problem(path, 'a service must be a mapping with at least `image`');
    return undefined;
  }
  let image: string | undefined;
  const spec: Omit<ServiceSpec, 'image'> = {};
  const dependsOn: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const at = [...path, key];
    switch (key) {
      case 'image': {
        const text = ctx.text(value, at);
        if (text === undefined) break;
        if (text.trim() === '' || /\s/.test(text)) ctx.problem(at, '`image` must be an image reference');
        else image = text;
        break;
      }
      case 'build':
        break;
      case 'command': {
        const command = mapCommand(ctx, value, at);
        if (command !== undefined) spec.command = command;
        break;
      }
      case 'entrypoint':
        ctx.problem(
          at,
          "`entrypoint` cannot be mapped (Redline runs the image's own entrypoint and cannot know it here): set ENTRYPOINT in the image's Dockerfile, or move the program into `command` when the image has no entrypoint",
        );
        break;
      case 'environment': {
        const env = mapComposeEnvironment(ctx, value, at);
        if (env !== undefined && Object.keys(env).length > 0) spec.env = env;
        break;
      }
      case 'expose':
      case 'ports': {
        const ports = mapComposePorts(ctx, value, at);
        if (ports.length > 0) spec.ports = [...new Set([...(spec.ports ?? []), ...ports])];
        break;
      }
      case 'healthcheck': {
        const healthcheck = mapComposeHealthcheck(ctx, value, at);
        if (healthcheck !== undefined) spec.healthcheck = healthcheck;
        break;
      }
      case 'depends_on':
        dependsOn.push(...mapComposeDependsOn(ctx, value, at));
        break;
      case 'links':
        dependsOn.push(...mapComposeLinks(ctx, value, at));
        break;
      case 'networks': {
        const networks = mapComposeNetworks(ctx, value, at, label);
        if (networks !== undefined) spec.networks = networks;
        break;
      }
      case 'cap_add': {
        const capabilities = mapCapabilities(ctx, value, at);
        if (capabilities.length > 0) spec.capabilities = capabilities;
        break;
      }
      case 'user': {
        const user = ctx.text(value, at);
        if (user !== undefined && user !== '') spec.user = user;
        break;
      }
      case 'volumes':
        checkComposeVolumes(ctx, value, at);
        break;
      case 'container_name':
      case 'hostname':
        if (typeof value === 'string') ctx.alias(value, label);
        break;
      default:
        if (key.startsWith('x-') || IGNORED_FIELDS.has(key)) break;
        ctx.problem(
          at,
          ISOLATION_FIELDS.has(key)
            ? `\`${key}\` is refused: it weakens the isolation of the episode or needs host access; remove it (or change the image so that it is not needed)`
            : `\`${key}\` is not supported by Redline's compose subset: remove it, or do what it does in the image's Dockerfile`,
        );
    }
  }
  if (raw.build !== undefined) image = mapComposeBuild(ctx, raw.build, [...path, 'build'], label, image);
  if (image === undefined) {
    if (raw.build === undefined && raw.image === undefined)
      ctx.problem(path, 'the service has neither `image` nor `build`: give the image to run in `image`');
    return undefined;
  }
  if (dependsOn.length > 0) spec.dependsOn = [...new Set(dependsOn)];
  // Key order of the written suite: image first, as in the schema.
  return { image, ...spec };
}

/** `command` as words: a string split by splitCommand, or a list of strings. */
function mapCommand(ctx: ComposeContext, value: unknown, at: ComposePath): string[] | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') {
    const text = ctx.text(value, at);
    if (text === undefined) return undefined;
    const words = splitCommand(text);
    if (words === undefined || words.length === 0) {
      ctx.problem(at, '`command` must be a non-empty command line with balanced quotes');
      return undefined;
    }
    return words;
  }
  if (!Array.isArray(value) || value.length === 0) {
    ctx.problem(at, '`command` must be a string or a non-empty list of strings');
    return undefined;
  }
  const words = value.map((w, i) => ctx.text(w, [...at, i]));
  return words.every((w): w is string => w !== undefined) ? words : undefined;
}

/** `cap_add` as the allowed capabilities (names upper-cased, without `CAP_`); a problem for each other one. */
function mapCapabilities(ctx: ComposeContext, value: unknown, at: ComposePath): Capability[] {
  if (!Array.isArray(value)) {
    ctx.problem(at, '`cap_add` must be a list of capability names');
    return [];
  }
  const found: Capability[] = [];
  for (const [i, raw] of value.entries()) {
    const name = typeof raw === 'string' ? raw.toUpperCase().replace(/^CAP_/, '') : String(raw);
    if (allowedCapabilities.has(name)) found.push(name as Capability);
    else
      ctx.problem(
        [...at, i],
        `capability ${name} is refused (it reaches the host kernel or is unknown); allowed: ${ALLOWED_CAPABILITIES.join(', ')}. Remove it`,
      );
  }
  return [...new Set(found)];
}
