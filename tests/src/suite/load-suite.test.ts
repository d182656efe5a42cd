import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import type { Sample } from '../../../src/schema/suite.js';
import { openSuite } from '../../../src/suite/load-suite.js';
import { validateSuite } from '../../../src/suite/validate-suite.js';
import { choiceSample, jsonl, suiteHeader, useTempDir, writeFiles } from './temp-suite.js';

const FIXTURES = 'tests/fixtures/suites';

async function collect(samples: AsyncIterable<Sample>): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const sample of samples) out.push(sample);
  return out;
}

describe('openSuite', () => {
  const tmp = useTempDir();

  it('opens a directory suite with a JSONL file and resolves its header', async () => {
    const path = join(FIXTURES, 'cyber-knowledge');
    const suite = await openSuite(path);
    expect(suite.path).toBe(path);
    expect(suite.file).toBe(resolve(path, 'suite.json'));
    expect(suite.dir).toBe(resolve(path));
    expect(suite.displayFile).toBe(join(path, 'suite.json'));
    expect(suite.format).toBe('json');
    expect(suite.samplesFile?.displayFile).toBe(join(path, 'samples.jsonl'));
    expect(suite.sampleCount).toBe(6);
    expect(suite.header).toEqual({
      id: 'cyber-knowledge',
      version: '1.0.0',
      title: 'Cyber knowledge (test fixture)',
      license: "Apache-2.0; written for Redline's tests",
      categories: {
        crypto: { weight: 2, title: 'Cryptography' },
        web: { weight: 1, title: 'Web security' },
        forensics: { weight: 0.5 },
        network: { weight: 1, title: 'Networking', description: 'Protocols and scanning.' },
      },
      defaults: { scorer: 'choice', max_tokens: 256, temperature: 0 },
    });
    expect(Object.keys(suite.header.categories)).toEqual(['crypto', 'web', 'forensics', 'network']);
    expect(suite.categoryCounts).toEqual({ crypto: 2, web: 1, forensics: 1, network: 2 });
  });

  it('has the digest validateSuite reports', async () => {
    const path = join(FIXTURES, 'cyber-knowledge');
    const [suite, validation] = await Promise.all([openSuite(path), validateSuite(path)]);
    expect(suite.sha256).toBe(validation.suite?.sha256);
  });

  it('streams the samples in file order, again on every call', async () => {
    const suite = await openSuite(join(FIXTURES, 'cyber-knowledge'));
    const ids = ['q-0001', 'q-0002', 'q-0003', 'q-0004', 'q-0005', 'q-0006'];
    expect((await collect(suite.samples())).map((s) => s.id)).toEqual(ids);
    expect((await collect(suite.samples())).map((s) => s.id)).toEqual(ids);
    const [second] = (await collect(suite.samples())).slice(1);
    expect(second).toEqual({
      id: 'q-0002',
      category: 'crypto',
      input: 'Which of these hash functions have published practical collisions?',
      choices: ['MD5', 'SHA-1', 'SHA-256', 'SHA3-256'],
      target: ['A', 'B'],
    });
  });

  it('streams inline samples', async () => {
    const suite = await openSuite(join(FIXTURES, 'cyber-knowledge-inline.yaml'));
    expect(suite.format).toBe('yaml');
    expect(suite.samplesFile).toBeUndefined();
    expect((await collect(suite.samples())).map((s) => s.id)).toEqual([
      'q-0001',
      'q-0002',
      'q-0003',
      'q-0004',
      'q-0005',
      'q-0006',
    ]);
  });

  it('puts samples without a category in "default" and takes the used categories, weight 1, when none are declared', async () => {
    const suite = await openSuite(join(FIXTURES, 'uncategorised'));
    expect(suite.header.categories).toEqual({ default: { weight: 1 }, web: { weight: 1 } });
    expect(suite.categoryCounts).toEqual({ default: 2, web: 1 });
    expect(suite.header.defaults).toEqual({});
  });

  it('counts 0 for a declared category without samples', async () => {
    await writeFiles(tmp(), {
      'suite.json': {
        ...suiteHeader({ categories: { a: {}, b: { weight: 3 } } }),
        samples: [choiceSample('x', { category: 'a' })],
      },
    });
    const suite = await openSuite(tmp());
    expect(suite.categoryCounts).toEqual({ a: 1, b: 0 });
    expect(suite.header.categories).toEqual({ a: { weight: 1 }, b: { weight: 3 } });
  });

  it('throws E_SCHEMA with every problem in details.problems', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': jsonl([choiceSample('a', { target: 1 }), choiceSample('a')]),
    });
    const error: unknown = await openSuite(tmp()).catch((e: unknown) => e);
    expect(isRedlineError(error, 'E_SCHEMA')).toBe(true);
    const { problems } = await validateSuite(tmp());
    expect(problems).toHaveLength(2);
    expect((error as { details: unknown }).details).toEqual({ problems });
  });

  it('throws E_INPUT naming the samples file when it does not exist', async () => {
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 'missing.jsonl' }) });
    await expect(openSuite(tmp())).rejects.toMatchObject({
      code: 'E_INPUT',
      message: expect.stringContaining(join(tmp(), 'missing.jsonl')),
    });
  });

  it('throws E_INPUT when the samples path is a directory', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 'data' }),
      'data/x.jsonl': jsonl([choiceSample('a')]),
    });
    await expect(openSuite(tmp())).rejects.toMatchObject({ code: 'E_INPUT' });
  });

  it('throws E_INPUT for a path that does not exist', async () => {
    await expect(openSuite(join(tmp(), 'nope'))).rejects.toMatchObject({ code: 'E_INPUT' });
  });

  it('fails a later pass with E_STATE when the JSONL file was changed after opening', async () => {
    const samples = [choiceSample('a'), choiceSample('b'), choiceSample('c')];
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 's.jsonl' }), 's.jsonl': jsonl(samples) });
    const suite = await openSuite(tmp());

    // Same ids, one target changed: each line is still a valid sample, only the digest tells.
    await writeFile(join(tmp(), 's.jsonl'), jsonl([samples[0], { ...samples[1], target: 'C' }, samples[2]]));
    await expect(collect(suite.samples())).rejects.toMatchObject({ code: 'E_STATE' });

    await writeFile(join(tmp(), 's.jsonl'), jsonl([samples[0], '{"id": "b"}', samples[2]]));
    await expect(collect(suite.samples())).rejects.toMatchObject({ code: 'E_STATE' });

    await writeFile(join(tmp(), 's.jsonl'), jsonl(samples));
    expect(await collect(suite.samples())).toHaveLength(3);
  });

  it('fails a pass with E_INPUT when the JSONL file vanished', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': jsonl([choiceSample('a')]),
    });
    const suite = await openSuite(tmp());
    await rm(join(tmp(), 's.jsonl'));
    await expect(collect(suite.samples())).rejects.toMatchObject({ code: 'E_INPUT' });
  });

  it('lets a consumer stop early, without checking the part it did not read', async () => {
    const samples = Array.from({ length: 50 }, (_, i) => choiceSample(`s${i}`));
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 's.jsonl' }), 's.jsonl': jsonl(samples) });
    const suite = await openSuite(tmp());
    await writeFile(
      join(tmp(), 's.jsonl'),
      jsonl([...samples.slice(0, 49), { ...samples[49], target: 'A' }]),
    );
    const seen: string[] = [];
    for await (const sample of suite.samples()) {
      seen.push(sample.id);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['s0', 's1']);
    await expect(collect(suite.samples())).rejects.toMatchObject({ code: 'E_STATE' });
  });
});
