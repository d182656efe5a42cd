/**
 * TypeBox schema of the sequencing attestation's predicate (`urn:redline:predicate:sequencing:v1`): which
 * engagement, when the government evaluation completed, which runs and assessments prove it. No scores, no
 * decisions: the attestation is shown to trusted partners, the assessment is not.
 */
import { Type, type Static } from '@sinclair/typebox';

/** The in-toto predicateType of a sequencing attestation. */
export const SEQUENCING_PREDICATE_TYPE = 'urn:redline:predicate:sequencing:v1';

/** The fixed statement every sequencing attestation makes. */
export const SEQUENCING_STATEMENT =
  'Government evaluation under EO 14409 completed before access for the listed trusted partners';

const closed = { additionalProperties: false } as const;
const DATE = '^\\d{4}-\\d{2}-\\d{2}$';
const SHA256 = '^[0-9a-f]{64}$';

/** The predicate of a sequencing attestation. */
export const SequencingPredicate = Type.Object(
  {
    engagement: Type.Object(
      {
        id: Type.String({ description: 'The engagement id.', minLength: 1 }),
        developer: Type.String({ description: 'The developer id (keyring).', minLength: 1 }),
        model: Type.String({ description: 'The covered model.', minLength: 1 }),
        startDate: Type.String({ description: 'YYYY-MM-DD (UTC): access opened.', pattern: DATE }),
        releaseDate: Type.String({ description: 'YYYY-MM-DD (UTC): the planned release.', pattern: DATE }),
        partners: Type.Array(Type.String(), {
          description: 'The trusted partners whose access comes after the evaluation.',
        }),
      },
      { ...closed, description: 'The engagement the evaluation belongs to.' },
    ),
    completedAt: Type.String({
      description: 'YYYY-MM-DD (UTC): the date the last completed run of the evaluation finished.',
      pattern: DATE,
    }),
    runs: Type.Array(
      Type.Object(
        {
          runId: Type.String({ description: 'The run id.', minLength: 1 }),
          suite: Type.Object(
            {
              id: Type.String({ description: 'Suite id.' }),
              version: Type.String({ description: 'Suite version.' }),
              sha256: Type.String({ description: 'Hex SHA-256 of the suite.', pattern: SHA256 }),
            },
            { ...closed, description: 'The suite the run evaluated.' },
          ),
        },
        { ...closed, description: 'A completed run of the evaluation.' },
      ),
      { description: 'The completed runs of the evaluation.', minItems: 1 },
    ),
    assessments: Type.Array(
      Type.Object(
        {
          assessmentId: Type.String({ description: 'The assessment id.', minLength: 1 }),
          fileSha256: Type.String({ description: 'Hex SHA-256 of the sealed file.', pattern: SHA256 }),
        },
        { ...closed, description: 'An assessment issued to the developer (content stays sealed).' },
      ),
      { description: 'The assessments issued after the runs.', minItems: 1 },
    ),
    issuedAt: Type.String({ description: 'ISO 8601: when the attestation was issued.', minLength: 1 }),
    statement: Type.Literal(SEQUENCING_STATEMENT, { description: 'What is attested.' }),
  },
  { ...closed, description: 'A Redline sequencing attestation predicate.' },
);
/** A sequencing attestation predicate. */
export type SequencingPredicate = Static<typeof SequencingPredicate>;
