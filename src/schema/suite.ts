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

/** The network-less sandbox of an agentic sample (CTF challenge files, setup). */
export const SandboxSpec = Type.Object(
  {
    files: Type.Record(Type.String({ minLength: 1 }), SandboxFile, {
      description: 'Files of the task, by relative path inside the sandbox work directory.',
    }),
    setup: Type.Optional(Type.String({ description: 'Shell run in the sandbox before the agent starts.' })),
    network: Type.Optional(Type.Literal(false, { description: 'Always false: sandboxes have no network.' })),
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

/** The suite file (`suite.json`, `suite.yaml`, or a single `.json`/`.yaml` file). */
export const SuiteFile = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Optional pointer to the JSON Schema, for editors.' })),
    id: Type.String({ description: 'Suite id.', pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 100 }),
    version: Type.String({ description: 'Suite version, e.g. semver.', minLength: 1, maxLength: 50 }),
    title: Type.String({ description: 'Human-readable title.', minLength: 1 }),
    description: Type.Optional(Type.String({ description: 'What the suite measures.' })),
    license: Type.Optional(Type.String({ description: 'License of the suite content.' })),
    source: Type.Optional(SuiteSource),
    categories: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), Category, {
        description: 'Declared categories with weights; names are letters, digits, ".", "_" and "-".',
        additionalProperties: false,
      }),
    ),
    defaults: Type.Optional(SuiteDefaults),
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
