/**
 * parseCompose: the subset of the Compose file format that public CTF benchmarks use, turned into the ServiceSpecs
 * of a docker sandbox. Pure: the caller reads the file.
 *
 * Mapped, one mapper a field (map-compose-*.ts): `image`, `command` (a string is split as compose splits it, never
 * run under a shell), `environment`, `expose`/`ports` (only the container port is kept: nothing is ever published
 * to the host), `healthcheck`, `depends_on`, `links`, `networks`, `cap_add` (ALLOWED_CAPABILITIES only), `user`;
 * `volumes` that are anonymous, or named and used by one service, are dropped (each episode starts from fresh
 * containers, so such a volume holds nothing the container's own filesystem would not). Network and service names
 * become DNS labels (lowercased, `_` -> `-`). An `external` network is the one a benchmark's agent joins (Cybench's
 * shared_net, NYU's ctfnet): it is the episode's `default` network, the agent's own; nothing on the host is ever
 * joined.
 *
 * Ignored: `version`, `name`, `x-*` keys, and the service fields in IGNORED_FIELDS. Everything else is a problem
 * naming the field; fields that weaken isolation or need host access (ISOLATION_FIELDS) say so.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { Problem } from '../errors.js';
import { ServiceSpec } from '../schema/suite.js';
import { compileValidator } from '../schema/validate.js';
import { countComposeVolumeUsers, declareComposeVolumes } from './check-compose-volumes.js';
import { ComposeContext, isRecord } from './compose-context.js';
import { composeNameToLabel } from './compose-name-to-label.js';
import { findDependencyCycle } from './find-dependency-cycle.js';
import { declareComposeNetworks } from './map-compose-networks.js';
import { mapComposeService } from './map-compose-service.js';

/** The build recipe of a service's image, from its `build:` (the context is relative to the compose file). */
export interface ComposeBuild {
  /** The image the build is tagged as (and the service runs). */
  image: string;
  /** Build context, a relative POSIX path from the compose file's folder. */
  context: string;
  /** Dockerfile path inside the context, when not "Dockerfile". */
  dockerfile?: string;
}

/** Options of {@link parseCompose}. */
export interface ParseComposeOptions {
  /**
   * Asks for the build recipes (`builds`) of services with `build:`, and names the image of a service that has
   * `build:` but no `image:`. Without it, `build:` beside `image:` is ignored and `build:` alone is a problem.
   */
  builtImageName?: (service: string) => string;
}

/** What parseCompose makes of a compose file. Run it only when `problems` is empty. */
export interface ParsedCompose {
  /** The services that map cleanly, by DNS-label name. */
  services: Record<string, ServiceSpec>;
  /** Every network of the file (DNS labels, sorted), "default" included when a service joins it. */
  networks: string[];
  problems: Problem[];
  /** Build recipes by service name (only with ParseComposeOptions.builtImageName). */
  builds: Record<string, ComposeBuild>;
  /**
   * Other names of services (lowercased `container_name`, `hostname`, network aliases, link aliases) -> service.
   * They do not resolve inside an episode: a caller may use them to find a service a task names.
   */
  aliases: Record<string, string>;
}

const serviceValidator = compileValidator(ServiceSpec);

/**
 * Parses a compose file into the services of a docker sandbox, with a problem (JSON pointer into the compose
 * document, line when known) for everything that cannot be mapped.
 *
 * @example
 *   const { services, problems } = parseCompose(readFileSync('docker-compose.yml', 'utf8'), 'docker-compose.yml');
 *   if (problems.length === 0) sample.sandbox = { backend: 'docker', files: {}, services };
 */
export function parseCompose(text: string, file: string, options: ParseComposeOptions = {}): ParsedCompose {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true });
  const result: ParsedCompose = { services: {}, networks: [], problems: [], builds: {}, aliases: {} };
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const line = error.linePos?.[0].line;
      result.problems.push({
        file,
        ...(line === undefined ? {} : { line }),
        pointer: '',
        message: `not valid YAML (${error.code}): fix the syntax of the compose file`,
      });
    }
    return result;
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch {
    result.problems.push({
      file,
      pointer: '',
      message: 'the YAML aliases expand too far: write the compose file without nested aliases',
    });
    return result;
  }
  readCompose(new ComposeContext(file, doc, lineCounter, result, options), root);
  return result;
}

/** Maps the whole document into ctx.out: declarations, then every service, then the checks across services. */
function readCompose(ctx: ComposeContext, root: unknown): void {
  if (!isRecord(root)) {
    ctx.problem([], 'a compose file is a mapping with `services`: give the services under `services:`');
    return;
  }
  for (const key of Object.keys(root)) {
    if (['services', 'networks', 'volumes', 'version', 'name'].includes(key) || key.startsWith('x-'))
      continue;
    ctx.problem(
      [key],
      `top-level \`${key}\` is not supported (it needs host files or settings): remove it, or put what it holds in the image`,
    );
  }
  declareComposeNetworks(ctx, root.networks);
  declareComposeVolumes(ctx, root.volumes);
  const services = root.services;
  if (!isRecord(services) || Object.keys(services).length === 0) {
    ctx.problem(
      services === undefined ? [] : ['services'],
      'the compose file defines no service: give at least one under `services:`',
    );
    return;
  }
  nameServices(ctx, services);
  const { out } = ctx;
  for (const [name, raw] of Object.entries(services)) {
    const label = ctx.services.get(name);
    if (label === undefined) continue;
    const spec = mapComposeService(ctx, name, label, raw);
    if (spec !== undefined) out.services[label] = spec;
  }
  for (const label of ctx.healthyNeeded) {
    const spec = out.services[label];
    // compose waits for the image's own HEALTHCHECK when the file gives none.
    if (spec !== undefined && spec.healthcheck === undefined) spec.healthcheck = { image: true };
  }
  const cycle = findDependencyCycle(out.services);
  if (cycle !== undefined) {
    const name = [...ctx.services].find(([, label]) => label === cycle[0])?.[0] ?? cycle[0] ?? '';
    ctx.problem(
      ['services', name, 'depends_on'],
      `the services depend on each other in a cycle (${cycle.join(' -> ')}): remove one of the dependencies`,
    );
  }
  for (const [name, label] of ctx.services) {
    const spec = out.services[label];
    if (spec === undefined) continue;
    for (const p of serviceValidator.problems(spec, { file: ctx.file })) {
      ctx.problem(['services', name], `as a Redline service, ${p.pointer || '/'}: ${p.message}`);
    }
  }
  const networks = new Set([...ctx.usedNetworks, ...ctx.networks.values()]);
  out.networks = [...networks].sort();
}

/** Gives every service its DNS label (ctx.services) and counts the named volumes each mounts. */
function nameServices(ctx: ComposeContext, services: Record<string, unknown>): void {
  const byLabel = new Map<string, string>();
  for (const [name, raw] of Object.entries(services)) {
    const label = composeNameToLabel(name);
    if (label === undefined) {
      ctx.problem(
        ['services', name],
        `service name "${name}" cannot be made a DNS label (lowercase letters, digits and "-", starting with a letter): rename the service`,
      );
      continue;
    }
    const other = byLabel.get(label);
    if (other !== undefined) {
      ctx.problem(['services', name], `services "${other}" and "${name}" both become "${label}": rename one`);
      continue;
    }
    byLabel.set(label, name);
    ctx.services.set(name, label);
    if (isRecord(raw)) countComposeVolumeUsers(ctx, raw.volumes);
  }
}
