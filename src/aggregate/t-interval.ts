/**
 * Student-t confidence intervals for a mean of scores in [0, 1].
 *
 * Edge cases, by design: no values → null (nothing to estimate); one value → [0, 1] (the spread is unknown, so
 * the interval is the whole score range, never a guess); zero variance → the degenerate [m, m] (the sample carries
 * no evidence of spread: a t-interval of width 0, not an exact claim; the bootstrap agrees).
 */
import { computeMean, computeStderr } from './metrics.js';
import { assertConfidence, clampToUnit, type Interval } from './interval.js';
import type { SufficientStats } from './sufficient-stats.js';
import { studentTQuantile } from './t-quantile.js';

/** The t-interval of the mean at `confidence` (two-sided, df = n - 1), clamped to [0, 1]; null when n = 0. */
export function tInterval(stats: SufficientStats, confidence: number): Interval | null {
  assertConfidence(confidence);
  const mean = computeMean(stats);
  if (mean === null) return null;
  const stderr = computeStderr(stats);
  if (stderr === null) return [0, 1];
  return tIntervalAround(mean, stderr, stats.n - 1, confidence);
}

/** estimate ± t_{(1+confidence)/2}(df) · stderr, clamped to [0, 1]; [m, m] when stderr is 0. */
export function tIntervalAround(estimate: number, stderr: number, df: number, confidence: number): Interval {
  assertConfidence(confidence);
  if (stderr === 0) return clampToUnit(estimate, estimate);
  // The upper quantile from the tail probability (1 - confidence) / 2, which keeps its digits for confidences
  // close to 1.
  const halfWidth = -studentTQuantile((1 - confidence) / 2, df) * stderr;
  return clampToUnit(estimate - halfWidth, estimate + halfWidth);
}
