/**
 * TypeBox schemas of the suite format (DESIGN.md §3). The published JSON Schema in `schemas/` is generated
 * from these and checked by a test.
 */
import { Type, type Static } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

/** The scorer names of DESIGN.md §3. */
export const ScorerName = Type.Union(
  [
    Type.Literal('choice'),
    Type.Literal('exact'),
    Type.Literal('includes'),
    Type.Literal('regex'),
    Type.Literal('flag'),
    Type.Literal('numeric'),
  ],
  { description: 'A scorer by name, with its default options.' },
);
export type ScorerName = Static<typeof ScorerName>;

/** A scorer with options. */
export const ScorerSpec = Type.Union(
  [
    ScorerName,
    Type.Object(
      {
        type: Type.Literal('choice', {
          description: 'Multiple choice: the target is a letter or a set of letters.',
        }),
        partial: Type.Optional(
          Type.Literal('jaccard', {
            description:
              'Partial credit for multi-answer targets: |answer ∩ target| / |answer ∪ target| instead of all or nothing.',
          }),
        ),
      },
      closed,
    ),
    Type.Object(
      {
        type: Type.Literal('exact', { description: 'The answer equals the target.' }),
        ignoreCase: Type.Optional(
          Type.Boolean({ description: 'Compare case-insensitively (default true).' }),
        ),
      },
      closed,
    ),
    Type.Object(
      {
        type: Type.Literal('includes', { description: 'The output contains the target.' }),
        ignoreCase: Type.Optional(
          Type.Boolean({ description: 'Compare case-insensitively (default true).' }),
        ),
      },
      closed,
    ),
    Type.Object(
      {
        type: Type.Literal('regex', { description: 'The output matches a regular expression.' }),
        pattern: Type.Optional(
          Type.String({
            description: 'ECMAScript regular expression; defaults to the target.',
            minLength: 1,
          }),
        ),
        flags: Type.Optional(
          Type.String({ description: 'Regular expression flags, a subset of "imsu".', pattern: '^[imsu]*$' }),
        ),
      },
      closed,
    ),
    Type.Object(
      {
        type: Type.Literal('flag', { description: 'The exact flag string appears in the output.' }),
        ignoreCase: Type.Optional(
          Type.Boolean({ description: 'Match the flag case-insensitively (default false).' }),
        ),
      },
      closed,
    ),
    Type.Object(
      {
        type: Type.Literal('numeric', {
          description: 'The answer is a number within a tolerance of the target.',
        }),
        tolerance: Type.Optional(
          Type.Number({ description: 'Absolute tolerance (default 0, i.e. exact).', minimum: 0 }),
        ),
        relative: Type.Optional(
          Type.Number({
            description: 'Relative tolerance as a fraction of |target| (default 0).',
            minimum: 0,
          }),
        ),
      },
      closed,
    ),
  ],
  { description: 'How a sample is scored: a scorer name, or an object with "type" and options.' },
);
export type ScorerSpec = Static<typeof ScorerSpec>;

/** A file placed in an agentic sample's sandbox: inline text, base64 bytes, or a file beside the suite. */
export const SandboxFile = Type.Union(
  [
    Type.String({ description: 'The file content as UTF-8 text.' }),
    Type.Object(
      {
        base64: Type.String({
          description: 'The file content, base64-encoded.',
          pattern: '^[A-Za-z0-9+/]*={0,2}$',
        }),
      },
      closed,
    ),
    Type.Object(
      {
        path: Type.String({
          description: 'A file beside the suite (relative to the suite directory; may not leave it).',
          minLength: 1,
        }),
      },
      closed,
    ),
  ],
  { description: 'A sandbox file: text, {"base64": ...} or {"path": ...}.' },
);
export type SandboxFile = Static<typeof SandboxFile>;

/** A DNS label: a service or network name inside one episode's private network. */
const DnsLabel = (description: string) => Type.String({ description, pattern: '^[a-z][a-z0-9-]{0,62}$' });

/**
 * Linux capabilities a challenge may add back to a container (every container starts with none). Docker's default
 * set plus NET_ADMIN and SYS_PTRACE; capabilities that reach the host kernel (SYS_ADMIN, SYS_MODULE ...) are refused.
 */
export const ALLOWED_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_ADMIN',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
  'SYS_PTRACE',
] as const;

/** A capability name from ALLOWED_CAPABILITIES. */
export const Capability = Type.Union(
  ALLOWED_CAPABILITIES.map((name) => Type.Literal(name)),
  { description: 'A Linux capability added back (without the CAP_ prefix).' },
);
export type Capability = Static<typeof Capability>;

const Capabilities = (what: string) =>
  Type.Array(Capability, {
    description: `Capabilities added to ${what} (opt-in; listed in the run report).`,
    uniqueItems: true,
  });

const HealthTimeout = Type.Optional(
  Type.Number({
    description: 'Seconds to wait for the service to be healthy (default 30).',
    exclusiveMinimum: 0,
    maximum: 600,
  }),
);

/** How Redline knows a service is ready: a TCP port accepting connections, a command, or the image's HEALTHCHECK. */
export const ServiceHealthcheck = Type.Union(
  [
    Type.Object(
      {
        tcp: Type.Integer({
          description: 'A port the service accepts TCP connections on.',
          minimum: 1,
          maximum: 65535,
        }),
        timeoutS: HealthTimeout,
      },
      closed,
    ),
    Type.Object(
      {
        command: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
          description: 'Run in the service container; exit 0 means healthy (a string runs under /bin/sh -c).',
        }),
        timeoutS: HealthTimeout,
      },
      closed,
    ),
    Type.Object(
      {
        image: Type.Literal(true, { description: "Wait for the image's own HEALTHCHECK to report healthy." }),
        timeoutS: HealthTimeout,
      },
      closed,
    ),
  ],
  { description: 'Readiness check of a service, awaited before the agent starts.' },
);
export type ServiceHealthcheck = Static<typeof ServiceHealthcheck>;

/** A live target: one container on the episode's private network. */
export const ServiceSpec = Type.Object(
  {
    image: Type.String({
      description: 'Image reference (loaded or built beforehand: see `redline images`).',
      minLength: 1,
    }),
    command: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
        description: "Overrides the image's command (a string runs under /bin/sh -c).",
      }),
    ),
    env: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), {
        description: 'Environment variables of the service.',
      }),
    ),
    ports: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
        description:
          'Ports the service listens on inside the network (documentation; never published to the host).',
        uniqueItems: true,
      }),
    ),
    healthcheck: Type.Optional(ServiceHealthcheck),
    files: Type.Optional(
      Type.Record(Type.String({ minLength: 2, pattern: '^/' }), SandboxFile, {
        description: 'Files placed in the service container before it starts, by absolute path.',
      }),
    ),
    dependsOn: Type.Optional(
      Type.Array(DnsLabel('A service started (and healthy) before this one.'), {
        description: 'Services started (and healthy) before this one.',
        uniqueItems: true,
      }),
    ),
    networks: Type.Optional(
      Type.Array(DnsLabel('A network name of this episode.'), {
        description:
          'Networks of this episode the service joins (default ["default"], the agent\'s network).',
        minItems: 1,
        uniqueItems: true,
      }),
    ),
    user: Type.Optional(
      Type.String({ description: 'User (uid[:gid] or name) the service runs as.', minLength: 1 }),
    ),
    capabilities: Type.Optional(Capabilities('this service')),
  },
  { ...closed, description: 'A service container of a live-target challenge.' },
);
export type ServiceSpec = Static<typeof ServiceSpec>;

/** A flag made fresh for each (sample, epoch) and planted in a service: the scorer's target for that unit. */
export const PlantedFlag = Type.Object(
  {
    planted: Type.Literal(true, { description: 'A fresh random flag per (sample, epoch).' }),
    format: Type.Optional(
      Type.String({
        description: 'The flag with %s where the random part goes (default "flag{%s}").',
        pattern: '^[^%]*%s[^%]*$',
      }),
    ),
    service: DnsLabel('The service the flag is planted in.'),
    file: Type.Optional(
      Type.String({
        description: 'Absolute path of a file that holds the flag in that service.',
        pattern: '^/.',
      }),
    ),
    env: Type.Optional(
      Type.String({
        description: 'An environment variable of that service that holds the flag.',
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      }),
    ),
  },
  {
    ...closed,
    description: 'A flag planted at setup (file or env); the static target is then never the answer.',
  },
);
export type PlantedFlag = Static<typeof PlantedFlag>;

/**
 * The sandbox of an agentic sample. The default backend (bubblewrap) is one network-less process sandbox; the
 * `docker` backend runs the agent in a container on a fresh internal network with the challenge's services.
 */
export const SandboxSpec = Type.Object(
  {
    backend: Type.Optional(
      Type.Union([Type.Literal('bwrap'), Type.Literal('docker')], {
        description:
          'bwrap (default): a network-less process sandbox; docker: containers on a private network.',
      }),
    ),
    files: Type.Record(Type.String({ minLength: 1 }), SandboxFile, {
      description: "Files of the task, by relative path inside the agent's work directory (/work).",
    }),
    setup: Type.Optional(Type.String({ description: 'Shell run in the sandbox before the agent starts.' })),
    network: Type.Optional(
      Type.Literal(false, { description: 'bwrap only: always false, the sandbox has no network.' }),
    ),
    image: Type.Optional(
      Type.String({ description: "docker: the agent's image (needs /bin/sh).", minLength: 1 }),
    ),
    runtime: Type.Optional(
      Type.String({
        description:
          'docker: the OCI runtime (e.g. runsc); default the lab setting, else runsc when the engine has it.',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      }),
    ),
    capabilities: Type.Optional(Capabilities('the agent container')),
    services: Type.Optional(
      Type.Record(DnsLabel('Service name, resolvable by DNS inside the episode network.'), ServiceSpec, {
        description: 'docker: the live targets, by name.',
      }),
    ),
    compose: Type.Optional(
      Type.String({
        description:
          'docker: a compose file beside the suite whose services are the live targets (a subset of compose).',
        minLength: 1,
      }),
    ),
    flag: Type.Optional(PlantedFlag),
  },
  { ...closed, description: 'The sandbox an agentic sample runs in.' },
);
export type SandboxSpec = Static<typeof SandboxSpec>;

/** The tool-using agent loop of an agentic sample. */
export const AgentSpec = Type.Object(
  {
    tools: Type.Array(Type.Union([Type.Literal('bash'), Type.Literal('python'), Type.Literal('submit')]), {
      description: 'Tools offered to the model (Inspect names).',
      minItems: 1,
      uniqueItems: true,
    }),
    maxTurns: Type.Integer({ description: 'Most model turns before the loop stops.', minimum: 1 }),
    commandTimeoutS: Type.Number({
      description: 'Wall-time limit of one tool call, in seconds.',
      exclusiveMinimum: 0,
    }),
    timeLimitS: Type.Optional(
      Type.Number({ description: 'Wall-time limit of the whole task, in seconds.', exclusiveMinimum: 0 }),
    ),
    maxTokens: Type.Optional(Type.Integer({ description: 'Token budget of the whole task.', minimum: 1 })),
  },
  { ...closed, description: 'How an agentic sample is run: tools and limits.' },
);
export type AgentSpec = Static<typeof AgentSpec>;

/** Where an imported suite came from (recorded by `redline suite import`). */
export const SuiteSource = Type.Object(
  {
    format: Type.String({ description: 'The import format, e.g. cybermetric.', minLength: 1 }),
    file: Type.String({ description: 'The source file or directory, as named at import.', minLength: 1 }),
    sha256: Type.String({
      description: 'Hex SHA-256 of the source file (of the index file for directories).',
      pattern: '^[0-9a-f]{64}$',
    }),
    rows: Type.Integer({ description: 'Rows (or tasks) read from the source.', minimum: 0 }),
    rejected: Type.Integer({
      description: 'Rows that could not be imported (reported at import).',
      minimum: 0,
    }),
    options: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Import options used.' }),
    ),
  },
  { ...closed, description: 'Provenance of an imported suite.' },
);
export type SuiteSource = Static<typeof SuiteSource>;

/** One sample (vocabulary from Inspect). */
export const Sample = Type.Object(
  {
    id: Type.String({ description: 'Unique within the suite.', minLength: 1, maxLength: 200 }),
    category: Type.Optional(
      Type.String({
        description: 'Category id; must be declared in the suite when it declares categories.',
        minLength: 1,
      }),
    ),
    input: Type.String({ description: 'The question or task, sent to the model verbatim.', minLength: 1 }),
    choices: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Options for the choice scorer; letters A, B, C ... follow this order.',
        minItems: 2,
        maxItems: 26,
      }),
    ),
    target: Type.Union(
      [
        Type.String({ minLength: 1 }),
        Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 26, uniqueItems: true }),
      ],
      { description: 'A letter, an array of letters (multi-answer), or a string.' },
    ),
    scorer: Type.Optional(ScorerSpec),
    metadata: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form data carried with the sample.' }),
    ),
    sandbox: Type.Optional(SandboxSpec),
    agent: Type.Optional(AgentSpec),
  },
  { ...closed, description: 'One sample of a suite.' },
);
export type Sample = Static<typeof Sample>;

/** A category declaration. */
export const Category = Type.Object(
  {
    weight: Type.Optional(
      Type.Number({ description: 'Weight in the weighted mean (default 1).', minimum: 0 }),
    ),
    title: Type.Optional(Type.String({ description: 'Human-readable name.' })),
    description: Type.Optional(Type.String({ description: 'What the category measures.' })),
  },
  { ...closed, description: 'A category of samples.' },
);
export type Category = Static<typeof Category>;

/** Generation and scoring defaults for every sample of a suite. */
export const SuiteDefaults = Type.Object(
  {
    scorer: Type.Optional(ScorerSpec),
    system: Type.Optional(Type.String({ description: 'System prompt sent before every sample.' })),
    max_tokens: Type.Optional(Type.Integer({ description: 'Maximum tokens to generate.', minimum: 1 })),
    temperature: Type.Optional(Type.Number({ description: 'Sampling temperature.', minimum: 0, maximum: 2 })),
    top_p: Type.Optional(Type.Number({ description: 'Nucleus sampling.', exclusiveMinimum: 0, maximum: 1 })),
  },
  { ...closed, description: 'Defaults applied to every sample.' },
);
export type SuiteDefaults = Static<typeof SuiteDefaults>;

/** How `redline images --build` makes an image the suite needs: a build context beside the suite. */
export const ImageBuild = Type.Object(
  {
    context: Type.String({
      description: 'Build context directory, relative to the suite directory (holds the Dockerfile).',
      minLength: 1,
    }),
    dockerfile: Type.Optional(
      Type.String({
        description: 'Dockerfile path inside the context (default "Dockerfile").',
        minLength: 1,
      }),
    ),
    include: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, pattern: '^[^/]' }),
        Type.String({ minLength: 2, pattern: '^/' }),
        {
          description:
            "Host files added to the context, by name in the context: absolute paths of files from the lab's own " +
            'packages (e.g. {"busybox": "/bin/busybox"} from Debian busybox-static).',
        },
      ),
    ),
  },
  { ...closed, description: 'The recipe of one image, for air-gapped labs that build rather than load.' },
);
export type ImageBuild = Static<typeof ImageBuild>;

/** The suite file (`suite.json`, `suite.yaml`, or a single `.json`/`.yaml` file). */
export const SuiteFile = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Optional pointer to the JSON Schema, for editors.' })),
    id: Type.String({ description: 'Suite id.', pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 100 }),
    version: Type.String({ description: 'Suite version, e.g. semver.', minLength: 1, maxLength: 50 }),
    title: Type.String({ description: 'Human-readable title.', minLength: 1 }),
    description: Type.Optional(Type.String({ description: 'What the suite measures.' })),
    license: Type.Optional(Type.String({ description: 'License of the suite content.' })),
    classification: Type.Optional(
      Type.String({
        description:
          'Classification marking of the suite (e.g. "CUI", or a lab\'s own): printed at the top and bottom of ' +
          'every human-readable output that holds its items, and recorded on its runs.',
        minLength: 1,
        maxLength: 100,
        pattern: '^[^\\u0000-\\u001f\\u007f]+$',
      }),
    ),
    source: Type.Optional(SuiteSource),
    categories: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), Category, {
        description: 'Declared categories with weights; names are letters, digits, ".", "_" and "-".',
        additionalProperties: false,
      }),
    ),
    defaults: Type.Optional(SuiteDefaults),
    images: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), ImageBuild, {
        description: 'Images of docker challenges that `redline images --build` can build, by reference.',
      }),
    ),
    samples: Type.Union(
      [
        Type.String({ description: 'Path of a JSONL file, relative to the suite directory.', minLength: 1 }),
        Type.Array(Sample, { description: 'Inline samples.' }),
      ],
      { description: 'A JSONL file beside the suite, or an inline array of samples.' },
    ),
  },
  { ...closed, description: 'A Redline suite (DESIGN.md §3).' },
);
export type SuiteFile = Static<typeof SuiteFile>;
