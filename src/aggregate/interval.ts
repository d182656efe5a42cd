/**
 * Confidence intervals of a score in [0, 1], and the checks shared by every interval method.
 */
import { RedlineError } from '../errors.js';

/** A closed interval [lo, hi]: within [0, 1] for a score, within [-1, 1] for a difference of two scores. */
export type Interval = [lo: number, hi: number];

/** Clamps [lo, hi] to [0, 1], the range of every score. */
export function clampToUnit(lo: number, hi: number): Interval {
  return clampToRange(lo, hi, [0, 1]);
}

/** Clamps [lo, hi] to `range` (the range an estimate can take). */
export function clampToRange(lo: number, hi: number, range: Readonly<Interval>): Interval {
  const [min, max] = range;
  return [Math.min(max, Math.max(min, lo)), Math.min(max, Math.max(min, hi))];
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
