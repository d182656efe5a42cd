/**
 * Adaptive concurrency for a rate-limited endpoint: additive increase, multiplicative decrease (AIMD), the
 * congestion control of TCP Reno, as in promptfoo's scheduler and Inspect's adaptive connections. Pure: the
 * caller passes the time.
 */
import { RedlineError } from '../errors.js';

/** Parameters of an AimdLimiter. */
export interface AimdOptions {
  /** Upper bound of the limit, and its starting value (the configured --concurrency). */
  max: number;
  /** Lower bound of the limit (default 1). */
  min?: number;
  /** Factor applied on a decrease, in (0, 1) (default 0.5). */
  decreaseFactor?: number;
  /**
   * After a decrease, further rate-limit signals are ignored for this long: the requests already in flight when
   * the server started refusing all come back 429, and they are one signal, not many. About one request
   * round trip is right.
   */
  cooldownMs: number;
}

/** An AIMD concurrency limit: read `limit`, report every success and every rate-limit refusal. */
export class AimdLimiter {
  /** Upper bound of the limit. */
  readonly max: number;
  /** Lower bound of the limit. */
  readonly min: number;
  /** Factor applied on a decrease. */
  readonly decreaseFactor: number;
  /** Minimum time between two decreases. */
  readonly cooldownMs: number;
  #limit: number;
  #successes = 0;
  #lastDecreaseMs: number | undefined;

  constructor(options: AimdOptions) {
    const min = options.min ?? 1;
    const decreaseFactor = options.decreaseFactor ?? 0.5;
    if (!Number.isInteger(options.max) || options.max < 1) {
      throw new RedlineError('E_USAGE', `concurrency: must be an integer >= 1 (got ${options.max})`);
    }
    if (!Number.isInteger(min) || min < 1 || min > options.max) {
      throw new RedlineError(
        'E_USAGE',
        `minimum concurrency: must be an integer in [1, ${options.max}] (got ${min})`,
      );
    }
    if (!(decreaseFactor > 0 && decreaseFactor < 1)) {
      throw new RedlineError(
        'E_USAGE',
        `concurrency decrease factor: must be in (0, 1) (got ${decreaseFactor})`,
      );
    }
    if (!(options.cooldownMs >= 0)) {
      throw new RedlineError('E_USAGE', `concurrency cooldown: must be >= 0 ms (got ${options.cooldownMs})`);
    }
    this.max = options.max;
    this.min = min;
    this.decreaseFactor = decreaseFactor;
    this.cooldownMs = options.cooldownMs;
    this.#limit = options.max;
  }

  /** How many requests may be in flight now. */
  get limit(): number {
    return this.#limit;
  }

  /** Reports a completed request: after `limit` consecutive successes (about one window), the limit grows by 1. */
  onSuccess(): void {
    if (this.#limit >= this.max) return;
    this.#successes += 1;
    if (this.#successes >= this.#limit) {
      this.#limit += 1;
      this.#successes = 0;
    }
  }

  /**
   * Reports a rate-limit refusal (429) at `nowMs`: multiplies the limit by `decreaseFactor` (rounded down, not
   * below `min`) unless it already decreased within `cooldownMs`. Returns whether the limit decreased.
   */
  onRateLimited(nowMs: number): boolean {
    this.#successes = 0;
    if (this.#lastDecreaseMs !== undefined && nowMs - this.#lastDecreaseMs < this.cooldownMs) return false;
    this.#lastDecreaseMs = nowMs;
    const next = Math.max(this.min, Math.floor(this.#limit * this.decreaseFactor));
    if (next === this.#limit) return false;
    this.#limit = next;
    return true;
  }
}
