import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/schema/suite.js';
import {
  cachedRegexCount,
  compileRegex,
  escapeRegex,
  isKnownFlags,
  scoreRegex,
} from '../../../src/scoring/regex.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

describe('compileRegex', () => {
  it('returns the same instance for the same pattern and flags', () => {
    expect(compileRegex('ab+c', 'i')).toBe(compileRegex('ab+c', 'i'));
    expect(compileRegex('ab+c', 'i')).not.toBe(compileRegex('ab+c', ''));
  });

  it('keeps the cache bounded', () => {
    for (let i = 0; i < 5000; i++) compileRegex(`bounded-${i}`, '');
    expect(cachedRegexCount()).toBeLessThanOrEqual(4096);
    // The newest entries survive.
    expect(compileRegex('bounded-4999', '')).toBe(compileRegex('bounded-4999', ''));
  });

  it('throws SyntaxError for an invalid pattern, unknown flags or stateful flags', () => {
    expect(() => compileRegex('(', '')).toThrow(SyntaxError);
    expect(() => compileRegex('a', 'g')).toThrow(SyntaxError);
    expect(() => compileRegex('a', 'y')).toThrow(SyntaxError);
    expect(() => compileRegex('a', 'ii')).toThrow(SyntaxError);
  });
});

describe('isKnownFlags', () => {
  it('accepts subsets of imsu only', () => {
    expect(isKnownFlags('')).toBe(true);
    expect(isKnownFlags('imsu')).toBe(true);
    expect(isKnownFlags('gi')).toBe(false);
    expect(isKnownFlags('d')).toBe(false);
  });
});

describe('escapeRegex', () => {
  it('makes a pattern that matches the text literally, with and without u', () => {
    const text = 'a.b*c+d?e^f$g(h)[i]{j}|k\\l/m-n';
    expect(new RegExp(`^${escapeRegex(text)}$`).test(text)).toBe(true);
    expect(new RegExp(`^${escapeRegex(text)}$`, 'u').test(text)).toBe(true);
    expect(new RegExp(escapeRegex('a.b')).test('axb')).toBe(false);
  });
});

describe('scoreRegex', () => {
  it('scores 1 when the pattern matches the whole output, with the match as the answer', () => {
    expect(scoreRegex('CVE-\\d{4}-\\d{4,}', '', 'It is CVE-2021-44228 (Log4Shell).')).toEqual({
      value: 1,
      answer: 'CVE-2021-44228',
    });
  });

  it('honours the flags', () => {
    expect(scoreRegex('log4shell', '', 'Log4Shell').value).toBe(0);
    expect(scoreRegex('log4shell', 'i', 'Log4Shell').value).toBe(1);
    expect(scoreRegex('^b$', '', 'a\nb').value).toBe(0);
    expect(scoreRegex('^b$', 'm', 'a\nb').value).toBe(1);
    expect(scoreRegex('a.b', '', 'a\nb').value).toBe(0);
    expect(scoreRegex('a.b', 's', 'a\nb').value).toBe(1);
  });

  it('matches an anchored pattern against the extracted answer too', () => {
    expect(scoreRegex('^\\d+$', '', 'Counting the ports.\nANSWER: 443')).toEqual({ value: 1, answer: '443' });
    expect(scoreRegex('^\\d+$', '', '**ANSWER: `443`**').value).toBe(1);
    expect(scoreRegex('^\\d+$', '', 'Counting.\nANSWER: 443 ports').value).toBe(0);
  });

  it('scores 0 for a non-matching or empty output, reporting the labelled answer', () => {
    expect(scoreRegex('^flag\\{\\w+\\}$', '', 'ANSWER: flag{no way}')).toMatchObject({
      value: 0,
      answer: 'flag{no way}',
    });
    expect(scoreRegex('x', '', '')).toMatchObject({ value: 0, answer: null });
  });

  it('is stateless across calls on the cached instance', () => {
    for (let i = 0; i < 3; i++) expect(scoreRegex('needle', '', 'a needle').value).toBe(1);
  });

  it('throws E_SCHEMA for a pattern that does not compile', () => {
    expect(() => scoreRegex('(', '', 'x')).toThrow(expect.objectContaining({ code: 'E_SCHEMA' }) as Error);
  });

  it('matches unicode with the u flag', () => {
    expect(scoreRegex('^\\p{Lu}{3}$', 'u', 'ANSWER: ÄÖÜ').value).toBe(1);
    expect(scoreRegex('^.$', 'u', 'ANSWER: 😀').value).toBe(1);
    expect(scoreRegex('^.$', '', 'ANSWER: 😀').value).toBe(0);
  });
});

describe('scoreOutput (regex)', () => {
  it('uses the target as the pattern for the string form', () => {
    const sample: Sample = { id: 'r1', input: 'Which CVE?', target: 'CVE-2021-4422\\d', scorer: 'regex' };
    expect(scoreOutput(sample, undefined, 'ANSWER: CVE-2021-44228').value).toBe(1);
    expect(scoreOutput(sample, undefined, 'ANSWER: CVE-2021-4422x').value).toBe(0);
  });

  it('uses the explicit pattern and flags, not the target, for the object form', () => {
    const sample: Sample = {
      id: 'r2',
      input: 'Which CVE?',
      target: 'CVE-2021-44228',
      scorer: { type: 'regex', pattern: 'cve-2021-4422[89]', flags: 'i' },
    };
    expect(scoreOutput(sample, undefined, 'ANSWER: CVE-2021-44229').value).toBe(1);
    expect(scoreOutput(sample, undefined, 'ANSWER: CVE-2021-44227').value).toBe(0);
  });

  it('reports an invalid pattern as E_SCHEMA', () => {
    const sample: Sample = { id: 'r3', input: 'x', target: '(unclosed', scorer: 'regex' };
    expect(() => scoreOutput(sample, undefined, 'x')).toThrow(
      expect.objectContaining({ code: 'E_SCHEMA' }) as Error,
    );
  });
});
