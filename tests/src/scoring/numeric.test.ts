import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/schema/suite.js';
import { isWithinTolerance, parseNumber, scoreNumeric } from '../../../src/scoring/numeric.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

describe('parseNumber', () => {
  it.each([
    ['42', 42],
    ['-42', -42],
    ['+42', 42],
    ['\u221242', -42],
    ['3.25', 3.25],
    ['.5', 0.5],
    ['42.', 42],
    ['1e-3', 0.001],
    ['6.02E23', 6.02e23],
    ['1,024', 1024],
    ['1,234,567.5', 1234567.5],
    ['0x1F', 31],
    ['-0xff', -255],
    ['007', 7],
    ['  12  ', 12],
  ])('reads the target %j as %d', (text, value) => {
    expect(parseNumber(text)).toBe(value);
  });

  it.each([
    '',
    'abc',
    '1,02',
    '1.024,5',
    '1 024',
    '0x',
    '0xZZ',
    '42 bytes',
    '1e400',
    '--1',
    'forty-two',
    '0b101',
  ])('refuses the target %j', (text) => {
    expect(parseNumber(text)).toBeNull();
  });

  it.each([
    ['42 bytes', 42],
    ['50%', 50],
    ['~42', 42],
    ['≈ 3.5 ms', 3.5],
    ['3.14.', 3.14],
    ['0x1F (hex)', 31],
  ])('reads the answer %j as %d', (text, value) => {
    expect(parseNumber(text, true)).toBe(value);
  });

  it.each(['42 or 43', '1.2.3', '42 (0x2A)', 'about forty', '0xZZ', 'port 80'])(
    'refuses the answer %j',
    (text) => {
      expect(parseNumber(text, true)).toBeNull();
    },
  );
});

describe('isWithinTolerance', () => {
  it('applies the absolute tolerance, inclusive, despite binary rounding', () => {
    expect(isWithinTolerance(0.4, 0.3, 0.1, 0)).toBe(true);
    expect(isWithinTolerance(0.41, 0.3, 0.1, 0)).toBe(false);
    expect(isWithinTolerance(0.1 + 0.2, 0.3, 0, 0)).toBe(true);
  });

  it('applies the relative tolerance as a fraction of |target|', () => {
    expect(isWithinTolerance(-105, -100, 0, 0.05)).toBe(true);
    expect(isWithinTolerance(-106, -100, 0, 0.05)).toBe(false);
  });

  it('accepts when either tolerance is met', () => {
    expect(isWithinTolerance(1.5, 1, 0.5, 0.01)).toBe(true);
    expect(isWithinTolerance(1010, 1000, 0.5, 0.01)).toBe(true);
    expect(isWithinTolerance(1011, 1000, 0.5, 0.01)).toBe(false);
  });

  it('is exact with no tolerance', () => {
    expect(isWithinTolerance(42, 42, 0, 0)).toBe(true);
    expect(isWithinTolerance(42.000001, 42, 0, 0)).toBe(false);
  });
});

describe('scoreNumeric', () => {
  it('scores 1 for the target in another notation', () => {
    expect(scoreNumeric('1024', 0, 0, 'ANSWER: 1,024')).toEqual({ value: 1, answer: '1,024' });
    expect(scoreNumeric('31', 0, 0, 'ANSWER: 0x1F')).toMatchObject({ value: 1 });
    expect(scoreNumeric('0x1F', 0, 0, '**ANSWER: 31**')).toMatchObject({ value: 1, answer: '31' });
    expect(scoreNumeric('1000', 0, 0, 'ANSWER: 1e3')).toMatchObject({ value: 1 });
  });

  it('scores within the tolerance and not beyond', () => {
    expect(scoreNumeric('3.14159', 0.01, 0, 'ANSWER: 3.14').value).toBe(1);
    expect(scoreNumeric('3.14159', 0.001, 0, 'ANSWER: 3.14').value).toBe(0);
  });

  it('takes the last ANSWER line', () => {
    expect(scoreNumeric('7', 0, 0, 'ANSWER: 7\nANSWER: 8').value).toBe(0);
  });

  it('uses the whole output when there is no ANSWER line', () => {
    expect(scoreNumeric('7', 0, 0, ' 7 ').value).toBe(1);
    expect(scoreNumeric('7', 0, 0, 'The result is 7.').value).toBe(0);
  });

  it('scores 0 with an explanation when the answer is not a number', () => {
    expect(scoreNumeric('7', 0, 0, 'ANSWER: seven')).toEqual({
      value: 0,
      answer: 'seven',
      explanation: 'the answer is not a number',
    });
    expect(scoreNumeric('7', 0, 0, '').value).toBe(0);
  });

  it('throws E_SCHEMA when the target is not a number', () => {
    expect(() => scoreNumeric('seven', 0, 0, 'ANSWER: 7')).toThrow(
      expect.objectContaining({ code: 'E_SCHEMA' }) as Error,
    );
  });

  it('is dispatched with the options of the object form', () => {
    const sample: Sample = {
      id: 'n1',
      input: 'How many?',
      target: '100',
      scorer: { type: 'numeric', relative: 0.1 },
    };
    expect(scoreOutput(sample, undefined, 'ANSWER: 109').value).toBe(1);
    expect(scoreOutput(sample, undefined, 'ANSWER: 111').value).toBe(0);
    expect(scoreOutput({ ...sample, scorer: 'numeric' }, undefined, 'ANSWER: 101').value).toBe(0);
  });
});
