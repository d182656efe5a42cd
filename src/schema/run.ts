/**
 * TypeBox schemas of the JSON stored on a run (columns `params`, `categories`, `error`), validated when read back.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Parameters a run was started with; a resumed run reuses them. */
export const RunParams = Type.Object(
  {
    epochs: Type.Integer({ minimum: 1, description: 'Epochs per sample.' }),
    limit: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description: 'Samples selected, or null for all.',
    }),
    seed: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Seed for sample selection, the endpoint and the bootstrap; null when none was given.',
    }),
    reducer: Type.String({ description: 'Epoch reducer: mean, max, median or pass@k.' }),
    ci: Type.Union([Type.Literal('t'), Type.Literal('bootstrap')], {
      description: 'Confidence interval method.',
    }),
    temperature: Type.Optional(Type.Number({ description: 'Sampling temperature sent to the endpoint.' })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1, description: 'max_tokens sent to the endpoint.' })),
    timeoutMs: Type.Integer({ minimum: 1, description: 'Per-request timeout.' }),
    maxAttempts: Type.Integer({
      minimum: 1,
      description: 'Attempts per (sample, epoch) before it is an error.',
    }),
    apiKeyEnv: Type.String({ description: 'Name (never the value) of the variable holding the API key.' }),
    skipAgentic: Type.Optional(
      Type.Boolean({ description: 'Agentic samples (sandbox + agent) were left out of the run.' }),
    ),
  },
  { additionalProperties: false, description: 'Run parameters.' },
);
export type RunParams = Static<typeof RunParams>;

/** Resolved categories recorded on a run. */
export const RunCategories = Type.Record(
  Type.String(),
  Type.Object(
    {
      weight: Type.Number({ minimum: 0, description: 'Weight in the weighted mean.' }),
      title: Type.Optional(Type.String({ description: 'Human-readable name.' })),
      description: Type.Optional(Type.String({ description: 'What the category measures.' })),
    },
    { additionalProperties: false },
  ),
  { description: 'Categories of the suite, weights resolved.' },
);
export type RunCategories = Static<typeof RunCategories>;
