/**
 * Scorer-specific checks of one sample, run by the suite validator on every sample after the schema: what the
 * schema cannot say (a choice target within the choices, a regex that compiles ...). A sample without issues can
 * be scored: scoreOutput does not throw for it.
 */
import type { Sample, SuiteDefaults } from '../schema/suite.js';
import { letterIndexOf, letterRange } from './choice.js';
import { parseNumber } from './numeric.js';
import { compileRegex, isKnownFlags, REGEX_FLAGS } from './regex.js';
import { resolveScorer, type ResolvedScorer } from './registry.js';

/** A problem inside one sample: `pointer` is relative to the sample (e.g. '/target'). */
export interface SampleIssue {
  pointer: string;
  message: string;
}

function checkChoice(sample: Sample, issues: SampleIssue[]): void {
  const count = sample.choices?.length;
  if (count === undefined) {
    issues.push({
      pointer: '/choices',
      message:
        'is required by the choice scorer: add the options (at least 2), or give the sample another scorer',
    });
  }
  const range = letterRange(count ?? 26);
  const checkLetter = (letter: string, pointer: string): void => {
    const index = letterIndexOf(letter, false);
    if (index !== -1 && (count === undefined || index < count)) return;
    let hint = '';
    if (letterIndexOf(letter, true) !== -1 && index === -1) hint = '; choice letters are uppercase';
    else if (pointer === '/target' && /^[A-Za-z](?:\s*[,;&\s]\s*[A-Za-z])+$/.test(letter.trim())) {
      hint = '; for several correct options use an array of letters, e.g. ["A", "C"]';
    }
    issues.push({
      pointer,
      message: `must be one of the choice letters ${range} (got ${JSON.stringify(letter)})${hint}`,
    });
  };
  if (typeof sample.target === 'string') checkLetter(sample.target, '/target');
  else sample.target.forEach((letter, i) => checkLetter(letter, `/target/${i}`));
}

function checkRegex(sample: Sample, scorer: ResolvedScorer & { type: 'regex' }, issues: SampleIssue[]): void {
  const hasOwnSpec = typeof sample.scorer === 'object';
  // A spec inherited from the suite's defaults has no place inside the sample: point at the sample itself.
  const where = (field: string): { pointer: string; prefix: string } =>
    hasOwnSpec
      ? { pointer: `/scorer/${field}`, prefix: '' }
      : { pointer: '', prefix: `defaults.scorer.${field} ` };
  if (!isKnownFlags(scorer.flags)) {
    const unknown = [...new Set(scorer.flags.replace(/[imsu]/g, ''))].join('');
    const { pointer, prefix } = where('flags');
    issues.push({
      pointer,
      message: `${prefix}has unknown flags "${unknown}": use a subset of "${REGEX_FLAGS}"`,
    });
    return;
  }
  let regex: RegExp;
  try {
    regex = compileRegex(scorer.pattern, scorer.flags);
  } catch (error) {
    const engine = error instanceof Error ? error.message : String(error);
    const { pointer, prefix } = scorer.hasExplicitPattern
      ? where('pattern')
      : { pointer: '/target', prefix: '' };
    issues.push({
      pointer,
      message: `${prefix}is not a valid regular expression (${engine}): fix the pattern (ECMAScript syntax)`,
    });
    return;
  }
  if (scorer.hasExplicitPattern && typeof sample.target === 'string' && !regex.test(sample.target)) {
    issues.push({
      pointer: '/target',
      message:
        `does not match the scorer's pattern /${scorer.pattern}/${scorer.flags}: with an explicit pattern the target ` +
        'is an example of a correct answer, so it must match; fix the pattern or the target',
    });
  }
}

/** Returns the scorer-specific problems of `sample` (empty when it can be scored). */
export function checkSample(sample: Sample, defaults: SuiteDefaults | undefined): SampleIssue[] {
  const issues: SampleIssue[] = [];
  const scorer = resolveScorer(sample, defaults);
  if (scorer.type === 'choice') {
    checkChoice(sample, issues);
    return issues;
  }
  const target = sample.target;
  if (typeof target !== 'string') {
    issues.push({
      pointer: '/target',
      message:
        `is an array, which only the choice scorer accepts (this sample is scored with "${scorer.type}"): ` +
        'give one string, or use the choice scorer with choices',
    });
    return issues;
  }
  switch (scorer.type) {
    case 'regex':
      checkRegex(sample, scorer, issues);
      break;
    case 'numeric':
      if (parseNumber(target) === null) {
        issues.push({
          pointer: '/target',
          message: `must be a finite number such as 42, -1.5, 1e-3, 1,024 or 0x1F (got ${JSON.stringify(target)})`,
        });
      }
      break;
    case 'exact':
    case 'includes':
    case 'flag':
      if (target.trim() === '') {
        issues.push({
          pointer: '/target',
          message: `is blank: it would match ${scorer.type === 'exact' ? 'an empty reply' : 'every reply'}; give the expected answer`,
        });
      }
      break;
  }
  return issues;
}
