/**
 * Per-category and overall summaries of scored samples, in the shapes of DESIGN.md §4 (`overall`, `categories`).
 *
 * - `overall.mean` is the plain mean over all samples; its interval is a t-interval with df = n - 1 (or a plain
 *   percentile bootstrap over the pooled samples).
 * - `overall.weighted` is Σ (w_c / W) · mean_c over the categories that have samples and a weight > 0 (W is their
 *   total weight, so categories without samples drop out and the rest are renormalised). Its stderr is
 *   sqrt(Σ (w_c / W)² · se_c²); its t-interval uses the Welch–Satterthwaite degrees of freedom; the bootstrap
 *   resamples within each category (stratified). It is null when no category takes part, and has stderr null and
 *   interval [0, 1] when a taking-part category has a single sample (its spread, and so the weighted one, is
 *   unknown).
 * - `stderr` is always the analytic standard error (Inspect's `stderr`); `method` changes only the intervals.
 * - A category with a weight but no samples appears with n = 0 and null mean, stderr and interval; a category
 *   with samples but no weight entry gets weight 1 (the suite default).
 *
 * Nothing is rounded here: formatting belongs to the CLI.
 */
import { RedlineError } from '../errors.js';
import { DEFAULT_RESAMPLES, bootstrapInterval, stratifiedBootstrapInterval } from './bootstrap-interval.js';
import { assertConfidence, type Interval } from './interval.js';
import { computeMean, computeStderr, computeVariance } from './metrics.js';
import {
  CompensatedSum,
  EMPTY_STATS,
  computeSufficientStats,
  mergeSufficientStats,
  type SufficientStats,
} from './sufficient-stats.js';
import { tInterval, tIntervalAround } from './t-interval.js';

/** How intervals are computed: Student-t (analytic) or a seeded percentile bootstrap. */
export type IntervalMethod = 't' | 'bootstrap';

/** Statistics of one category (DESIGN.md §4). */
export interface CategorySummary {
  /** Mean of the category's per-sample values; null when n = 0. */
  mean: number | null;
  /** Standard error of the mean; null when n < 2. */
  stderr: number | null;
  /** Confidence interval of the mean; null when n = 0, [0, 1] when n = 1. */
  ci: Interval | null;
  /** Number of scored samples (after reducing epochs). */
  n: number;
  /** The category's weight in the weighted mean. */
  weight: number;
}

/** The weighted mean of category means. */
export interface WeightedSummary {
  /** Σ (w_c / W) · mean_c; null when no category has both samples and weight. */
  mean: number | null;
  /** sqrt(Σ (w_c / W)² · se_c²); null when the mean is, or a taking-part category has one sample. */
  stderr: number | null;
  /** Confidence interval (Welch–Satterthwaite t, or stratified bootstrap); null when the mean is. */
  ci: Interval | null;
}

/** Statistics over all samples (DESIGN.md §4). */
export interface OverallSummary {
  /** Plain mean over all samples; null when n = 0. */
  mean: number | null;
  /** Standard error of the plain mean; null when n < 2. */
  stderr: number | null;
  /** Confidence interval of the plain mean; null when n = 0, [0, 1] when n = 1. */
  ci: Interval | null;
  /** Number of scored samples. */
  n: number;
  /** The weighted mean of category means. */
  weighted: WeightedSummary;
}

/** `overall` and `categories` of a run report. */
export interface ScoreSummary {
  /** Over all samples. */
  overall: OverallSummary;
  /** Per category: declared (weighted) categories first, in declaration order, then any others. */
  categories: Record<string, CategorySummary>;
}

/** Inputs of `summarizeScores`. */
export interface SummarizeScoresOptions {
  /** Per category, the per-sample values (epochs already reduced), each in [0, 1]. */
  values: ReadonlyMap<string, ArrayLike<number>>;
  /** Category weights (>= 0); a category missing here weighs 1. */
  weights: Readonly<Record<string, number>>;
  /** Interval method. */
  method: IntervalMethod;
  /** Two-sided confidence level in (0, 1), e.g. 0.95. */
  confidence: number;
  /** Bootstrap seed (default 0): the same seed gives the same intervals. */
  seed?: number;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
}

/** Inputs of `summarizeStats`. */
export interface SummarizeStatsOptions {
  /** Per category, the sufficient statistics of the per-sample values. */
  stats: ReadonlyMap<string, SufficientStats>;
  /** Category weights (>= 0); a category missing here weighs 1. */
  weights: Readonly<Record<string, number>>;
  /** Two-sided confidence level in (0, 1). */
  confidence: number;
}

/**
 * Summarizes per-sample scores by category: means, standard errors and intervals, overall and weighted.
 *
 * @example
 * summarizeScores({ values: new Map([['crypto', [1, 0, 1, 1]]]), weights: { crypto: 1 }, method: 't', confidence: 0.95 })
 * // { overall: { mean: 0.75, stderr: 0.25, ci: [0, 1] ... }, categories: { crypto: { mean: 0.75, ... } } }
 */
export function summarizeScores(options: SummarizeScoresOptions): ScoreSummary {
  const stats = new Map<string, SufficientStats>();
  for (const [name, values] of options.values) stats.set(name, computeSufficientStats(values));
  const summary = summarizeStats({ stats, weights: options.weights, confidence: options.confidence });
  if (options.method === 't') return summary;

  const bootstrap = {
    confidence: options.confidence,
    seed: options.seed ?? 0,
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
  };
  const empty: ArrayLike<number> = [];
  // Sorted names: the pooled order and the strata order must not depend on the Map's insertion order.
  const names = Object.keys(summary.categories).sort();
  for (const name of names) {
    const category = summary.categories[name] as CategorySummary;
    category.ci = bootstrapInterval(options.values.get(name) ?? empty, {
      ...bootstrap,
      stream: `category:${name}`,
    });
  }
  summary.overall.ci = bootstrapInterval(poolValues(names.map((name) => options.values.get(name) ?? empty)), {
    ...bootstrap,
    stream: 'overall',
  });
  if (summary.overall.weighted.mean !== null) {
    const strata = names.map((name) => ({
      values: options.values.get(name) ?? empty,
      weight: (summary.categories[name] as CategorySummary).weight,
    }));
    summary.overall.weighted.ci = stratifiedBootstrapInterval(strata, { ...bootstrap, stream: 'weighted' });
  }
  return summary;
}

/**
 * The t-method summary from sufficient statistics alone (no per-sample rows), for what-if tools and sweeps; the
 * same numbers as `summarizeScores` with method 't'.
 */
export function summarizeStats(options: SummarizeStatsOptions): ScoreSummary {
  assertConfidence(options.confidence);
  const names = [...Object.keys(options.weights)];
  for (const name of options.stats.keys()) if (!Object.hasOwn(options.weights, name)) names.push(name);

  const categories: Record<string, CategorySummary> = {};
  const parts: { stats: SufficientStats; weight: number }[] = [];
  for (const name of names) {
    const stats = options.stats.get(name) ?? EMPTY_STATS;
    const weight = weightOf(options.weights, name);
    parts.push({ stats, weight });
    categories[name] = {
      mean: computeMean(stats),
      stderr: computeStderr(stats),
      ci: tInterval(stats, options.confidence),
      n: stats.n,
      weight,
    };
  }
  const all = mergeSufficientStats(parts.map((p) => p.stats));
  return {
    overall: {
      mean: computeMean(all),
      stderr: computeStderr(all),
      ci: tInterval(all, options.confidence),
      n: all.n,
      weighted: summarizeWeighted(parts, options.confidence),
    },
    categories,
  };
}

/** Weighted mean of category means with its stderr and Welch–Satterthwaite t-interval. */
function summarizeWeighted(
  parts: readonly { stats: SufficientStats; weight: number }[],
  confidence: number,
): WeightedSummary {
  const taking = parts.filter((p) => p.stats.n > 0 && p.weight > 0);
  if (taking.length === 0) return { mean: null, stderr: null, ci: null };
  const totalWeight = taking.reduce((sum, p) => sum + p.weight, 0);
  const mean = new CompensatedSum();
  for (const p of taking) mean.add((p.weight / totalWeight) * (p.stats.sum / p.stats.n));
  const estimate = mean.value();
  if (taking.some((p) => p.stats.n === 1)) return { mean: estimate, stderr: null, ci: [0, 1] };

  // a_c = (w_c / W)² · var_c / n_c; df = (Σ a_c)² / Σ a_c² / (n_c - 1).
  let varianceOfMean = 0;
  let dfDenominator = 0;
  for (const p of taking) {
    const share = p.weight / totalWeight;
    const a = (share * share * (computeVariance(p.stats) as number)) / p.stats.n;
    varianceOfMean += a;
    dfDenominator += (a * a) / (p.stats.n - 1);
  }
  const stderr = Math.sqrt(varianceOfMean);
  if (stderr === 0) return { mean: estimate, stderr: 0, ci: [estimate, estimate] };
  const df = (varianceOfMean * varianceOfMean) / dfDenominator;
  return { mean: estimate, stderr, ci: tIntervalAround(estimate, stderr, df, confidence) };
}

function weightOf(weights: Readonly<Record<string, number>>, name: string): number {
  const weight = Object.hasOwn(weights, name) ? weights[name] : 1;
  if (weight === undefined || !(weight >= 0) || !Number.isFinite(weight)) {
    throw new RedlineError(
      'E_USAGE',
      `category "${name}": weight must be a finite number >= 0 (got ${String(weight)})`,
    );
  }
  return weight;
}

function poolValues(groups: readonly ArrayLike<number>[]): Float64Array {
  const pooled = new Float64Array(groups.reduce((n, g) => n + g.length, 0));
  let offset = 0;
  for (const group of groups) {
    for (let i = 0; i < group.length; i++) pooled[offset + i] = group[i] as number;
    offset += group.length;
  }
  return pooled;
}
