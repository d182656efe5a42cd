/**
 * The validator reports scorer-specific issues from checkSample (owned by the scoring work) under the sample's
 * location. checkSample is replaced here so this test depends only on its contract: pointers relative to the sample.
 */
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Sample, SuiteDefaults } from '../../../src/schema/suite.js';
import { validateSuite } from '../../../src/suite/validate-suite.js';
import { choiceSample, jsonl, suiteHeader, useTempDir, writeFiles } from './temp-suite.js';

const checkSample = vi.hoisted(() =>
  vi.fn((sample: Sample, _defaults: SuiteDefaults | undefined) =>
    sample.id.startsWith('bad')
      ? [
          { pointer: '/target', message: 'not a choice letter' },
          { pointer: '', message: 'whole' },
        ]
      : [],
  ),
);
vi.mock('../../../src/scoring/check-sample.js', () => ({ checkSample }));

describe('validateSuite with checkSample issues', () => {
  const tmp = useTempDir();

  it('reports JSONL issues at the line, with the issue pointer', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ defaults: { scorer: 'choice' }, samples: 's.jsonl' }),
      's.jsonl': jsonl([choiceSample('ok'), choiceSample('bad-1')]),
    });
    const { problems } = await validateSuite(tmp());
    const file = join(tmp(), 's.jsonl');
    expect(problems.map(({ file: f, line, pointer }) => ({ f, line, pointer }))).toEqual([
      { f: file, line: 2, pointer: '/target' },
      { f: file, line: 2, pointer: '' },
    ]);
    expect(checkSample).toHaveBeenCalledWith(expect.objectContaining({ id: 'bad-1' }), { scorer: 'choice' });
  });

  it('prefixes inline issues with the sample pointer', async () => {
    await writeFiles(tmp(), {
      'suite.json': { ...suiteHeader(), samples: [choiceSample('ok'), choiceSample('bad-2')] },
    });
    const { problems } = await validateSuite(tmp());
    // In line order: the sample starts (whole-sample issue) before its target line.
    expect(problems.map((p) => p.pointer)).toEqual(['/samples/1', '/samples/1/target']);
  });

  it('does not call checkSample for a sample that fails the schema', async () => {
    checkSample.mockClear();
    await writeFiles(tmp(), {
      'suite.json': { ...suiteHeader(), samples: [choiceSample('bad-3', { target: 3 })] },
    });
    const { problems } = await validateSuite(tmp());
    expect(problems.map((p) => p.pointer)).toEqual(['/samples/0/target']);
    expect(checkSample).not.toHaveBeenCalled();
  });
});
