/**
 * Point estimates from sufficient statistics: mean, sample variance (n - 1 denominator) and the standard error of
 * the mean, as Inspect's `stderr` metric computes it (`std(ddof=1) / sqrt(n)`).
 */
import type { SufficientStats } from './sufficient-stats.js';

/**
 * A variance below this multiple of `EPSILON * sumSq` is rounding noise of the sums, not spread, and counts as 0.
 * Scores lie in [0, 1], so any real spread of a non-constant sample is far above it (for binary scores the bound
 * only bites past 10^14 samples).
 */
const NOISE_ULPS = 8;

/** The mean, or null when there are no values. */
export function computeMean(stats: SufficientStats): number | null {
  return stats.n === 0 ? null : stats.sum / stats.n;
}

/** The sample variance (n - 1 denominator), or null below two values; exactly 0 for a constant sample. */
export function computeVariance(stats: SufficientStats): number | null {
  if (stats.n < 2) return null;
  const m2 = stats.sumSq - stats.sum * (stats.sum / stats.n);
  if (m2 <= NOISE_ULPS * Number.EPSILON * stats.sumSq) return 0;
  return m2 / (stats.n - 1);
}

/** The standard error of the mean, sqrt(variance / n), or null below two values (spread unknown). */
export function computeStderr(stats: SufficientStats): number | null {
  const variance = computeVariance(stats);
  return variance === null ? null : Math.sqrt(variance / stats.n);
}
