/**
 * The regex scorer, and the cache of compiled regular expressions shared by every scorer.
 *
 * Scoring runs thousands of times per second inside worker threads, so a pattern is compiled once per worker and
 * reused. Only the flags `i`, `m`, `s` and `u` are accepted: without `g` and `y` a RegExp keeps no state between
 * calls (`lastIndex` is ignored), so one cached instance is safe to share.
 */
import { RedlineError } from '../errors.js';
import type { Score } from './registry.js';
import { extractAnswer, findLabelledAnswer, unwrapAnswer } from './extract-answer.js';

/** The regular expression flags a scorer may use. */
export const REGEX_FLAGS = 'imsu';

// Enough for the distinct patterns of a large suite; past it the oldest entry goes (insertion order of the Map).
const MAX_CACHED_REGEXES = 4096;
const cache = new Map<string, RegExp>();

/** The compiled `pattern` with `flags` (a subset of "imsu"), cached; throws SyntaxError when it does not compile. */
export function compileRegex(pattern: string, flags: string): RegExp {
  // Flags never contain '/', so the key is unambiguous.
  const key = `${flags}/${pattern}`;
  let regex = cache.get(key);
  if (regex === undefined) {
    if (!isKnownFlags(flags))
      throw new SyntaxError(`Invalid flags "${flags}": use a subset of "${REGEX_FLAGS}"`);
    regex = new RegExp(pattern, flags);
    if (cache.size >= MAX_CACHED_REGEXES) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(key, regex);
  }
  return regex;
}

/** The number of compiled expressions currently cached (for tests and diagnostics). */
export function cachedRegexCount(): number {
  return cache.size;
}

/** True when every flag in `flags` is one of "imsu" (duplicates are left to the RegExp constructor). */
export function isKnownFlags(flags: string): boolean {
  for (let i = 0; i < flags.length; i++) if (!REGEX_FLAGS.includes(flags.charAt(i))) return false;
  return true;
}

/** `text` with every regular-expression syntax character escaped (valid with and without the `u` flag). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * Scores `output` against `pattern`: 1 when the pattern matches the whole output or, failing that, the extracted
 * answer (the last `ANSWER:` value, unwrapped), so that anchored patterns such as `^\d+$` work with the prompt's
 * `ANSWER:` line. The answer is the matched text, else the labelled answer, else null.
 * Throws RedlineError E_SCHEMA when the pattern does not compile (checkSample reports it when the suite is loaded).
 */
export function scoreRegex(pattern: string, flags: string, output: string): Score {
  let regex: RegExp;
  try {
    regex = compileRegex(pattern, flags);
  } catch (error) {
    throw new RedlineError('E_SCHEMA', `the pattern does not compile: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const whole = regex.exec(output);
  if (whole !== null) return { value: 1, answer: whole[0] };
  const extracted = unwrapAnswer(extractAnswer(output));
  const inAnswer = regex.exec(extracted);
  if (inAnswer !== null) return { value: 1, answer: inAnswer[0] };
  const labelled = findLabelledAnswer(output);
  return { value: 0, answer: labelled === null ? null : unwrapAnswer(labelled), explanation: 'no match' };
}
