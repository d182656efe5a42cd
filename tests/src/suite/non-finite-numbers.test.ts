import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../src/errors.js';
import { validateSuite } from '../../../src/suite/validate-suite.js';
import { suiteHeader, useTempDir, writeFiles } from './temp-suite.js';

const where = (problems: readonly Problem[]): { line?: number; pointer: string }[] =>
  problems.map(({ line, pointer }) => ({ ...(line === undefined ? {} : { line }), pointer }));

// JSON.parse reads 1e999 as Infinity, which JSON (and the digest) cannot carry.
const SAMPLES = [
  '{"id":"a","input":"x","target":"A","metadata":{"n":1}}',
  '{"id":"b","input":"x","target":"A","metadata":{"a":[1e999,2],"b":{"c":-1e999}}}',
  '{"id":"c","input":"x","target":5}',
  '{"id":"d","input":"x","target":"A","metadata":{"x":[[1e999]]}}',
];

describe('numbers JSON cannot represent', () => {
  const tmp = useTempDir();

  it('are reported at each place, in every sample, before and after the digest failed (JSONL)', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': `${SAMPLES.join('\n')}\n`,
    });
    const { ok, problems } = await validateSuite(tmp());
    expect(ok).toBe(false);
    expect(where(problems)).toEqual([
      { line: 2, pointer: '/metadata/a/0' },
      { line: 2, pointer: '/metadata/b/c' },
      { line: 3, pointer: '/target' },
      { line: 4, pointer: '/metadata/x/0/0' },
    ]);
    expect(new Set(problems.map((p) => p.file))).toEqual(new Set([join(tmp(), 's.jsonl')]));
  });

  it('are reported at each place in inline samples too', async () => {
    await writeFiles(tmp(), {
      'suite.json': `{"id":"t","version":"1","title":"T","samples":[\n${SAMPLES.join(',\n')}\n]}\n`,
    });
    const { ok, problems } = await validateSuite(tmp());
    expect(ok).toBe(false);
    expect(where(problems)).toEqual([
      { line: 3, pointer: '/samples/1/metadata/a/0' },
      { line: 3, pointer: '/samples/1/metadata/b/c' },
      { line: 4, pointer: '/samples/2/target' },
      { line: 5, pointer: '/samples/3/metadata/x/0/0' },
    ]);
  });
});
