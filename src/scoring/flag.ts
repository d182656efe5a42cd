/**
 * The flag scorer (capture-the-flag): the exact flag string appears anywhere in the output.
 */
import type { Score } from './registry.js';
import { findLiteral, reportedAnswer } from './includes.js';

/**
 * Scores `output` for the flag `target`: 1 when the flag occurs in it, case-sensitively unless `ignoreCase`.
 * The answer is the occurrence found, else the labelled answer, else null.
 */
export function scoreFlag(target: string, ignoreCase: boolean, output: string): Score {
  const found = findLiteral(output, target, ignoreCase);
  if (found !== null) return { value: 1, answer: found };
  return { value: 0, answer: reportedAnswer(output), explanation: 'the flag does not occur in the output' };
}
