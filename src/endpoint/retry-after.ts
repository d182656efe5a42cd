/**
 * Parses the headers a server uses to say when to come back: OpenAI's `retry-after-ms` and the standard
 * `Retry-After` (RFC 9110 §10.2.3: delta-seconds or an HTTP-date).
 */

/**
 * The longest wait honoured from a server (5 minutes). A larger value is capped to it: a misconfigured proxy
 * answering `Retry-After: 86400` must not park a unit of an evaluation run for a day.
 */
export const MAX_RETRY_AFTER_MS = 300_000;

/** The raw values of the two headers, as received (`undefined` when absent). */
export interface RetryAfterHeaders {
  /** `Retry-After`: delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`). */
  retryAfter?: string | undefined;
  /** `retry-after-ms` (OpenAI): milliseconds, possibly fractional. */
  retryAfterMs?: string | undefined;
}

// Non-negative decimal; a sign, an exponent, hex or an empty string is garbage.
const DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * The wait in milliseconds that the headers ask for, or `undefined` when neither header holds a valid value.
 * `retry-after-ms` wins over `Retry-After`; an HTTP-date in the past means 0; the result is capped at `maxMs`
 * (default MAX_RETRY_AFTER_MS) and rounded up to a whole millisecond.
 */
export function parseRetryAfter(
  headers: RetryAfterHeaders,
  nowMs: number,
  maxMs: number = MAX_RETRY_AFTER_MS,
): number | undefined {
  const ms = parseDecimal(headers.retryAfterMs);
  if (ms !== undefined) return Math.min(Math.ceil(ms), maxMs);
  const raw = headers.retryAfter?.trim();
  if (raw === undefined || raw === '') return undefined;
  // RFC 9110 only allows integer seconds; fractional seconds are accepted because some servers send them.
  const seconds = parseDecimal(raw);
  if (seconds !== undefined) return Math.min(Math.ceil(seconds * 1000), maxMs);
  const dateMs = parseHttpDate(raw, nowMs);
  if (dateMs === undefined) return undefined;
  return Math.min(Math.max(0, Math.ceil(dateMs - nowMs)), maxMs);
}

function parseDecimal(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// Day and month names are matched case-insensitively: being lenient here costs nothing.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`, 'i');

/**
 * Parses an HTTP-date in any of the three formats recipients must accept (RFC 9110 §5.6.7): IMF-fixdate, the
 * obsolete RFC 850 format (two-digit year, resolved against `nowMs`) and ANSI C's asctime(), all in GMT.
 * Returns epoch milliseconds, or `undefined` for anything else (including impossible dates such as 31 Feb).
 */
export function parseHttpDate(text: string, nowMs: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) return toEpochMs(match[3], match[2], match[1], match[4], match[5], match[6]);
  match = ASCTIME_DATE.exec(text);
  if (match !== null) return toEpochMs(match[6], match[1], match[2], match[3], match[4], match[5]);
  match = RFC850_DATE.exec(text);
  if (match === null) return undefined;
  // A two-digit year more than 50 years in the future means the most recent past year with those digits.
  const nowYear = new Date(nowMs).getUTCFullYear();
  let year = Math.floor(nowYear / 100) * 100 + Number(match[3]);
  if (year > nowYear + 50) year -= 100;
  return toEpochMs(String(year), match[2], match[1], match[4], match[5], match[6]);
}

function toEpochMs(
  yearText: string | undefined,
  monthText: string | undefined,
  dayText: string | undefined,
  hourText: string | undefined,
  minuteText: string | undefined,
  secondText: string | undefined,
): number | undefined {
  const month = MONTHS.indexOf((monthText ?? '').toLowerCase());
  const year = Number(yearText);
  const day = Number((dayText ?? '').trim());
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  if (month < 0 || hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  const dayMs = Date.UTC(year, month, day);
  const date = new Date(dayMs);
  // Date.UTC rolls 31 Feb into March: reject dates that do not exist.
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined;
  // The grammar allows second 60 (a leap second): it counts as the first second of the next minute.
  return dayMs + ((hour * 60 + minute) * 60 + second) * 1000;
}
