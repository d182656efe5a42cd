import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../../src/errors.js';
import { csvImporter, jsonlImporter } from '../../../../src/import/formats/generic.js';
import type { Importer, ImportOptions } from '../../../../src/import/imported-suite.js';
import { parseFieldMap } from '../../../../src/import/parse-field-map.js';
import { sha256Hex } from '../../../../src/import/sample-ids.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import { validateSuite } from '../../../../src/suite/validate-suite.js';
import { writeImportedSuite } from '../ctf/write-imported-suite.js';

const JSONL = 'tests/fixtures/import/generic/questions.jsonl';
const FREE = 'tests/fixtures/import/generic/free-answers.jsonl';
const CSV = 'tests/fixtures/import/generic/questions.csv';
const JSONL_MAP = parseFieldMap(
  'input=question,target=answer,choices=opt_a|opt_b|opt_c|opt_d,category=topic,id=qid',
);
const CSV_MAP = parseFieldMap('input=question,target=answer,choices=a|b|c|d,category=category,id=id');
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'redline-generic-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function codeOf(importer: Importer, source: string, options: ImportOptions): Promise<unknown> {
  const error = await importer.importSource(source, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  return isRedlineError(error) ? error.code : error;
}

describe('jsonlImporter', () => {
  it('imports mapped rows into a suite that validates', async () => {
    const imported = await jsonlImporter.importSource(JSONL, { map: JSONL_MAP });
    const result = await validateSuite(writeImportedSuite(join(await tempDir(), 'suite'), imported));
    expect(result.problems).toEqual([]);
    expect(result.suite?.sampleCount).toBe(5);
  });

  it('defaults to the choice scorer and turns letters, option texts and letter lists into letters', async () => {
    const imported = await jsonlImporter.importSource(JSONL, { map: JSONL_MAP });
    expect(imported.header.defaults.scorer).toBe('choice');
    expect(imported.samples.map((s) => [s.id, s.target])).toEqual([
      ['jsonl-k-001', 'B'],
      ['jsonl-k-002', 'C'],
      ['jsonl-k-003', 'C'],
      ['jsonl-k-004', ['A', 'C']],
      ['jsonl-k-001-2', 'A'],
    ]);
    // An empty trailing option is dropped: k-003 has three options.
    expect(imported.samples[2]?.choices).toEqual(['MD5', 'SHA-1', 'SHA-256']);
    expect(scoreOutput(imported.samples[1]!, imported.header.defaults, 'ANSWER: C').value).toBe(1);
  });

  it('declares the mapped categories with weight 1', async () => {
    const imported = await jsonlImporter.importSource(JSONL, { map: JSONL_MAP });
    expect(imported.header.categories).toEqual({
      'network-security': { weight: 1, title: 'Network Security' },
      cryptography: { weight: 1, title: 'Cryptography' },
      'web-security': { weight: 1, title: 'Web Security' },
      malware: { weight: 1, title: 'Malware' },
    });
    expect(imported.samples[0]?.category).toBe('network-security');
  });

  it('reports bad lines with their line number and counts every non-blank line', async () => {
    const imported = await jsonlImporter.importSource(JSONL, { map: JSONL_MAP });
    expect(imported.rejected.map((r) => [r.index, r.id])).toEqual([
      [6, undefined],
      [7, undefined],
      [8, 'k-007'],
      [9, 'k-008'],
      [10, 'k-009'],
      [11, 'k-010'],
    ]);
    expect(imported.header.source).toMatchObject({
      format: 'jsonl',
      file: JSONL,
      sha256: sha256Hex(readFileSync(JSONL)),
      rows: 11,
      rejected: 6,
    });
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
  });

  it('gives the same result on a second import', async () => {
    const first = await jsonlImporter.importSource(JSONL, { map: JSONL_MAP });
    expect(await jsonlImporter.importSource(JSONL, { map: JSONL_MAP })).toEqual(first);
  });

  it('uses content hashes as ids when no id column is mapped, stable across imports', async () => {
    const map = parseFieldMap('input=prompt,target=expected,category=area');
    const first = await jsonlImporter.importSource(FREE, { map });
    const second = await jsonlImporter.importSource(FREE, { map });
    expect(first.samples.map((s) => s.id)).toEqual(second.samples.map((s) => s.id));
    for (const sample of first.samples) expect(sample.id).toMatch(/^jsonl-[0-9a-f]{12}$/);
  });

  it('scores free answers exactly by default, or with the scorer given, and rejects unusable targets', async () => {
    const map = parseFieldMap('input=prompt,target=expected,category=area');
    const exact = await jsonlImporter.importSource(FREE, { map });
    expect(exact.header.defaults.scorer).toBe('exact');
    expect(exact.samples.map((s) => s.target)).toEqual(['128', '22', '16']);
    expect(exact.rejected.map((r) => r.index)).toEqual([4, 5, 6]);
    const numeric = await jsonlImporter.importSource(FREE, {
      map,
      scorer: { type: 'numeric', tolerance: 0 },
    });
    expect(numeric.header.defaults.scorer).toEqual({ type: 'numeric', tolerance: 0 });
    expect(numeric.header.source.options).toMatchObject({ scorer: { type: 'numeric', tolerance: 0 } });
    expect(scoreOutput(numeric.samples[0]!, numeric.header.defaults, 'ANSWER: 128.0').value).toBe(1);
    const result = await validateSuite(writeImportedSuite(join(await tempDir(), 'suite'), numeric));
    expect(result.ok).toBe(true);
  });

  it('reads the options from one column holding a JSON array', async () => {
    const dir = await tempDir();
    const source = join(dir, 'arrays.jsonl');
    await writeFile(
      source,
      [
        { q: 'Pick the hash function.', options: ['SHA-256', 'TCP', 'NTP'], a: 'SHA-256' },
        { q: 'Pick both transport protocols.', options: ['TCP', 'UDP', 'HTML'], a: ['TCP', 'UDP'] },
        { q: 'Options are not a list.', options: 'TCP', a: 'A' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const imported = await jsonlImporter.importSource(source, {
      map: parseFieldMap('input=q,target=a,choices=options'),
    });
    expect(imported.samples.map((s) => [s.choices, s.target])).toEqual([
      [['SHA-256', 'TCP', 'NTP'], 'A'],
      [
        ['TCP', 'UDP', 'HTML'],
        ['A', 'B'],
      ],
    ]);
    expect(imported.rejected.map((r) => r.index)).toEqual([3]);
  });

  it('throws E_USAGE without --map or for the choice scorer without choices, E_INPUT/E_MALFORMED for the source', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'blank.jsonl'), '\n\n');
    expect(await codeOf(jsonlImporter, JSONL, {})).toBe('E_USAGE');
    expect(
      await codeOf(jsonlImporter, FREE, {
        map: parseFieldMap('input=prompt,target=expected'),
        scorer: 'choice',
      }),
    ).toBe('E_USAGE');
    expect(await codeOf(jsonlImporter, join(dir, 'missing.jsonl'), { map: JSONL_MAP })).toBe('E_INPUT');
    expect(await codeOf(jsonlImporter, join(dir, 'blank.jsonl'), { map: JSONL_MAP })).toBe('E_MALFORMED');
  });
});

describe('csvImporter', () => {
  it('imports mapped rows into a suite that validates', async () => {
    const imported = await csvImporter.importSource(CSV, { map: CSV_MAP });
    const result = await validateSuite(writeImportedSuite(join(await tempDir(), 'suite'), imported));
    expect(result.problems).toEqual([]);
    expect(result.suite?.sampleCount).toBe(4);
  });

  it('keeps quoted commas, quotes and newlines, and converts option texts to letters', async () => {
    const imported = await csvImporter.importSource(CSV, { map: CSV_MAP });
    expect(imported.samples.map((s) => [s.id, s.target])).toEqual([
      ['csv-c-1', 'B'],
      ['csv-c-2', 'A'],
      ['csv-c-3', 'B'],
      ['csv-c-6', 'A'],
    ]);
    expect(imported.samples[0]?.input).toBe(
      'Which mode turns a block cipher into a stream cipher, among these?',
    );
    expect(imported.samples[2]?.input).toContain('\n');
    expect(imported.samples[3]?.input).toBe('Which "quoted" cipher is asymmetric?');
  });

  it('reports a wrong field count, an empty middle option and an unknown answer by line', async () => {
    const imported = await csvImporter.importSource(CSV, { map: CSV_MAP });
    expect(imported.rejected.map((r) => [r.index, r.id])).toEqual([
      [6, undefined],
      [7, 'c-5'],
      [9, 'c-7'],
    ]);
    expect(imported.header.source).toMatchObject({ format: 'csv', rows: 7, rejected: 3 });
  });

  it('gives the same result on a second import', async () => {
    const first = await csvImporter.importSource(CSV, { map: CSV_MAP });
    expect(await csvImporter.importSource(CSV, { map: CSV_MAP })).toEqual(first);
  });

  it('throws E_USAGE when --map names a column the header lacks', async () => {
    const map = parseFieldMap('input=question,target=solution');
    expect(await codeOf(csvImporter, CSV, { map })).toBe('E_USAGE');
  });

  it('throws E_MALFORMED for an unterminated quote or a header without rows', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'open.csv'), 'question,answer\n"never closed,A\n');
    await writeFile(join(dir, 'header.csv'), 'question,answer\n');
    const map = parseFieldMap('input=question,target=answer');
    expect(await codeOf(csvImporter, join(dir, 'open.csv'), { map })).toBe('E_MALFORMED');
    expect(await codeOf(csvImporter, join(dir, 'header.csv'), { map })).toBe('E_MALFORMED');
  });
});
