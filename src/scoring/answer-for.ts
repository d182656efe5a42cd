/**
 * The bare answer a correct (or a wrong) model would give for a sample: used by the model simulator.
 *
 * The contract, tested over every scorer: a correct answer scores 1 and a wrong one scores 0 under scoreOutput,
 * both as the whole reply and as the reply `ANSWER: <answer>`. The exceptions are samples that no reply can fail
 * (an `includes` target that is part of "ANSWER", a regex that matches everything, a choice target naming every
 * option under Jaccard partial credit) or, for a string-form regex, a pattern too complex for
 * {@link exampleForRegex}: then the best effort is returned.
 */
import type { Sample, SuiteDefaults } from '../schema/suite.js';
import { targetMask } from './choice.js';
import { lettersOf } from './extract-answer.js';
import { parseNumber } from './numeric.js';
import { compileRegex } from './regex.js';
import { resolveScorer, scoreOutput, targetText, type ResolvedScorer } from './registry.js';

// Wrong answers a model gives, tried from a position chosen by `pick` until one scores 0.
const WRONG_WORDS = ['I do not know', 'none', 'unknown', 'not applicable', 'no', 'zzz', '0', '?'] as const;

/** `pick` folded into [0, 1) (NaN and infinities become 0). */
function foldPick(pick: number): number {
  if (!Number.isFinite(pick)) return 0;
  return pick - Math.floor(pick);
}

/** A deterministic 32-bit hash of (`pick`, `salt`), mixed in the manner of mulberry32. */
function hashPick(pick: number, salt: number): number {
  let h = (Math.floor(pick * 0x100000000) ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), h | 1);
  h ^= h + Math.imul(h ^ (h >>> 7), h | 61);
  return (h ^ (h >>> 14)) >>> 0;
}

function hexOf(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function choiceCount(sample: Sample, targetBits: number): number {
  return sample.choices?.length ?? Math.max(4, 32 - Math.clz32(targetBits));
}

/** True when the sample's choice scorer gives Jaccard partial credit (`{"type": "choice", "partial": "jaccard"}`). */
function isJaccardChoice(sample: Sample, defaults: SuiteDefaults | undefined): boolean {
  const spec = sample.scorer ?? defaults?.scorer;
  return typeof spec === 'object' && spec.type === 'choice' && spec.partial === 'jaccard';
}

function wrongChoice(sample: Sample, pick: number, isJaccard: boolean): string {
  const wanted = targetMask(sample.target);
  const count = choiceCount(sample, wanted);
  const candidates: number[] = [];
  if (typeof sample.target === 'string' || isJaccard) {
    // One letter (or any target under partial credit, where a near miss would score above 0): a letter outside
    // the target.
    for (let i = 0; i < count; i++) if ((wanted & (1 << i)) === 0) candidates.push(1 << i);
  }
  if (typeof sample.target !== 'string' && candidates.length === 0) {
    // A set of letters: a near miss, the set with one letter added or removed (under partial credit only when the
    // target names every choice, so that no letter is left outside it: best effort).
    for (let i = 0; i < count; i++) if ((wanted ^ (1 << i)) !== 0) candidates.push(wanted ^ (1 << i));
  }
  const mask = candidates[Math.floor(pick * candidates.length)] ?? 1 << count;
  return lettersOf(mask).join(', ');
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

function wrongCandidates(sample: Sample, scorer: ResolvedScorer, pick: number): string[] {
  const target = targetText(sample.target);
  if (scorer.type === 'numeric') {
    const wanted = parseNumber(target) ?? 0;
    const bound = Math.max(scorer.tolerance, scorer.relative * Math.abs(wanted));
    const step = Math.max(1, Math.abs(wanted) / 10);
    // Off by more than the tolerance, on either side, by 1 to 8 steps.
    return Array.from({ length: 8 }, (_, k) =>
      formatNumber(wanted + (k % 2 === 0 ? 1 : -1) * (bound + (1 + (k >> 1)) * step)),
    );
  }
  if (scorer.type === 'flag') {
    const prefix = /^([A-Za-z0-9_-]+)\{/.exec(target)?.[1] ?? 'flag';
    return Array.from({ length: 8 }, (_, k) => {
      const hex = hexOf(hashPick(pick, 2 * k)) + hexOf(hashPick(pick, 2 * k + 1));
      return `${prefix}{${hex}}`;
    });
  }
  return [...WRONG_WORDS];
}

function scoresAs(
  sample: Sample,
  defaults: SuiteDefaults | undefined,
  answer: string,
  value: number,
): boolean {
  return (
    scoreOutput(sample, defaults, answer).value === value &&
    scoreOutput(sample, defaults, `ANSWER: ${answer}`).value === value
  );
}

function wrongAnswer(
  sample: Sample,
  defaults: SuiteDefaults | undefined,
  scorer: ResolvedScorer,
  pick: number,
): string {
  const candidates = wrongCandidates(sample, scorer, pick);
  const start = Math.floor(pick * candidates.length);
  for (let k = 0; k < candidates.length; k++) {
    const candidate = candidates[(start + k) % candidates.length] ?? '';
    if (scoresAs(sample, defaults, candidate, 0)) return candidate;
  }
  return candidates[start] ?? '';
}

const CLASS_PROBES = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
const ESCAPES: Readonly<Record<string, string>> = {
  d: '0',
  D: 'a',
  w: 'a',
  W: '-',
  s: ' ',
  S: 'a',
  b: '',
  n: '\n',
  r: '\r',
  t: '\t',
  f: '\f',
  v: '\v',
  '0': '\0',
};

/**
 * A string that `pattern` matches, for simple patterns (literals, escapes, classes, groups, alternation,
 * quantifiers, anchors), or null when the pattern uses more (lookaround, back-references, `\p`) or the guess does
 * not match. Alternations take their first branch; quantifiers their minimum (`+` once).
 */
export function exampleForRegex(pattern: string, flags: string): string | null {
  let at = 0;
  let isSupported = true;
  const alternation = (): string => {
    const first = sequence();
    while (isSupported && pattern[at] === '|') {
      at++;
      sequence();
    }
    return first;
  };
  const sequence = (): string => {
    let out = '';
    while (isSupported && at < pattern.length && pattern[at] !== '|' && pattern[at] !== ')') {
      const atom = readAtom();
      out += atom.repeat(readQuantifier());
    }
    return out;
  };
  const readQuantifier = (): number => {
    const c = pattern[at];
    let count = 1;
    if (c === '*' || c === '?') count = 0;
    if (c === '*' || c === '?' || c === '+') at++;
    else {
      const braces = /^\{(\d+)(?:,\d*)?\}/.exec(pattern.slice(at));
      if (braces === null) return 1;
      count = Number(braces[1]);
      at += braces[0].length;
    }
    if (pattern[at] === '?') at++;
    return count;
  };
  const readAtom = (): string => {
    const c = pattern[at] ?? '';
    if (c === '(') {
      const head = /^\((?:\?:|\?<[A-Za-z_$][\w$]*>)?/.exec(pattern.slice(at))?.[0] ?? '(';
      if (head === '(' && pattern[at + 1] === '?') {
        // Lookahead or lookbehind: a guess could not honour it.
        isSupported = false;
        return '';
      }
      at += head.length;
      const inner = alternation();
      if (pattern[at] !== ')') isSupported = false;
      at++;
      return inner;
    }
    if (c === '[') {
      let end = at + 1;
      while (end < pattern.length && pattern[end] !== ']') end += pattern[end] === '\\' ? 2 : 1;
      const body = pattern.slice(at, end + 1);
      at = end + 1;
      const regex = compileRegex(`^${body}$`, flags.replace('m', ''));
      const probe = CLASS_PROBES.find((p) => regex.test(p));
      if (probe === undefined) isSupported = false;
      return probe ?? '';
    }
    if (c === '\\') {
      const e = pattern[at + 1] ?? '';
      at += 2;
      const fixed = ESCAPES[e];
      if (fixed !== undefined) return fixed;
      if (e === 'x' || e === 'u') {
        const hex = /^(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{4}))/.exec(pattern.slice(at));
        const code = e === 'x' ? pattern.slice(at, at + 2) : (hex?.[1] ?? hex?.[2]);
        at += e === 'x' ? 2 : (hex?.[0].length ?? 0);
        return code === undefined ? e : String.fromCodePoint(Number.parseInt(code, 16));
      }
      if (/[1-9kpPcB]/.test(e)) isSupported = false;
      return e;
    }
    at++;
    if (c === '.') return 'a';
    if (c === '^' || c === '$') return '';
    return c;
  };
  let example: string;
  try {
    example = alternation();
    if (at < pattern.length) isSupported = false;
    if (!isSupported || !compileRegex(pattern, flags).test(example)) return null;
  } catch {
    return null;
  }
  return example;
}

function correctAnswer(sample: Sample, scorer: ResolvedScorer): string {
  if (scorer.type === 'choice') return lettersOf(targetMask(sample.target)).join(', ');
  const target = targetText(sample.target);
  if (scorer.type !== 'regex' || scorer.hasExplicitPattern) return target;
  // The target is the pattern: a literal pattern is its own answer, else build an example from it.
  try {
    if (compileRegex(scorer.pattern, scorer.flags).test(target)) return target;
  } catch {
    return target;
  }
  return exampleForRegex(scorer.pattern, scorer.flags) ?? target;
}

/**
 * The bare answer text for `sample` (e.g. "B", "A, C", a flag, a number): the target (letters joined with ", ";
 * for a regex with an explicit pattern, the target is the example answer; for the string form, an example built
 * from the pattern). When `correct` is false, a wrong answer chosen deterministically from `pick` (a number in
 * [0, 1)): another letter or a near-miss letter set (letters outside the target under Jaccard partial credit,
 * so that the wrong answer still scores 0), another flag, a number outside the tolerance, a string that
 * the scorer rejects.
 */
export function answerFor(
  sample: Sample,
  defaults: SuiteDefaults | undefined,
  correct: boolean,
  pick: number,
): string {
  const scorer = resolveScorer(sample, defaults);
  if (correct) return correctAnswer(sample, scorer);
  const folded = foldPick(pick);
  return scorer.type === 'choice'
    ? wrongChoice(sample, folded, isJaccardChoice(sample, defaults))
    : wrongAnswer(sample, defaults, scorer, folded);
}
