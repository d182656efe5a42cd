import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secevalImporter } from '../../../../src/import/formats/seceval.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import {
  errorCodeOf,
  expectSuiteValidates,
  idsByInput,
  mcqFixture,
  sha256OfFile,
} from './write-imported-suite.js';

const FIXTURE = mcqFixture('seceval.json');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'redline-seceval-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('secevalImporter', () => {
  it('imports a suite that validates, with categories from the first topic and provenance', async () => {
    const imported = await secevalImporter.importSource(FIXTURE, {});
    await expectSuiteValidates(imported, join(tmp, 'suite'));
    const { header } = imported;
    expect(header.id).toBe('seceval');
    expect(header.defaults).toEqual({ scorer: 'choice', max_tokens: 256, temperature: 0 });
    expect(header.categories).toEqual({
      default: { weight: 1 },
      'system-security': { weight: 1, title: 'System Security' },
      'web-security': { weight: 1, title: 'Web Security' },
    });
    expect(imported.samples.map((s) => s.category)).toEqual(['web-security', 'system-security', 'default']);
    expect(header.source).toMatchObject({
      format: 'seceval',
      file: FIXTURE,
      sha256: await sha256OfFile(FIXTURE),
      rows: 9,
      rejected: 6,
    });
  });

  it('strips the "A: " labels, and maps several answer letters to a set and one to a letter', async () => {
    const { samples } = await secevalImporter.importSource(FIXTURE, {});
    const [sqli, aslr, aead] = samples;
    expect(sqli!.choices![0]).toBe('Parameterized queries');
    expect(sqli!.target).toEqual(['A', 'D']);
    expect(sqli!.metadata).toEqual({
      source: 'example-web-guide',
      topics: ['WebSecurity', 'ApplicationSecurity'],
      keyword: 'sql injection',
    });
    expect(aslr!.input).toBe('What does ASLR randomize to make memory corruption exploits less reliable?');
    expect(aslr!.target).toBe('C');
    expect(aead!.choices).toEqual(['CBC', 'GCM', 'ECB', 'CFB']);
    expect(aead!.target).toBe('B');
  });

  it('scores a multi-answer sample all or nothing with the real scorer', async () => {
    const { samples, header } = await secevalImporter.importSource(FIXTURE, {});
    expect(scoreOutput(samples[0]!, header.defaults, 'ANSWER: D, A').value).toBe(1);
    expect(scoreOutput(samples[0]!, header.defaults, 'ANSWER: A').value).toBe(0);
  });

  it('takes ids from the rows and reports malformed rows with index and id', async () => {
    const imported = await secevalImporter.importSource(FIXTURE, {});
    expect(imported.samples.map((s) => s.id)).toEqual(['seceval-sev-001', 'seceval-sev-002', 'seceval-17']);
    // 4: answer E, 5: one choice, 6: no question, 7: labels out of order, 8: duplicate options, 9: a number.
    expect(imported.rejected.map((r) => [r.index, r.id])).toEqual([
      [4, 'sev-004'],
      [5, 'sev-005'],
      [6, 'sev-006'],
      [7, 'sev-007'],
      [8, 'sev-008'],
      [9, undefined],
    ]);
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
  });

  it('gives the same ids on a second import and on a reordered copy', async () => {
    const first = await secevalImporter.importSource(FIXTURE, {});
    const second = await secevalImporter.importSource(FIXTURE, {});
    expect(second.samples.map((s) => s.id)).toEqual(first.samples.map((s) => s.id));
    const reordered = join(tmp, 'reordered.json');
    await writeFile(
      reordered,
      JSON.stringify((JSON.parse(await readFile(FIXTURE, 'utf8')) as unknown[]).reverse()),
    );
    expect(idsByInput(await secevalImporter.importSource(reordered, {}))).toEqual(idsByInput(first));
  });

  it('sets Jaccard partial credit on request', async () => {
    const { header } = await secevalImporter.importSource(FIXTURE, { partial: 'jaccard' });
    expect(header.defaults.scorer).toEqual({ type: 'choice', partial: 'jaccard' });
  });

  it('throws E_MALFORMED for a document that is not an array and E_INPUT for a missing file', async () => {
    const path = join(tmp, 'object.json');
    await writeFile(path, '{"questions": []}');
    expect(await errorCodeOf(secevalImporter.importSource(path, {}))).toBe('E_MALFORMED');
    expect(await errorCodeOf(secevalImporter.importSource(join(tmp, 'missing.json'), {}))).toBe('E_INPUT');
  });
});
