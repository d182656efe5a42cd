import { describe, expect, it } from 'vitest';
import {
  extractAnswer,
  extractChoice,
  findLabelledAnswer,
  lettersOf,
  parseLetterList,
  unwrapAnswer,
} from '../../../src/scoring/extract-answer.js';

const CHOICES = ['ECB', 'CBC', 'CTR', 'GCM'];

describe('extractChoice', () => {
  it.each([
    ['ANSWER: B', ['B']],
    ['Reasoning first.\n\nANSWER: C', ['C']],
    ['answer: b', ['B']],
    ['Answer: (B)', ['B']],
    ['ANSWER: [B]', ['B']],
    ['**ANSWER: B**', ['B']],
    ['**Answer:** B', ['B']],
    ['**Answer**: B', ['B']],
    ['**Answer:** **B**', ['B']],
    ['`ANSWER: B`', ['B']],
    ['ANSWER: `B`', ['B']],
    ['> **Final answer:** D', ['D']],
    ['ANSWER: B.', ['B']],
    ['ANSWER: "B"', ['B']],
    ['ANSWER：B', ['B']],
    ['ANSWER: Ｂ', ['B']],
    ['ANSWER: B) CBC', ['B']],
    ['ANSWER: B. CBC mode', ['B']],
    ['ANSWER: B - CBC mode', ['B']],
    ['ANSWER: B: CBC mode', ['B']],
    ['ANSWER: B (CBC)', ['B']],
    ['ANSWER: B, because CBC chains blocks', ['B']],
    ['ANSWER: (B) CBC mode', ['B']],
    ['ANSWER: Option B', ['B']],
    ['ANSWER: Options A and C', ['A', 'C']],
    ['ANSWER: A, C', ['A', 'C']],
    ['ANSWER: C, A', ['A', 'C']],
    ['ANSWER: A,C', ['A', 'C']],
    ['ANSWER: A C', ['A', 'C']],
    ['ANSWER: A and C', ['A', 'C']],
    ['ANSWER: A, B, and D', ['A', 'B', 'D']],
    ['ANSWER: A & C', ['A', 'C']],
    ['ANSWER: A; C', ['A', 'C']],
    ['ANSWER: (A) (C)', ['A', 'C']],
    ['ANSWER: A, A', ['A']],
    ['answers: a, c', ['A', 'C']],
    ['ANSWER:\n\n**D**', ['D']],
    ['ANSWER: B\r\n', ['B']],
  ])('reads the labelled answer %j', (output, letters) => {
    expect(extractChoice(output)).toEqual(letters);
  });

  it('takes the last ANSWER line when there are several', () => {
    expect(extractChoice('ANSWER: A\nOn reflection, no.\nANSWER: C')).toEqual(['C']);
    expect(extractChoice('ANSWER: A ... ANSWER: D')).toEqual(['D']);
  });

  it('takes the labelled answer even when text follows it', () => {
    expect(extractChoice('ANSWER: B\n\nLet me know if you need more detail.')).toEqual(['B']);
  });

  it.each([
    'ANSWER: A or B',
    'ANSWER: A/B',
    'ANSWER: A, B, or C',
    'ANSWER: A, or maybe B',
    'ANSWER: either A or C',
    'ANSWER: not A',
    'ANSWER: B is correct',
    'ANSWER: (A) or (B)',
    'ANSWER: B (or possibly C)',
    'ANSWER: a buffer overflow',
    'ANSWER: I do not know',
    'ANSWER: AC',
    'ANSWER: AES',
    'ANSWER:',
    'ANSWER: ',
    'ANSWER: 2',
  ])('refuses the ambiguous or non-letter labelled answer %j', (output) => {
    expect(extractChoice(output)).toBeNull();
  });

  it('does not fall back when the labelled answer is refused', () => {
    expect(extractChoice('The answer is B.\nANSWER: A or B')).toBeNull();
    expect(extractChoice('\\boxed{B}\nANSWER: maybe')).toBeNull();
  });

  it('reads a labelled answer that names a choice by its exact text', () => {
    expect(extractChoice('ANSWER: ctr', CHOICES)).toEqual(['C']);
    expect(extractChoice('ANSWER: **GCM**', CHOICES)).toEqual(['D']);
    expect(extractChoice('ANSWER: counter mode', CHOICES)).toBeNull();
    expect(extractChoice('ANSWER: ctr')).toBeNull();
  });

  it('prefers the letter reading of a labelled answer to a choice text', () => {
    expect(extractChoice('ANSWER: B', ['A', 'B'])).toEqual(['B']);
  });

  it('refuses a choice text that several choices share', () => {
    expect(extractChoice('ANSWER: same', ['same', 'other', 'same'])).toBeNull();
  });

  it.each([
    ['The result is $\\boxed{C}$.', ['C']],
    ['So \\boxed{\\text{A, C}}', ['A', 'C']],
    ['\\boxed{A} first, then \\boxed{D}', ['D']],
    ['The correct answer is (B).', ['B']],
    ['I think the answer is B, given the mode.\nMore text.', ['B']],
    ['The answer is: C', ['C']],
    ['The correct answers are A and C.', ['A', 'C']],
    ['The best option would be D.', ['D']],
    ['Thinking...\n\nB', ['B']],
    ['Thinking...\n\n**(B)**\n\n', ['B']],
    ['Thinking...\n\nA, C', ['A', 'C']],
    ['B', ['B']],
    ['  b.  ', ['B']],
  ])('falls back to a documented pattern for %j', (output, letters) => {
    expect(extractChoice(output)).toEqual(letters);
  });

  it('gives way to the next fallback when one is not a letter list', () => {
    expect(extractChoice('\\boxed{A or B}\nThe answer is C.')).toEqual(['C']);
    expect(extractChoice('The answer is A or B.\nAfter all:\nD')).toEqual(['D']);
  });

  it('refuses a last line that is an option with its text rather than an answer', () => {
    expect(extractChoice('Options:\nA) ECB\nB) CBC')).toBeNull();
  });

  it('refuses replies without an answer', () => {
    expect(extractChoice('')).toBeNull();
    expect(extractChoice('   \n\n ')).toBeNull();
    expect(extractChoice('I am not sure which mode is meant.')).toBeNull();
    expect(extractChoice('A or B, hard to say.')).toBeNull();
    expect(extractChoice('Both A and C look plausible but A or B')).toBeNull();
  });

  it('reads only the text after the last </think>', () => {
    expect(extractChoice('<think>ANSWER: A</think>\nThe answer is D')).toEqual(['D']);
    expect(extractChoice('<think>ANSWER: A</think>')).toBeNull();
  });

  it('finds the answer at the end of a huge output', () => {
    const output = `${'x'.repeat(2_000_000)}\n${'answer is unclear; '.repeat(20_000)}\nANSWER: C`;
    expect(extractChoice(output)).toEqual(['C']);
  });

  it('handles a huge output with many labels and an unclosed \\boxed', () => {
    expect(extractChoice('ANSWER: A\n'.repeat(100_000) + 'ANSWER: B')).toEqual(['B']);
    expect(extractChoice(`\\boxed{${'{'.repeat(10_000)}${'a'.repeat(100_000)}`)).toBeNull();
  });

  it('handles unicode around the answer', () => {
    expect(extractChoice('Le mode compteur (CTR) ✓ — réponse 🙂\nANSWER: C')).toEqual(['C']);
    expect(extractChoice('答案\nANSWER：Ｃ')).toEqual(['C']);
  });
});

describe('parseLetterList', () => {
  it('returns a bit set with bit 0 for A', () => {
    expect(parseLetterList('A, C', false)).toBe(0b101);
    expect(parseLetterList('Z', false)).toBe(1 << 25);
  });

  it('accepts option text after the letters only when allowed', () => {
    expect(parseLetterList('B) CBC', true)).toBe(0b10);
    expect(parseLetterList('B) CBC', false)).toBe(0);
    expect(parseLetterList('B.', false)).toBe(0b10);
  });
});

describe('lettersOf', () => {
  it('lists the letters of a bit set alphabetically', () => {
    expect(lettersOf(0b1010)).toEqual(['B', 'D']);
    expect(lettersOf(0)).toEqual([]);
  });
});

describe('findLabelledAnswer', () => {
  it('returns the value of the last label, or null without a label', () => {
    expect(findLabelledAnswer('ANSWER: one\nANSWER: two')).toBe('two');
    expect(findLabelledAnswer('no label here')).toBeNull();
    expect(findLabelledAnswer('ANSWER:')).toBe('');
  });

  it('drops markdown opened before the label and closed after the value', () => {
    expect(findLabelledAnswer('**ANSWER: flag{x}**')).toBe('flag{x}');
    expect(findLabelledAnswer('`ANSWER: 42`')).toBe('42');
    expect(findLabelledAnswer('**Answer:** 42')).toBe('42');
    expect(findLabelledAnswer('**Answer**: **42**')).toBe('**42**');
  });

  it('does not take a word ending in "answer" as the label', () => {
    expect(findLabelledAnswer('myanswer: 1')).toBeNull();
    expect(findLabelledAnswer('my_answer: 1')).toBeNull();
  });
});

describe('extractAnswer', () => {
  it('returns the labelled answer when there is one', () => {
    expect(extractAnswer('Some work.\nANSWER: nmap -sS')).toBe('nmap -sS');
  });

  it('returns the whole output, trimmed, without a label', () => {
    expect(extractAnswer('  nmap  \n')).toBe('nmap');
    expect(extractAnswer('')).toBe('');
  });

  it('ignores the reasoning before </think>', () => {
    expect(extractAnswer('<think>ANSWER: 1</think> 2 ')).toBe('2');
  });
});

describe('unwrapAnswer', () => {
  it.each([
    ['**nmap**', 'nmap'],
    ['`nmap`', 'nmap'],
    ['"nmap"', 'nmap'],
    ['“nmap”', 'nmap'],
    ['_nmap_', 'nmap'],
    ['**`nmap`**', 'nmap'],
    ['nmap.', 'nmap'],
    ['3.14.', '3.14'],
    ['wait...', 'wait...'],
    ['**', '**'],
    ['.', '.'],
    ['*.exe', '*.exe'],
  ])('unwraps %j to %j', (value, expected) => {
    expect(unwrapAnswer(value)).toBe(expected);
  });
});
