/**
 * Timers that fire at their deadline on average. Node's setTimeout fires late: it counts from the event loop's
 * cached millisecond and runs on the first turn after expiry, behind whatever else that turn handles (a wave of
 * replies falling due together). Measured in the simulator under a 128-request load, a 50 ms timer fired after
 * 50.7 ms on average, so a simulator configured for 50 ms answered slower than the model it simulates. These timers
 * keep a running mean of that lateness and start each timer that much early, so that the mean delay is the one asked
 * for (single timers still land within about a millisecond either side).
 */

/** The clock and timer functions a DeadlineTimers uses (tests pass their own). */
export interface TimerHost {
  now(): number;
  setTimeout(fire: () => void, ms: number): NodeJS.Timeout;
}

const NODE_HOST: TimerHost = {
  now: () => performance.now(),
  setTimeout: (fire, ms) => setTimeout(fire, ms),
};

// Weight of the newest lateness in the running mean: about the last 30 timers count.
const ALPHA = 1 / 32;

/** Schedules callbacks at deadlines (in `host.now()` time), correcting for the timers' measured lateness. */
export class DeadlineTimers {
  #lateness = 0;
  #carry = 0;
  readonly #host: TimerHost;

  constructor(host: TimerHost = NODE_HOST) {
    this.#host = host;
  }

  /** The running mean of how late timers fired, in ms (negative when they fired early). */
  get latenessMs(): number {
    return this.#lateness;
  }

  /**
   * Calls `fire` at `dueMs` (a `host.now()` time) on average; at once (on the next turn) when it has passed.
   *
   * @example timers.at(arrivedAt + 50, reply)
   */
  at(dueMs: number, fire: () => void): NodeJS.Timeout {
    const scheduledAt = this.#host.now();
    // Whole milliseconds, as Node's timer lists are keyed by duration; each rounding error is carried into the next
    // wait, so that they cancel out.
    const exactMs = dueMs - scheduledAt - this.#lateness + this.#carry;
    const waitMs = Math.max(1, Math.round(exactMs));
    this.#carry = Math.max(-1, Math.min(1, exactMs - waitMs));
    return this.#host.setTimeout(() => {
      this.#lateness += (this.#host.now() - scheduledAt - waitMs - this.#lateness) * ALPHA;
      fire();
    }, waitMs);
  }
}
