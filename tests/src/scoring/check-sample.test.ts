import { describe, expect, it } from 'vitest';
import type { Sample, SuiteDefaults } from '../../../src/schema/suite.js';
import { checkSample } from '../../../src/scoring/check-sample.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

const choice: Sample = { id: 'q1', input: 'Which?', choices: ['a', 'b', 'c', 'd'], target: 'B' };

function pointers(sample: Sample, defaults?: SuiteDefaults): string[] {
  return checkSample(sample, defaults).map((issue) => issue.pointer);
}

describe('checkSample', () => {
  it('accepts valid samples of every scorer', () => {
    const valid: Sample[] = [
      choice,
      { ...choice, target: ['A', 'D'] },
      { id: 'e', input: 'x', target: 'nmap' },
      { id: 'i', input: 'x', target: 'heap', scorer: 'includes' },
      { id: 'f', input: 'x', target: 'flag{a}', scorer: { type: 'flag', ignoreCase: true } },
      { id: 'n', input: 'x', target: '-1,024.5', scorer: { type: 'numeric', tolerance: 1 } },
      { id: 'h', input: 'x', target: '0x1F', scorer: 'numeric' },
      { id: 'r', input: 'x', target: 'CVE-\\d+', scorer: 'regex' },
      {
        id: 'p',
        input: 'x',
        target: 'CVE-2021-44228',
        scorer: { type: 'regex', pattern: '^cve-\\d{4}-\\d+$', flags: 'imsu' },
      },
    ];
    for (const sample of valid) expect(checkSample(sample, undefined)).toEqual([]);
  });

  it('reports a choice scorer without choices at /choices', () => {
    expect(pointers({ id: 'x', input: 'x', target: 'A', scorer: 'choice' })).toEqual(['/choices']);
    expect(pointers({ id: 'x', input: 'x', target: 'A' }, { scorer: 'choice' })).toEqual(['/choices']);
  });

  it('reports a choice target outside the choice letters, naming the range and the value', () => {
    const issues = checkSample({ ...choice, target: 'E' }, undefined);
    expect(issues.map((i) => i.pointer)).toEqual(['/target']);
    expect(issues[0]?.message).toContain('A-D');
    expect(issues[0]?.message).toContain('"E"');
  });

  it.each(['CTR', 'b', '1', 'A, C', 'AB', ' A'])('reports the choice target %j', (target) => {
    expect(pointers({ ...choice, target })).toEqual(['/target']);
  });

  it('reports each bad letter of an array target at its index', () => {
    expect(pointers({ ...choice, target: ['A', 'E', 'x'] })).toEqual(['/target/1', '/target/2']);
  });

  it('reports an array target under a non-choice scorer', () => {
    expect(pointers({ id: 'x', input: 'x', target: ['A', 'B'], scorer: 'exact' })).toEqual(['/target']);
    expect(pointers({ id: 'x', input: 'x', target: ['a+'], scorer: 'regex' })).toEqual(['/target']);
    expect(pointers({ ...choice, target: ['A'] }, { scorer: 'flag' })).toEqual(['/target']);
  });

  it('reports a regex that does not compile, with the engine message', () => {
    const issues = checkSample(
      { id: 'x', input: 'x', target: 'a', scorer: { type: 'regex', pattern: '(ab' } },
      undefined,
    );
    expect(issues.map((i) => i.pointer)).toEqual(['/scorer/pattern']);
    const pattern = '(ab';
    let engine = '';
    try {
      new RegExp(pattern);
    } catch (error) {
      engine = (error as Error).message;
    }
    expect(engine).not.toBe('');
    expect(issues[0]?.message).toContain(engine);
    expect(pointers({ id: 'x', input: 'x', target: '[z-a]', scorer: 'regex' })).toEqual(['/target']);
  });

  it('reports a target that does not match its explicit pattern', () => {
    expect(
      pointers({ id: 'x', input: 'x', target: 'CVE-21', scorer: { type: 'regex', pattern: '^CVE-\\d{4}' } }),
    ).toEqual(['/target']);
  });

  it('reports unknown regex flags', () => {
    expect(
      pointers({ id: 'x', input: 'x', target: 'a', scorer: { type: 'regex', pattern: 'a', flags: 'gi' } }),
    ).toEqual(['/scorer/flags']);
  });

  it('reports a regex of the defaults at the sample itself', () => {
    const defaults: SuiteDefaults = { scorer: { type: 'regex', pattern: '(' } };
    const issues = checkSample({ id: 'x', input: 'x', target: 'a' }, defaults);
    expect(issues.map((i) => i.pointer)).toEqual(['']);
    expect(issues[0]?.message).toContain('defaults.scorer.pattern');
  });

  it.each(['seven', '', '1,02', 'NaN', 'Infinity', '1e999', '42 bytes'])(
    'reports the numeric target %j',
    (target) => {
      expect(pointers({ id: 'x', input: 'x', target, scorer: 'numeric' })).toEqual(['/target']);
    },
  );

  it('reports a blank target of exact, includes and flag', () => {
    for (const scorer of ['exact', 'includes', 'flag'] as const) {
      expect(pointers({ id: 'x', input: 'x', target: '   ', scorer })).toEqual(['/target']);
    }
  });

  it('leaves no sample without issues that scoreOutput refuses', () => {
    const candidates: Sample[] = [
      { ...choice, target: 'E' },
      { ...choice, target: 'B' },
      { id: 'x', input: 'x', target: '(', scorer: 'regex' },
      { id: 'x', input: 'x', target: 'a', scorer: 'regex' },
      { id: 'x', input: 'x', target: 'ten', scorer: 'numeric' },
      { id: 'x', input: 'x', target: '10', scorer: 'numeric' },
      { id: 'x', input: 'x', target: ['A'], scorer: 'includes' },
    ];
    for (const sample of candidates) {
      const isValid = checkSample(sample, undefined).length === 0;
      const scores = (() => {
        try {
          scoreOutput(sample, undefined, 'ANSWER: B');
          return true;
        } catch {
          return false;
        }
      })();
      if (isValid) expect(scores).toBe(true);
    }
    expect(candidates.filter((s) => checkSample(s, undefined).length === 0)).toHaveLength(3);
  });
});
