/**
 * The sequencing attestation: a plain (unsealed) DSSE envelope over an in-toto Statement, signed by the
 * evaluator, stating that the government evaluation of a model under EO 14409 completed on a date, before access
 * for the engagement's trusted partners. It names runs, suites and assessment file digests, never scores.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { signEnvelope, verifyEnvelope, type DsseSigner, type TrustedKey } from '../crypto/dsse.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  buildStatement,
  parseStatement,
  serializeStatement,
} from '../crypto/statement.js';
import { RedlineError } from '../errors.js';
import type { DsseEnvelope } from '../schema/assessment.js';
import { compileValidator } from '../schema/validate.js';
import type { IssuedAssessment } from '../store/assessments.js';
import type { Engagement } from '../store/engagements.js';
import type { RunRecord } from '../store/runs.js';
import { utcDateOf } from './day-number.js';
import { findQualifyingAssessments, findQualifyingRuns } from './engagement-state.js';
import {
  SEQUENCING_PREDICATE_TYPE,
  SEQUENCING_STATEMENT,
  SequencingPredicate,
} from './sequencing-predicate.js';

/** What an attestation is built from: the engagement, all runs and assessments (filtered here), the signer. */
export interface SequencingInput {
  engagement: Engagement;
  runs: readonly RunRecord[];
  assessments: readonly IssuedAssessment[];
  /** ISO 8601; the caller owns the clock. */
  issuedAt: string;
  /** The evaluator's Ed25519 key. */
  signer: DsseSigner;
}

/** A built attestation: its predicate, its envelope and the exact file text. */
export interface SequencingAttestation {
  predicate: SequencingPredicate;
  envelope: DsseEnvelope;
  /** The file content: the envelope as two-space JSON with a final newline. */
  text: string;
}

/** The in-toto subject name of a model. */
export function modelSubjectName(model: string): string {
  return `model:${model}`;
}

/**
 * The predicate for an engagement from the records; E_NOT_ASSESSED when no completed run of the engagement has
 * been followed by an issued assessment.
 */
export function buildSequencingPredicate(
  engagement: Engagement,
  runs: readonly RunRecord[],
  assessments: readonly IssuedAssessment[],
  issuedAt: string,
): SequencingPredicate {
  const evaluated = findQualifyingRuns(engagement, runs).sort((a, b) =>
    (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''),
  );
  const assessed = findQualifyingAssessments(engagement, evaluated, assessments);
  const last = evaluated.at(-1);
  if (last?.finishedAt == null || assessed.length === 0) {
    throw new RedlineError(
      'E_NOT_ASSESSED',
      `engagement ${engagement.id} of ${engagement.model}: ` +
        (last === undefined
          ? 'no completed run in its window yet'
          : 'no assessment issued after its completed runs yet') +
        '; run the evaluation and issue the assessment ("redline assess") first',
    );
  }
  return {
    engagement: {
      id: engagement.id,
      developer: engagement.developer,
      model: engagement.model,
      startDate: engagement.startDate,
      releaseDate: engagement.releaseDate,
      partners: [...engagement.partners],
    },
    completedAt: utcDateOf(last.finishedAt),
    runs: evaluated.map((run) => ({
      runId: run.id,
      suite: { id: run.suite.id, version: run.suite.version, sha256: run.suite.sha256 },
    })),
    assessments: assessed.map((a) => ({ assessmentId: a.id, fileSha256: a.fileSha256 })),
    issuedAt,
    statement: SEQUENCING_STATEMENT,
  };
}

/**
 * Builds and signs the sequencing attestation of an engagement (E_NOT_ASSESSED before any assessment).
 *
 * @example
 * const { text } = buildSequencingAttestation({ engagement, runs, assessments, issuedAt, signer });
 */
export function buildSequencingAttestation(input: SequencingInput): SequencingAttestation {
  const predicate = buildSequencingPredicate(input.engagement, input.runs, input.assessments, input.issuedAt);
  const statement = buildStatement({
    // The weights are not available to the harness: the digest is of the model's name.
    subject: [
      {
        name: modelSubjectName(predicate.engagement.model),
        digest: { sha256: sha256Hex(predicate.engagement.model) },
      },
    ],
    predicateType: SEQUENCING_PREDICATE_TYPE,
    predicate,
  });
  const envelope = signEnvelope(serializeStatement(statement), IN_TOTO_PAYLOAD_TYPE, [input.signer]);
  return { predicate, envelope, text: `${JSON.stringify(envelope, null, 2)}\n` };
}

/**
 * Verifies an attestation file's text against the one trusted evaluator key and returns its predicate. Throws
 * E_MALFORMED (not JSON, not DSSE, not an in-toto sequencing statement, subject not the model),
 * E_UNTRUSTED_SIGNER (not signed by the trusted key) or E_TAMPERED (altered after signing).
 *
 * @example
 * const predicate = verifySequencingAttestation(text, { keyId, publicKey });
 */
export function verifySequencingAttestation(text: string, trusted: TrustedKey): SequencingPredicate {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RedlineError('E_MALFORMED', `sequencing attestation: not JSON (${(error as Error).message})`);
  }
  const verified = verifyEnvelope(value, [trusted]);
  if (verified.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw malformed(`payloadType is "${verified.payloadType}", not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  const statement = parseStatement(verified.payload);
  if (statement.predicateType !== SEQUENCING_PREDICATE_TYPE) {
    throw malformed(`predicateType is "${statement.predicateType}", not ${SEQUENCING_PREDICATE_TYPE}`);
  }
  const validator = compileValidator(SequencingPredicate);
  const predicate: unknown = statement.predicate;
  if (!validator.check(predicate)) {
    const first = validator.problems(predicate, { file: 'predicate' })[0];
    throw malformed(`/predicate${first?.pointer ?? ''}: ${first?.message ?? 'is invalid'}`);
  }
  const model = predicate.engagement.model;
  const subject = statement.subject;
  if (
    subject.length !== 1 ||
    subject[0]?.name !== modelSubjectName(model) ||
    subject[0].digest.sha256 !== sha256Hex(model)
  ) {
    throw malformed(`the subject is not the attested model ${modelSubjectName(model)}`);
  }
  return predicate;
}

function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

function malformed(what: string): RedlineError {
  return new RedlineError('E_MALFORMED', `sequencing attestation: ${what}`);
}
