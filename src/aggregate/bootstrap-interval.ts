/**
 * Seeded percentile bootstrap intervals for a mean of scores, plain and stratified. Deterministic: the same values,
 * seed, stream and resample count give the same interval.
 *
 * Edge cases match the t-interval: no values → null; one value → the whole range, [0, 1] for scores (a resample of
 * one value has no spread, which would claim certainty from a single observation); constant values → [m, m].
 * The range is [0, 1] unless given: the paired differences of `redline compare` lie in [-1, 1].
 */
import { RedlineError } from '../errors.js';
import { assertConfidence, clampToRange, type Interval } from './interval.js';
import { createSeededRng, type SeededRng } from './seeded-rng.js';

/** Bootstrap resamples when none are given (Inspect's `bootstrap_stderr` default). */
export const DEFAULT_RESAMPLES = 1000;

/** How to bootstrap. */
export interface BootstrapOptions {
  /** Two-sided confidence level in (0, 1). */
  confidence: number;
  /** Seed of the generator (a safe integer). */
  seed: number;
  /** Number of resamples, a positive integer. */
  resamples: number;
  /** Stream label, so that independent estimates draw independent sequences from one seed. */
  stream?: string;
  /** The range the estimate can take (default [0, 1], a score): intervals are clamped to it. */
  range?: Readonly<Interval>;
}

/** The range of a score. */
const UNIT_RANGE: Readonly<Interval> = [0, 1];

/** One stratum of a stratified bootstrap: its values and its weight in the weighted mean. */
export interface Stratum {
  /** The per-sample values, within the range of the options ([0, 1] by default). */
  values: ArrayLike<number>;
  /** Weight (>= 0) of this stratum's mean. */
  weight: number;
}

/** The percentile bootstrap interval of the mean of `values`, clamped to the range ([0, 1] by default). */
export function bootstrapInterval(values: ArrayLike<number>, options: BootstrapOptions): Interval | null {
  return stratifiedBootstrapInterval([{ values, weight: 1 }], options);
}

/**
 * The percentile bootstrap interval of Σ (w_i / W) · mean_i, resampling each stratum with replacement at its own
 * size (so category sizes stay fixed, as they are by the suite's design). Strata with no values or weight 0 do not
 * take part; null when none does; the whole range when a taking part stratum has a single value.
 */
export function stratifiedBootstrapInterval(
  strata: readonly Stratum[],
  options: BootstrapOptions,
): Interval | null {
  assertBootstrapOptions(options);
  const range = options.range ?? UNIT_RANGE;
  const parts = strata.filter((s) => s.values.length > 0 && s.weight > 0);
  if (parts.length === 0) return null;
  if (parts.some((s) => s.values.length === 1)) return [range[0], range[1]];
  const totalWeight = parts.reduce((sum, s) => sum + s.weight, 0);
  const shares = parts.map((s) => s.weight / totalWeight);

  if (parts.every((s) => isConstant(s.values))) {
    const value = parts.reduce((sum, s, i) => sum + (shares[i] as number) * (s.values[0] as number), 0);
    return clampToRange(value, value, range);
  }

  const rng = createSeededRng(options.seed, options.stream ?? '');
  const estimates = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    let estimate = 0;
    for (let i = 0; i < parts.length; i++) {
      estimate += (shares[i] as number) * resampleMean((parts[i] as Stratum).values, rng);
    }
    estimates[r] = estimate;
  }
  estimates.sort();
  const tail = (1 - options.confidence) / 2;
  return clampToRange(percentile(estimates, tail), percentile(estimates, 1 - tail), range);
}

/** The p-quantile of ascending `sorted` values, interpolating linearly between order statistics (R type 7, numpy's default). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RedlineError('E_USAGE', 'percentile of no values');
  if (!(p >= 0 && p <= 1)) throw new RedlineError('E_USAGE', `percentile: p must be in [0, 1] (got ${p})`);
  const h = (sorted.length - 1) * p;
  const below = Math.floor(h);
  const low = sorted[below] as number;
  if (below + 1 >= sorted.length) return low;
  return low + (h - below) * ((sorted[below + 1] as number) - low);
}

/** Throws E_USAGE on a bad confidence, seed or resample count. */
export function assertBootstrapOptions(options: BootstrapOptions): void {
  assertConfidence(options.confidence);
  if (!Number.isSafeInteger(options.resamples) || options.resamples < 1) {
    throw new RedlineError(
      'E_USAGE',
      `bootstrap resamples must be a positive integer (got ${options.resamples})`,
    );
  }
  if (!Number.isSafeInteger(options.seed)) {
    throw new RedlineError('E_USAGE', `bootstrap seed must be an integer (got ${options.seed})`);
  }
}

function resampleMean(values: ArrayLike<number>, rng: SeededRng): number {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[rng.nextIndex(n)] as number;
  return sum / n;
}

function isConstant(values: ArrayLike<number>): boolean {
  const first = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return false;
  return true;
}
