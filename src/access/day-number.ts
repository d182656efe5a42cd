/**
 * Calendar dates of engagement windows: `YYYY-MM-DD`, UTC, compared as whole days (no clock, no time zone).
 */

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` calendar date, or undefined when it is not one (e.g. 2025-02-30). */
export function dayNumber(date: string): number | undefined {
  const match = DATE_PATTERN.exec(date);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 02-30 over to 03-02: a real date survives the round trip unchanged.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    return undefined;
  }
  return ms / MS_PER_DAY;
}

/** True when `date` is a real `YYYY-MM-DD` calendar date. */
export function isCalendarDate(date: string): boolean {
  return dayNumber(date) !== undefined;
}

/** The UTC calendar date (`YYYY-MM-DD`) of an ISO 8601 timestamp or of a Date. */
export function utcDateOf(at: string | Date): string {
  return (typeof at === 'string' ? new Date(at) : at).toISOString().slice(0, 10);
}

/** The calendar date `days` after `date` (negative: before). */
export function addDays(date: string, days: number): string {
  const start = dayNumber(date);
  if (start === undefined) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return new Date((start + days) * MS_PER_DAY).toISOString().slice(0, 10);
}
