import { describe, expect, it } from 'vitest';
import type { Sample, SuiteDefaults } from '../../../src/schema/suite.js';
import { answerFor, exampleForRegex } from '../../../src/scoring/answer-for.js';
import { checkSample } from '../../../src/scoring/check-sample.js';
import { parseNumber } from '../../../src/scoring/numeric.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

const FOUR = ['ECB', 'CBC', 'CTR', 'GCM'];

// One or more samples per scorer and option, all valid (checked below).
const SAMPLES: readonly Sample[] = [
  { id: 'c1', input: 'Which mode?', choices: FOUR, target: 'C' },
  { id: 'c2', input: 'Which two?', choices: FOUR, target: ['A', 'C'] },
  { id: 'c3', input: 'Which one?', choices: FOUR, target: ['D'] },
  { id: 'c4', input: 'Two options.', choices: ['yes', 'no'], target: 'A' },
  { id: 'c5', input: 'All of them.', choices: FOUR, target: ['A', 'B', 'C', 'D'] },
  {
    id: 'c6',
    input: 'Many.',
    choices: Array.from({ length: 26 }, (_, i) => `option ${i}`),
    target: ['B', 'Z'],
  },
  { id: 'e1', input: 'Which tool?', target: 'nmap' },
  { id: 'e2', input: 'Which tool?', target: 'Burp Suite', scorer: { type: 'exact', ignoreCase: false } },
  { id: 'e3', input: 'Which word?', target: 'none' },
  { id: 'i1', input: 'What bug?', target: 'use-after-free', scorer: 'includes' },
  { id: 'i2', input: 'What?', target: 'no', scorer: 'includes' },
  { id: 'i3', input: 'What?', target: 'Known', scorer: { type: 'includes', ignoreCase: false } },
  { id: 'f1', input: 'Find the flag.', target: 'flag{s3cr3t}', scorer: 'flag' },
  { id: 'f2', input: 'Find the flag.', target: 'HTB{l0w3r}', scorer: { type: 'flag', ignoreCase: true } },
  { id: 'f3', input: 'Find the flag.', target: 'token-1234', scorer: 'flag' },
  { id: 'n1', input: 'How many?', target: '42', scorer: 'numeric' },
  { id: 'n2', input: 'Ratio?', target: '0.3', scorer: { type: 'numeric', tolerance: 0.05 } },
  { id: 'n3', input: 'Bytes?', target: '1,048,576', scorer: { type: 'numeric', relative: 0.1 } },
  { id: 'n4', input: 'Offset?', target: '0x1F', scorer: 'numeric' },
  { id: 'n5', input: 'Delta?', target: '-2.5e-3', scorer: { type: 'numeric', tolerance: 0.001 } },
  { id: 'n6', input: 'Zero?', target: '0', scorer: 'numeric' },
  { id: 'r1', input: 'Which CVE?', target: 'CVE-\\d{4}-\\d{4,}', scorer: 'regex' },
  { id: 'r2', input: 'Which flag?', target: '^flag\\{[a-f0-9]{8}\\}$', scorer: 'regex' },
  { id: 'r3', input: 'Which?', target: '(?:heap|stack) overflow', scorer: { type: 'regex', flags: 'i' } },
  { id: 'r4', input: 'Which?', target: 'log4shell', scorer: 'regex' },
  {
    id: 'r5',
    input: 'Which CVE?',
    target: 'CVE-2021-44228',
    scorer: { type: 'regex', pattern: 'CVE-2021-4422[89]' },
  },
  { id: 'r6', input: 'Port?', target: '443', scorer: { type: 'regex', pattern: '^\\d+$' } },
  { id: 'r7', input: 'Word?', target: 'Nope', scorer: { type: 'regex', pattern: '\\bno', flags: 'i' } },
];

const DEFAULTS: readonly (SuiteDefaults | undefined)[] = [undefined, { system: 'You are an expert.' }];
const PICKS = [0, 0.01, 0.1, 0.25, 0.3333, 0.5, 0.6, 0.75, 0.9, 0.99, 0.999999];

// How the simulator and real models wrap a bare answer.
const WRAPS: readonly ((answer: string) => string)[] = [
  (a) => a,
  (a) => `ANSWER: ${a}`,
  (a) => `Working it through step by step.\nANSWER: ${a}`,
  (a) => `Considering each option.\n\n**ANSWER: ${a}**`,
];

describe('answerFor', () => {
  it('is tested on valid samples', () => {
    for (const sample of SAMPLES)
      expect([sample.id, checkSample(sample, undefined)]).toEqual([sample.id, []]);
  });

  it('gives an answer that scores 1 when correct and 0 when wrong, for every scorer, pick and wrapping', () => {
    for (const defaults of DEFAULTS) {
      for (const sample of SAMPLES) {
        const correct = answerFor(sample, defaults, true, 0);
        for (const wrap of WRAPS) {
          expect([
            sample.id,
            'correct',
            wrap(correct),
            scoreOutput(sample, defaults, wrap(correct)).value,
          ]).toEqual([sample.id, 'correct', wrap(correct), 1]);
        }
        for (const pick of PICKS) {
          const wrong = answerFor(sample, defaults, false, pick);
          for (const wrap of WRAPS) {
            expect([sample.id, pick, wrap(wrong), scoreOutput(sample, defaults, wrap(wrong)).value]).toEqual([
              sample.id,
              pick,
              wrap(wrong),
              0,
            ]);
          }
        }
      }
    }
  });

  it('gives the letters of the target for a choice sample, joined with ", "', () => {
    expect(answerFor(SAMPLES[0]!, undefined, true, 0)).toBe('C');
    expect(answerFor({ ...SAMPLES[1]!, target: ['C', 'A'] }, undefined, true, 0)).toBe('A, C');
  });

  it('gives another letter within the choices for a wrong single answer, chosen by pick', () => {
    const seen = new Set(PICKS.map((pick) => answerFor(SAMPLES[0]!, undefined, false, pick)));
    expect([...seen].sort()).toEqual(['A', 'B', 'D']);
  });

  it('gives a near-miss letter set for a wrong multi-answer, never the target', () => {
    const seen = new Set(PICKS.map((pick) => answerFor(SAMPLES[1]!, undefined, false, pick)));
    expect(seen.has('A, C')).toBe(false);
    for (const answer of seen) expect(['A', 'C', 'A, B, C', 'A, C, D']).toContain(answer);
    expect(seen.size).toBeGreaterThan(1);
  });

  it('gives the target for exact, includes, flag and numeric samples', () => {
    for (const id of ['e1', 'i1', 'f1', 'n3', 'n4']) {
      const sample = SAMPLES.find((s) => s.id === id)!;
      expect(answerFor(sample, undefined, true, 0.7)).toBe(sample.target);
    }
  });

  it('gives the example target for a regex with an explicit pattern, and a match of the pattern otherwise', () => {
    expect(
      answerFor(
        SAMPLES.find((s) => s.id === 'r5')!,
        undefined,
        true,
        0,
      ),
    ).toBe('CVE-2021-44228');
    expect(
      answerFor(
        SAMPLES.find((s) => s.id === 'r4')!,
        undefined,
        true,
        0,
      ),
    ).toBe('log4shell');
    expect(
      answerFor(
        SAMPLES.find((s) => s.id === 'r2')!,
        undefined,
        true,
        0,
      ),
    ).toMatch(/^flag\{[a-f0-9]{8}\}$/);
  });

  it('gives a wrong flag in the flag format of the target', () => {
    const wrong = answerFor(
      SAMPLES.find((s) => s.id === 'f2')!,
      undefined,
      false,
      0.4,
    );
    expect(wrong).toMatch(/^HTB\{[0-9a-f]{16}\}$/);
    expect(wrong.toLowerCase()).not.toBe('htb{l0w3r}');
  });

  it('gives a wrong number outside the tolerance', () => {
    for (const pick of PICKS) {
      const wrong = parseNumber(
        answerFor(
          SAMPLES.find((s) => s.id === 'n2')!,
          undefined,
          false,
          pick,
        ),
      );
      expect(wrong).not.toBeNull();
      expect(Math.abs((wrong ?? 0) - 0.3)).toBeGreaterThan(0.05);
    }
  });

  it('is deterministic in pick and varies with it', () => {
    const flag = SAMPLES.find((s) => s.id === 'f1')!;
    expect(answerFor(flag, undefined, false, 0.123)).toBe(answerFor(flag, undefined, false, 0.123));
    expect(new Set(PICKS.map((pick) => answerFor(flag, undefined, false, pick))).size).toBe(PICKS.length);
  });

  it('folds a pick outside [0, 1) instead of failing', () => {
    for (const pick of [1, -0.5, 7.25, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(scoreOutput(SAMPLES[0]!, undefined, answerFor(SAMPLES[0]!, undefined, false, pick)).value).toBe(
        0,
      );
    }
  });

  it('uses the scorer of the defaults', () => {
    const sample: Sample = { id: 'd', input: 'Find it.', target: 'flag{x}' };
    const defaults: SuiteDefaults = { scorer: 'flag' };
    expect(scoreOutput(sample, defaults, `ANSWER: ${answerFor(sample, defaults, false, 0.5)}`).value).toBe(0);
    expect(answerFor(sample, defaults, false, 0.5)).toMatch(/^flag\{[0-9a-f]{16}\}$/);
  });
});

describe('exampleForRegex', () => {
  it.each([
    ['CVE-\\d{4}-\\d{4,}', ''],
    ['^flag\\{[a-f0-9]{8}\\}$', ''],
    ['(?:foo|bar)+baz', ''],
    ['(?<word>ab)c?d*e+', ''],
    ['[^\\s]+@[a-z]+\\.com', ''],
    ['\\bSQL injection\\b', 'i'],
    ['^\\u{1F600}x$', 'u'],
    ['\\x41\\t[\\]]', ''],
    ['a{2,3}b{0}', ''],
    ['^$', ''],
  ])('builds a string that %s matches', (pattern, flags) => {
    const example = exampleForRegex(pattern, flags);
    expect(example).not.toBeNull();
    expect(new RegExp(pattern, flags).test(example ?? '')).toBe(true);
  });

  it.each(['(?<=a)b', '(?!x)y', '(a)\\1', '\\p{L}', '[]', 'a\\Bb', 'x\\by', '('])(
    'gives up on %s',
    (pattern) => {
      expect(exampleForRegex(pattern, pattern === '\\p{L}' ? 'u' : '')).toBeNull();
    },
  );
});
