/**
 * The includes scorer: the whole output contains the target.
 */
import type { Score } from './registry.js';
import { findLabelledAnswer, unwrapAnswer } from './extract-answer.js';
import { compileRegex, escapeRegex } from './regex.js';

/**
 * The first occurrence of `text` in `output` as written there, or null. With `ignoreCase`, letters are compared
 * under Unicode case folding (a cached `iu` expression, so no copy of the output is made).
 */
export function findLiteral(output: string, text: string, ignoreCase: boolean): string | null {
  if (!ignoreCase) return output.includes(text) ? text : null;
  return compileRegex(escapeRegex(text), 'iu').exec(output)?.[0] ?? null;
}

/** The answer reported when the target is not found: the labelled answer, if any. */
export function reportedAnswer(output: string): string | null {
  const labelled = findLabelledAnswer(output);
  return labelled === null ? null : unwrapAnswer(labelled);
}

/** Scores `output` for `target`: 1 when the whole output contains it; the answer is the occurrence found. */
export function scoreIncludes(target: string, ignoreCase: boolean, output: string): Score {
  const found = findLiteral(output, target, ignoreCase);
  if (found !== null) return { value: 1, answer: found };
  return { value: 0, answer: reportedAnswer(output), explanation: 'the target does not occur in the output' };
}
