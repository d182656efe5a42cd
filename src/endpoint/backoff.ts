/**
 * Retry delays: exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog),
 * never shorter than what the server asked for with Retry-After.
 */
import { MAX_RETRY_AFTER_MS } from './retry-after.js';

/** Backoff parameters, in milliseconds. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay; doubles with each further retry. */
  baseMs: number;
  /** Largest ceiling of the jittered delay. */
  maxMs: number;
  /** Largest Retry-After honoured (default MAX_RETRY_AFTER_MS); it may exceed `maxMs`. */
  maxRetryAfterMs?: number;
}

/**
 * The delay before retry number `attempt` (1 for the first retry): uniform in [0, min(maxMs, baseMs * 2^(attempt-1))],
 * drawn from `random()` (in [0, 1)). With `retryAfterMs` the delay is at least Retry-After (capped at
 * `maxRetryAfterMs`) plus a jitter of up to one `baseMs`, so that the units a burst of 429s sent away do not all
 * come back in the same millisecond. Whole milliseconds.
 *
 * @example backoffDelayMs(3, { baseMs: 250, maxMs: 30_000 }, Math.random) // somewhere in [0, 1000]
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  const retry = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  // 2 ** retry overflows to Infinity for huge attempts, which Math.min turns back into maxMs.
  const ceilingMs = Math.max(0, Math.min(options.maxMs, options.baseMs * 2 ** (retry - 1)));
  const u = Math.min(Math.max(random(), 0), 1);
  let delayMs = u * ceilingMs;
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0) {
    const floorMs = Math.min(retryAfterMs, options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS);
    delayMs = Math.max(delayMs, floorMs + u * Math.min(options.baseMs, ceilingMs));
  }
  return Math.ceil(delayMs);
}
