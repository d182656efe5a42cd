import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/schema/suite.js';
import { findLiteral, scoreIncludes } from '../../../src/scoring/includes.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

describe('scoreIncludes', () => {
  it('scores 1 when the target occurs anywhere, ignoring case by default', () => {
    expect(scoreIncludes('heap overflow', true, 'It is a Heap Overflow in the parser.')).toEqual({
      value: 1,
      answer: 'Heap Overflow',
    });
  });

  it('respects ignoreCase false', () => {
    expect(scoreIncludes('heap overflow', false, 'It is a Heap Overflow.').value).toBe(0);
    expect(scoreIncludes('heap overflow', false, 'a heap overflow').value).toBe(1);
  });

  it('scores 0 when the target does not occur, reporting the labelled answer', () => {
    expect(scoreIncludes('heap overflow', true, 'ANSWER: **stack overflow**')).toMatchObject({
      value: 0,
      answer: 'stack overflow',
    });
    expect(scoreIncludes('heap overflow', true, 'no idea').answer).toBeNull();
  });

  it('treats regex syntax in the target literally', () => {
    expect(scoreIncludes('a.b*(c)', true, 'x a.b*(c) y').value).toBe(1);
    expect(scoreIncludes('a.b*(c)', true, 'x aXbbb(c) y').value).toBe(0);
  });

  it('folds unicode case', () => {
    expect(scoreIncludes('ÄRGER über', true, 'großer ärger ÜBER alles').value).toBe(1);
    expect(scoreIncludes('🙂 smile', true, 'a 🙂 SMILE').value).toBe(1);
  });

  it('scores 0 for an empty output', () => {
    expect(scoreIncludes('x', true, '').value).toBe(0);
  });

  it('finds the target at the end of a huge output', () => {
    expect(scoreIncludes('needle', true, `${'hay '.repeat(500_000)}NEEDLE`).value).toBe(1);
  });
});

describe('findLiteral', () => {
  it('returns the occurrence as written in the output', () => {
    expect(findLiteral('see FLAG{X}', 'flag{x}', true)).toBe('FLAG{X}');
    expect(findLiteral('see FLAG{X}', 'flag{x}', false)).toBeNull();
  });
});

describe('scoreOutput (includes)', () => {
  it('dispatches the string and object forms', () => {
    const sample: Sample = { id: 'i1', input: 'What bug?', target: 'use-after-free', scorer: 'includes' };
    expect(scoreOutput(sample, undefined, 'A Use-After-Free, clearly.').value).toBe(1);
    const strict: Sample = { ...sample, scorer: { type: 'includes', ignoreCase: false } };
    expect(scoreOutput(strict, undefined, 'A Use-After-Free, clearly.').value).toBe(0);
  });
});
