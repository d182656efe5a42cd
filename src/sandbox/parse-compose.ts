/**
 * parseCompose: the subset of the Compose file format that public CTF benchmarks use, turned into the ServiceSpecs
 * of a docker sandbox. Pure: the caller reads the file.
 *
 * Mapped: `image`, `command` (a string is split as compose splits it, never run under a shell), `environment`,
 * `expose`/`ports` (only the container port is kept: nothing is ever published to the host), `healthcheck`,
 * `depends_on`, `links`, `networks`, `cap_add` (ALLOWED_CAPABILITIES only), `user`; `volumes` that are anonymous, or
 * named and used by one service, are dropped (each episode starts from fresh containers, so such a volume holds
 * nothing the container's own filesystem would not). Network and service names become DNS labels (lowercased, `_`
 * -> `-`). An `external` network is the one a benchmark's agent joins (Cybench's shared_net, NYU's ctfnet): it is
 * the episode's `default` network, the agent's own; nothing on the host is ever joined.
 *
 * Ignored: `version`, `name`, `x-*` keys, and the service fields in IGNORED_FIELDS. Everything else is a problem
 * naming the field; fields that weaken isolation or need host access (ISOLATION_FIELDS) say so.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Problem } from '../errors.js';
import {
  ALLOWED_CAPABILITIES,
  ServiceSpec,
  type Capability,
  type ServiceHealthcheck,
} from '../schema/suite.js';
import { compileValidator, escapePointer } from '../schema/validate.js';

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

/** A DNS label, the form of service and network names inside an episode. */
const DNS_LABEL = /^[a-z][a-z0-9-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Most ports one `a-b` range may expand to. */
const MAX_PORT_RANGE = 100;
/** Compose's healthcheck defaults, in seconds. */
const HEALTH_DEFAULTS = { interval: 30, timeout: 30, retries: 3, startPeriod: 0 };
const MAX_HEALTH_TIMEOUT_S = 600;

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

const serviceValidator = compileValidator(ServiceSpec);
const allowedCapabilities: ReadonlySet<string> = new Set(ALLOWED_CAPABILITIES);

type Path = ReadonlyArray<string | number>;

/** A compose name as a DNS label (lowercased, `_` -> `-`), or undefined when that is not one. */
export function composeNameToLabel(name: string): string | undefined {
  const label = name.toLowerCase().replaceAll('_', '-');
  return DNS_LABEL.test(label) ? label : undefined;
}

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
  new ComposeReader(file, doc, lineCounter, result, options).read(root);
  return result;
}

class ComposeReader {
  readonly #file: string;
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #out: ParsedCompose;
  readonly #options: ParseComposeOptions;
  /** Compose network name -> label ("default" for external networks). */
  readonly #networks = new Map<string, string>();
  /** Compose service name -> label. */
  readonly #services = new Map<string, string>();
  /** Named volume -> how many services mount it. */
  readonly #volumeUsers = new Map<string, number>();
  /** Services another one waits on with `condition: service_healthy`. */
  readonly #healthyNeeded = new Set<string>();
  readonly #usedNetworks = new Set<string>();

  constructor(
    file: string,
    doc: Document,
    lines: LineCounter,
    out: ParsedCompose,
    options: ParseComposeOptions,
  ) {
    this.#file = file;
    this.#doc = doc;
    this.#lines = lines;
    this.#out = out;
    this.#options = options;
  }

  read(root: unknown): void {
    if (!isRecord(root)) {
      this.#problem([], 'a compose file is a mapping with `services`: give the services under `services:`');
      return;
    }
    for (const key of Object.keys(root)) {
      if (['services', 'networks', 'volumes', 'version', 'name'].includes(key) || key.startsWith('x-'))
        continue;
      this.#problem(
        [key],
        `top-level \`${key}\` is not supported (it needs host files or settings): remove it, or put what it holds in the image`,
      );
    }
    this.#readNetworkDeclarations(root.networks);
    this.#readVolumeDeclarations(root.volumes);
    const services = root.services;
    if (!isRecord(services) || Object.keys(services).length === 0) {
      this.#problem(
        services === undefined ? [] : ['services'],
        'the compose file defines no service: give at least one under `services:`',
      );
      return;
    }
    this.#nameServices(services);
    for (const [name, raw] of Object.entries(services)) {
      const label = this.#services.get(name);
      if (label === undefined) continue;
      const spec = this.#readService(name, label, raw);
      if (spec !== undefined) this.#out.services[label] = spec;
    }
    for (const label of this.#healthyNeeded) {
      const spec = this.#out.services[label];
      // compose waits for the image's own HEALTHCHECK when the file gives none.
      if (spec !== undefined && spec.healthcheck === undefined) spec.healthcheck = { image: true };
    }
    const cycle = findCycle(this.#out.services);
    if (cycle !== undefined) {
      const name = [...this.#services].find(([, label]) => label === cycle[0])?.[0] ?? cycle[0] ?? '';
      this.#problem(
        ['services', name, 'depends_on'],
        `the services depend on each other in a cycle (${cycle.join(' -> ')}): remove one of the dependencies`,
      );
    }
    for (const [name, label] of this.#services) {
      const spec = this.#out.services[label];
      if (spec === undefined) continue;
      for (const p of serviceValidator.problems(spec, { file: this.#file })) {
        this.#problem(['services', name], `as a Redline service, ${p.pointer || '/'}: ${p.message}`);
      }
    }
    const networks = new Set([...this.#usedNetworks, ...this.#networks.values()]);
    this.#out.networks = [...networks].sort();
  }

  #problem(path: Path, message: string): void {
    const line = this.#lineOf(path);
    this.#out.problems.push({
      file: this.#file,
      ...(line === undefined ? {} : { line }),
      pointer: path.map((s) => `/${escapePointer(String(s))}`).join(''),
      message,
    });
  }

  /** The line of the deepest node of `path` found in the document (a map entry's key line). */
  #lineOf(path: Path): number | undefined {
    let node: unknown = this.#doc.contents;
    let offset: number | undefined = isNodeWithRange(node) ? node.range[0] : undefined;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.#doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) break;
        if (isNodeWithRange(pair.key)) offset = pair.key.range[0];
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (item === undefined) break;
        if (isNodeWithRange(item)) offset = item.range[0];
        node = item;
      } else break;
    }
    return offset === undefined ? undefined : this.#lines.linePos(offset).line;
  }

  #readNetworkDeclarations(raw: unknown): void {
    if (raw === undefined || raw === null) return;
    if (!isRecord(raw)) {
      this.#problem(['networks'], 'top-level `networks` must be a mapping of network names');
      return;
    }
    const byLabel = new Map<string, string>();
    for (const [name, config] of Object.entries(raw)) {
      const path = ['networks', name];
      let isExternal = false;
      if (config !== null && !isRecord(config)) {
        this.#problem(path, 'a network declaration must be a mapping (or empty)');
        continue;
      }
      for (const [key, value] of Object.entries(config ?? {})) {
        if (key === 'external') isExternal = value === true || isRecord(value);
        else if (key === 'driver') {
          if (value !== 'bridge' && value !== 'overlay')
            this.#problem(
              [...path, key],
              `network driver ${JSON.stringify(value)} is refused (it reaches the host's network): remove \`driver\``,
            );
        } else if (
          !['name', 'internal', 'attachable', 'labels', 'enable_ipv6'].includes(key) &&
          !key.startsWith('x-')
        )
          this.#problem(
            [...path, key],
            `network \`${key}\` is not supported (every episode network is private and addressed by the engine): remove it`,
          );
      }
      if (isExternal || name === 'default') {
        this.#networks.set(name, 'default');
        continue;
      }
      const label = composeNameToLabel(name);
      if (label === undefined || label === 'default') {
        this.#problem(
          path,
          `network name "${name}" cannot be made a DNS label (lowercase letters, digits and "-", starting with a letter): rename it`,
        );
        continue;
      }
      const other = byLabel.get(label);
      if (other !== undefined) {
        this.#problem(path, `networks "${other}" and "${name}" both become "${label}": rename one of them`);
        continue;
      }
      byLabel.set(label, name);
      this.#networks.set(name, label);
    }
  }

  #readVolumeDeclarations(raw: unknown): void {
    if (raw === undefined || raw === null) return;
    if (!isRecord(raw)) {
      this.#problem(['volumes'], 'top-level `volumes` must be a mapping of volume names');
      return;
    }
    for (const [name, config] of Object.entries(raw)) {
      if (config === null || config === undefined) continue;
      if (!isRecord(config)) {
        this.#problem(['volumes', name], 'a volume declaration must be a mapping (or empty)');
        continue;
      }
      for (const key of Object.keys(config)) {
        if (['name', 'labels'].includes(key) || key.startsWith('x-')) continue;
        if (key === 'driver' && config.driver === 'local') continue;
        this.#problem(
          ['volumes', name, key],
          `volume \`${key}\` is refused (it can reach host paths or host volumes): remove it`,
        );
      }
    }
  }

  #nameServices(services: Record<string, unknown>): void {
    const byLabel = new Map<string, string>();
    for (const [name, raw] of Object.entries(services)) {
      const label = composeNameToLabel(name);
      if (label === undefined) {
        this.#problem(
          ['services', name],
          `service name "${name}" cannot be made a DNS label (lowercase letters, digits and "-", starting with a letter): rename the service`,
        );
        continue;
      }
      const other = byLabel.get(label);
      if (other !== undefined) {
        this.#problem(
          ['services', name],
          `services "${other}" and "${name}" both become "${label}": rename one`,
        );
        continue;
      }
      byLabel.set(label, name);
      this.#services.set(name, label);
      if (!isRecord(raw) || !Array.isArray(raw.volumes)) continue;
      for (const volume of raw.volumes) {
        const source = namedVolumeSource(volume);
        if (source !== undefined) this.#volumeUsers.set(source, (this.#volumeUsers.get(source) ?? 0) + 1);
      }
    }
  }

  #readService(name: string, label: string, raw: unknown): ServiceSpec | undefined {
    const path = ['services', name];
    if (!isRecord(raw)) {
      this.#problem(path, 'a service must be a mapping with at least `image`');
      return undefined;
    }
    let image: string | undefined;
    const spec: Omit<ServiceSpec, 'image'> = {};
    const dependsOn: string[] = [];
    for (const [key, value] of Object.entries(raw)) {
      const at = [...path, key];
      switch (key) {
        case 'image': {
          const text = this.#text(value, at);
          if (text === undefined) break;
          if (text.trim() === '' || /\s/.test(text)) this.#problem(at, '`image` must be an image reference');
          else image = text;
          break;
        }
        case 'build':
          break;
        case 'command': {
          const command = this.#command(value, at);
          if (command !== undefined) spec.command = command;
          break;
        }
        case 'entrypoint':
          this.#problem(
            at,
            "`entrypoint` cannot be mapped (Redline runs the image's own entrypoint and cannot know it here): set ENTRYPOINT in the image's Dockerfile, or move the program into `command` when the image has no entrypoint",
          );
          break;
        case 'environment': {
          const env = this.#environment(value, at);
          if (env !== undefined && Object.keys(env).length > 0) spec.env = env;
          break;
        }
        case 'expose':
        case 'ports': {
          const ports = this.#ports(value, at);
          if (ports.length > 0) spec.ports = [...new Set([...(spec.ports ?? []), ...ports])];
          break;
        }
        case 'healthcheck': {
          const healthcheck = this.#healthcheck(value, at);
          if (healthcheck !== undefined) spec.healthcheck = healthcheck;
          break;
        }
        case 'depends_on':
          dependsOn.push(...this.#dependsOn(value, at));
          break;
        case 'links':
          dependsOn.push(...this.#links(value, at));
          break;
        case 'networks': {
          const networks = this.#serviceNetworks(value, at, label);
          if (networks !== undefined) spec.networks = networks;
          break;
        }
        case 'cap_add': {
          const capabilities = this.#capabilities(value, at);
          if (capabilities.length > 0) spec.capabilities = capabilities;
          break;
        }
        case 'user': {
          const user = this.#text(value, at);
          if (user !== undefined && user !== '') spec.user = user;
          break;
        }
        case 'volumes':
          this.#volumes(value, at);
          break;
        case 'container_name':
        case 'hostname':
          if (typeof value === 'string') this.#alias(value, label);
          break;
        default:
          if (key.startsWith('x-') || IGNORED_FIELDS.has(key)) break;
          this.#problem(
            at,
            ISOLATION_FIELDS.has(key)
              ? `\`${key}\` is refused: it weakens the isolation of the episode or needs host access; remove it (or change the image so that it is not needed)`
              : `\`${key}\` is not supported by Redline's compose subset: remove it, or do what it does in the image's Dockerfile`,
          );
      }
    }
    if (raw.build !== undefined) image = this.#build(raw.build, [...path, 'build'], label, image);
    if (image === undefined) {
      if (raw.build === undefined && raw.image === undefined)
        this.#problem(path, 'the service has neither `image` nor `build`: give the image to run in `image`');
      return undefined;
    }
    if (dependsOn.length > 0) spec.dependsOn = [...new Set(dependsOn)];
    // Key order of the written suite: image first, as in the schema.
    return { image, ...spec };
  }

  /** The image of a service with `build:` (undefined when it has none to run). */
  #build(raw: unknown, at: Path, service: string, image: string | undefined): string | undefined {
    const name = this.#options.builtImageName;
    if (name === undefined) {
      if (image === undefined)
        this.#problem(
          at,
          `images are not built at run time; build or load the image beforehand (redline images SUITE --build) and give its name in \`image\``,
        );
      return image;
    }
    const recipe = this.#buildRecipe(raw, at);
    const tag = image ?? name(service);
    if (recipe !== undefined) this.#out.builds[service] = { image: tag, ...recipe };
    return tag;
  }

  #buildRecipe(raw: unknown, at: Path): Omit<ComposeBuild, 'image'> | undefined {
    let context: string | undefined;
    let dockerfile: string | undefined;
    if (typeof raw === 'string') context = this.#text(raw, at);
    else if (isRecord(raw)) {
      for (const [key, value] of Object.entries(raw)) {
        if (key === 'context') context = this.#text(value, [...at, key]);
        else if (key === 'dockerfile') dockerfile = this.#text(value, [...at, key]);
        else if (!key.startsWith('x-'))
          this.#problem(
            [...at, key],
            `build \`${key}\` is not supported (a recipe is a context and a Dockerfile): write it into the Dockerfile`,
          );
      }
      context ??= '.';
    } else {
      this.#problem(at, '`build` must be a context path or a mapping with `context`');
      return undefined;
    }
    if (context === undefined) return undefined;
    if (context.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(context)) {
      this.#problem(
        at,
        `build context ${JSON.stringify(context)} must be a folder relative to the compose file: copy the context beside it`,
      );
      return undefined;
    }
    if (dockerfile !== undefined && (dockerfile.startsWith('/') || dockerfile.split('/').includes('..'))) {
      this.#problem([...at, 'dockerfile'], '`dockerfile` must be a path inside the build context');
      return undefined;
    }
    return {
      context: normaliseRelative(context),
      ...(dockerfile === undefined || normaliseRelative(dockerfile) === 'Dockerfile'
        ? {}
        : { dockerfile: normaliseRelative(dockerfile) }),
    };
  }

  /** A scalar as text, with compose's `${VAR:-default}` interpolation (variables are never read from the host). */
  #text(value: unknown, at: Path): string | undefined {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') {
      this.#problem(at, `must be a string (got ${describe(value)})`);
      return undefined;
    }
    let missing: string | undefined;
    const text = value.replace(
      /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
      (
        match,
        braced: string | undefined,
        operator: string | undefined,
        operand: string | undefined,
        bare: string | undefined,
      ) => {
        if (match === '$$') return '$';
        if (operator === '-' || operator === ':-') return operand ?? '';
        // Unset: `${VAR:+alt}` is empty.
        if (operator === '+' || operator === ':+') return '';
        missing ??= braced ?? bare;
        return match;
      },
    );
    if (missing !== undefined) {
      this.#problem(
        at,
        `uses the variable ${missing}, which is never taken from the host or a .env file: write its value in the compose file`,
      );
      return undefined;
    }
    return text;
  }

  #command(value: unknown, at: Path): string[] | undefined {
    if (value === null) return undefined;
    if (typeof value === 'string') {
      const text = this.#text(value, at);
      if (text === undefined) return undefined;
      const words = splitCommand(text);
      if (words === undefined || words.length === 0) {
        this.#problem(at, '`command` must be a non-empty command line with balanced quotes');
        return undefined;
      }
      return words;
    }
    if (!Array.isArray(value) || value.length === 0) {
      this.#problem(at, '`command` must be a string or a non-empty list of strings');
      return undefined;
    }
    const words = value.map((w, i) => this.#text(w, [...at, i]));
    return words.every((w): w is string => w !== undefined) ? words : undefined;
  }

  #environment(value: unknown, at: Path): Record<string, string> | undefined {
    const env: Record<string, string> = {};
    const set = (key: string, raw: unknown, path: Path): void => {
      if (!ENV_NAME.test(key)) {
        this.#problem(path, `environment variable name "${key}" is not valid: use letters, digits and "_"`);
        return;
      }
      if (raw === null || raw === undefined) {
        this.#problem(path, `${key} takes its value from the host, which Redline never does: give its value`);
        return;
      }
      const text = this.#text(raw, path);
      if (text !== undefined) env[key] = text;
    };
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        if (typeof item !== 'string') {
          this.#problem([...at, i], 'an `environment` entry must be a string KEY=VALUE');
          continue;
        }
        const eq = item.indexOf('=');
        set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? null : item.slice(eq + 1), [...at, i]);
      }
    } else if (isRecord(value)) {
      for (const [key, raw] of Object.entries(value)) set(key, raw, [...at, key]);
    } else if (value !== null) {
      this.#problem(at, '`environment` must be a mapping or a list of KEY=VALUE');
      return undefined;
    }
    return env;
  }

  #ports(value: unknown, at: Path): number[] {
    if (!Array.isArray(value)) {
      this.#problem(at, 'must be a list of ports');
      return [];
    }
    const ports: number[] = [];
    for (const [i, entry] of value.entries()) {
      const found = containerPorts(isRecord(entry) ? entry.target : entry);
      if (found === undefined)
        this.#problem(
          [...at, i],
          `not a port or port mapping (e.g. 8080, "1337:1337", "127.0.0.1:80:80/tcp"; ranges up to ${MAX_PORT_RANGE} ports): fix the entry`,
        );
      else ports.push(...found);
    }
    return ports;
  }

  #healthcheck(value: unknown, at: Path): ServiceHealthcheck | undefined {
    if (!isRecord(value)) {
      this.#problem(at, '`healthcheck` must be a mapping with `test`');
      return undefined;
    }
    if (value.disable === true) return undefined;
    const seconds: Partial<Record<'interval' | 'timeout' | 'startPeriod', number>> = {};
    let retries: number | undefined;
    let command: string | string[] | undefined;
    let isDisabled = false;
    for (const [key, raw] of Object.entries(value)) {
      const path = [...at, key];
      switch (key) {
        case 'test':
          if (Array.isArray(raw) && raw[0] === 'NONE') isDisabled = true;
          else command = this.#healthTest(raw, path);
          break;
        case 'interval':
        case 'timeout':
        case 'start_period': {
          const s = typeof raw === 'string' ? durationSeconds(raw) : undefined;
          if (s === undefined) this.#problem(path, `must be a duration such as "10s" or "1m30s"`);
          else seconds[key === 'start_period' ? 'startPeriod' : key] = s;
          break;
        }
        case 'retries':
          if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1) retries = raw;
          else this.#problem(path, '`retries` must be a whole number of at least 1');
          break;
        case 'disable':
        case 'start_interval':
          break;
        default:
          this.#problem(path, `healthcheck \`${key}\` is not supported: remove it`);
      }
    }
    if (isDisabled) return undefined;
    const isTimed = Object.keys(seconds).length > 0 || retries !== undefined;
    const d = { ...HEALTH_DEFAULTS, ...seconds, retries: retries ?? HEALTH_DEFAULTS.retries };
    // The longest compose would wait before calling the service unhealthy.
    const budget = d.startPeriod + d.retries * (d.interval + d.timeout);
    const timeout = isTimed
      ? { timeoutS: Math.min(MAX_HEALTH_TIMEOUT_S, Math.max(1, Math.ceil(budget))) }
      : {};
    if (command !== undefined) return { command, ...timeout };
    if (value.test !== undefined) return undefined;
    return isTimed ? { image: true, ...timeout } : undefined;
  }

  #healthTest(raw: unknown, at: Path): string | string[] | undefined {
    if (typeof raw === 'string') {
      const text = this.#text(raw, at);
      return text === undefined || text.trim() === '' ? undefined : text;
    }
    if (Array.isArray(raw) && (raw[0] === 'CMD' || raw[0] === 'CMD-SHELL') && raw.length >= 2) {
      const words = raw.slice(1).map((w, i) => this.#text(w, [...at, i + 1]));
      if (!words.every((w): w is string => w !== undefined)) return undefined;
      // CMD-SHELL runs its one string under /bin/sh -c, as a string healthcheck command does.
      return raw[0] === 'CMD' ? words : words.join(' ');
    }
    this.#problem(at, '`test` must be a string, ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]');
    return undefined;
  }

  #dependsOn(value: unknown, at: Path): string[] {
    const found: string[] = [];
    const add = (name: unknown, path: Path): void => {
      const label = typeof name === 'string' ? this.#services.get(name) : undefined;
      if (label === undefined)
        this.#problem(path, `depends on ${JSON.stringify(name)}, which is not a service of this file`);
      else found.push(label);
    };
    if (Array.isArray(value)) value.forEach((name, i) => add(name, [...at, i]));
    else if (isRecord(value)) {
      for (const [name, config] of Object.entries(value)) {
        const condition = isRecord(config) ? config.condition : undefined;
        if (condition === 'service_completed_successfully') {
          this.#problem(
            [...at, name, 'condition'],
            'waiting for a service to exit is not supported: run that step in the image instead',
          );
          continue;
        }
        if (condition !== undefined && condition !== 'service_started' && condition !== 'service_healthy') {
          this.#problem([...at, name, 'condition'], 'must be service_started or service_healthy');
          continue;
        }
        add(name, [...at, name]);
        const label = this.#services.get(name);
        if (condition === 'service_healthy' && label !== undefined) this.#healthyNeeded.add(label);
      }
    } else this.#problem(at, '`depends_on` must be a list or a mapping of service names');
    return found;
  }

  #links(value: unknown, at: Path): string[] {
    if (!Array.isArray(value)) {
      this.#problem(at, '`links` must be a list of service names');
      return [];
    }
    const found: string[] = [];
    for (const [i, entry] of value.entries()) {
      const [name, alias] = typeof entry === 'string' ? entry.split(':') : [];
      const label = name === undefined ? undefined : this.#services.get(name);
      if (label === undefined) {
        this.#problem([...at, i], `links to ${JSON.stringify(entry)}, which is not a service of this file`);
        continue;
      }
      found.push(label);
      if (alias !== undefined) this.#alias(alias, label);
    }
    return found;
  }

  #serviceNetworks(value: unknown, at: Path, service: string): string[] | undefined {
    const names: Array<[name: unknown, config: unknown, path: Path]> = Array.isArray(value)
      ? value.map((n, i) => [n, null, [...at, i]])
      : isRecord(value)
        ? Object.entries(value).map(([n, c]) => [n, c, [...at, n]])
        : [];
    if (names.length === 0) {
      this.#problem(at, '`networks` must be a non-empty list or mapping of declared networks');
      return undefined;
    }
    const labels: string[] = [];
    for (const [name, config, path] of names) {
      const label =
        name === 'default' ? 'default' : typeof name === 'string' ? this.#networks.get(name) : undefined;
      if (label === undefined) {
        this.#problem(
          path,
          `network ${JSON.stringify(name)} is not declared (or has a name that cannot be used) under top-level \`networks\`: declare it there`,
        );
        continue;
      }
      labels.push(label);
      if (config === null || config === undefined) continue;
      if (!isRecord(config)) {
        this.#problem(path, 'a service network entry must be a mapping (or empty)');
        continue;
      }
      for (const [key, raw] of Object.entries(config)) {
        if (key === 'aliases' && Array.isArray(raw)) {
          for (const alias of raw) if (typeof alias === 'string') this.#alias(alias, service);
        } else if (key !== 'priority')
          this.#problem(
            [...path, key],
            `service network \`${key}\` is not supported (addresses are the engine's): remove it`,
          );
      }
    }
    const unique = [...new Set(labels)];
    for (const label of unique) this.#usedNetworks.add(label);
    if (labels.length === 0) return undefined;
    return unique.length === 1 && unique[0] === 'default' ? undefined : unique;
  }

  #capabilities(value: unknown, at: Path): Capability[] {
    if (!Array.isArray(value)) {
      this.#problem(at, '`cap_add` must be a list of capability names');
      return [];
    }
    const found: Capability[] = [];
    for (const [i, raw] of value.entries()) {
      const name = typeof raw === 'string' ? raw.toUpperCase().replace(/^CAP_/, '') : String(raw);
      if (allowedCapabilities.has(name)) found.push(name as Capability);
      else
        this.#problem(
          [...at, i],
          `capability ${name} is refused (it reaches the host kernel or is unknown); allowed: ${ALLOWED_CAPABILITIES.join(', ')}. Remove it`,
        );
    }
    return [...new Set(found)];
  }

  #volumes(value: unknown, at: Path): void {
    if (!Array.isArray(value)) {
      this.#problem(at, '`volumes` must be a list');
      return;
    }
    for (const [i, entry] of value.entries()) {
      const path = [...at, i];
      const kind = volumeKind(entry);
      if (kind === 'host')
        this.#problem(
          path,
          'a volume with a host path is refused (it gives the container host files): COPY the files into the image instead',
        );
      else if (kind === 'invalid') this.#problem(path, 'not a volume entry: remove it');
      else if (kind === 'named') {
        const source = namedVolumeSource(entry) ?? '';
        if ((this.#volumeUsers.get(source) ?? 0) > 1)
          this.#problem(
            path,
            `the named volume "${source}" is shared by several services, which Redline cannot do: share the data another way (e.g. over the network)`,
          );
      }
    }
  }

  #alias(name: string, service: string): void {
    const key = name.toLowerCase();
    if (key !== '' && key !== service) this.#out.aliases[key] ??= service;
  }
}

/** A depends_on cycle among `services`: the names along it, or undefined. */
function findCycle(services: Record<string, ServiceSpec>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const next of services[name]?.dependsOn ?? []) {
      const cycle = services[next] === undefined ? undefined : visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(services)) {
    const cycle = visit(name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Splits a command line as compose does (POSIX shell words, no expansion); undefined for unbalanced quotes. */
export function splitCommand(line: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let isInWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line.charAt(i + 1)))
        word += line.charAt(++i);
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      isInWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line.charAt(++i);
      isInWord = true;
    } else if (/\s/.test(c)) {
      if (isInWord) words.push(word);
      word = '';
      isInWord = false;
    } else {
      word += c;
      isInWord = true;
    }
  }
  if (quote !== undefined) return undefined;
  if (isInWord) words.push(word);
  return words;
}

/** The container ports of an `expose`/`ports` entry, or undefined when it is not one. */
function containerPorts(entry: unknown): number[] | undefined {
  if (typeof entry === 'number') return isPort(entry) ? [entry] : undefined;
  if (typeof entry !== 'string') return undefined;
  // HOST_IP:HOST:CONTAINER/proto -> CONTAINER (IPv6 host addresses are bracketed, so the last ':' still splits).
  const container =
    entry
      .replace(/\/(tcp|udp|sctp)$/i, '')
      .split(':')
      .at(-1) ?? '';
  const range = /^(\d+)(?:-(\d+))?$/.exec(container);
  if (range === null) return undefined;
  const first = Number(range[1]);
  const last = range[2] === undefined ? first : Number(range[2]);
  if (!isPort(first) || !isPort(last) || last < first || last - first >= MAX_PORT_RANGE) return undefined;
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Seconds of a Go duration ("1m30s", "500ms"), or undefined. */
function durationSeconds(text: string): number | undefined {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  if (!/^(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g))
    total += Number(n) * (unit[u ?? ''] ?? 0);
  return total;
}

/** What a service volume is: anonymous, named, a host path, or not a volume entry. */
function volumeKind(entry: unknown): 'anonymous' | 'named' | 'host' | 'tmpfs' | 'invalid' {
  if (isRecord(entry)) {
    if (entry.type === 'tmpfs') return 'tmpfs';
    if (entry.type === 'volume' || entry.type === undefined)
      return typeof entry.source === 'string' && entry.source !== '' ? 'named' : 'anonymous';
    return entry.type === 'bind' || entry.type === 'npipe' ? 'host' : 'invalid';
  }
  if (typeof entry !== 'string' || entry === '') return 'invalid';
  const parts = entry.split(':');
  if (parts.length === 1) return 'anonymous';
  const source = parts[0] ?? '';
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(source) ? 'named' : 'host';
}

function namedVolumeSource(entry: unknown): string | undefined {
  if (volumeKind(entry) !== 'named') return undefined;
  if (isRecord(entry)) return String(entry.source);
  return typeof entry === 'string' ? entry.split(':')[0] : undefined;
}

function normaliseRelative(path: string): string {
  const parts: string[] = [];
  for (const part of path.replaceAll('\\', '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts.at(-1) !== '..') parts.pop();
    else parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNodeWithRange(value: unknown): value is { range: [number, number, number] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { range?: unknown }).range);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}
