/**
 * The clearinghouse's work queue: the SSVC decision leads, the CVSS base score breaks ties within a decision,
 * then age (older first) and finally the id, so the order is total and deterministic.
 */
import { RedlineError } from '../errors.js';
import type { CvssScore } from './cvss.js';
import type { SsvcDecision, SsvcOutcome } from './ssvc.js';

/** What the queue needs to know of a finding. */
export interface QueueEntry {
  id: string;
  decision: SsvcDecision;
  /** CVSS base score 0-10, or null when the finding has no vector. */
  score: number | null;
  /** ISO 8601 date or date-time (date-times need a `Z` or `±hh:mm` offset). */
  reportedAt: string;
}

// Higher is more urgent.
const DECISION_RANK: Readonly<Record<SsvcDecision, number>> = { act: 3, attend: 2, 'track*': 1, track: 0 };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Milliseconds since the epoch of an ISO 8601 date or date-time, or undefined (also for 2025-02-30, 24:00). */
function parseIsoMs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = ISO_DATE.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour = '0'] = match;
  // Date.parse rolls 2025-02-30 over to March and accepts hour 24: check the calendar fields first.
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const isRealDate = date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  const ms = Date.parse(text);
  return isRealDate && Number(hour) < 24 && !Number.isNaN(ms) ? ms : undefined;
}

function checkEntry(entry: QueueEntry, index: number): number {
  const where = `finding ${index} (${JSON.stringify(entry.id)})`;
  if (typeof entry.id !== 'string' || entry.id === '') {
    throw new RedlineError('E_USAGE', `${where}: id must be a non-empty string`);
  }
  if (!Object.hasOwn(DECISION_RANK, entry.decision)) {
    throw new RedlineError(
      'E_USAGE',
      `${where}: decision "${entry.decision}" must be act, attend, track* or track`,
    );
  }
  if (entry.score !== null && !(Number.isFinite(entry.score) && entry.score >= 0 && entry.score <= 10)) {
    throw new RedlineError('E_USAGE', `${where}: score ${entry.score} must be null or a number from 0 to 10`);
  }
  const reportedMs = parseIsoMs(entry.reportedAt);
  if (reportedMs === undefined) {
    throw new RedlineError('E_USAGE', `${where}: reportedAt "${entry.reportedAt}" must be an ISO 8601 date`);
  }
  return reportedMs;
}

/**
 * A new array of the findings in work order: decision (act > attend > track* > track), then CVSS base score
 * descending (null last), then reported time (older first), then id. E_USAGE for an entry with an unknown
 * decision, a score outside 0-10, or a reportedAt that is not an ISO 8601 date.
 *
 * @example
 * orderQueue([
 *   {id: 'b', decision: 'attend', score: 9.8, reportedAt: '2025-01-02'},
 *   {id: 'a', decision: 'act', score: null, reportedAt: '2025-01-03'},
 * ]).map((f) => f.id); // ['a', 'b']
 */
export function orderQueue<T extends QueueEntry>(findings: readonly T[]): T[] {
  const keyed = findings.map((finding, index) => ({ finding, reportedMs: checkEntry(finding, index) }));
  keyed.sort((a, b) => {
    const x = a.finding;
    const y = b.finding;
    if (x.decision !== y.decision) return DECISION_RANK[y.decision] - DECISION_RANK[x.decision];
    if (x.score !== y.score) {
      if (x.score === null) return 1;
      if (y.score === null) return -1;
      return y.score - x.score;
    }
    if (a.reportedMs !== b.reportedMs) return a.reportedMs - b.reportedMs;
    // Code-unit order, not localeCompare: the same on every machine.
    return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
  });
  return keyed.map((entry) => entry.finding);
}

/**
 * One line explaining a finding's priority: the SSVC decision and its path, then the CVSS base score that orders
 * findings within a decision (or that there is none).
 *
 * @example
 * explainDecision(decideSsvc({...}), scoreCvss('CVSS:3.1/...'));
 * // 'act: exploitation active > ... => act (CISA SSVC); CVSS 3.1 base 9.8 (Critical) CVSS:3.1/AV:N/...'
 */
export function explainDecision(ssvc: SsvcOutcome, cvss: CvssScore | null): string {
  const score =
    cvss === null
      ? 'no CVSS score (ranked after scored findings with the same decision)'
      : `CVSS ${cvss.declaredVersion} base ${cvss.base.toFixed(1)} (${cvss.severity})` +
        `${cvss.declaredVersion === cvss.version ? '' : ` scored as ${cvss.version}`} ${cvss.vector}`;
  return `${ssvc.decision}: ${ssvc.explanation}; ${score}`;
}
