import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cybermetricImporter } from '../../../../src/import/formats/cybermetric.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import {
  errorCodeOf,
  expectSuiteValidates,
  idsByInput,
  mcqFixture,
  sha256OfFile,
} from './write-imported-suite.js';

const FIXTURE = mcqFixture('cybermetric.json');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'redline-cybermetric-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('cybermetricImporter', () => {
  it('imports a suite that validates, with choice defaults, a default category and provenance', async () => {
    const imported = await cybermetricImporter.importSource(FIXTURE, {});
    await expectSuiteValidates(imported, join(tmp, 'suite'));
    const { header } = imported;
    expect(header.id).toBe('cybermetric');
    expect(header.version).toBe('1.0.0');
    expect(header.defaults).toEqual({ scorer: 'choice', max_tokens: 256, temperature: 0 });
    expect(header.categories).toEqual({ default: { weight: 1 } });
    expect(header.license).toMatch(/\S/);
    expect(header.source).toEqual({
      format: 'cybermetric',
      file: FIXTURE,
      sha256: await sha256OfFile(FIXTURE),
      rows: 10,
      rejected: 6,
      options: {},
    });
    expect(imported.samples.every((s) => s.category === 'default')).toBe(true);
  });

  it('turns letter-keyed answers into choices in letter order and the solution into the target', async () => {
    const { samples } = await cybermetricImporter.importSource(FIXTURE, {});
    expect(samples).toHaveLength(4);
    const tls = samples[1]!;
    expect(tls.input).toBe("In TLS 1.3, which handshake message carries the server's first key share?");
    expect(tls.choices).toEqual(['ClientHello', 'Finished', 'ServerHello', 'NewSessionTicket']);
    expect(tls.target).toBe('C');
    expect(samples[3]!.choices).toEqual(['22', '23', '25', '80']);
    expect(samples[3]!.target).toBe('A');
    expect(samples.every((s) => s.id.startsWith('cybermetric-'))).toBe(true);
  });

  it('scores its samples with the real choice scorer', async () => {
    const { samples, header } = await cybermetricImporter.importSource(FIXTURE, {});
    expect(scoreOutput(samples[0]!, header.defaults, 'ANSWER: B').value).toBe(1);
    expect(scoreOutput(samples[0]!, header.defaults, 'ANSWER: A').value).toBe(0);
  });

  it('reports every malformed row by index and drops none', async () => {
    const imported = await cybermetricImporter.importSource(FIXTURE, {});
    // 5: no question, 6: one option, 7: solution E, 8: options A and C the same, 9: a string, 10: answers array.
    expect(imported.rejected.map((r) => r.index)).toEqual([5, 6, 7, 8, 9, 10]);
    for (const r of imported.rejected) expect(r.reason).toMatch(/\S/);
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
  });

  it('gives the same ids on a second import and on a reordered copy', async () => {
    const first = await cybermetricImporter.importSource(FIXTURE, {});
    const second = await cybermetricImporter.importSource(FIXTURE, {});
    expect(second.samples.map((s) => s.id)).toEqual(first.samples.map((s) => s.id));
    const document = JSON.parse(await readFile(FIXTURE, 'utf8')) as { questions: unknown[] };
    const reordered = join(tmp, 'reordered.json');
    await writeFile(reordered, JSON.stringify({ questions: [...document.questions].reverse() }));
    const third = await cybermetricImporter.importSource(reordered, {});
    expect(third.samples.map((s) => s.id)).not.toEqual(first.samples.map((s) => s.id));
    expect(idsByInput(third)).toEqual(idsByInput(first));
    expect(new Set(first.samples.map((s) => s.id)).size).toBe(first.samples.length);
  });

  it('applies and records the id, title, version, license and partial options', async () => {
    const options = {
      id: 'cm-80',
      title: 'CM 80',
      version: '2.0.0',
      license: 'CC-BY-4.0',
      partial: 'jaccard' as const,
    };
    const { header } = await cybermetricImporter.importSource(FIXTURE, options);
    expect([header.id, header.title, header.version, header.license]).toEqual([
      'cm-80',
      'CM 80',
      '2.0.0',
      'CC-BY-4.0',
    ]);
    expect(header.defaults.scorer).toEqual({ type: 'choice', partial: 'jaccard' });
    expect(header.source.options).toEqual(options);
  });

  it('throws E_INPUT for a source it cannot read', async () => {
    expect(await errorCodeOf(cybermetricImporter.importSource(join(tmp, 'missing.json'), {}))).toBe(
      'E_INPUT',
    );
    expect(await errorCodeOf(cybermetricImporter.importSource(tmp, {}))).toBe('E_INPUT');
  });

  it('throws E_MALFORMED naming the file for invalid JSON, a missing "questions" array or no questions', async () => {
    const cases = {
      'bad.json': '{"questions": [',
      'items.json': '{"items": []}',
      'array.json': '[]',
      'none.json': '{"questions": []}',
    };
    for (const [name, text] of Object.entries(cases)) {
      const path = join(tmp, name);
      await writeFile(path, text);
      const error = await cybermetricImporter.importSource(path, {}).catch((e: unknown) => e);
      expect((error as { code: string }).code).toBe('E_MALFORMED');
      expect((error as Error).message).toContain(path);
    }
  });

  it('throws E_USAGE for an option of another format or a scorer that is not choice', async () => {
    expect(await errorCodeOf(cybermetricImporter.importSource(FIXTURE, { language: 'English' }))).toBe(
      'E_USAGE',
    );
    expect(await errorCodeOf(cybermetricImporter.importSource(FIXTURE, { scorer: 'exact' }))).toBe('E_USAGE');
  });
});
