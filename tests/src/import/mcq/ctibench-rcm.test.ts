import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctibenchRcmImporter } from '../../../../src/import/formats/ctibench.js';
import { parseDelimited } from '../../../../src/import/parse-delimited.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import {
  errorCodeOf,
  expectSuiteValidates,
  idsByInput,
  mcqFixture,
  sha256OfFile,
} from './write-imported-suite.js';

const FIXTURE = mcqFixture('ctibench-rcm.tsv');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'redline-cti-rcm-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('ctibenchRcmImporter', () => {
  it('imports a suite that validates, scored by exact case-insensitive match', async () => {
    const imported = await ctibenchRcmImporter.importSource(FIXTURE, {});
    await expectSuiteValidates(imported, join(tmp, 'suite'));
    const { header } = imported;
    expect(header.id).toBe('ctibench-rcm');
    expect(header.defaults).toEqual({
      scorer: { type: 'exact', ignoreCase: true },
      max_tokens: 256,
      temperature: 0,
    });
    expect(header.source).toMatchObject({
      format: 'ctibench-rcm',
      file: FIXTURE,
      sha256: await sha256OfFile(FIXTURE),
      rows: 7,
      rejected: 3,
    });
    expect(imported.samples.every((s) => s.choices === undefined)).toBe(true);
  });

  it('asks for an ANSWER: CWE-<n> line around the verbatim description, with the CWE id as target', async () => {
    const { samples } = await ctibenchRcmImporter.importSource(FIXTURE, {});
    const [uaf, xss, oob] = samples;
    expect(uaf!.input).toContain(
      'A use-after-free in the widget parser of ExampleOS 4.2 lets a crafted document run code after a panel is closed.',
    );
    expect(uaf!.input).toContain('"ANSWER: CWE-<n>"');
    expect(uaf!.target).toBe('CWE-416');
    expect(xss!.target).toBe('CWE-79');
    expect(xss!.metadata).toEqual({
      url: 'https://nvd.nist.gov/vuln/detail/CVE-2031-0002',
      cve: 'CVE-2031-0002',
    });
    expect(oob!.target).toBe('CWE-787');
  });

  it('scores "ANSWER: cwe-416" as 1 against CWE-416 with the real scorer, and another CWE as 0', async () => {
    const { samples, header } = await ctibenchRcmImporter.importSource(FIXTURE, {});
    const uaf = samples[0]!;
    expect(scoreOutput(uaf, header.defaults, 'The panel is freed, then used.\nANSWER: cwe-416').value).toBe(
      1,
    );
    expect(scoreOutput(uaf, header.defaults, 'ANSWER: CWE-416').value).toBe(1);
    expect(scoreOutput(uaf, header.defaults, 'ANSWER: CWE-415').value).toBe(0);
  });

  it('takes ids from the CVE in the URL, else a content hash, and suffixes a repeated CVE', async () => {
    const imported = await ctibenchRcmImporter.importSource(FIXTURE, {});
    expect(imported.samples.map((s) => s.id)).toEqual([
      'cti-rcm-CVE-2031-0001',
      'cti-rcm-CVE-2031-0002',
      expect.stringMatching(/^cti-rcm-[0-9a-f]{12}$/),
      'cti-rcm-CVE-2031-0001-2',
    ]);
    expect(imported.warnings).toHaveLength(1);
  });

  it('reports malformed rows by line, with the CVE when known, and drops none', async () => {
    const imported = await ctibenchRcmImporter.importSource(FIXTURE, {});
    // 6: GT not a CWE id, 7: blank description, 8: two fields.
    expect(imported.rejected.map((r) => [r.index, r.id])).toEqual([
      [6, 'CVE-2031-0004'],
      [7, 'CVE-2031-0005'],
      [8, undefined],
    ]);
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
  });

  it('gives the same ids on a second import and, for distinct CVEs, on a reordered copy', async () => {
    const first = await ctibenchRcmImporter.importSource(FIXTURE, {});
    const second = await ctibenchRcmImporter.importSource(FIXTURE, {});
    expect(second.samples.map((s) => s.id)).toEqual(first.samples.map((s) => s.id));
    const [head, ...body] = parseDelimited(await readFile(FIXTURE, 'utf8'), '\t', FIXTURE).map(
      (r) => r.fields,
    );
    const cell = (c: string): string => (/[\t\n"]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
    const reordered = join(tmp, 'reordered.tsv');
    await writeFile(reordered, [head!, ...body.reverse()].map((r) => r.map(cell).join('\t')).join('\n'));
    const third = idsByInput(await ctibenchRcmImporter.importSource(reordered, {}));
    const before = idsByInput(first);
    for (const [input, id] of before)
      if (!id.startsWith('cti-rcm-CVE-2031-0001')) expect(third.get(input)).toBe(id);
  });

  it('throws E_USAGE for a choice scorer or partial credit, and E_MALFORMED without a GT column', async () => {
    expect(await errorCodeOf(ctibenchRcmImporter.importSource(FIXTURE, { scorer: 'choice' }))).toBe(
      'E_USAGE',
    );
    expect(await errorCodeOf(ctibenchRcmImporter.importSource(FIXTURE, { partial: 'jaccard' }))).toBe(
      'E_USAGE',
    );
    const path = join(tmp, 'no-gt.tsv');
    await writeFile(path, 'URL\tDescription\tPrompt\nu\td\tp\n');
    expect(await errorCodeOf(ctibenchRcmImporter.importSource(path, {}))).toBe('E_MALFORMED');
  });

  it('keeps an exact scorer override', async () => {
    const { header } = await ctibenchRcmImporter.importSource(FIXTURE, {
      scorer: { type: 'exact', ignoreCase: false },
    });
    expect(header.defaults.scorer).toEqual({ type: 'exact', ignoreCase: false });
  });
});
