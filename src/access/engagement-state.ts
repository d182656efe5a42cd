/**
 * The state of a pre-release access engagement, derived from the records only (runs, issued assessments, issued
 * clearances) and an injected date: nothing is ever set by hand.
 *
 *   scheduled  today < start
 *   open       start <= today <= release, no qualifying run
 *   evaluated  a qualifying run exists (completed, same model and developer, finished within the window or
 *              recorded as belonging to this engagement)
 *   assessed   an assessment of that model and developer was issued after a qualifying run
 *   cleared    a sequencing attestation was issued for this engagement
 *   lapsed     today > release and no qualifying run
 */
import type { IssuedAssessment } from '../store/assessments.js';
import type { Clearance, Engagement } from '../store/engagements.js';
import type { RunRecord } from '../store/runs.js';
import { dayNumber, utcDateOf } from './day-number.js';

/** The states of an engagement. */
export type EngagementState = 'scheduled' | 'open' | 'evaluated' | 'assessed' | 'cleared' | 'lapsed';

/** Every engagement state, in lifecycle order. */
export const ENGAGEMENT_STATES: readonly EngagementState[] = [
  'scheduled',
  'open',
  'evaluated',
  'assessed',
  'cleared',
  'lapsed',
];

/** An open window with no completed run is flagged when this many days or fewer remain before release. */
export const WARN_DAYS_BEFORE_RELEASE = 7;

/** The records a state derives from (any model: they are filtered here). */
export interface EngagementEvidence {
  runs: readonly RunRecord[];
  assessments: readonly IssuedAssessment[];
  clearances: readonly Clearance[];
}

/** An engagement's derived status. */
export interface EngagementStatus {
  state: EngagementState;
  /** Days from `today` until the planned release: 0 on release day, negative after. */
  daysRemaining: number;
  /** What is late or about to be, or null. */
  overdue: string | null;
}

/** The runs that evaluate an engagement: completed, same model and developer, in its window or tagged with it. */
export function findQualifyingRuns(engagement: Engagement, runs: readonly RunRecord[]): RunRecord[] {
  return runs.filter((run) => {
    if (run.status !== 'completed' || run.finishedAt === null) return false;
    if (run.model !== engagement.model || run.developer !== engagement.developer) return false;
    if (run.engagementId === engagement.id) return true;
    const finished = utcDateOf(run.finishedAt);
    return engagement.startDate <= finished && finished <= engagement.releaseDate;
  });
}

/** The assessments of the engagement's model and developer issued at or after a qualifying run finished. */
export function findQualifyingAssessments(
  engagement: Engagement,
  qualifyingRuns: readonly RunRecord[],
  assessments: readonly IssuedAssessment[],
): IssuedAssessment[] {
  const firstFinish = qualifyingRuns
    .map((run) => Date.parse(run.finishedAt ?? ''))
    .filter((ms) => !Number.isNaN(ms))
    .reduce((min, ms) => Math.min(min, ms), Infinity);
  return assessments.filter(
    (a) =>
      a.model === engagement.model &&
      a.developer === engagement.developer &&
      Date.parse(a.issuedAt) >= firstFinish,
  );
}

/**
 * Derives an engagement's state, days to release and overdue note from the records, as of `today` (YYYY-MM-DD).
 *
 * @example
 * deriveEngagementStatus(engagement, { runs, assessments, clearances }, '2025-06-10'); // { state: 'open', ... }
 */
export function deriveEngagementStatus(
  engagement: Engagement,
  evidence: EngagementEvidence,
  today: string,
): EngagementStatus {
  const todayDay = dayNumber(today);
  const releaseDay = dayNumber(engagement.releaseDate);
  if (todayDay === undefined) throw new RangeError(`today must be a YYYY-MM-DD date (got "${today}")`);
  if (releaseDay === undefined) throw new RangeError(`engagement ${engagement.id}: bad release date`);
  const daysRemaining = releaseDay - todayDay;
  const status = (state: EngagementState, overdue: string | null = null): EngagementStatus => ({
    state,
    daysRemaining,
    overdue,
  });

  if (evidence.clearances.some((c) => c.engagementId === engagement.id)) return status('cleared');
  const runs = findQualifyingRuns(engagement, evidence.runs);
  if (runs.length > 0) {
    if (findQualifyingAssessments(engagement, runs, evidence.assessments).length > 0) {
      return status('assessed', daysRemaining < 0 ? 'release passed without a sequencing attestation' : null);
    }
    return status('evaluated', 'evaluated but no assessment issued');
  }
  if (today < engagement.startDate) return status('scheduled');
  if (daysRemaining < 0) return status('lapsed', 'release passed without evaluation');
  if (daysRemaining > WARN_DAYS_BEFORE_RELEASE) return status('open');
  return status(
    'open',
    daysRemaining === 0
      ? 'window ends today and no completed run yet'
      : `window ends in ${daysRemaining} day${daysRemaining === 1 ? '' : 's'} and no completed run yet`,
  );
}
