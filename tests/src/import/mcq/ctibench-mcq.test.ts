import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctibenchMcqImporter } from '../../../../src/import/formats/ctibench.js';
import { parseDelimited } from '../../../../src/import/parse-delimited.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import {
  errorCodeOf,
  expectSuiteValidates,
  idsByInput,
  mcqFixture,
  sha256OfFile,
} from './write-imported-suite.js';

const FIXTURE = mcqFixture('ctibench-mcq.tsv');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'redline-cti-mcq-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** RFC 4180 serialisation of rows, tab-separated. */
function toTsv(rows: readonly string[][]): string {
  const cell = (c: string): string => (/[\t\n"]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return rows.map((r) => r.map(cell).join('\t')).join('\n') + '\n';
}

describe('ctibenchMcqImporter', () => {
  it('imports a suite that validates, with choice defaults and provenance', async () => {
    const imported = await ctibenchMcqImporter.importSource(FIXTURE, {});
    await expectSuiteValidates(imported, join(tmp, 'suite'));
    const { header } = imported;
    expect(header.id).toBe('ctibench-mcq');
    expect(header.defaults).toEqual({ scorer: 'choice', max_tokens: 256, temperature: 0 });
    expect(header.categories).toEqual({ default: { weight: 1 } });
    expect(header.source).toMatchObject({
      format: 'ctibench-mcq',
      file: FIXTURE,
      sha256: await sha256OfFile(FIXTURE),
      rows: 8,
      rejected: 5,
    });
  });

  it('reads the question and options verbatim, a GT letter in either case, and quoted fields', async () => {
    const { samples, header } = await ctibenchMcqImporter.importSource(FIXTURE, {});
    expect(samples).toHaveLength(3);
    expect(samples[0]!.target).toBe('B');
    expect(samples[0]!.choices).toEqual(['Persistence', 'Defense Evasion', 'Collection', 'Impact']);
    expect(samples[0]!.metadata).toEqual({ url: 'https://example.org/tactics/TA9001' });
    expect(samples[1]!.target).toBe('D');
    expect(scoreOutput(samples[1]!, header.defaults, 'ANSWER: D').value).toBe(1);
    // Doubled quotes inside a quoted field; blank trailing options leave a three-option question.
    expect(samples[2]!.input).toBe('An "initial access" broker mainly sells what?');
    expect(samples[2]!.choices).toHaveLength(3);
  });

  it('reports malformed rows by line and drops none', async () => {
    const imported = await ctibenchMcqImporter.importSource(FIXTURE, {});
    // 6: two fields, 7: GT E, 8: blank question, 9: options A and C the same, 10: one option.
    expect(imported.rejected.map((r) => r.index)).toEqual([6, 7, 8, 9, 10]);
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
  });

  it('gives the same ids on a second import and on a reordered copy', async () => {
    const first = await ctibenchMcqImporter.importSource(FIXTURE, {});
    const second = await ctibenchMcqImporter.importSource(FIXTURE, {});
    expect(second.samples.map((s) => s.id)).toEqual(first.samples.map((s) => s.id));
    const [head, ...body] = parseDelimited(await readFile(FIXTURE, 'utf8'), '\t', FIXTURE).map(
      (r) => r.fields,
    );
    const reordered = join(tmp, 'reordered.tsv');
    await writeFile(reordered, toTsv([head!, ...body.reverse()]));
    const third = await ctibenchMcqImporter.importSource(reordered, {});
    expect(third.samples.map((s) => s.id)).toEqual(first.samples.map((s) => s.id).reverse());
    expect(idsByInput(third)).toEqual(idsByInput(first));
  });

  it('matches the header case-insensitively', async () => {
    const path = join(tmp, 'lower.tsv');
    await writeFile(
      path,
      toTsv([
        ['url', 'question', 'option a', 'option b', 'option c', 'option d', 'prompt', 'gt'],
        ['', 'Which is a hash?', 'SHA-256', 'AES', 'RSA', 'DH', '', 'a'],
      ]),
    );
    const { samples } = await ctibenchMcqImporter.importSource(path, {});
    expect(samples[0]!.target).toBe('A');
    expect(samples[0]!.metadata).toBeUndefined();
  });

  it('throws E_MALFORMED for a file without the expected columns, an empty file or a header alone', async () => {
    const cases = {
      'comma.tsv': 'URL,Question,Option A,Option B,Option C,Option D,Prompt,GT\n',
      'no-gt.tsv': 'URL\tQuestion\tOption A\tOption B\tOption C\tOption D\tPrompt\nu\tq\ta\tb\tc\td\tp\n',
      'empty.tsv': '',
      'header.tsv': 'URL\tQuestion\tOption A\tOption B\tOption C\tOption D\tPrompt\tGT\n',
    };
    for (const [name, text] of Object.entries(cases)) {
      const path = join(tmp, name);
      await writeFile(path, text);
      const error = await ctibenchMcqImporter.importSource(path, {}).catch((e: unknown) => e);
      expect((error as { code: string }).code).toBe('E_MALFORMED');
      expect((error as Error).message).toContain(path);
    }
  });

  it('throws E_INPUT for a missing source', async () => {
    expect(await errorCodeOf(ctibenchMcqImporter.importSource(join(tmp, 'missing.tsv'), {}))).toBe('E_INPUT');
  });
});
