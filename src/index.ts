/**
 * Redline's library core: the public API, as explicit named exports. The `redline` command (harness/) is built on
 * these; labs can use them directly to script evaluations, reports and assessments.
 *
 * @example
 * import { openSuite, openStore, buildReport } from 'redline';
 * const report = buildReport(openStore('redline.db', { readonly: true }), runId);
 */
export { RedlineError, isRedlineError, formatProblem, toErrorData, ERROR_CODES } from './errors.js';
export type { ErrorCode, ErrorData, Problem } from './errors.js';

export { SuiteFile, Sample, ScorerSpec, SuiteDefaults, Category } from './schema/suite.js';
export { Policy } from './schema/policy.js';
export { KeyEntry, KEY_ROLES } from './schema/key-entry.js';
export type { KeyRole } from './schema/key-entry.js';
export { AssessmentFile } from './schema/assessment.js';
export { compileValidator } from './schema/validate.js';

export { openSuite } from './suite/load-suite.js';
export type { SuiteHandle, SuiteHeader } from './suite/load-suite.js';
export { validateSuite } from './suite/validate-suite.js';
export { sealSuite } from './suite/seal-suite.js';
export { openSealedSuite, validateSealedSuite, isSealedSuite } from './suite/open-sealed-suite.js';
export { selectSamples } from './suite/select-samples.js';
export { canonicalJson } from './suite/canonical-json.js';

export { buildMessages } from './scoring/build-messages.js';
export type { ChatMessage } from './scoring/build-messages.js';
export { scoreOutput, resolveScorer } from './scoring/registry.js';
export type { Score } from './scoring/registry.js';
export { checkSample } from './scoring/check-sample.js';

export { summarizeScores, summarizeStats } from './aggregate/summarize.js';
export type { ScoreSummary, IntervalMethod } from './aggregate/summarize.js';
export { parseReducer, reduceEpochs, passAtK } from './aggregate/reducers.js';
export type { EpochReducer } from './aggregate/reducers.js';
export { designate, designateFromStats } from './aggregate/designate.js';
export type { Designation } from './aggregate/designate.js';
export { kleeneAnd, kleeneOr } from './aggregate/kleene.js';
export type { Decision } from './aggregate/kleene.js';

export { parsePolicy, validatePolicyValue } from './policy/load-policy.js';
export type { ResolvedPolicy } from './policy/load-policy.js';
export { DEFAULT_POLICY } from './policy/default-policy.js';

export { openStore, SCHEMA_VERSION } from './store/open-store.js';
export type { Db } from './store/open-store.js';
export { convertStore } from './store/convert-store.js';
export type { ConvertStoreOptions, ConvertedStore } from './store/convert-store.js';
export { STORE_CIPHER } from './store/store-cipher.js';
export type { StoreKey } from './store/store-cipher.js';
export { readStoreFileKind } from './store/store-file-kind.js';
export { getRun, listRuns } from './store/runs.js';
export type { RunRecord, RunStatus } from './store/runs.js';
export { countResults, iterateScores, getSampleResults } from './store/results.js';

export { buildReport } from './report/build-report.js';
export type { RunReport } from './report/build-report.js';
export { buildComparison } from './compare/build-comparison.js';
export { compareRuns } from './compare/compare-runs.js';
export type { ComparedRun, RunComparison } from './compare/compare-runs.js';
export { buildAssessment, ASSESSMENT_PREDICATE_TYPE } from './assessment/build-assessment.js';
export type { AssessmentPredicate } from './assessment/build-assessment.js';

export { keyIdOf } from './crypto/key-id.js';
export { deriveDbKey } from './crypto/db-key.js';
export {
  generateKeySet,
  writeKeySet,
  loadSigningKey,
  loadAgeIdentity,
  loadPublicKey,
  loadKeyEntry,
} from './crypto/key-files.js';
export { listKeyring, findKey, findByRole, findByKeyId, addToKeyring } from './crypto/keyring.js';
export { signFile, verifyFileSignature } from './crypto/minisign-signature.js';
export { sealBox, openSealedBox } from './crypto/sealed-box.js';
export { pae, signEnvelope, verifyEnvelope } from './crypto/dsse.js';
export { buildStatement, parseStatement, IN_TOTO_PAYLOAD_TYPE } from './crypto/statement.js';
export {
  sealStatement,
  openStatement,
  sealEnvelopeFile,
  openEnvelopeFile,
} from './crypto/assessment-file.js';

export { appendAudit } from './audit/append-audit.js';
export type { AuditEventType } from './audit/append-audit.js';
export { createCheckpoint, parseCheckpoint, verifyCheckpointSignature } from './audit/checkpoint.js';
export { verifyAudit } from './audit/verify-audit.js';
export { listAudit } from './audit/read-audit.js';
export { merkleRoot } from './audit/merkle.js';

export { scoreCvss, rateCvssSeverity } from './vuln/cvss.js';
export type { CvssScore } from './vuln/cvss.js';
export { decideSsvc, missionWellbeingFrom, prevalenceFromSectors, CISA_SSVC_TREE } from './vuln/ssvc.js';
export type { SsvcDecision, SsvcInputs, SsvcOutcome } from './vuln/ssvc.js';
export { deriveSsvcInputs } from './vuln/triage.js';
export type { Triage } from './vuln/triage.js';
export { orderQueue, explainDecision } from './vuln/prioritise.js';
export { buildQueue } from './vuln/build-queue.js';
export type { QueueItem } from './vuln/build-queue.js';
export { parseOsv } from './vuln/parse-osv.js';
export { parseSarif } from './vuln/parse-sarif.js';
export type { Finding } from './vuln/finding.js';
export { fingerprintFinding, mergeFindings } from './vuln/fingerprint.js';
export { findConflicts, claimsConflict, validateScanClaim } from './vuln/scan-claims.js';
export type { ScanClaim, ClaimScope } from './vuln/scan-claims.js';
export { findAffectedParticipants, isVersionAffected } from './vuln/affected.js';
export { findingToOsv } from './vuln/export-osv.js';
export { ADVISORY_PREDICATE_TYPE, checkAdvisoryPredicate, isEmbargoed } from './vuln/advisory.js';
export type { AdvisoryPredicate } from './vuln/advisory.js';
export { checkReproducerManifest, matchSignal, reproducerDigest } from './vuln/reproducer.js';
export type { Reproducer, ReproductionTranscript } from './vuln/reproducer.js';
