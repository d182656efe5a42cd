import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { JSONL_BLOCK_CHARS, JSONL_BLOCK_LINES } from '../../../src/suite/jsonl-checkpoints.js';
import { openSuite, type SuiteHandle } from '../../../src/suite/load-suite.js';
import { choiceSample, jsonl, suiteHeader, useTempDir, writeFiles } from './temp-suite.js';

/** What a pass over a suite gives: the ids it yielded, and the code of the error it ended with, if any. */
async function passOver(suite: SuiteHandle): Promise<{ ids: string[]; code?: string }> {
  const ids: string[] = [];
  try {
    for await (const sample of suite.samples()) ids.push(sample.id);
  } catch (error) {
    return { ids, code: isRedlineError(error) ? error.code : String(error) };
  }
  return { ids };
}

const samplesOf = (count: number): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) =>
    choiceSample(`s${i}`, { target: 'ABC'[i % 3], metadata: { n: i, tags: ['t'] } }),
  );

const idsOf = (samples: readonly Record<string, unknown>[]): unknown[] => samples.map((s) => s.id);

// Several blocks of checkpoints, the last one partial.
const COUNT = 2 * JSONL_BLOCK_LINES + 88;

describe('passes over the JSONL file of an opened suite', () => {
  const tmp = useTempDir();

  /** Opens a suite of `samples`, then writes `changed` over its JSONL file. */
  async function openThenChange(
    samples: readonly Record<string, unknown>[],
    changed: string | undefined,
  ): Promise<SuiteHandle> {
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 's.jsonl' }), 's.jsonl': jsonl(samples) });
    const suite = await openSuite(tmp());
    if (changed !== undefined) await writeFile(join(tmp(), 's.jsonl'), changed, 'utf8');
    return suite;
  }

  it('yields every sample, in order and as parsed, pass after pass', async () => {
    const samples = samplesOf(COUNT);
    const suite = await openThenChange(samples, undefined);
    for (let pass = 0; pass < 2; pass++) {
      const seen: unknown[] = [];
      for await (const sample of suite.samples()) seen.push(sample);
      expect(seen).toEqual(samples);
    }
  });

  it('accepts a file whose lines changed only in form: spacing, key order, number spelling, blank lines, CRLF', async () => {
    const samples = samplesOf(COUNT);
    const lines = samples.map((s) => JSON.stringify(s));
    lines[JSONL_BLOCK_LINES + 3] = JSON.stringify(samples[JSONL_BLOCK_LINES + 3], null, 1).replace(
      /\n/g,
      ' ',
    );
    // The first block is left as it was, so that the pass trusts it and resumes the digest at the second.
    const reordered = JSONL_BLOCK_LINES + 5;
    lines[reordered] = JSON.stringify(Object.fromEntries(Object.entries(samples[reordered] ?? {}).reverse()));
    lines[COUNT - 1] = (lines[COUNT - 1] ?? '').replace(`"n":${COUNT - 1}`, `"n":${COUNT - 1}.0`);
    const suite = await openThenChange(samples, `\n${lines.join('\r\n\r\n')}\r\n`);
    expect(await passOver(suite)).toEqual({ ids: idsOf(samples) });
  });

  it('yields the samples before a line that is no longer valid JSON, then fails with E_STATE', async () => {
    const samples = samplesOf(COUNT);
    const bad = JSONL_BLOCK_LINES + 10;
    const lines = samples.map((s, i) => (i === bad ? '{"id": "s' : JSON.stringify(s)));
    const suite = await openThenChange(samples, `${lines.join('\n')}\n`);
    expect(await passOver(suite)).toEqual({ ids: idsOf(samples.slice(0, bad)), code: 'E_STATE' });
  });

  it('yields the samples before a line that is no longer a valid sample, then fails with E_STATE', async () => {
    const samples = samplesOf(COUNT);
    const bad = 2 * JSONL_BLOCK_LINES + 1;
    const changed = samples.map((s, i) => (i === bad ? { ...s, target: 5 } : s));
    const suite = await openThenChange(samples, jsonl(changed));
    expect(await passOver(suite)).toEqual({ ids: idsOf(samples.slice(0, bad)), code: 'E_STATE' });
  });

  it('yields every sample, then fails with E_STATE, when a value changed in a still valid sample', async () => {
    const samples = samplesOf(COUNT);
    const changed = samples.map((s, i) => (i === 7 ? { ...s, input: 'Another question?' } : s));
    const suite = await openThenChange(samples, jsonl(changed));
    expect(await passOver(suite)).toEqual({ ids: idsOf(changed), code: 'E_STATE' });
  });

  it('fails with E_STATE when samples were swapped, though every block holds the same lines as a set', async () => {
    const samples = samplesOf(COUNT);
    const swapped = [...samples];
    [swapped[1], swapped[2]] = [samples[2] ?? {}, samples[1] ?? {}];
    const suite = await openThenChange(samples, jsonl(swapped));
    expect(await passOver(suite)).toEqual({ ids: idsOf(swapped), code: 'E_STATE' });
  });

  it.each([
    ['cut at a block boundary', (s: Record<string, unknown>[]) => s.slice(0, JSONL_BLOCK_LINES)],
    ['cut inside the last block', (s: Record<string, unknown>[]) => s.slice(0, -1)],
    ['one sample longer', (s: Record<string, unknown>[]) => [...s, choiceSample('extra')]],
    [
      'a block longer',
      (s: Record<string, unknown>[]) => [...s, ...samplesOf(COUNT + JSONL_BLOCK_LINES).slice(COUNT)],
    ],
  ])('yields what the file holds, then fails with E_STATE, when it is %s', async (_label, change) => {
    const samples = samplesOf(COUNT);
    const changed = change(samples);
    const suite = await openThenChange(samples, jsonl(changed));
    expect(await passOver(suite)).toEqual({ ids: idsOf(changed), code: 'E_STATE' });
  });

  it('fails with E_STATE when a file of whole blocks gets one more line', async () => {
    const samples = samplesOf(2 * JSONL_BLOCK_LINES);
    const changed = [...samples, choiceSample('extra')];
    const suite = await openThenChange(samples, jsonl(changed));
    expect(await passOver(suite)).toEqual({ ids: idsOf(changed), code: 'E_STATE' });
  });

  it('lets a consumer stop inside a block, and the next pass still checks the whole file', async () => {
    const samples = samplesOf(COUNT);
    const changed = samples.map((s, i) => (i === COUNT - 1 ? { ...s, target: 'A', input: 'changed' } : s));
    const suite = await openThenChange(samples, jsonl(changed));
    const ids: string[] = [];
    for await (const sample of suite.samples()) {
      ids.push(sample.id);
      if (ids.length === 3) break;
    }
    expect(ids).toEqual(['s0', 's1', 's2']);
    expect(await passOver(suite)).toEqual({ ids: idsOf(changed), code: 'E_STATE' });
  });
});

describe('passes over a JSONL file of long lines', () => {
  const tmp = useTempDir();

  it('cut into blocks by size as well, yield the samples before a changed line, then fail with E_STATE', async () => {
    // About four lines per block: blocks end on their size long before they have JSONL_BLOCK_LINES lines.
    const long = 'x'.repeat(Math.ceil(JSONL_BLOCK_CHARS / 4));
    const samples = Array.from({ length: 30 }, (_, i) => choiceSample(`s${i}`, { metadata: { long } }));
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 's.jsonl' }), 's.jsonl': jsonl(samples) });
    const suite = await openSuite(tmp());
    expect(await passOver(suite)).toEqual({ ids: idsOf(samples) });

    const bad = 21;
    const lines = samples.map((s, i) => (i === bad ? '{"id": ' : JSON.stringify(s)));
    await writeFile(join(tmp(), 's.jsonl'), `${lines.join('\n')}\n`, 'utf8');
    expect(await passOver(suite)).toEqual({ ids: idsOf(samples.slice(0, bad)), code: 'E_STATE' });

    const respaced = samples.map((s, i) => (i === bad ? ` ${JSON.stringify(s)}` : JSON.stringify(s)));
    await writeFile(join(tmp(), 's.jsonl'), `${respaced.join('\n')}\n`, 'utf8');
    expect(await passOver(suite)).toEqual({ ids: idsOf(samples) });
  });
});
