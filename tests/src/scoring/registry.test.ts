import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import type { Sample, SuiteDefaults } from '../../../src/schema/suite.js';
import { MAX_ANSWER_CHARS, resolveScorer, scoreOutput, targetText } from '../../../src/scoring/registry.js';

const plain: Sample = { id: 's1', input: 'Q?', target: 'x' };
const withChoices: Sample = { id: 's2', input: 'Q?', choices: ['a', 'b'], target: 'A' };

describe('resolveScorer', () => {
  it('defaults to choice with choices and exact without', () => {
    expect(resolveScorer(withChoices, undefined)).toEqual({ type: 'choice' });
    expect(resolveScorer(plain, undefined)).toEqual({ type: 'exact', ignoreCase: true });
    expect(resolveScorer(plain, {})).toEqual({ type: 'exact', ignoreCase: true });
  });

  it('prefers the sample scorer, then the defaults scorer', () => {
    const defaults: SuiteDefaults = { scorer: 'flag' };
    expect(resolveScorer(plain, defaults)).toEqual({ type: 'flag', ignoreCase: false });
    expect(resolveScorer({ ...plain, scorer: 'includes' }, defaults)).toEqual({
      type: 'includes',
      ignoreCase: true,
    });
    expect(resolveScorer(withChoices, defaults).type).toBe('flag');
  });

  it('fills in the defaults of every string form', () => {
    expect(resolveScorer({ ...plain, scorer: 'choice' }, undefined)).toEqual({ type: 'choice' });
    expect(resolveScorer({ ...plain, scorer: 'numeric' }, undefined)).toEqual({
      type: 'numeric',
      tolerance: 0,
      relative: 0,
    });
    expect(resolveScorer({ ...plain, target: 'a+b', scorer: 'regex' }, undefined)).toEqual({
      type: 'regex',
      pattern: 'a+b',
      flags: '',
      hasExplicitPattern: false,
    });
  });

  it('keeps the options of every object form', () => {
    expect(resolveScorer({ ...plain, scorer: { type: 'exact', ignoreCase: false } }, undefined)).toEqual({
      type: 'exact',
      ignoreCase: false,
    });
    expect(resolveScorer({ ...plain, scorer: { type: 'includes', ignoreCase: false } }, undefined)).toEqual({
      type: 'includes',
      ignoreCase: false,
    });
    expect(resolveScorer({ ...plain, scorer: { type: 'flag', ignoreCase: true } }, undefined)).toEqual({
      type: 'flag',
      ignoreCase: true,
    });
    expect(resolveScorer({ ...plain, scorer: { type: 'numeric', tolerance: 0.5 } }, undefined)).toEqual({
      type: 'numeric',
      tolerance: 0.5,
      relative: 0,
    });
    expect(
      resolveScorer({ ...plain, scorer: { type: 'regex', pattern: 'p', flags: 'i' } }, undefined),
    ).toEqual({
      type: 'regex',
      pattern: 'p',
      flags: 'i',
      hasExplicitPattern: true,
    });
    expect(
      resolveScorer({ ...plain, target: 't', scorer: { type: 'regex', flags: 'm' } }, undefined),
    ).toEqual({
      type: 'regex',
      pattern: 't',
      flags: 'm',
      hasExplicitPattern: false,
    });
    expect(resolveScorer({ ...plain, scorer: { type: 'choice' } }, undefined)).toEqual({ type: 'choice' });
  });

  it('takes the pattern of a defaults regex scorer from each sample target', () => {
    const defaults: SuiteDefaults = { scorer: 'regex' };
    expect(resolveScorer({ ...plain, target: 'one' }, defaults)).toMatchObject({ pattern: 'one' });
    expect(resolveScorer({ ...plain, target: 'two' }, defaults)).toMatchObject({ pattern: 'two' });
  });
});

describe('targetText', () => {
  it('joins an array target with ", "', () => {
    expect(targetText(['A', 'C'])).toBe('A, C');
    expect(targetText('x')).toBe('x');
  });
});

describe('scoreOutput', () => {
  it('dispatches to the scorer named by the defaults', () => {
    const sample: Sample = { id: 's3', input: 'Q?', target: 'flag{a}' };
    expect(scoreOutput(sample, { scorer: 'flag' }, 'it is flag{a}!').value).toBe(1);
    expect(scoreOutput(sample, undefined, 'it is flag{a}!').value).toBe(0);
  });

  it('throws E_SCHEMA with the sample id for an array target under a non-choice scorer', () => {
    let caught: unknown;
    try {
      scoreOutput({ ...plain, target: ['A', 'B'], scorer: 'exact' }, undefined, 'A, B');
    } catch (error) {
      caught = error;
    }
    expect(isRedlineError(caught, 'E_SCHEMA')).toBe(true);
    expect((caught as Error).message).toContain('"s1"');
  });

  it('cuts a long answer to MAX_ANSWER_CHARS', () => {
    const long = 'y'.repeat(10_000);
    const score = scoreOutput({ ...plain, target: 'x' }, undefined, long);
    expect(score.value).toBe(0);
    expect(score.answer).toHaveLength(MAX_ANSWER_CHARS);
    expect(score.answer?.endsWith('…')).toBe(true);
  });

  it('keeps an answer of exactly MAX_ANSWER_CHARS', () => {
    const answer = 'z'.repeat(MAX_ANSWER_CHARS);
    expect(scoreOutput({ ...plain, target: answer }, undefined, answer)).toEqual({ value: 1, answer });
  });

  it('returns a value of 0 or 1 for adversarial outputs of every scorer', () => {
    const samples: Sample[] = [
      withChoices,
      { ...withChoices, target: ['A', 'B'] },
      plain,
      { ...plain, scorer: 'includes' },
      { ...plain, scorer: 'flag' },
      { ...plain, target: '\\w+', scorer: 'regex' },
      { ...plain, target: '1', scorer: 'numeric' },
    ];
    const outputs = [
      '',
      '\n\n',
      'ANSWER:',
      'ANSWER: A or B',
      '\u0000\uffff\ud800',
      '😀'.repeat(1000),
      'answer: '.repeat(10_000),
    ];
    for (const sample of samples) {
      for (const output of outputs) expect([0, 1]).toContain(scoreOutput(sample, undefined, output).value);
    }
  });
});

describe('scoreOutput with Jaccard partial credit', () => {
  it('gives |answer ∩ target| / |answer ∪ target| for a multi-answer sample, and all or nothing without it', () => {
    const sample = {
      id: 'm',
      input: 'Which are block ciphers? Select all that apply.',
      choices: ['AES', 'RC4', 'Twofish', 'ChaCha20'],
      target: ['A', 'C'],
    };
    const jaccard = { ...sample, scorer: { type: 'choice' as const, partial: 'jaccard' as const } };
    expect(scoreOutput(jaccard, undefined, 'ANSWER: A').value).toBeCloseTo(1 / 2, 12);
    expect(scoreOutput(jaccard, undefined, 'ANSWER: A, B, C').value).toBeCloseTo(2 / 3, 12);
    expect(scoreOutput(jaccard, undefined, 'ANSWER: A, C').value).toBe(1);
    expect(scoreOutput(sample, undefined, 'ANSWER: A').value).toBe(0);
  });
});
