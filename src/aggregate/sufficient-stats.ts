/**
 * Sufficient statistics of a set of scores: `{n, sum, sumSq}` determine the mean, the sample variance and so the
 * t-interval, and they merge by addition. What-if tools and sweeps work from per-category stats without the
 * per-sample rows (the bootstrap is the one method that needs the rows).
 */
import { RedlineError } from '../errors.js';

/** Count, sum and sum of squares of a set of scores. */
export interface SufficientStats {
  /** Number of values. */
  readonly n: number;
  /** Sum of the values. */
  readonly sum: number;
  /** Sum of the squared values. */
  readonly sumSq: number;
}

/** The statistics of no values. */
export const EMPTY_STATS: SufficientStats = Object.freeze({ n: 0, sum: 0, sumSq: 0 });

/**
 * Computes `{n, sum, sumSq}` of scores in [0, 1]; throws E_USAGE on a value that is not a finite number in [0, 1].
 *
 * The sums are compensated (Neumaier), so e.g. ten scores of 0.6 sum to exactly 6 and their mean compares equal
 * to a cutoff of 0.6, and the variance of a constant sample comes out as 0.
 */
export function computeSufficientStats(values: ArrayLike<number>): SufficientStats {
  const sum = new CompensatedSum();
  const sumSq = new CompensatedSum();
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    assertScore(value, i);
    sum.add(value);
    sumSq.add(value * value);
  }
  return { n: values.length, sum: sum.value(), sumSq: sumSq.value() };
}

/** Adds sufficient statistics (the statistics of the union of the underlying values). */
export function mergeSufficientStats(parts: Iterable<SufficientStats>): SufficientStats {
  let n = 0;
  const sum = new CompensatedSum();
  const sumSq = new CompensatedSum();
  for (const part of parts) {
    n += part.n;
    sum.add(part.sum);
    sumSq.add(part.sumSq);
  }
  return { n, sum: sum.value(), sumSq: sumSq.value() };
}

/** Throws E_USAGE unless `value` is a finite score in [0, 1]. */
export function assertScore(value: number, index: number): void {
  if (!(value >= 0 && value <= 1)) {
    throw new RedlineError(
      'E_USAGE',
      `score #${index} is ${String(value)}: scores must be numbers in [0, 1] (check the scorer or reducer)`,
    );
  }
}

/** Neumaier's compensated summation: the error stays a few ulps of the result, independent of the count. */
export class CompensatedSum {
  private total = 0;
  private compensation = 0;

  /** Adds one term. */
  add(term: number): void {
    const t = this.total + term;
    if (Math.abs(this.total) >= Math.abs(term)) this.compensation += this.total - t + term;
    else this.compensation += term - t + this.total;
    this.total = t;
  }

  /** The sum so far. */
  value(): number {
    return this.total + this.compensation;
  }
}
