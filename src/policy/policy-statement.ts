/**
 * Signed policy versions (DESIGN.md §5, §6): a DSSE envelope (payloadType application/vnd.in-toto+json) over an
 * in-toto Statement v1 whose subject is `policy:<id>@v<version>` with the policy's digest (policy-digest.ts) and
 * whose predicate is `{policy, version, previous}`, `previous` being the sha256 of the version it replaces (null
 * for the first). The signed policy is the resolved one (defaults written out), so what the owners signed is
 * exactly what is applied. Several owners sign the same file in turn: each adds a signature, the payload never
 * changes. Parsing checks form only; who signed and whether the version may be applied is verify-policy.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import nacl from 'tweetnacl';
import { decodeBase64 } from '../crypto/canonical-bytes.js';
import { checkEnvelope, pae, signEnvelope, type DsseSigner } from '../crypto/dsse.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  buildStatement,
  parseStatement,
  serializeStatement,
} from '../crypto/statement.js';
import { RedlineError, formatProblem, isRedlineError, type Problem } from '../errors.js';
import type { DsseEnvelope, Statement } from '../schema/assessment.js';
import type { Policy } from '../schema/policy.js';
import { compileValidator } from '../schema/validate.js';
import { parsePolicy, validatePolicyValue, type ResolvedPolicy } from './load-policy.js';
import { policyDigest, resolvePolicy } from './policy-digest.js';

/** The in-toto predicateType of a policy version. */
export const POLICY_PREDICATE_TYPE = 'urn:redline:predicate:policy:v1';

const SHA256_HEX = '^[0-9a-f]{64}$';

/** The predicate of a policy statement. */
export const PolicyPredicate = Type.Object(
  {
    policy: Type.Unknown({
      description: 'The policy, defaults applied (validated against the Policy schema).',
    }),
    version: Type.Integer({ description: 'The version, equal to policy.version.', minimum: 1 }),
    previous: Type.Union([Type.String({ pattern: SHA256_HEX }), Type.Null()], {
      description: 'Lowercase hex sha256 of the policy this version replaces; null for the first version.',
    }),
  },
  { additionalProperties: false, description: 'A signed policy version (urn:redline:predicate:policy:v1).' },
);
/** The predicate of a policy statement, as validated. */
export type PolicyPredicate = Static<typeof PolicyPredicate>;

/** A parsed signed policy version; its signatures are NOT verified yet (see verifyPolicyUpdate). */
export interface SignedPolicy {
  /** The DSSE envelope as read. */
  envelope: DsseEnvelope;
  /** The in-toto statement the envelope carries. */
  statement: Statement;
  /** The policy, validated, defaults applied. */
  policy: ResolvedPolicy;
  /** The version (= policy.version). */
  version: number;
  /** The sha256 of the version this one replaces; null for the first. */
  previous: string | null;
  /** The policy's sha256 (policyDigest), equal to the statement's subject digest. */
  digest: string;
}

/** What {@link readPolicyFile} found: a signed version, or a plain policy file. */
export type PolicyFile =
  | ({ kind: 'signed' } & SignedPolicy)
  | {
      kind: 'plain';
      /** The policy, validated, defaults applied. */
      policy: ResolvedPolicy;
      /** Its sha256 (policyDigest). */
      digest: string;
    };

/** What {@link signPolicy} signs: a validated policy and the sha256 it replaces, or an envelope to add a signature to. */
export type SignPolicyInput = { policy: Policy | ResolvedPolicy; previous: string | null } | DsseEnvelope;

const predicateValidator = compileValidator(PolicyPredicate);

/**
 * The statement of a policy version (validates the policy again; E_SCHEMA when it is not valid, E_USAGE when
 * `previous` is not a lowercase hex sha256 or null).
 *
 * @example
 * const statement = createPolicyStatement(policy, active.isBuiltIn ? null : active.sha256);
 */
export function createPolicyStatement(policy: Policy | ResolvedPolicy, previous: string | null): Statement {
  const resolved = resolvePolicy(validatedPolicy(policy));
  if (previous !== null && !new RegExp(SHA256_HEX).test(previous)) {
    throw new RedlineError(
      'E_USAGE',
      `previous must be the lowercase hex sha256 of the active policy, or null for the first version (got ${JSON.stringify(previous)})`,
    );
  }
  const predicate: PolicyPredicate = { policy: resolved, version: resolved.version, previous };
  return buildStatement({
    subject: [{ name: subjectName(resolved), digest: { sha256: policyDigest(resolved) } }],
    predicateType: POLICY_PREDICATE_TYPE,
    predicate,
  });
}

/**
 * Signs a policy version. Given a policy and `previous`, makes a new envelope with this one signature; given an
 * envelope (another owner's output), checks it is a policy version and appends this signer's signature, leaving
 * the payload and the other signatures untouched. E_STATE when the envelope already has a signature by this key;
 * E_KEY when the secret key does not match its key id.
 *
 * @example
 * const byA = signPolicy({ policy, previous: null }, ownerA);
 * const byAandB = signPolicy(byA, ownerB);
 */
export function signPolicy(input: SignPolicyInput, signer: DsseSigner): DsseEnvelope {
  if (!('payloadType' in input)) {
    const statement = createPolicyStatement(input.policy, input.previous);
    return signEnvelope(serializeStatement(statement), IN_TOTO_PAYLOAD_TYPE, [signer]);
  }
  const { envelope } = parseSignedPolicyEnvelope(input, 'signed policy');
  const payload = decodeDsseBase64(envelope.payload);
  if (payload === undefined) throw new RedlineError('E_INTERNAL', 'payload decoded at parse, not now');
  // signEnvelope checks the secret key against its key id (E_KEY) before anything else.
  const [added] = signEnvelope(payload, envelope.payloadType, [signer]).signatures;
  if (added === undefined) throw new RedlineError('E_INTERNAL', 'signEnvelope returned no signature');
  const message = pae(envelope.payloadType, payload);
  const publicKey = signer.secretKey.subarray(32);
  const already = envelope.signatures.findIndex((s) => {
    if (s.keyid === signer.keyId) return true;
    const sig = decodeDsseBase64(s.sig);
    return sig !== undefined && sig.length === 64 && nacl.sign.detached.verify(message, sig, publicKey);
  });
  if (already !== -1) {
    throw new RedlineError(
      'E_STATE',
      `the policy is already signed by key ${signer.keyId} (signature ${already}): each owner signs once; pass the file to the next owner`,
    );
  }
  return {
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    signatures: [...envelope.signatures, added],
  };
}

/**
 * Parses a signed policy file (a DSSE envelope, JSON). E_MALFORMED when it is not a DSSE envelope over a policy
 * statement (bad JSON, payload type, base64, statement, predicate, subject not matching the policy), E_SCHEMA
 * when the policy in it is not valid; both name `file` and the JSON pointer (inside the payload: `file (payload)`).
 *
 * @example
 * const signed = parseSignedPolicy(await readFile('policy-v2.dsse.json', 'utf8'), 'policy-v2.dsse.json');
 */
export function parseSignedPolicy(text: string, file: string): SignedPolicy {
  let value: unknown;
  try {
    value = JSON.parse(stripBom(text));
  } catch (error) {
    throw malformed(file, '', `not valid JSON: ${(error as Error).message}`);
  }
  return parseSignedPolicyEnvelope(value, file);
}

/**
 * Reads either kind of policy file, for commands that take both (`policy diff`, `whatif`): a signed version (a
 * JSON object with `payloadType` or `signatures`) as {@link parseSignedPolicy}, otherwise a plain policy file
 * (JSON, or YAML for `.yaml`/`.yml`) as `parsePolicy`, keeping `owners` and `threshold`.
 *
 * @example
 * const read = readPolicyFile(text, 'proposed.json'); // read.kind: 'signed' | 'plain'
 */
export function readPolicyFile(text: string, file: string): PolicyFile {
  const body = stripBom(text);
  let value: unknown;
  let isJson = true;
  try {
    value = JSON.parse(body);
  } catch {
    isJson = false;
  }
  if (isJson && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if ('payloadType' in value || 'signatures' in value) {
      return { kind: 'signed', ...parseSignedPolicyEnvelope(value, file) };
    }
  }
  // parsePolicy reports syntax and schema problems located in the file; it drops owners/threshold, so the
  // (then certainly parseable) value is resolved again here.
  parsePolicy(text, file);
  const raw = (isJson ? value : parseYaml(body)) as Policy;
  const policy = resolvePolicy(raw);
  return { kind: 'plain', policy, digest: policyDigest(policy) };
}

/** `policy:<id>@v<version>`, the statement subject's name. */
function subjectName(policy: { id: string; version: number }): string {
  return `policy:${policy.id}@v${policy.version}`;
}

/**
 * Parses an already decoded envelope value (e.g. a stored one) as {@link parseSignedPolicy} does; also how the
 * verifier and the store re-derive every field from the envelope itself rather than trust a caller's copy.
 */
export function parseSignedPolicyEnvelope(value: unknown, file: string): SignedPolicy {
  let envelope: DsseEnvelope;
  try {
    envelope = checkEnvelope(value);
  } catch (error) {
    throw relocate(error, file, '');
  }
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw malformed(
      file,
      '/payloadType',
      `must be "${IN_TOTO_PAYLOAD_TYPE}" (got ${JSON.stringify(envelope.payloadType)})`,
    );
  }
  const payload = decodeDsseBase64(envelope.payload);
  if (payload === undefined) throw malformed(file, '/payload', 'is not base64');

  const inPayload = `${file} (payload)`;
  let statement: Statement;
  try {
    statement = parseStatement(payload);
  } catch (error) {
    throw relocate(error, inPayload, '');
  }
  if (statement.predicateType !== POLICY_PREDICATE_TYPE) {
    throw malformed(
      inPayload,
      '/predicateType',
      `must be "${POLICY_PREDICATE_TYPE}" (got ${JSON.stringify(statement.predicateType)}): not a signed policy`,
    );
  }
  const predicateProblems = predicateValidator.problems(statement.predicate, {
    file: inPayload,
    basePointer: '/predicate',
  });
  const first = predicateProblems[0];
  if (first !== undefined) {
    throw new RedlineError('E_MALFORMED', formatProblem(first), { details: { problems: predicateProblems } });
  }
  const predicate = statement.predicate as PolicyPredicate;
  const policy = resolvePolicy(validatedPolicy(predicate.policy, inPayload, '/predicate/policy'));
  if (predicate.version !== policy.version) {
    throw malformed(
      inPayload,
      '/predicate/version',
      `must equal the policy's version ${policy.version} (got ${predicate.version})`,
    );
  }
  const digest = policyDigest(policy);
  const [subject, ...more] = statement.subject;
  if (subject === undefined || more.length > 0) {
    throw malformed(
      inPayload,
      '/subject',
      `must name exactly one subject, the policy (got ${statement.subject.length})`,
    );
  }
  if (subject.name !== subjectName(policy)) {
    throw malformed(
      inPayload,
      '/subject/0/name',
      `must be ${JSON.stringify(subjectName(policy))} (got ${JSON.stringify(subject.name)})`,
    );
  }
  if (subject.digest.sha256 !== digest) {
    throw malformed(
      inPayload,
      '/subject/0/digest/sha256',
      `must be the sha256 of the policy in the predicate, ${digest} (got ${subject.digest.sha256})`,
    );
  }
  return { envelope, statement, policy, version: policy.version, previous: predicate.previous, digest };
}

/**
 * Validates a policy value with the policy checks of load-policy.ts (E_SCHEMA), its problems located under
 * `basePointer` in `file`; returns the value as a Policy (with owners/threshold, which validation keeps).
 */
function validatedPolicy(value: unknown, file = 'policy', basePointer = ''): Policy {
  try {
    validatePolicyValue(value, file);
  } catch (error) {
    if (!isRedlineError(error, 'E_SCHEMA') || basePointer === '') throw error;
    const problems = ((error.details as { problems?: Problem[] } | undefined)?.problems ?? []).map(
      (p): Problem => ({ ...p, pointer: basePointer + p.pointer }),
    );
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new RedlineError(
      'E_SCHEMA',
      `${file}: not a valid policy (${count}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
      { details: { problems }, cause: error },
    );
  }
  return value as Policy;
}

/** Re-raises an E_MALFORMED from the crypto layer, naming `file` instead of "DSSE envelope"/"in-toto statement". */
function relocate(error: unknown, file: string, basePointer: string): unknown {
  if (!isRedlineError(error, 'E_MALFORMED')) return error;
  const problems = (error.details as { problems?: Problem[] } | undefined)?.problems;
  if (problems === undefined || problems.length === 0) {
    const reason = error.message.replace(/^(DSSE envelope|in-toto statement): /, '');
    return malformed(file, basePointer, reason);
  }
  const located = problems.map((p): Problem => ({ ...p, file, pointer: basePointer + p.pointer }));
  return new RedlineError('E_MALFORMED', formatProblem(located[0] as Problem), {
    details: { problems: located },
    cause: error,
  });
}

function malformed(file: string, pointer: string, message: string): RedlineError {
  const problem: Problem = { file, pointer, message };
  return new RedlineError('E_MALFORMED', formatProblem(problem), { details: { problems: [problem] } });
}

/** DSSE base64: standard or URL-safe alphabet, padding optional (envelope.md); `undefined` when invalid. */
function decodeDsseBase64(text: string): Uint8Array | undefined {
  const standard = text.replaceAll('-', '+').replaceAll('_', '/');
  if (standard.includes('=')) return decodeBase64(standard);
  return decodeBase64(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='));
}

function stripBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
