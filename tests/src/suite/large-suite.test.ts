import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSuite } from '../../../src/suite/load-suite.js';
import { selectSamples } from '../../../src/suite/select-samples.js';
import { validateSuite } from '../../../src/suite/validate-suite.js';
import { suiteHeader, useTempDir, writeFiles } from './temp-suite.js';

const COUNT = 100_000;

/** Writes a JSONL file of `count` samples through a stream, as a large real suite would be produced. */
async function writeLargeJsonl(path: string, count: number, lineFor: (i: number) => string): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  for (let i = 0; i < count; i++) {
    if (!out.write(`${lineFor(i)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const sampleLine = (i: number): string =>
  JSON.stringify({
    id: `s-${String(i).padStart(6, '0')}`,
    category: i % 3 === 0 ? 'a' : 'b',
    input: `Which option is right for item ${i}?`,
    choices: ['first', 'second', 'third', 'fourth'],
    target: 'ABCD'[i % 4],
  });

describe('a 100,000-sample JSONL suite', () => {
  const tmp = useTempDir();

  it('validates, opens, streams and selects without error', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ categories: { a: {}, b: { weight: 2 } }, samples: 's.jsonl' }),
    });
    await writeLargeJsonl(join(tmp(), 's.jsonl'), COUNT, sampleLine);

    const validation = await validateSuite(tmp());
    expect(validation.problems).toEqual([]);
    expect(validation.suite?.sampleCount).toBe(COUNT);

    const suite = await openSuite(tmp());
    expect(suite.sha256).toBe(validation.suite?.sha256);
    expect(suite.categoryCounts).toEqual({ a: Math.ceil(COUNT / 3), b: COUNT - Math.ceil(COUNT / 3) });

    let streamed = 0;
    let last = '';
    for await (const sample of suite.samples()) {
      streamed++;
      last = sample.id;
    }
    expect(streamed).toBe(COUNT);
    expect(last).toBe('s-099999');

    const chosen: string[] = [];
    for await (const sample of selectSamples(suite, { limit: 100, seed: 'big' })) chosen.push(sample.id);
    expect(chosen).toHaveLength(100);
    expect([...chosen].sort()).toEqual(chosen);
  });

  it('reports a duplicate id near the end against its first line', async () => {
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 's.jsonl' }) });
    await writeLargeJsonl(join(tmp(), 's.jsonl'), COUNT, (i) =>
      i === COUNT - 2 ? sampleLine(1) : sampleLine(i),
    );
    const { problems } = await validateSuite(tmp());
    expect(problems).toEqual([
      expect.objectContaining({ file: join(tmp(), 's.jsonl'), line: COUNT - 1, pointer: '/id' }),
    ]);
    expect(problems[0]?.message).toContain('line 2');
  });
});
