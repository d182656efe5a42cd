/**
 * TypeBox schema of the designation policy (DESIGN.md §5). Unknown fields are rejected; later versions add
 * optional fields (owners, signatures, thresholds ...) without breaking existing files.
 */
import { Type, type Static } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

/** Which estimate the policy decides on. */
export const PolicyMetric = Type.Union([Type.Literal('mean'), Type.Literal('weighted')], {
  description:
    'The estimate decided on: "mean" (plain mean over samples) or "weighted" (mean of category means).',
});
export type PolicyMetric = Static<typeof PolicyMetric>;

/** How an estimate is compared with a cutoff. */
export const PolicyBasis = Type.Union([Type.Literal('lower'), Type.Literal('point')], {
  description:
    '"lower": covered when the interval\'s lower bound >= cutoff, not-covered when its upper bound < cutoff, ' +
    'otherwise inconclusive; "point": covered when the estimate >= cutoff, otherwise not-covered.',
});
export type PolicyBasis = Static<typeof PolicyBasis>;

const RULE_DESCRIPTION =
  '"overall": the overall decision alone (category decisions are reported, not used); "any": overall OR any ' +
  'category; "all": overall AND every category (three-valued Kleene logic). Default "overall"; required with ' +
  '"categories".';

/** How category decisions combine with the overall one. */
export const PolicyRule = Type.Union([Type.Literal('overall'), Type.Literal('any'), Type.Literal('all')], {
  description: RULE_DESCRIPTION,
});
export type PolicyRule = Static<typeof PolicyRule>;

/** A per-category cutoff. */
export const PolicyCategory = Type.Object(
  {
    cutoff: Type.Number({ description: 'Cutoff on the category mean, in [0, 1].', minimum: 0, maximum: 1 }),
    basis: Type.Optional(PolicyBasis),
  },
  { ...closed, description: "A cutoff for one category; basis defaults to the policy's." },
);
export type PolicyCategory = Static<typeof PolicyCategory>;

/** Default confidence level of a policy's intervals. */
export const DEFAULT_POLICY_CONFIDENCE = 0.95;
/** Default combination rule. */
export const DEFAULT_POLICY_RULE: PolicyRule = 'overall';
/** Default tolerated error rate: none. */
export const DEFAULT_POLICY_MAX_ERROR_RATE = 0;

/** The designation policy file (DESIGN.md §5). */
export const Policy = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Optional pointer to the JSON Schema, for editors.' })),
    id: Type.String({ description: 'Policy id.', pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 100 }),
    version: Type.Integer({
      description: 'Policy version; each change of a policy gets a new version.',
      minimum: 1,
    }),
    description: Type.Optional(Type.String({ description: 'What the policy is for and why these values.' })),
    metric: PolicyMetric,
    cutoff: Type.Number({ description: 'Cutoff on the metric, in [0, 1].', minimum: 0, maximum: 1 }),
    basis: PolicyBasis,
    confidence: Type.Optional(
      Type.Number({
        description: 'Two-sided confidence level of the intervals decided on (default 0.95).',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: DEFAULT_POLICY_CONFIDENCE,
      }),
    ),
    categories: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), PolicyCategory, {
        description:
          'Per-category cutoffs, combined with the overall decision by "rule" (which is then required).',
        minProperties: 1,
        // Without it a key outside the pattern would pass unchecked.
        additionalProperties: false,
      }),
    ),
    rule: Type.Optional(
      Type.Union([Type.Literal('overall'), Type.Literal('any'), Type.Literal('all')], {
        description: RULE_DESCRIPTION,
        default: DEFAULT_POLICY_RULE,
      }),
    ),
    maxErrorRate: Type.Optional(
      Type.Number({
        description:
          'Largest tolerated share of errored (sample, epoch) units; a run above it is inconclusive (default 0).',
        minimum: 0,
        maximum: 1,
        default: DEFAULT_POLICY_MAX_ERROR_RATE,
      }),
    ),
    owners: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), {
        description:
          'Ed25519 key ids (hex SHA-256 of the public key) of the owners who may sign the next version; ' +
          'default: the keyring entries of role owner.',
        minItems: 1,
        uniqueItems: true,
      }),
    ),
    threshold: Type.Optional(
      Type.Integer({
        description: 'Distinct owner signatures a version needs (t of n; default 1).',
        minimum: 1,
      }),
    ),
    shareClassification: Type.Optional(
      Type.Boolean({
        description:
          "Whether assessments name the classification marking of the suites that were run (a suite's " +
          '`classification`); default false: no marking leaves the lab. Never any item, either way.',
      }),
    ),
  },
  { ...closed, description: 'A Redline designation policy (DESIGN.md §5).' },
);
export type Policy = Static<typeof Policy>;
