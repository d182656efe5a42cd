/**
 * The sealed advisory of the clearinghouse: an in-toto statement, signed by the operator (DSSE) and sealed to one
 * affected participant (src/crypto/assessment-file.ts, the same file format as assessments). One file per
 * participant, addressed to that participant only, so no participant learns who else is affected.
 */
import { Type, type Static } from '@sinclair/typebox';
import { RedlineError } from '../errors.js';
import { compileValidator } from '../schema/validate.js';

/** The predicate type of advisories. */
export const ADVISORY_PREDICATE_TYPE = 'urn:redline:predicate:vuln-advisory:v1';

const KeyId = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 key id.' });

/** The signed content of an advisory. */
export const AdvisoryPredicate = Type.Object(
  {
    advisoryId: Type.String({ minLength: 1, description: 'Unique per sealed file.' }),
    findingId: Type.String({ minLength: 1, description: 'The clearinghouse finding, RLV-<year>-<n>.' }),
    participant: Type.String({ minLength: 1, description: 'The affected participant it is addressed to.' }),
    recipients: Type.Array(KeyId, {
      minItems: 1,
      maxItems: 1,
      description: "The participant's X25519 key id: the opener must find its own key here.",
    }),
    operator: Type.String({ minLength: 1, description: 'The clearinghouse operator who issued it.' }),
    issuedAt: Type.String({ description: 'RFC 3339.' }),
    embargoUntil: Type.String({ description: 'RFC 3339: keep it confidential until then.' }),
    decision: Type.Object(
      {
        ssvc: Type.String({ description: 'CISA SSVC decision: track, track*, attend or act.' }),
        explanation: Type.String(),
        cvss: Type.Union([Type.Null(), Type.Object({ base: Type.Number(), vector: Type.String() })]),
      },
      { additionalProperties: false },
    ),
    osv: Type.Object(
      { id: Type.String() },
      { description: 'The OSV record of the finding (not yet public).' },
    ),
    affectedVersions: Type.Array(Type.String(), {
      description: "The participant's inventory versions the finding affects.",
    }),
    patch: Type.Union([
      Type.Null(),
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
          size: Type.Integer({ minimum: 0 }),
          contentBase64: Type.String(),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false, description: 'A Redline vulnerability advisory.' },
);
export type AdvisoryPredicate = Static<typeof AdvisoryPredicate>;

const validator = compileValidator(AdvisoryPredicate);

/** Checks an opened predicate is a well-formed advisory (E_MALFORMED naming the first bad field). */
export function checkAdvisoryPredicate(value: unknown, source: string): AdvisoryPredicate {
  if (validator.check(value)) return value;
  const first = validator.problems(value, { file: source })[0];
  throw new RedlineError(
    'E_MALFORMED',
    `${source}: not a valid advisory: ${first?.pointer === '' ? '/' : (first?.pointer ?? '/')}: ${first?.message ?? 'invalid'}`,
  );
}

/** True while the advisory's embargo holds at `now`. */
export function isEmbargoed(embargoUntil: string, now: Date): boolean {
  return now.getTime() < Date.parse(embargoUntil);
}
