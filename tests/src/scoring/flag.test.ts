import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/schema/suite.js';
import { scoreFlag } from '../../../src/scoring/flag.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

const FLAG = 'flag{s3cr3t_K3y}';

describe('scoreFlag', () => {
  it('scores 1 when the exact flag appears anywhere in the output', () => {
    expect(scoreFlag(FLAG, false, `I decoded it: ${FLAG} - done`)).toEqual({ value: 1, answer: FLAG });
    expect(scoreFlag(FLAG, false, `**ANSWER: \`${FLAG}\`**`).value).toBe(1);
  });

  it('is case-sensitive by default', () => {
    expect(scoreFlag(FLAG, false, 'ANSWER: FLAG{S3CR3T_K3Y}').value).toBe(0);
    expect(scoreFlag(FLAG, false, 'ANSWER: flag{s3cr3t_k3y}').value).toBe(0);
  });

  it('ignores case when asked, reporting the flag as written', () => {
    expect(scoreFlag(FLAG, true, 'ANSWER: FLAG{S3CR3T_K3Y}')).toEqual({
      value: 1,
      answer: 'FLAG{S3CR3T_K3Y}',
    });
  });

  it('scores 0 for a near miss, reporting the labelled answer', () => {
    expect(scoreFlag(FLAG, false, 'ANSWER: flag{s3cr3t_K3}')).toMatchObject({
      value: 0,
      answer: 'flag{s3cr3t_K3}',
    });
    expect(scoreFlag(FLAG, false, 'flag{s3cr3t K3y}').value).toBe(0);
  });

  it('scores 0 for an empty output', () => {
    expect(scoreFlag(FLAG, false, '')).toMatchObject({ value: 0, answer: null });
  });

  it('finds a unicode flag in a huge output', () => {
    expect(scoreFlag('flag{ünï_😀}', false, `${'a'.repeat(3_000_000)}flag{ünï_😀}`).value).toBe(1);
  });

  it('is dispatched for the string and object forms', () => {
    const sample: Sample = { id: 'f1', input: 'Find the flag.', target: FLAG, scorer: 'flag' };
    expect(scoreOutput(sample, undefined, `got ${FLAG}`).value).toBe(1);
    expect(scoreOutput(sample, undefined, `got ${FLAG.toUpperCase()}`).value).toBe(0);
    expect(
      scoreOutput({ ...sample, scorer: { type: 'flag', ignoreCase: true } }, undefined, FLAG.toUpperCase())
        .value,
    ).toBe(1);
  });
});
