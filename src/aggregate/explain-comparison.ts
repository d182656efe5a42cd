/**
 * Human-readable reasons for designation decisions. Numbers get 4 decimals, or as many more as it takes to show
 * which side of the cutoff they are on.
 */
import type { PolicyBasis } from '../schema/policy.js';
import type { Interval } from './interval.js';
import type { Decision } from './kleene.js';
import type { IntervalMethod } from './summarize.js';

/** One estimate compared with one cutoff. */
export interface Comparison {
  /** What was estimated: "mean", "weighted mean", `category "x" mean`. */
  label: string;
  /** The estimate; null without samples. */
  estimate: number | null;
  /** Its interval; null without samples. */
  interval: Interval | null;
  /** Samples behind the estimate. */
  n: number;
  /** The cutoff compared with. */
  cutoff: number;
  /** lower (interval) or point (estimate). */
  basis: PolicyBasis;
  /** The decision reached. */
  decision: Decision;
  /** Confidence level of the interval. */
  confidence: number;
  /** How the interval was computed. */
  method: IntervalMethod;
}

/**
 * A sentence like `mean 0.675 (n=80), 95% t-interval [0.57, 0.78]: lower bound 0.57 < cutoff 0.6 <= upper bound
 * 0.78: inconclusive`.
 */
export function explainComparison(c: Comparison): string {
  if (c.estimate === null) {
    const why =
      c.label === 'weighted mean'
        ? 'no category with scored samples and a weight > 0'
        : 'no scored samples in this run';
    return `${c.label}: ${why}: inconclusive`;
  }
  const at = (x: number): string => formatAgainst(x, c.cutoff);
  const level = `${String(Number((c.confidence * 100).toFixed(6)))}% ${c.method === 't' ? 't-interval' : 'bootstrap interval'}`;
  const spread = c.n === 1 ? ' (one sample: spread unknown)' : '';
  const head =
    c.interval === null
      ? `${c.label} ${at(c.estimate)} (n=${c.n})`
      : `${c.label} ${at(c.estimate)} (n=${c.n}), ${level} [${at(c.interval[0])}, ${at(c.interval[1])}]${spread}`;
  if (c.basis === 'point') {
    return `${head}: estimate ${at(c.estimate)} ${c.decision === 'covered' ? '>=' : '<'} cutoff ${c.cutoff}: ${c.decision}`;
  }
  if (c.interval === null) return `${head}: no interval: ${c.decision}`;
  const [lo, hi] = c.interval;
  switch (c.decision) {
    case 'covered':
      return `${head}: lower bound ${at(lo)} >= cutoff ${c.cutoff}: covered`;
    case 'not-covered':
      return `${head}: upper bound ${at(hi)} < cutoff ${c.cutoff}: not-covered`;
    case 'inconclusive':
      return `${head}: lower bound ${at(lo)} < cutoff ${c.cutoff} <= upper bound ${at(hi)}: inconclusive`;
  }
}

/**
 * `x` with 4 decimals, or more when 4 would hide which side of `reference` it is on (0.59996 against a cutoff of
 * 0.6 prints as 0.59996, not 0.6).
 */
export function formatAgainst(x: number, reference: number): string {
  for (let digits = 4; digits <= 17; digits++) {
    const rounded = Number(x.toFixed(digits));
    if (Math.sign(rounded - reference) === Math.sign(x - reference)) return String(rounded);
  }
  return String(x);
}
