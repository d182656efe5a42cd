import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/schema/suite.js';
import { openSuite, type SuiteHandle } from '../../../src/suite/load-suite.js';
import { selectSamples } from '../../../src/suite/select-samples.js';
import { choiceSample, jsonl, suiteHeader, useTempDir, writeFiles } from './temp-suite.js';

async function ids(samples: AsyncIterable<Sample>): Promise<string[]> {
  const out: string[] = [];
  for await (const sample of samples) out.push(sample.id);
  return out;
}

/** The reference definition, by sorting everything: the `limit` smallest sha256(seed:id), in file order. */
function expectedSeeded(all: readonly string[], limit: number, seed: string): string[] {
  const rank = (id: string): string => createHash('sha256').update(`${seed}:${id}`).digest('hex');
  const chosen = new Set([...all].sort((a, b) => (rank(a) < rank(b) ? -1 : 1)).slice(0, limit));
  return all.filter((id) => chosen.has(id));
}

describe('selectSamples', () => {
  const tmp = useTempDir();
  // Ids whose file order differs from their sorted order, so "file order" is observable.
  const allIds = Array.from({ length: 200 }, (_, i) => `q-${(i * 37) % 200}`);

  async function open(): Promise<SuiteHandle> {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': jsonl(allIds.map((id) => choiceSample(id))),
    });
    return openSuite(tmp());
  }

  it('yields every sample in file order without a limit (with or without a seed)', async () => {
    const suite = await open();
    expect(await ids(selectSamples(suite))).toEqual(allIds);
    expect(await ids(selectSamples(suite, { seed: 'x' }))).toEqual(allIds);
  });

  it('yields the first N samples for a limit without a seed', async () => {
    const suite = await open();
    expect(await ids(selectSamples(suite, { limit: 5 }))).toEqual(allIds.slice(0, 5));
  });

  it('yields everything when the limit is at least the sample count', async () => {
    const suite = await open();
    expect(await ids(selectSamples(suite, { limit: 200, seed: 's' }))).toEqual(allIds);
    expect(await ids(selectSamples(suite, { limit: 1000 }))).toEqual(allIds);
  });

  it.each([1, 7, 50, 199])(
    'yields the %i samples with the smallest sha256(seed:id), in file order',
    async (limit) => {
      const suite = await open();
      for (const seed of ['1', '42', 'lab-a']) {
        const chosen = await ids(selectSamples(suite, { limit, seed }));
        expect(chosen).toEqual(expectedSeeded(allIds, limit, seed));
      }
    },
  );

  it('is deterministic for a seed and differs between seeds', async () => {
    const suite = await open();
    const first = await ids(selectSamples(suite, { limit: 10, seed: 7 }));
    const again = await ids(selectSamples(suite, { limit: 10, seed: '7' }));
    const other = await ids(selectSamples(suite, { limit: 10, seed: 8 }));
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('works on inline suites', async () => {
    await writeFiles(tmp(), {
      'inline.json': { ...suiteHeader(), samples: allIds.slice(0, 20).map((id) => choiceSample(id)) },
    });
    const suite = await openSuite(`${tmp()}/inline.json`);
    expect(await ids(selectSamples(suite, { limit: 3, seed: 'k' }))).toEqual(
      expectedSeeded(allIds.slice(0, 20), 3, 'k'),
    );
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity])('refuses the limit %s with E_USAGE', async (limit) => {
    const suite = await open();
    expect(() => selectSamples(suite, { limit })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
