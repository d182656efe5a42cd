import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import type { Sample } from '../../../src/schema/suite.js';
import { answerFor } from '../../../src/scoring/answer-for.js';
import {
  jaccardIndex,
  letterIndexOf,
  letterRange,
  scoreChoice,
  targetMask,
} from '../../../src/scoring/choice.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

const single: Sample = { id: 'q1', input: 'Which mode?', choices: ['ECB', 'CBC', 'CTR', 'GCM'], target: 'C' };
const multi: Sample = { ...single, id: 'q2', target: ['A', 'C'] };

describe('scoreChoice', () => {
  it('scores 1 for the target letter and reports it as the answer', () => {
    expect(scoreChoice('C', single.choices, 'Counter mode.\nANSWER: C')).toEqual({ value: 1, answer: 'C' });
  });

  it('scores 0 for another letter, with the letter as the answer', () => {
    expect(scoreChoice('C', single.choices, 'ANSWER: B')).toEqual({ value: 0, answer: 'B' });
  });

  it('scores 0 with a null answer when the reply names no letter', () => {
    const score = scoreChoice('C', single.choices, 'ANSWER: A or C');
    expect(score.value).toBe(0);
    expect(score.answer).toBeNull();
  });

  it('scores 0 when a single-answer reply names two letters, even including the target', () => {
    expect(scoreChoice('C', single.choices, 'ANSWER: A, C').value).toBe(0);
  });

  it('scores 1 for exactly the target set, in any order and format', () => {
    for (const output of [
      'ANSWER: A, C',
      'ANSWER: C, A',
      'answer: a and c',
      '**ANSWER: (A) (C)**',
      'ANSWER: A, C, A',
    ]) {
      expect(scoreChoice(['A', 'C'], multi.choices, output)).toEqual({ value: 1, answer: 'A, C' });
    }
  });

  it('scores 0 for a multi-answer reply with a letter missing or extra', () => {
    expect(scoreChoice(['A', 'C'], multi.choices, 'ANSWER: A')).toEqual({ value: 0, answer: 'A' });
    expect(scoreChoice(['A', 'C'], multi.choices, 'ANSWER: A, B, C')).toEqual({
      value: 0,
      answer: 'A, B, C',
    });
    expect(scoreChoice(['A', 'C'], multi.choices, 'ANSWER: B, D').value).toBe(0);
  });

  it('scores a one-letter array target like a single target', () => {
    expect(scoreChoice(['B'], single.choices, 'ANSWER: B').value).toBe(1);
    expect(scoreChoice(['B'], single.choices, 'ANSWER: B, C').value).toBe(0);
  });

  it('takes the last ANSWER line', () => {
    expect(scoreChoice('C', single.choices, 'ANSWER: C\nWait, no.\nANSWER: D').value).toBe(0);
    expect(scoreChoice('C', single.choices, 'ANSWER: D\nWait, no.\nANSWER: C').value).toBe(1);
  });

  it('scores 0 for an empty reply', () => {
    expect(scoreChoice('C', single.choices, '')).toEqual({
      value: 0,
      answer: null,
      explanation: 'no answer found',
    });
  });

  it('accepts a lowercase target letter', () => {
    expect(scoreChoice('c', single.choices, 'ANSWER: C').value).toBe(1);
  });

  it('throws E_SCHEMA for a target that is not letters', () => {
    expect(() => scoreChoice('CTR', single.choices, 'ANSWER: C')).toThrow(
      expect.objectContaining({ code: 'E_SCHEMA' }) as Error,
    );
  });

  it('is the scorer of samples with choices and no scorer', () => {
    expect(scoreOutput(single, undefined, 'ANSWER: C').value).toBe(1);
    expect(scoreOutput(multi, undefined, 'ANSWER: C').value).toBe(0);
  });
});

describe('targetMask', () => {
  it('maps letters to bits and rejects anything else with 0', () => {
    expect(targetMask('A')).toBe(1);
    expect(targetMask(['C', 'a'])).toBe(0b101);
    expect(targetMask('AB')).toBe(0);
    expect(targetMask(['A', '1'])).toBe(0);
    expect(targetMask('')).toBe(0);
  });
});

describe('letterIndexOf', () => {
  it('accepts lowercase only when asked', () => {
    expect(letterIndexOf('D', false)).toBe(3);
    expect(letterIndexOf('d', false)).toBe(-1);
    expect(letterIndexOf('d', true)).toBe(3);
    expect(letterIndexOf('É', true)).toBe(-1);
  });
});

describe('letterRange', () => {
  it('names the letters of the choices', () => {
    expect(letterRange(4)).toBe('A-D');
    expect(letterRange(26)).toBe('A-Z');
    expect(letterRange(1)).toBe('A');
  });
});

describe('scoreOutput (choice errors)', () => {
  it('reports a choice target that is not a letter as E_SCHEMA with the sample id', () => {
    let caught: unknown;
    try {
      scoreOutput({ ...single, target: 'CTR' }, undefined, 'ANSWER: C');
    } catch (error) {
      caught = error;
    }
    expect(isRedlineError(caught, 'E_SCHEMA')).toBe(true);
    expect((caught as Error).message).toContain('"q1"');
  });
});

describe('scoreChoice with Jaccard partial credit', () => {
  const five = ['ECB', 'CBC', 'CTR', 'GCM', 'OFB'];

  it('scores |answer ∩ target| / |answer ∪ target|', () => {
    expect(scoreChoice(['A', 'C'], five, 'ANSWER: A', 'jaccard')).toEqual({ value: 0.5, answer: 'A' });
    expect(scoreChoice(['A', 'C'], five, 'ANSWER: A, B, C', 'jaccard').value).toBeCloseTo(2 / 3, 12);
    expect(scoreChoice(['A', 'C', 'E'], five, 'ANSWER: A, B', 'jaccard').value).toBe(0.25);
    expect(scoreChoice('B', five, 'ANSWER: B, D', 'jaccard').value).toBe(0.5);
  });

  it('scores 1 for exactly the target set and 0 for a disjoint set', () => {
    expect(scoreChoice(['A', 'C'], five, 'ANSWER: C, A', 'jaccard')).toEqual({ value: 1, answer: 'A, C' });
    expect(scoreChoice(['A', 'C'], five, 'ANSWER: B, D', 'jaccard')).toEqual({ value: 0, answer: 'B, D' });
  });

  it('scores 0 with a null answer when the reply names no letter', () => {
    expect(scoreChoice(['A', 'C'], five, 'ANSWER: A or C', 'jaccard')).toEqual({
      value: 0,
      answer: null,
      explanation: 'no answer found',
    });
  });

  it('stays all or nothing without the option', () => {
    expect(scoreChoice(['A', 'C'], five, 'ANSWER: A').value).toBe(0);
    expect(scoreChoice(['A', 'C'], five, 'ANSWER: A', undefined).value).toBe(0);
  });

  it('still throws E_SCHEMA for a target that is not letters', () => {
    expect(() => scoreChoice('CTR', five, 'ANSWER: C', 'jaccard')).toThrow(
      expect.objectContaining({ code: 'E_SCHEMA' }) as Error,
    );
  });
});

describe('jaccardIndex', () => {
  it('divides the shared letters by all letters named', () => {
    expect(jaccardIndex(0b0101, 0b0101)).toBe(1);
    expect(jaccardIndex(0b0001, 0b0101)).toBe(0.5);
    expect(jaccardIndex(0b0011, 0b0110)).toBeCloseTo(1 / 3, 12);
    expect(jaccardIndex(0b1000, 0b0111)).toBe(0);
    expect(jaccardIndex(0, 0)).toBe(0);
    expect(jaccardIndex(1 << 25, (1 << 25) | 1)).toBe(0.5);
  });
});

describe('answerFor under Jaccard partial credit', () => {
  const jaccard = { type: 'choice', partial: 'jaccard' } as const;

  it('gives a wrong answer outside the target, which scores 0 under partial credit', () => {
    const sample: Sample = { ...multi, scorer: jaccard };
    for (const pick of [0, 0.3, 0.6, 0.99]) {
      const wrong = answerFor(sample, undefined, false, pick);
      expect(['B', 'D']).toContain(wrong);
      expect(scoreChoice(sample.target, sample.choices, `ANSWER: ${wrong}`, 'jaccard').value).toBe(0);
    }
  });

  it('reads the partial option from the suite defaults too', () => {
    const wrong = answerFor(multi, { scorer: jaccard }, false, 0.5);
    expect(['B', 'D']).toContain(wrong);
  });

  it('keeps near misses without the option', () => {
    expect(answerFor(multi, undefined, false, 0)).toMatch(/,|^[AC]$/);
  });
});
