/**
 * Cutoff sweeps: how many runs (and models) a policy would designate covered, not covered and inconclusive at
 * each cutoff of a range, for choosing a cutoff with the consequences in view.
 */
import type { Decision } from '../aggregate/kleene.js';
import { RedlineError } from '../errors.js';
import type { PolicyBasis, PolicyMetric, PolicyRule } from '../schema/policy.js';
import type { RunStats } from '../store/run-stats.js';
import type { ResolvedPolicy } from './load-policy.js';
import {
  combineWithCategories,
  createTQuantileCache,
  decideCategories,
  errorRateOf,
  estimateRunMetric,
} from './run-decision.js';
import type { DecisionCounts } from './whatif.js';

/** The most points a sweep computes. */
export const MAX_SWEEP_POINTS = 10_001;

/** Options of `sweepCutoffs`. */
export interface SweepOptions {
  /** The metric swept (default: the base policy's). */
  metric?: PolicyMetric;
  /** How the overall metric is compared (default: the base policy's). */
  basis?: PolicyBasis;
  /** First cutoff, in [0, 1] (default 0). */
  from?: number;
  /** Last cutoff at most, in [from, 1] (default 1). */
  to?: number;
  /** Distance between cutoffs, > 0 (default 0.01). */
  step?: number;
}

/** Counts at one cutoff. */
export interface SweepPoint {
  cutoff: number;
  /** Runs per decision. */
  covered: number;
  notCovered: number;
  inconclusive: number;
  /** Models per decision, each decided as the Kleene OR of its runs. */
  models: DecisionCounts;
}

/** A sweep (the CONTRACT fields, extended). */
export interface SweepResult {
  metric: PolicyMetric;
  basis: PolicyBasis;
  /** The base policy. */
  policy: { id: string; version: number };
  /** The base policy's cutoff. */
  active: number;
  /** Confidence of the intervals (the base policy's). */
  confidence: number;
  /** The base policy's rule (category cutoffs stay fixed). */
  rule: PolicyRule;
  /** Runs and distinct models counted at each point. */
  runs: number;
  models: number;
  /** One point per cutoff, ascending. */
  points: SweepPoint[];
}

// Decisions as ordered numbers: Kleene OR is max, AND is min.
const NOT_COVERED = 0;
const INCONCLUSIVE = 1;
const COVERED = 2;
const NONE = -1;

/**
 * Counts the base policy's decisions at each cutoff from `from` to `to` by `step`, varying the overall cutoff
 * only: category cutoffs, the rule, the confidence and maxErrorRate stay the base policy's (a `basis` override
 * applies to the overall comparison only). Each run's estimate, interval and category decisions are computed
 * once (they do not depend on the cutoff), from stored statistics with t intervals, as `whatIf`.
 *
 * @example
 * const sweep = sweepCutoffs(loadRunStats(db), activePolicy, { from: 0.3, to: 0.9, step: 0.05 });
 */
export function sweepCutoffs(
  runs: readonly RunStats[],
  base: ResolvedPolicy,
  options: SweepOptions = {},
): SweepResult {
  const metric = options.metric ?? base.metric;
  const basis = options.basis ?? base.basis;
  if (metric !== 'mean' && metric !== 'weighted') {
    throw new RedlineError('E_USAGE', `sweep metric must be "mean" or "weighted" (got ${String(metric)})`);
  }
  if (basis !== 'lower' && basis !== 'point') {
    throw new RedlineError('E_USAGE', `sweep basis must be "lower" or "point" (got ${String(basis)})`);
  }
  const cutoffs = generateCutoffs(options.from ?? 0, options.to ?? 1, options.step ?? 0.01);

  const count = runs.length;
  const estimates = new Float64Array(count);
  const lows = new Float64Array(count);
  const highs = new Float64Array(count);
  const categoryParts = new Int8Array(count);
  const gated = new Uint8Array(count);
  const modelOf = new Int32Array(count);
  const modelIndex = new Map<string, number>();
  const quantile = createTQuantileCache();
  const hasCategories = base.categories !== undefined && base.rule !== 'overall';
  for (let i = 0; i < count; i++) {
    const run = runs[i] as RunStats;
    const { estimate, interval } = estimateRunMetric(run, metric, base.confidence, quantile);
    // NaN never compares true: a missing estimate or interval decides nothing (inconclusive, as decideOnBasis).
    estimates[i] = estimate ?? Number.NaN;
    lows[i] = interval?.[0] ?? Number.NaN;
    highs[i] = interval?.[1] ?? Number.NaN;
    // The categories combined alone (Kleene OR / AND of none is not-covered / covered, the identities).
    categoryParts[i] = hasCategories
      ? rank(
          combineWithCategories(
            base.rule === 'any' ? 'not-covered' : 'covered',
            Object.values(decideCategories(run, base, quantile)),
            base.rule,
          ),
        )
      : NONE;
    gated[i] = errorRateOf(run) > base.maxErrorRate ? 1 : 0;
    let model = modelIndex.get(run.model);
    if (model === undefined) {
      model = modelIndex.size;
      modelIndex.set(run.model, model);
    }
    modelOf[i] = model;
  }

  const modelDecisions = new Int8Array(modelIndex.size);
  const points: SweepPoint[] = [];
  for (const cutoff of cutoffs) {
    const counts = new Int32Array(3);
    modelDecisions.fill(NOT_COVERED); // the OR identity
    for (let i = 0; i < count; i++) {
      let decision: number;
      if (basis === 'point') {
        const e = estimates[i] as number;
        decision = e >= cutoff ? COVERED : e < cutoff ? NOT_COVERED : INCONCLUSIVE;
      } else {
        decision =
          (lows[i] as number) >= cutoff
            ? COVERED
            : (highs[i] as number) < cutoff
              ? NOT_COVERED
              : INCONCLUSIVE;
      }
      const part = categoryParts[i] as number;
      if (part !== NONE) decision = base.rule === 'any' ? Math.max(decision, part) : Math.min(decision, part);
      if (gated[i] === 1) decision = INCONCLUSIVE;
      (counts[decision] as number)++;
      const m = modelOf[i] as number;
      if (decision > (modelDecisions[m] as number)) modelDecisions[m] = decision;
    }
    const models = new Int32Array(3);
    for (const d of modelDecisions) (models[d] as number)++;
    points.push({
      cutoff,
      covered: counts[COVERED] as number,
      notCovered: counts[NOT_COVERED] as number,
      inconclusive: counts[INCONCLUSIVE] as number,
      models: {
        covered: models[COVERED] as number,
        notCovered: models[NOT_COVERED] as number,
        inconclusive: models[INCONCLUSIVE] as number,
      },
    });
  }

  return {
    metric,
    basis,
    policy: { id: base.id, version: base.version },
    active: base.cutoff,
    confidence: base.confidence,
    rule: base.rule,
    runs: count,
    models: modelIndex.size,
    points,
  };
}

/**
 * The cutoffs from, from + step, ... up to `to`, each computed as from + i·step and rounded to the decimals of
 * `from` and `step`, so 0.07 is 0.07 and not 0.07000000000000001. Throws E_USAGE unless 0 <= from <= to <= 1,
 * step > 0 and there are at most 10,001 points.
 */
export function generateCutoffs(from: number, to: number, step: number): number[] {
  if (!(Number.isFinite(from) && Number.isFinite(to) && from >= 0 && to <= 1 && from <= to)) {
    throw new RedlineError(
      'E_USAGE',
      `sweep range must satisfy 0 <= from <= to <= 1 (got from ${String(from)}, to ${String(to)})`,
    );
  }
  if (!(Number.isFinite(step) && step > 0)) {
    throw new RedlineError('E_USAGE', `sweep step must be a number > 0 (got ${String(step)})`);
  }
  const ratio = (to - from) / step;
  // A relative slack of 1e-12 absorbs the rounding of the division (1 / 0.01 = 100.00000000000001 or
  // 99.99999999999999 depending on the operands), far below one step for any allowed count.
  const intervals = Math.floor(ratio * (1 + 1e-12));
  if (intervals + 1 > MAX_SWEEP_POINTS) {
    throw new RedlineError(
      'E_USAGE',
      `sweep from ${from} to ${to} by ${step} has ${intervals + 1} points; the most is ${MAX_SWEEP_POINTS}: ` +
        'use a larger step or a narrower range',
    );
  }
  const decimals = Math.min(100, Math.max(countDecimals(from), countDecimals(step)));
  const cutoffs: number[] = [];
  for (let i = 0; i <= intervals; i++)
    cutoffs.push(Math.min(to, Number((from + i * step).toFixed(decimals))));
  return cutoffs;
}

/** Digits after the decimal point of a number as JavaScript prints it (0.01 → 2, 1e-7 → 7, 2.5e-8 → 9). */
export function countDecimals(x: number): number {
  const match = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (match === null) return 0;
  return Math.max(0, (match[1]?.length ?? 0) - Number(match[2] ?? 0));
}

function rank(decision: Decision): number {
  return decision === 'covered' ? COVERED : decision === 'not-covered' ? NOT_COVERED : INCONCLUSIVE;
}
