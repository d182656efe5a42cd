import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/schema/suite.js';
import { normalizeExact, scoreExact } from '../../../src/scoring/exact.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

describe('scoreExact', () => {
  it('compares the labelled answer with the target, ignoring case by default', () => {
    expect(scoreExact('SYN scan', true, 'Thinking.\nANSWER: syn SCAN')).toEqual({
      value: 1,
      answer: 'syn SCAN',
    });
    expect(scoreExact('SYN scan', true, 'ANSWER: SYN scans').value).toBe(0);
  });

  it('compares case-sensitively when ignoreCase is false', () => {
    expect(scoreExact('Base64', false, 'ANSWER: base64').value).toBe(0);
    expect(scoreExact('Base64', false, 'ANSWER: Base64').value).toBe(1);
  });

  it('trims and collapses whitespace on both sides', () => {
    expect(scoreExact('  SYN   scan ', true, 'ANSWER:   SYN \t scan  ').value).toBe(1);
  });

  it('uses the whole output, trimmed, when there is no ANSWER line', () => {
    expect(scoreExact('nmap', true, '\n  nmap \n').value).toBe(1);
    expect(scoreExact('nmap', true, 'I would use nmap').value).toBe(0);
  });

  it('takes the last ANSWER line', () => {
    expect(scoreExact('nmap', true, 'ANSWER: nmap\nANSWER: masscan').value).toBe(0);
    expect(scoreExact('nmap', true, 'ANSWER: masscan\nANSWER: nmap').value).toBe(1);
  });

  it('accepts markdown wrappers, quotes and a final period around the answer', () => {
    for (const output of [
      '**ANSWER: nmap**',
      'ANSWER: `nmap`',
      'ANSWER: "nmap"',
      'ANSWER: nmap.',
      '**Answer:** nmap',
    ]) {
      expect(scoreExact('nmap', true, output).value).toBe(1);
    }
  });

  it('still matches a target that ends with a period or is wrapped itself', () => {
    expect(scoreExact('e.g.', true, 'ANSWER: e.g.').value).toBe(1);
    expect(scoreExact('__init__', false, 'ANSWER: __init__').value).toBe(1);
    expect(scoreExact('*.exe', true, 'ANSWER: *.exe').value).toBe(1);
  });

  it('matches canonically equivalent unicode (NFC)', () => {
    expect(scoreExact('caf\u00e9', true, 'ANSWER: cafe\u0301').value).toBe(1);
    expect(scoreExact('ÉCOLE', true, 'ANSWER: école').value).toBe(1);
  });

  it('scores 0 for an empty reply', () => {
    expect(scoreExact('nmap', true, '')).toEqual({ value: 0, answer: '' });
  });

  it('does not accept a reply that merely contains the target', () => {
    expect(scoreExact('nmap', true, `${'nmap '.repeat(100_000)}`).value).toBe(0);
  });
});

describe('normalizeExact', () => {
  it('folds whitespace and, when asked, case', () => {
    expect(normalizeExact(' A \n B ', true)).toBe('a b');
    expect(normalizeExact(' A \n B ', false)).toBe('A B');
  });
});

describe('scoreOutput (exact)', () => {
  it('is the scorer of samples without choices and without a scorer', () => {
    const sample: Sample = { id: 'e1', input: 'Which tool?', target: 'nmap' };
    expect(scoreOutput(sample, undefined, 'ANSWER: NMAP').value).toBe(1);
    expect(
      scoreOutput({ ...sample, scorer: { type: 'exact', ignoreCase: false } }, undefined, 'ANSWER: NMAP')
        .value,
    ).toBe(0);
  });
});
