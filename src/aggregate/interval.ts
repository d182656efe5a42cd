/**
 * Confidence intervals of a score in [0, 1], and the checks shared by every interval method.
 */
import { RedlineError } from '../errors.js';

/** A closed interval [lo, hi] within [0, 1]. */
export type Interval = [lo: number, hi: number];

/** Clamps [lo, hi] to [0, 1], the range of every score. */
export function clampToUnit(lo: number, hi: number): Interval {
  return [Math.min(1, Math.max(0, lo)), Math.min(1, Math.max(0, hi))];
}

/** Throws E_USAGE unless `confidence` is a number strictly between 0 and 1. */
export function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RedlineError(
      'E_USAGE',
      `confidence must be strictly between 0 and 1, e.g. 0.95 (got ${confidence})`,
    );
  }
}
