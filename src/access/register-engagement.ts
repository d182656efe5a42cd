/**
 * The checks of a new pre-release access engagement (EO 14409): a real window of at most 30 days before the
 * planned release, a developer the keyring knows, and no overlap with another engagement for the same model.
 */
import { RedlineError } from '../errors.js';
import type { Engagement } from '../store/engagements.js';
import { dayNumber } from './day-number.js';

/** The longest access window the order allows, in days from start to planned release (inclusive of 30). */
export const MAX_WINDOW_DAYS = 30;

/** What a registration asks for. */
export interface EngagementRequest {
  /** Developer id: a keyring entry of role developer. */
  developer: string;
  /** The covered model's name, as runs name it (`--model`). */
  model: string;
  /** YYYY-MM-DD (UTC): access opens. */
  startDate: string;
  /** YYYY-MM-DD (UTC): the planned release. */
  releaseDate: string;
}

/**
 * Refuses an engagement that the order or the lab's records do not allow, in this order: E_USAGE (a date that is
 * not a real YYYY-MM-DD, an empty model or developer), E_WINDOW_ORDER, E_WINDOW_TOO_LONG, E_UNKNOWN_KEY (the
 * developer is not a developer key of the keyring), E_WINDOW_OVERLAP (inclusive ranges, same model, naming the
 * other engagement).
 *
 * @example
 * checkEngagement({ developer: 'acme', model: 'm1', startDate: '2025-06-01', releaseDate: '2025-06-30' }, [], true);
 */
export function checkEngagement(
  input: EngagementRequest,
  existing: readonly Engagement[],
  developerKnown: boolean,
): void {
  for (const [name, value] of [
    ['developer', input.developer],
    ['model', input.model],
  ] as const) {
    if (value.trim() === '') throw new RedlineError('E_USAGE', `engagement: the ${name} must not be empty`);
  }
  const start = checkDate('start', input.startDate);
  const release = checkDate('release', input.releaseDate);
  if (start > release) {
    throw new RedlineError(
      'E_WINDOW_ORDER',
      `engagement: start ${input.startDate} is after the planned release ${input.releaseDate}; access opens before release`,
    );
  }
  const days = release - start;
  if (days > MAX_WINDOW_DAYS) {
    throw new RedlineError(
      'E_WINDOW_TOO_LONG',
      `engagement: ${input.startDate} to ${input.releaseDate} is ${days} days before release; EO 14409 limits ` +
        `pre-release access to ${MAX_WINDOW_DAYS} days: start on or after the release minus ${MAX_WINDOW_DAYS} days`,
      { details: { days, maxDays: MAX_WINDOW_DAYS } },
    );
  }
  if (!developerKnown) {
    throw new RedlineError(
      'E_UNKNOWN_KEY',
      `engagement: no developer key "${input.developer}" in the keyring; import its public entry with "redline keys add"`,
    );
  }
  const clash = existing.find(
    (e) =>
      e.model === input.model &&
      (dayNumber(e.startDate) ?? Infinity) <= release &&
      start <= (dayNumber(e.releaseDate) ?? -Infinity),
  );
  if (clash !== undefined) {
    throw new RedlineError(
      'E_WINDOW_OVERLAP',
      `engagement: ${input.startDate}..${input.releaseDate} overlaps engagement ${clash.id} of ${clash.model} ` +
        `(${clash.developer}, ${clash.startDate}..${clash.releaseDate}); choose dates outside it`,
      { details: { engagementId: clash.id } },
    );
  }
}

function checkDate(name: string, date: string): number {
  const day = dayNumber(date);
  if (day === undefined) {
    throw new RedlineError(
      'E_USAGE',
      `engagement: ${name} date must be a real YYYY-MM-DD date (got "${date}")`,
    );
  }
  return day;
}
