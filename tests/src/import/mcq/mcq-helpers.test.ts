import { describe, expect, it } from 'vitest';
import { RedlineError } from '../../../../src/errors.js';
import type { ImportOptions } from '../../../../src/import/imported-suite.js';
import {
  assertOptionsFit,
  choiceScorerFor,
  requireAnswerLetters,
  requireChoices,
  RowRejection,
  splitCamelCase,
  SuiteAssembler,
} from '../../../../src/import/formats/mcq-helpers.js';

describe('requireChoices', () => {
  it('strips labels that name their own position', () => {
    expect(requireChoices(['A: one', 'B. two', '(C) three', 'D) four'], 'choices', true)).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
    expect(requireChoices(['A：一', 'B、二'], 'choices', true)).toEqual(['一', '二']);
  });

  it('keeps text that only looks like a label, and everything when not asked to strip', () => {
    expect(requireChoices(['A.B testing', 'B: two', 'C record', 'A: misplaced'], 'choices', true)).toEqual([
      'A.B testing',
      'two',
      'C record',
      'A: misplaced',
    ]);
    expect(requireChoices(['A: one', 'B: two'], 'choices', false)).toEqual(['A: one', 'B: two']);
  });

  it('rejects fewer than 2 options, a blank option, labels out of order and repeated texts', () => {
    for (const values of [['only'], ['one', '  '], ['B: one', 'A: two'], ['TCP', 'tcp '], ['A:', 'B: two']]) {
      expect(() => requireChoices(values, 'choices', true)).toThrow(RowRejection);
    }
    expect(() => requireChoices(['one', { text: 'two' }], 'choices', false)).toThrow(RowRejection);
  });

  it('accepts numbers as option text', () => {
    expect(requireChoices([22, 443], 'answers', false)).toEqual(['22', '443']);
  });
});

describe('requireAnswerLetters', () => {
  it('reads letters from strings and arrays in either case, distinct and sorted', () => {
    expect(requireAnswerLetters('DA', 'answer', 4, true)).toEqual(['A', 'D']);
    expect(requireAnswerLetters('a, c', 'answer', 4, true)).toEqual(['A', 'C']);
    expect(requireAnswerLetters([' b ', 'B'], 'answer', 4, true)).toEqual(['B']);
    expect(requireAnswerLetters('c', 'GT', 4, false)).toEqual(['C']);
  });

  it('rejects missing answers, non-letters, letters outside the options and sets where one is expected', () => {
    for (const [value, isSet] of [
      [undefined, true],
      ['', true],
      ['A)', true],
      [3, true],
      [['AB'], true],
      ['E', true],
      ['AC', false],
    ] as const) {
      expect(() => requireAnswerLetters(value, 'answer', 4, isSet)).toThrow(RowRejection);
    }
  });
});

describe('choiceScorerFor', () => {
  it('gives choice, or Jaccard partial credit from the partial option or a choice scorer override', () => {
    expect(choiceScorerFor('seceval', {})).toBe('choice');
    expect(choiceScorerFor('seceval', { partial: 'jaccard' })).toEqual({
      type: 'choice',
      partial: 'jaccard',
    });
    expect(choiceScorerFor('seceval', { scorer: { type: 'choice', partial: 'jaccard' } })).toEqual({
      type: 'choice',
      partial: 'jaccard',
    });
    expect(choiceScorerFor('seceval', { scorer: 'choice' })).toBe('choice');
  });

  it('throws E_USAGE for a scorer of another type', () => {
    expect(() => choiceScorerFor('seceval', { scorer: { type: 'regex' } })).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }) as Error,
    );
  });
});

describe('assertOptionsFit', () => {
  it('accepts the common options and the listed ones, and throws E_USAGE for the others', () => {
    expect(() => assertOptionsFit('secbench', { id: 'x', language: 'English' }, ['language'])).not.toThrow();
    expect(() =>
      assertOptionsFit('seceval', { language: undefined } as unknown as ImportOptions, []),
    ).not.toThrow();
    expect(() => assertOptionsFit('seceval', { language: 'English' }, [])).toThrow(RedlineError);
    expect(() => assertOptionsFit('seceval', { map: { input: 'q', target: 'a' } }, [])).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }) as Error,
    );
  });
});

describe('splitCamelCase', () => {
  it('splits topic names into words', () => {
    expect(splitCamelCase('SystemSecurity')).toBe('System Security');
    expect(splitCamelCase('PenTest')).toBe('Pen Test');
    expect(splitCamelCase('Web Security')).toBe('Web Security');
  });
});

describe('SuiteAssembler', () => {
  it('rethrows errors that are not row rejections', () => {
    const assembler = new SuiteAssembler('x');
    expect(() =>
      assembler.addRow(1, () => {
        throw new TypeError('a bug');
      }),
    ).toThrow(TypeError);
  });

  it('suffixes repeated ids and warns about repeated rows', () => {
    const assembler = new SuiteAssembler('x');
    const row = { input: 'q?', choices: ['a', 'b'], target: 'A' };
    assembler.addRow(1, () => row);
    assembler.addRow(2, () => row);
    expect(assembler.samples.map((s) => s.id)).toEqual([
      assembler.samples[0]!.id,
      `${assembler.samples[0]!.id}-2`,
    ]);
    const imported = assembler.finish({
      format: 'x',
      source: 'x.json',
      file: { sha256: '0'.repeat(64), text: '' },
      expected: 'x',
      defaultId: 'x',
      defaultTitle: 'X',
      upstream: 'X',
      scorer: 'choice',
      options: {},
    });
    expect(imported.warnings).toHaveLength(1);
    expect(imported.header.source.rows).toBe(2);
  });
});
