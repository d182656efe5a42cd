/**
 * Epoch reducers: how the scores of one sample's epochs become the sample's value (Inspect's `epochs` reducers).
 * `mean` is the default; `pass@k` uses the unbiased estimator of Chen et al. (2021), as Inspect's `pass_at`.
 */
import { RedlineError } from '../errors.js';
import { CompensatedSum, assertScore } from './sufficient-stats.js';

/** A parsed epoch reducer. */
export type EpochReducer =
  { kind: 'mean' } | { kind: 'max' } | { kind: 'median' } | { kind: 'mode' } | { kind: 'pass@k'; k: number };

/** The default reducer: the mean of the epochs. */
export const DEFAULT_REDUCER: EpochReducer = Object.freeze({ kind: 'mean' });

const USAGE = 'use mean, max, median, mode or pass@k with k a positive integer (e.g. pass@3)';

/** Parses `mean`, `max`, `median`, `mode` or `pass@k`; throws E_USAGE naming the valid forms otherwise. */
export function parseReducer(text: string): EpochReducer {
  switch (text) {
    case 'mean':
    case 'max':
    case 'median':
    case 'mode':
      return { kind: text };
    default: {
      const match = /^pass@([1-9][0-9]*)$/.exec(text);
      const k = match === null ? Number.NaN : Number(match[1]);
      if (!Number.isSafeInteger(k))
        throw new RedlineError('E_USAGE', `unknown epoch reducer "${text}": ${USAGE}`);
      return { kind: 'pass@k', k };
    }
  }
}

/** The reducer's name as `parseReducer` reads it (`pass@3`). */
export function formatReducer(reducer: EpochReducer): string {
  return reducer.kind === 'pass@k' ? `pass@${reducer.k}` : reducer.kind;
}

/** Throws E_USAGE when the reducer needs more epochs than a run has (pass@k with k > epochs). */
export function checkReducerEpochs(reducer: EpochReducer, epochs: number): void {
  if (reducer.kind === 'pass@k' && reducer.k > epochs) {
    throw new RedlineError(
      'E_USAGE',
      `reducer pass@${reducer.k} needs at least ${reducer.k} epochs per sample, but the run has ${epochs}: ` +
        `raise --epochs to ${reducer.k} or more, or use a smaller k`,
    );
  }
}

/**
 * Reduces one sample's epoch scores (each in [0, 1]) to one value in [0, 1]. Throws E_USAGE on no scores, and for
 * pass@k on fewer than k scores (the estimator is undefined there).
 *
 * - `median` of an even count is the mean of the two middle scores (numpy's median).
 * - `mode` is the most frequent score; a tie goes to the smallest tied score, so the result does not depend on
 *   the order the epochs are given in.
 * - `pass@k` counts an epoch as correct when its score is >= 1.
 */
export function reduceEpochs(scores: ArrayLike<number>, reducer: EpochReducer): number {
  const n = scores.length;
  if (n === 0)
    throw new RedlineError('E_USAGE', 'no epoch scores to reduce: a sample needs at least one scored epoch');
  for (let i = 0; i < n; i++) assertScore(scores[i] as number, i);
  switch (reducer.kind) {
    case 'mean': {
      const sum = new CompensatedSum();
      for (let i = 0; i < n; i++) sum.add(scores[i] as number);
      return sum.value() / n;
    }
    case 'max': {
      let max = 0;
      for (let i = 0; i < n; i++) max = Math.max(max, scores[i] as number);
      return max;
    }
    case 'median': {
      const sorted = Float64Array.from(scores).sort();
      const mid = n >> 1;
      return n % 2 === 1
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    }
    case 'mode':
      return modeOf(scores);
    case 'pass@k': {
      if (reducer.k > n) {
        throw new RedlineError(
          'E_USAGE',
          `reducer pass@${reducer.k} needs at least ${reducer.k} scored epochs per sample, but a sample has ${n}: ` +
            `raise --epochs, or use a smaller k`,
        );
      }
      let correct = 0;
      for (let i = 0; i < n; i++) if ((scores[i] as number) >= 1) correct++;
      return passAtK(n, correct, reducer.k);
    }
  }
}

/**
 * The unbiased pass@k estimate 1 - C(n - c, k) / C(n, k) from n attempts of which c are correct, computed as
 * 1 - Π_{i = n-c+1..n} (1 - k / i): no factorials, no overflow, stable for large n.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (
    !Number.isSafeInteger(n) ||
    !Number.isSafeInteger(c) ||
    !Number.isSafeInteger(k) ||
    c < 0 ||
    c > n ||
    k < 1
  ) {
    throw new RedlineError(
      'E_USAGE',
      `pass@k needs integers 0 <= c <= n and k >= 1 (got n=${n}, c=${c}, k=${k})`,
    );
  }
  if (k > n) throw new RedlineError('E_USAGE', `pass@${k} is undefined for ${n} attempts: k must be <= n`);
  if (n - c < k) return 1; // every k-subset contains a correct attempt
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

function modeOf(scores: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    counts.set(score, (counts.get(score) ?? 0) + 1);
  }
  let best = Number.NaN;
  let bestCount = 0;
  for (const [score, count] of counts) {
    if (count > bestCount || (count === bestCount && score < best)) {
      best = score;
      bestCount = count;
    }
  }
  return best;
}
