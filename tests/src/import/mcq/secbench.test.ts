import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secbenchImporter } from '../../../../src/import/formats/secbench.js';
import {
  errorCodeOf,
  expectSuiteValidates,
  idsByInput,
  mcqFixture,
  sha256OfFile,
} from './write-imported-suite.js';

const FIXTURE = mcqFixture('secbench.jsonl');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'redline-secbench-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('secbenchImporter', () => {
  it('imports every language by default into a suite that validates, with categories from the domain', async () => {
    const imported = await secbenchImporter.importSource(FIXTURE, {});
    await expectSuiteValidates(imported, join(tmp, 'all'));
    expect(imported.header.id).toBe('secbench');
    expect(imported.header.source).toEqual({
      format: 'secbench',
      file: FIXTURE,
      sha256: await sha256OfFile(FIXTURE),
      rows: 8,
      rejected: 4,
      options: {},
    });
    expect(Object.keys(imported.header.categories)).toEqual([
      'application-security',
      'data-security',
      'identity-and-access-control',
    ]);
    expect(imported.header.categories['data-security']).toEqual({ weight: 1, title: 'Data Security' });
    // Lines 5 (not JSON), 6 (label E), 7 (no question), 8 (one option); the blank line 3 is not a row.
    expect(imported.rejected.map((r) => r.index)).toEqual([5, 6, 7, 8]);
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
    // Two languages and no language option: a warning.
    expect(imported.warnings).toHaveLength(1);
  });

  it('keeps one language on request, counting the others in a warning instead of rejecting them', async () => {
    const imported = await secbenchImporter.importSource(FIXTURE, { language: 'English' });
    await expectSuiteValidates(imported, join(tmp, 'english'));
    expect(imported.samples).toHaveLength(3);
    expect(imported.samples.every((s) => (s.metadata?.language as string).toLowerCase() === 'english')).toBe(
      true,
    );
    expect(imported.rejected.map((r) => r.index)).toEqual([5, 6, 8]);
    expect(imported.header.source.rows).toBe(8);
    expect(imported.header.source.options).toEqual({ language: 'English' });
    // Lines 2 and 7 are in Chinese: left out, counted, not rejected.
    expect(imported.samples.length + imported.rejected.length + 2).toBe(imported.header.source.rows);
    expect(imported.warnings).toHaveLength(1);
    const lower = await secbenchImporter.importSource(FIXTURE, { language: 'english' });
    expect(lower.samples.map((s) => s.id)).toEqual(imported.samples.map((s) => s.id));
  });

  it('warns when no row is in the requested language', async () => {
    const imported = await secbenchImporter.importSource(FIXTURE, { language: 'French' });
    expect(imported.samples).toHaveLength(0);
    expect(imported.rejected.map((r) => r.index)).toEqual([5]);
    expect(imported.warnings.length).toBeGreaterThan(0);
  });

  it('maps labels to targets: one letter, several letters as a set, either case; strips "A. " labels', async () => {
    const { samples } = await secbenchImporter.importSource(FIXTURE, {});
    const [disk, hash, xss, account] = samples;
    expect(disk!.target).toBe('A');
    expect(disk!.metadata).toEqual({
      language: 'English',
      ability: 'Knowledge Retention',
      domain: 'Data Security',
    });
    expect(hash!.input).toBe('以下哪一项最适合用于验证下载文件的完整性？');
    expect(hash!.target).toBe('B');
    expect(xss!.choices).toHaveLength(5);
    expect(xss!.target).toEqual(['B', 'D']);
    expect(account!.choices).toEqual([
      'Shared admin passwords',
      'Disabling logging',
      'Least privilege',
      'Longer session timeouts',
    ]);
    expect(account!.target).toBe('C');
  });

  it('gives the same ids on a second import and on a reordered copy', async () => {
    const first = await secbenchImporter.importSource(FIXTURE, {});
    const second = await secbenchImporter.importSource(FIXTURE, {});
    expect(second.samples.map((s) => s.id)).toEqual(first.samples.map((s) => s.id));
    const lines = (await readFile(FIXTURE, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const reordered = join(tmp, 'reordered.jsonl');
    await writeFile(reordered, `${lines.reverse().join('\r\n')}\r\n`);
    const third = await secbenchImporter.importSource(reordered, {});
    expect(idsByInput(third)).toEqual(idsByInput(first));
    expect(new Set(first.samples.map((s) => s.id)).size).toBe(first.samples.length);
  });

  it('throws E_MALFORMED for a JSON array or an empty file, and E_INPUT for a missing one', async () => {
    for (const [name, text] of [
      ['array.json', '[{"question": "q"}]'],
      ['empty.jsonl', '\n\n'],
    ] as const) {
      const path = join(tmp, name);
      await writeFile(path, text);
      expect(await errorCodeOf(secbenchImporter.importSource(path, {}))).toBe('E_MALFORMED');
    }
    expect(await errorCodeOf(secbenchImporter.importSource(join(tmp, 'missing.jsonl'), {}))).toBe('E_INPUT');
  });
});
