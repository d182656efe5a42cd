/**
 * Resolves a sample's scorer and scores a model output with it (DESIGN.md §3). One scorer per file: choice.ts,
 * exact.ts, includes.ts, regex.ts, flag.ts, numeric.ts; the answer extractor is extract-answer.ts.
 *
 * Runs inside worker threads for every unit: no per-call regex compilation (see regex.ts), little allocation.
 */
import { isRedlineError, RedlineError } from '../errors.js';
import type { Sample, SuiteDefaults } from '../schema/suite.js';
import { scoreChoice } from './choice.js';
import { scoreExact } from './exact.js';
import { scoreFlag } from './flag.js';
import { scoreIncludes } from './includes.js';
import { scoreNumeric } from './numeric.js';
import { scoreRegex } from './regex.js';

/**
 * The score of one output: `value` in [0, 1]; `answer` is what the scorer extracted (null when nothing), cut to
 * {@link MAX_ANSWER_CHARS} characters; `explanation` says why a score is 0 when that is not obvious.
 */
export interface Score {
  value: number;
  answer: string | null;
  explanation?: string;
}

/** A scorer with every option resolved to its value (defaults filled in). */
export type ResolvedScorer =
  | { readonly type: 'choice'; readonly partial?: 'jaccard' }
  | { readonly type: 'exact'; readonly ignoreCase: boolean }
  | { readonly type: 'includes'; readonly ignoreCase: boolean }
  | {
      readonly type: 'regex';
      readonly pattern: string;
      readonly flags: string;
      /** True when the spec names a pattern (the target is then an example answer); false when the target is the pattern. */
      readonly hasExplicitPattern: boolean;
    }
  | { readonly type: 'flag'; readonly ignoreCase: boolean }
  | { readonly type: 'numeric'; readonly tolerance: number; readonly relative: number };

/** The longest `answer` a score carries; longer ones are cut and end with "…". */
export const MAX_ANSWER_CHARS = 500;

// The string forms resolve to shared constants: no allocation on the hot path.
const CHOICE: ResolvedScorer = { type: 'choice' };
const CHOICE_JACCARD: ResolvedScorer = { type: 'choice', partial: 'jaccard' };
const EXACT: ResolvedScorer = { type: 'exact', ignoreCase: true };
const INCLUDES: ResolvedScorer = { type: 'includes', ignoreCase: true };
const FLAG: ResolvedScorer = { type: 'flag', ignoreCase: false };
const NUMERIC: ResolvedScorer = { type: 'numeric', tolerance: 0, relative: 0 };

/** The target as one string: an array target (only valid for the choice scorer) is joined with ", ". */
export function targetText(target: Sample['target']): string {
  return typeof target === 'string' ? target : target.join(', ');
}

/**
 * The scorer of `sample`: `sample.scorer ?? defaults.scorer ?? (choices ? 'choice' : 'exact')`, with defaults
 * filled in. For the string form 'regex' the pattern is the target.
 */
export function resolveScorer(sample: Sample, defaults: SuiteDefaults | undefined): ResolvedScorer {
  const spec = sample.scorer ?? defaults?.scorer ?? (sample.choices === undefined ? 'exact' : 'choice');
  if (typeof spec === 'string') {
    switch (spec) {
      case 'choice':
        return CHOICE;
      case 'exact':
        return EXACT;
      case 'includes':
        return INCLUDES;
      case 'flag':
        return FLAG;
      case 'numeric':
        return NUMERIC;
      case 'regex':
        return { type: 'regex', pattern: targetText(sample.target), flags: '', hasExplicitPattern: false };
    }
  }
  switch (spec.type) {
    case 'choice':
      return spec.partial === 'jaccard' ? CHOICE_JACCARD : CHOICE;
    case 'exact':
      return spec.ignoreCase === false ? { type: 'exact', ignoreCase: false } : EXACT;
    case 'includes':
      return spec.ignoreCase === false ? { type: 'includes', ignoreCase: false } : INCLUDES;
    case 'flag':
      return spec.ignoreCase === true ? { type: 'flag', ignoreCase: true } : FLAG;
    case 'numeric':
      return { type: 'numeric', tolerance: spec.tolerance ?? 0, relative: spec.relative ?? 0 };
    case 'regex':
      return spec.pattern === undefined
        ? {
            type: 'regex',
            pattern: targetText(sample.target),
            flags: spec.flags ?? '',
            hasExplicitPattern: false,
          }
        : { type: 'regex', pattern: spec.pattern, flags: spec.flags ?? '', hasExplicitPattern: true };
  }
}

function dispatch(scorer: ResolvedScorer, sample: Sample, output: string): Score {
  if (scorer.type === 'choice') return scoreChoice(sample.target, sample.choices, output, scorer.partial);
  if (typeof sample.target !== 'string') {
    throw new RedlineError(
      'E_SCHEMA',
      `the target is an array, which only the choice scorer accepts (scorer: ${scorer.type})`,
    );
  }
  switch (scorer.type) {
    case 'exact':
      return scoreExact(sample.target, scorer.ignoreCase, output);
    case 'includes':
      return scoreIncludes(sample.target, scorer.ignoreCase, output);
    case 'regex':
      return scoreRegex(scorer.pattern, scorer.flags, output);
    case 'flag':
      return scoreFlag(sample.target, scorer.ignoreCase, output);
    case 'numeric':
      return scoreNumeric(sample.target, scorer.tolerance, scorer.relative, output);
  }
}

/**
 * Scores `output` for `sample` with `sample.scorer ?? defaults.scorer ?? (choices ? 'choice' : 'exact')`.
 * Throws RedlineError E_SCHEMA when the sample cannot be scored (a problem checkSample reports at load time: a
 * regex that does not compile, a numeric target that is not a number ...): that is the sample's fault, not the
 * model's, so it must not count as a 0.
 *
 * @example
 * scoreOutput({ id: 'q1', input: 'Which mode?', choices: ['ECB', 'CTR'], target: 'B' }, undefined, 'ANSWER: B');
 * // → { value: 1, answer: 'B' }
 */
export function scoreOutput(sample: Sample, defaults: SuiteDefaults | undefined, output: string): Score {
  let score: Score;
  try {
    score = dispatch(resolveScorer(sample, defaults), sample, output);
  } catch (error) {
    if (!isRedlineError(error, 'E_SCHEMA')) throw error;
    throw new RedlineError(
      'E_SCHEMA',
      `sample "${sample.id}" cannot be scored: ${error.message}; validate the suite`,
      {
        cause: error,
      },
    );
  }
  if (score.answer !== null && score.answer.length > MAX_ANSWER_CHARS) {
    score.answer = `${score.answer.slice(0, MAX_ANSWER_CHARS - 1)}…`;
  }
  return score;
}
