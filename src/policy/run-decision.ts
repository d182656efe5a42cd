/**
 * Designation decisions of stored runs from their sufficient statistics, for what-if and cutoff sweeps over
 * thousands of runs.
 *
 * The decisions, estimates and intervals are those of `designateFromStats` (t intervals at the policy's
 * confidence, the same arithmetic in the same order), but only what the policy decides on is computed (the
 * overall metric and the categories the policy names), and t quantiles are memoized by degrees of freedom: a
 * quantile costs microseconds (an inverse incomplete beta), and most runs share a few sample counts. No reasons
 * are written; `designateFromStats` explains one run when asked. Bootstrap intervals need the per-sample rows,
 * so these decisions can differ from a report made with `--ci bootstrap`.
 */
import { designateFromStats, decideOnBasis, type Designation } from '../aggregate/designate.js';
import { clampToUnit, type Interval } from '../aggregate/interval.js';
import { kleeneAnd, kleeneOr, type Decision } from '../aggregate/kleene.js';
import { computeMean, computeStderr, computeVariance } from '../aggregate/metrics.js';
import { CompensatedSum, type SufficientStats } from '../aggregate/sufficient-stats.js';
import { studentTQuantile } from '../aggregate/t-quantile.js';
import { RedlineError } from '../errors.js';
import type { PolicyMetric } from '../schema/policy.js';
import type { RunStats } from '../store/run-stats.js';
import type { ResolvedPolicy } from './load-policy.js';

/** The lower t quantile t_{(1 - confidence)/2}(df), as `tIntervalAround` computes it. */
export type TQuantile = (confidence: number, df: number) => number;

/** A run's estimate of a metric with its t interval (the numbers `summarizeStats` reports). */
export interface RunEstimate {
  /** The metric's value; null without scored samples (or, weighted, without a category with samples and weight). */
  estimate: number | null;
  /** Its t interval at the requested confidence; null when the estimate is. */
  interval: Interval | null;
}

/** A run's decision under one policy. */
export interface RunDecision {
  /** The outcome, after the rule and the error-rate gate. */
  decision: Decision;
  /** The overall comparison alone. */
  overall: Decision;
  /** The policy metric's estimate and interval. */
  estimate: number | null;
  /** The interval at the policy's confidence. */
  interval: Interval | null;
  /** Errored units / attempted units (0 when nothing was attempted). */
  errorRate: number;
  /** Each category the policy names, its own decision. */
  categories?: Record<string, Decision>;
}

/** Options of `decideRun`. */
export interface DecideRunOptions {
  /** A shared quantile cache (one per batch of runs). */
  quantile?: TQuantile;
  /** The overall estimate, when already computed for the policy's metric and confidence. */
  overall?: RunEstimate;
}

/** A memoized `TQuantile`: one inverse incomplete beta per distinct (confidence, df). */
export function createTQuantileCache(): TQuantile {
  const byConfidence = new Map<number, Map<number, number>>();
  let lastConfidence = Number.NaN;
  let last = new Map<number, number>();
  return (confidence, df) => {
    if (confidence !== lastConfidence) {
      let table = byConfidence.get(confidence);
      if (table === undefined) {
        table = new Map();
        byConfidence.set(confidence, table);
      }
      lastConfidence = confidence;
      last = table;
    }
    let q = last.get(df);
    if (q === undefined) {
      q = studentTQuantile((1 - confidence) / 2, df);
      last.set(df, q);
    }
    return q;
  };
}

/** Errored units / attempted units of a run, 0 when nothing was attempted (as a report computes it). */
export function errorRateOf(run: RunStats): number {
  const attempted = run.scored + run.errors;
  return attempted === 0 ? 0 : run.errors / attempted;
}

/** The plain or weighted mean of a run with its t interval at `confidence` (equal to `summarizeStats`'s). */
export function estimateRunMetric(
  run: RunStats,
  metric: PolicyMetric,
  confidence: number,
  quantile: TQuantile,
): RunEstimate {
  return metric === 'weighted'
    ? estimateWeighted(run, confidence, quantile)
    : estimateMean(run, confidence, quantile);
}

/**
 * Decides a run under a policy from its statistics: the decision `designateFromStats` reaches, without reasons.
 *
 * @example
 * const q = createTQuantileCache();
 * const decisions = runs.map((run) => decideRun(run, policy, { quantile: q }).decision);
 */
export function decideRun(
  run: RunStats,
  policy: ResolvedPolicy,
  options: DecideRunOptions = {},
): RunDecision {
  const quantile = options.quantile ?? createTQuantileCache();
  const { estimate, interval } =
    options.overall ?? estimateRunMetric(run, policy.metric, policy.confidence, quantile);
  const overall = decideOnBasis(estimate, interval, policy.cutoff, policy.basis);
  const errorRate = errorRateOf(run);
  let decision = overall;
  let categories: Record<string, Decision> | undefined;
  if (policy.categories !== undefined) {
    categories = decideCategories(run, policy, quantile);
    decision = combineWithCategories(overall, Object.values(categories), policy.rule);
  }
  if (errorRate > policy.maxErrorRate) decision = 'inconclusive';
  return {
    decision,
    overall,
    estimate,
    interval,
    errorRate,
    ...(categories === undefined ? {} : { categories }),
  };
}

/** Each category the policy names, decided on its own cutoff and basis (no samples: inconclusive). */
export function decideCategories(
  run: RunStats,
  policy: ResolvedPolicy,
  quantile: TQuantile,
): Record<string, Decision> {
  const decisions: Record<string, Decision> = {};
  for (const [name, rule] of Object.entries(policy.categories ?? {})) {
    const stats = run.categories.get(name)?.stats;
    if (stats === undefined) {
      decisions[name] = 'inconclusive';
      continue;
    }
    decisions[name] = decideOnBasis(
      computeMean(stats),
      tIntervalOf(stats, policy.confidence, quantile),
      rule.cutoff,
      rule.basis,
    );
  }
  return decisions;
}

/** The overall decision combined with the category decisions under the policy's rule (Kleene logic). */
export function combineWithCategories(
  overall: Decision,
  categories: readonly Decision[],
  rule: ResolvedPolicy['rule'],
): Decision {
  switch (rule) {
    case 'overall':
      return overall;
    case 'any':
      return kleeneOr(overall, ...categories);
    case 'all':
      return kleeneAnd(overall, ...categories);
  }
}

/** The full designation with reasons (`designateFromStats`) of one run: for explaining a decision. */
export function explainRun(run: RunStats, policy: ResolvedPolicy): Designation {
  const stats = new Map<string, SufficientStats>();
  const weights: Record<string, number> = {};
  for (const [name, category] of run.categories) {
    stats.set(name, category.stats);
    weights[name] = category.weight;
  }
  return designateFromStats({ stats, weights, policy, errorRate: errorRateOf(run) });
}

/** The pooled mean over every category's samples and its t interval (df = n - 1). */
function estimateMean(run: RunStats, confidence: number, quantile: TQuantile): RunEstimate {
  // mergeSufficientStats, inlined: the same compensated sums in the same order.
  let n = 0;
  const sum = new CompensatedSum();
  const sumSq = new CompensatedSum();
  for (const { stats } of run.categories.values()) {
    n += stats.n;
    sum.add(stats.sum);
    sumSq.add(stats.sumSq);
  }
  const all: SufficientStats = { n, sum: sum.value(), sumSq: sumSq.value() };
  return { estimate: computeMean(all), interval: tIntervalOf(all, confidence, quantile) };
}

/** `tInterval` with a memoized quantile. */
function tIntervalOf(stats: SufficientStats, confidence: number, quantile: TQuantile): Interval | null {
  const mean = computeMean(stats);
  if (mean === null) return null;
  const stderr = computeStderr(stats);
  if (stderr === null) return [0, 1];
  return intervalAround(mean, stderr, stats.n - 1, confidence, quantile);
}

/** `tIntervalAround` with a memoized quantile: the same operations, so the same bits. */
function intervalAround(
  estimate: number,
  stderr: number,
  df: number,
  confidence: number,
  quantile: TQuantile,
): Interval {
  if (stderr === 0) return clampToUnit(estimate, estimate);
  const halfWidth = -quantile(confidence, df) * stderr;
  return clampToUnit(estimate - halfWidth, estimate + halfWidth);
}

/**
 * The weighted mean of category means, as `summarizeStats` computes it: categories with samples and a weight > 0
 * take part, renormalised; stderr sqrt(Σ (w_c/W)² se_c²); Welch–Satterthwaite df; [0, 1] when a taking-part
 * category has one sample.
 */
function estimateWeighted(run: RunStats, confidence: number, quantile: TQuantile): RunEstimate {
  let totalWeight = 0;
  let taking = 0;
  let single = false;
  for (const [name, { weight, stats }] of run.categories) {
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new RedlineError(
        'E_STORE',
        `run ${run.runId}: category "${name}" has stored weight ${String(weight)}; recompute its statistics`,
      );
    }
    if (stats.n > 0 && weight > 0) {
      totalWeight += weight;
      taking++;
      if (stats.n === 1) single = true;
    }
  }
  if (taking === 0) return { estimate: null, interval: null };
  const mean = new CompensatedSum();
  for (const { weight, stats } of run.categories.values()) {
    if (stats.n > 0 && weight > 0) mean.add((weight / totalWeight) * (stats.sum / stats.n));
  }
  const estimate = mean.value();
  if (single) return { estimate, interval: [0, 1] };

  let varianceOfMean = 0;
  let dfDenominator = 0;
  for (const { weight, stats } of run.categories.values()) {
    if (!(stats.n > 0 && weight > 0)) continue;
    const share = weight / totalWeight;
    const a = (share * share * (computeVariance(stats) as number)) / stats.n;
    varianceOfMean += a;
    dfDenominator += (a * a) / (stats.n - 1);
  }
  const stderr = Math.sqrt(varianceOfMean);
  if (stderr === 0) return { estimate, interval: [estimate, estimate] };
  const df = (varianceOfMean * varianceOfMean) / dfDenominator;
  return { estimate, interval: intervalAround(estimate, stderr, df, confidence, quantile) };
}
