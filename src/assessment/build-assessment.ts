/**
 * The shared assessment of a developer's model: what leaves the lab. Built from completed runs of that developer's
 * model, it carries scores, intervals, error counts and the designation, and never a benchmark item: no sample id,
 * input, choice, target or response (a test checks this on the decrypted file).
 */
import { kleeneOr, type Decision } from '../aggregate/kleene.js';
import type { Interval } from '../aggregate/interval.js';
import { RedlineError } from '../errors.js';
import { policyDigest } from '../policy/policy-digest.js';
import { buildReport } from '../report/build-report.js';
import type { Db } from '../store/open-store.js';
import { activePolicy } from '../store/policies.js';
import { getRun } from '../store/runs.js';

/** How much a developer sees: overall figures only, or per category too. */
export type AssessmentDetail = 'summary' | 'categories';

/** The in-toto predicate type of a Redline assessment. */
export const ASSESSMENT_PREDICATE_TYPE = 'urn:redline:predicate:assessment:v1';

/** An estimate with its interval and sample count. */
export interface AssessedScore {
  mean: number | null;
  ci: Interval | null;
  n: number;
}

/** One run as the developer sees it. */
export interface AssessedRun {
  runId: string;
  /** `classification`: the suite's marking, only under a policy with `shareClassification: true`. */
  suite: { id: string; version: string; sha256: string; classification?: string };
  completedAt: string;
  epochs: number;
  samples: { total: number; scored: number; errors: number };
  overall: AssessedScore & { weighted: { mean: number | null; ci: Interval | null } };
  categories?: Record<string, AssessedScore & { weight: number }>;
  designation: { decision: Decision; metric: string; cutoff: number; basis: string; confidence: number };
}

/** The predicate of the assessment statement. */
export interface AssessmentPredicate {
  assessmentId: string;
  issuedAt: string;
  evaluator: { keyId: string };
  /** Key ids (X25519) of the recipients: signed, so a recipient cannot re-address the envelope. */
  recipients: string[];
  developer: string;
  model: string;
  detail: AssessmentDetail;
  policy: { id: string; version: number; sha256: string };
  /** Kleene OR of the runs' decisions: covered when any run shows the model above the cutoff. */
  designation: { decision: Decision; basis: 'any-run' };
  runs: AssessedRun[];
}

/** Inputs of buildAssessment. */
export interface BuildAssessmentOptions {
  runIds: readonly string[];
  developer: string;
  evaluatorKeyId: string;
  recipientKeyIds: readonly string[];
  detail: AssessmentDetail;
  issuedAt: string;
  /** A fresh id (the caller owns randomness: src/ stays deterministic). */
  assessmentId: string;
}

/**
 * Builds the assessment predicate, every run decided under the lab's active policy (recorded by id, version and
 * sha256); refuses runs of another developer (E_ACCESS), runs not completed (E_STATE), runs of different models
 * (E_USAGE).
 *
 * @example
 * const predicate = buildAssessment(db, { runIds: [id], developer: 'acme', evaluatorKeyId, recipientKeyIds, ... });
 */
export function buildAssessment(db: Db, options: BuildAssessmentOptions): AssessmentPredicate {
  if (options.runIds.length === 0) throw new RedlineError('E_USAGE', 'name at least one run to assess');
  const runs = [...new Set(options.runIds)].map((id) => getRun(db, id));
  for (const run of runs) {
    if (run.developer !== options.developer) {
      throw new RedlineError(
        'E_ACCESS',
        `run ${run.id} belongs to ${run.developer === null ? 'no developer (run without --developer)' : `developer "${run.developer}"`}, ` +
          `not "${options.developer}": an assessment may only carry a developer's own runs`,
      );
    }
    if (run.status !== 'completed') {
      throw new RedlineError(
        'E_STATE',
        `run ${run.id} is ${run.status}, not completed: resume it before assessing it`,
      );
    }
  }
  const model = runs[0]!.model;
  const other = runs.find((r) => r.model !== model);
  if (other !== undefined) {
    throw new RedlineError(
      'E_USAGE',
      `runs are of different models (${model}, ${other.model}): assess one model at a time`,
    );
  }
  const { policy } = activePolicy(db);
  const policySha = policyDigest(policy);

  const assessed = runs.map((run): AssessedRun => {
    const report = buildReport(db, run.id, { policy });
    const d = report.designation;
    const entry: AssessedRun = {
      runId: run.id,
      suite: {
        ...report.suite,
        ...(policy.shareClassification === true && run.suite.classification !== undefined
          ? { classification: run.suite.classification }
          : {}),
      },
      completedAt: run.finishedAt ?? run.updatedAt,
      epochs: report.epochs,
      samples: report.samples,
      overall: {
        mean: report.overall.mean,
        ci: report.overall.ci,
        n: report.overall.n,
        weighted: { mean: report.overall.weighted.mean, ci: report.overall.weighted.ci },
      },
      designation: {
        decision: d.decision,
        metric: d.metric,
        cutoff: d.cutoff,
        basis: d.basis,
        confidence: d.confidence,
      },
    };
    if (options.detail === 'categories') {
      entry.categories = Object.fromEntries(
        Object.entries(report.categories).map(([name, c]) => [
          name,
          { mean: c.mean, ci: c.ci, n: c.n, weight: c.weight },
        ]),
      );
    }
    return entry;
  });

  return {
    assessmentId: options.assessmentId,
    issuedAt: options.issuedAt,
    evaluator: { keyId: options.evaluatorKeyId },
    recipients: [...options.recipientKeyIds],
    developer: options.developer,
    model,
    detail: options.detail,
    policy: { id: policy.id, version: policy.version, sha256: policySha },
    designation: { decision: kleeneOr(...assessed.map((r) => r.designation.decision)), basis: 'any-run' },
    runs: assessed,
  };
}
