/**
 * in-toto Statement v1 (in-toto/attestation spec/v1/statement.md): what an assessment's DSSE envelope signs.
 * Statements are serialised as canonical JSON (sorted keys, no whitespace), so the same statement always gives
 * the same signed bytes.
 */
import { RedlineError } from '../errors.js';
import { STATEMENT_TYPE, Statement, type StatementSubject } from '../schema/assessment.js';
import { compileValidator } from '../schema/validate.js';
import { canonicalJson } from '../suite/canonical-json.js';
import { decodeUtf8, encodeUtf8 } from './canonical-bytes.js';

/** The DSSE payloadType of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/**
 * Builds an in-toto Statement v1 and checks it against the schema (E_MALFORMED when it does not conform, e.g. a
 * digest that is not lowercase hex SHA-256).
 *
 * @example
 * const statement = buildStatement({
 *   subject: [{ name: 'run-42', digest: { sha256: runDigest } }],
 *   predicateType: 'https://redline.example/assessment/v1',
 *   predicate: { recipients: [developerKeyId], designation: 'covered' },
 * });
 */
export function buildStatement<P extends object>(parts: {
  subject: StatementSubject[];
  predicateType: string;
  predicate: P;
}): Statement {
  // Any object type is accepted (interfaces have no index signature); the schema checks it is a JSON object.
  return checkStatement({
    _type: STATEMENT_TYPE,
    subject: parts.subject,
    predicateType: parts.predicateType,
    predicate: parts.predicate,
  });
}

/** The signed bytes of a statement: UTF-8 canonical JSON. */
export function serializeStatement(statement: Statement): Uint8Array {
  return encodeUtf8(canonicalJson(statement));
}

/** Parses the bytes of a statement (UTF-8 JSON); throws E_MALFORMED when they are not an in-toto Statement v1. */
export function parseStatement(bytes: Uint8Array): Statement {
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new RedlineError('E_MALFORMED', 'in-toto statement: not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RedlineError('E_MALFORMED', `in-toto statement: not valid JSON: ${(error as Error).message}`);
  }
  return checkStatement(value);
}

/** Checks a value against the Statement v1 schema; throws E_MALFORMED naming the first bad field. */
export function checkStatement(value: unknown): Statement {
  const validator = compileValidator(Statement);
  if (validator.check(value)) return value;
  const problems = validator.problems(value, { file: 'in-toto statement' });
  const first = problems[0];
  throw new RedlineError(
    'E_MALFORMED',
    `in-toto statement: ${first === undefined || first.pointer === '' ? '/' : first.pointer}: ${first?.message ?? 'is invalid'}`,
    { details: { problems } },
  );
}
