/**
 * The exact scorer: the extracted answer equals the target.
 */
import type { Score } from './registry.js';
import { extractAnswer, unwrapAnswer } from './extract-answer.js';

const WHITESPACE = /\s+/g;

/** `text` as the exact scorer compares it: NFC, trimmed, runs of whitespace as one space, lowercased if asked. */
export function normalizeExact(text: string, ignoreCase: boolean): string {
  const normalized = text.normalize('NFC').trim().replace(WHITESPACE, ' ');
  return ignoreCase ? normalized.toLowerCase() : normalized;
}

/**
 * Scores `output` for `target`: 1 when the extracted answer (the last `ANSWER:` value, else the whole output)
 * equals the target after {@link normalizeExact}, either as written or without markdown wrappers, quotes and a
 * final period (so `**nmap**` and `nmap.` match "nmap", and "e.g." still matches "e.g.").
 */
export function scoreExact(target: string, ignoreCase: boolean, output: string): Score {
  const extracted = extractAnswer(output);
  const answer = unwrapAnswer(extracted);
  const wanted = normalizeExact(target, ignoreCase);
  const isEqual =
    normalizeExact(answer, ignoreCase) === wanted || normalizeExact(extracted, ignoreCase) === wanted;
  return { value: isEqual ? 1 : 0, answer };
}
