/**
 * The designation decision (DESIGN.md §4-§5): from per-sample scores and a policy to covered / not-covered /
 * inconclusive, with the estimates, intervals and human-readable reasons behind it.
 *
 * - basis lower: covered when the interval's lower bound >= cutoff, not-covered when its upper bound < cutoff,
 *   otherwise inconclusive (an interval touching the cutoff from above, hi == cutoff, is inconclusive).
 * - basis point: covered when the estimate >= cutoff, otherwise not-covered.
 * - No estimate (no scored samples, or a category the policy names that has none in the run): inconclusive.
 * - rule any / all: the overall decision OR / AND the category decisions, in Kleene logic.
 * - An error rate above the policy's maxErrorRate makes the result inconclusive, whatever the scores.
 *
 * The intervals are computed here at the policy's confidence, which may differ from the report's.
 */
import { RedlineError } from '../errors.js';
import { applyPolicyDefaults, type ResolvedPolicy } from '../policy/validate-policy.js';
import type { Policy, PolicyBasis, PolicyMetric, PolicyRule } from '../schema/policy.js';
import type { Interval } from './interval.js';
import { explainComparison, formatAgainst } from './explain-comparison.js';
import { kleeneAnd, kleeneOr, type Decision } from './kleene.js';
import type { SufficientStats } from './sufficient-stats.js';
import { summarizeScores, summarizeStats, type IntervalMethod, type ScoreSummary } from './summarize.js';

/** The decision on one category named by the policy. */
export interface CategoryDesignation {
  /** The category's own decision (before the rule combines it). */
  decision: Decision;
  /** The category mean; null when the run has no scored sample in it. */
  estimate: number | null;
  /** Its interval at the policy's confidence; null when the estimate is. */
  interval: Interval | null;
  /** The category's cutoff. */
  cutoff: number;
  /** The category's basis (its own, or the policy's). */
  basis: PolicyBasis;
  /** Scored samples in the category. */
  n: number;
}

/** The designation of a run: the DESIGN.md §4 contract fields, extended. */
export interface Designation {
  /** Which policy decided. */
  policy: { id: string; version: number };
  /** The outcome. */
  decision: Decision;
  /** The estimate decided on. */
  metric: PolicyMetric;
  /** The policy's cutoff. */
  cutoff: number;
  /** lower (interval) or point (estimate). */
  basis: PolicyBasis;
  /** Confidence level of the intervals decided on. */
  confidence: number;
  /** How category decisions were combined. */
  rule: PolicyRule;
  /** The metric's value; null without scored samples. */
  estimate: number | null;
  /** The metric's interval at `confidence`; null when the estimate is. */
  interval: Interval | null;
  /** Errored (sample, epoch) units / attempted units. */
  errorRate: number;
  /** The policy's tolerated error rate. */
  maxErrorRate: number;
  /** Why, in order: the overall comparison, each category, the rule, the error-rate gate. */
  reasons: string[];
  /** Per-category decisions, when the policy has categories. */
  categories?: Record<string, CategoryDesignation>;
}

/** Inputs of `designate`. */
export interface DesignateOptions {
  /** Per category, the per-sample values (epochs already reduced), each in [0, 1]. */
  values: ReadonlyMap<string, ArrayLike<number>>;
  /** Category weights (for the weighted metric); a category missing here weighs 1. */
  weights: Readonly<Record<string, number>>;
  /** The policy (defaults are applied here). */
  policy: Policy;
  /** Errored units / attempted units of the run, in [0, 1] (0 when nothing was attempted). */
  errorRate: number;
  /** Interval method. */
  method: IntervalMethod;
  /** Bootstrap seed (default 0). */
  seed?: number;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
}

/** Inputs of `designateFromStats`. */
export interface DesignateFromStatsOptions {
  /** Per category, the sufficient statistics of the per-sample values. */
  stats: ReadonlyMap<string, SufficientStats>;
  /** Category weights; a category missing here weighs 1. */
  weights: Readonly<Record<string, number>>;
  /** The policy (defaults are applied here). */
  policy: Policy;
  /** Errored units / attempted units, in [0, 1]. */
  errorRate: number;
}

/**
 * Decides a run under a policy, computing its own intervals at the policy's confidence.
 *
 * @example
 * designate({ values, weights: { crypto: 1 }, policy: DEFAULT_POLICY, errorRate: 0, method: 't' }).decision
 */
export function designate(options: DesignateOptions): Designation {
  const policy = applyPolicyDefaults(options.policy);
  assertErrorRate(options.errorRate);
  const summary = summarizeScores({
    values: options.values,
    weights: options.weights,
    method: options.method,
    confidence: policy.confidence,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.resamples === undefined ? {} : { resamples: options.resamples }),
  });
  return decide(summary, policy, options.errorRate, options.method);
}

/** The same decision from sufficient statistics (t-intervals), for what-if tools and cutoff sweeps. */
export function designateFromStats(options: DesignateFromStatsOptions): Designation {
  const policy = applyPolicyDefaults(options.policy);
  assertErrorRate(options.errorRate);
  const summary = summarizeStats({
    stats: options.stats,
    weights: options.weights,
    confidence: policy.confidence,
  });
  return decide(summary, policy, options.errorRate, 't');
}

/** One comparison with a cutoff: see the module comment for the rules. */
export function decideOnBasis(
  estimate: number | null,
  interval: Interval | null,
  cutoff: number,
  basis: PolicyBasis,
): Decision {
  if (estimate === null) return 'inconclusive';
  if (basis === 'point') return estimate >= cutoff ? 'covered' : 'not-covered';
  if (interval === null) return 'inconclusive';
  if (interval[0] >= cutoff) return 'covered';
  if (interval[1] < cutoff) return 'not-covered';
  return 'inconclusive';
}

function decide(
  summary: ScoreSummary,
  policy: ResolvedPolicy,
  errorRate: number,
  method: IntervalMethod,
): Designation {
  const level = { confidence: policy.confidence, method };
  const reasons: string[] = [];
  const weighted = policy.metric === 'weighted';
  const estimate = weighted ? summary.overall.weighted.mean : summary.overall.mean;
  const interval = weighted ? summary.overall.weighted.ci : summary.overall.ci;
  const overall = decideOnBasis(estimate, interval, policy.cutoff, policy.basis);
  reasons.push(
    explainComparison({
      label: weighted ? 'weighted mean' : 'mean',
      estimate,
      interval,
      n: summary.overall.n,
      cutoff: policy.cutoff,
      basis: policy.basis,
      decision: overall,
      ...level,
    }),
  );

  let decision = overall;
  let categories: Record<string, CategoryDesignation> | undefined;
  if (policy.categories !== undefined) {
    categories = {};
    for (const [name, rule] of Object.entries(policy.categories)) {
      const stats = summary.categories[name];
      const categoryEstimate = stats?.mean ?? null;
      const categoryInterval = stats?.ci ?? null;
      const categoryDecision = decideOnBasis(categoryEstimate, categoryInterval, rule.cutoff, rule.basis);
      categories[name] = {
        decision: categoryDecision,
        estimate: categoryEstimate,
        interval: categoryInterval,
        cutoff: rule.cutoff,
        basis: rule.basis,
        n: stats?.n ?? 0,
      };
      reasons.push(
        explainComparison({
          label: `category "${name}" mean`,
          estimate: categoryEstimate,
          interval: categoryInterval,
          n: stats?.n ?? 0,
          cutoff: rule.cutoff,
          basis: rule.basis,
          decision: categoryDecision,
          ...level,
        }),
      );
    }
    const decisions = Object.values(categories).map((c) => c.decision);
    const list = Object.entries(categories)
      .map(([name, c]) => `${name} ${c.decision}`)
      .join(', ');
    switch (policy.rule) {
      case 'overall':
        reasons.push('rule "overall": the category decisions are reported but do not decide');
        break;
      case 'any':
        decision = kleeneOr(overall, ...decisions);
        reasons.push(`rule "any": overall ${overall} OR any category (${list}): ${decision}`);
        break;
      case 'all':
        decision = kleeneAnd(overall, ...decisions);
        reasons.push(`rule "all": overall ${overall} AND every category (${list}): ${decision}`);
        break;
    }
  }

  if (errorRate > policy.maxErrorRate) {
    decision = 'inconclusive';
    reasons.push(
      `error rate ${formatAgainst(errorRate, policy.maxErrorRate)} exceeds maxErrorRate ${policy.maxErrorRate}: ` +
        'inconclusive whatever the scores (errored samples are left out of the means and may bias them)',
    );
  }

  return {
    policy: { id: policy.id, version: policy.version },
    decision,
    metric: policy.metric,
    cutoff: policy.cutoff,
    basis: policy.basis,
    confidence: policy.confidence,
    rule: policy.rule,
    estimate,
    interval,
    errorRate,
    maxErrorRate: policy.maxErrorRate,
    reasons,
    ...(categories === undefined ? {} : { categories }),
  };
}

function assertErrorRate(errorRate: number): void {
  if (!(errorRate >= 0 && errorRate <= 1)) {
    throw new RedlineError('E_USAGE', `errorRate must be a number in [0, 1] (got ${String(errorRate)})`);
  }
}
