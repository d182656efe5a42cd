/**
 * The choice scorer (multiple choice): the target is one letter or a set of letters, and a reply scores 1 only
 * when it names exactly that set: more or fewer letters is wrong (DESIGN.md §3). With `partial: 'jaccard'` a reply
 * earns |answer ∩ target| / |answer ∪ target| instead (partial credit for multi-answer sets).
 */
import { RedlineError } from '../errors.js';
import type { Score } from './registry.js';
import { extractChoiceMask, lettersOf } from './extract-answer.js';

/** The letter of the choice at `index` (0 → "A"). */
export function choiceLetter(index: number): string {
  return String.fromCharCode(65 + index);
}

/** The range of letters of `count` choices, e.g. "A-D". */
export function letterRange(count: number): string {
  return count <= 1 ? 'A' : `A-${choiceLetter(count - 1)}`;
}

/** The index of a one-letter string A-Z (0 → "A"), or -1; lowercase only when `ignoreCase`. */
export function letterIndexOf(text: string, ignoreCase: boolean): number {
  if (text.length !== 1) return -1;
  const code = (ignoreCase ? text.toUpperCase() : text).charCodeAt(0);
  return code >= 65 && code <= 90 ? code - 65 : -1;
}

/** The target's letters as a bit set (bit 0 = A), or 0 when an element is not a single letter (either case). */
export function targetMask(target: string | readonly string[]): number {
  const letters = typeof target === 'string' ? [target] : target;
  let mask = 0;
  for (const letter of letters) {
    const index = letterIndexOf(letter, true);
    if (index === -1) return 0;
    mask |= 1 << index;
  }
  return mask;
}

/** How many bits of `mask` are set. */
function countBits(mask: number): number {
  let count = 0;
  for (let rest = mask; rest !== 0; rest &= rest - 1) count++;
  return count;
}

/** The Jaccard index of two letter sets (bit 0 = A): |a ∩ b| / |a ∪ b|, and 0 when both are empty. */
export function jaccardIndex(a: number, b: number): number {
  const union = countBits(a | b);
  return union === 0 ? 0 : countBits(a & b) / union;
}

/**
 * Scores `output` for a choice `target`: 1 when the letters it names (see extract-answer.ts) are exactly the
 * target's, else 0; with `partial` 'jaccard', the Jaccard index of the named and the target letters (0 when the
 * reply names none). The answer is the letters named, e.g. "A, C", or null. Throws RedlineError E_SCHEMA when the
 * target is not made of letters (checkSample reports it when the suite is loaded).
 */
export function scoreChoice(
  target: string | readonly string[],
  choices: readonly string[] | undefined,
  output: string,
  partial?: 'jaccard',
): Score {
  const wanted = targetMask(target);
  if (wanted === 0)
    throw new RedlineError(
      'E_SCHEMA',
      `the choice target ${JSON.stringify(target)} is not a letter or a list of letters`,
    );
  const named = extractChoiceMask(output, choices);
  if (named === 0) return { value: 0, answer: null, explanation: 'no answer found' };
  const answer = lettersOf(named).join(', ');
  if (partial === 'jaccard') return { value: jaccardIndex(named, wanted), answer };
  return { value: named === wanted ? 1 : 0, answer };
}
