import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cybersecevalMcqImporter } from '../../../../src/import/formats/cyberseceval.js';
import { scoreChoice } from '../../../../src/scoring/choice.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import {
  errorCodeOf,
  expectSuiteValidates,
  idsByInput,
  mcqFixture,
  sha256OfFile,
} from './write-imported-suite.js';

const FIXTURE = mcqFixture('cyberseceval-mcq.json');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'redline-cse-mcq-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('cybersecevalMcqImporter', () => {
  it('imports a suite that validates, with categories from the topic and provenance', async () => {
    const imported = await cybersecevalMcqImporter.importSource(FIXTURE, {});
    await expectSuiteValidates(imported, join(tmp, 'suite'));
    const { header } = imported;
    expect(header.id).toBe('cyberseceval-mcq');
    expect(header.defaults).toEqual({ scorer: 'choice', max_tokens: 256, temperature: 0 });
    expect(header.categories).toEqual({
      'malware-analysis': { weight: 1, title: 'Malware Analysis' },
      'threat-intelligence-reasoning': { weight: 1, title: 'Threat Intelligence Reasoning' },
    });
    expect(header.source).toMatchObject({
      format: 'cyberseceval-mcq',
      file: FIXTURE,
      sha256: await sha256OfFile(FIXTURE),
      rows: 8,
      rejected: 5,
    });
  });

  it('makes every target a set of letters and strips the "A. " labels', async () => {
    const { samples } = await cybersecevalMcqImporter.importSource(FIXTURE, {});
    expect(samples.map((s) => s.target)).toEqual([['A', 'C'], ['B'], ['A', 'E']]);
    expect(samples[0]!.choices).toEqual([
      'Persistence',
      'Lateral movement',
      'Command and control',
      'Data destruction',
    ]);
    expect(samples[2]!.choices).toHaveLength(5);
    expect(samples[0]!.metadata).toEqual({ topic: 'Malware Analysis', difficulty: 'medium' });
  });

  it('scores all or nothing by default', async () => {
    const { samples, header } = await cybersecevalMcqImporter.importSource(FIXTURE, {});
    expect(scoreOutput(samples[0]!, header.defaults, 'ANSWER: A, C').value).toBe(1);
    expect(scoreOutput(samples[0]!, header.defaults, 'ANSWER: A').value).toBe(0);
  });

  it('sets the Jaccard scorer with the partial option; the suite validates and partial answers earn credit', async () => {
    const imported = await cybersecevalMcqImporter.importSource(FIXTURE, { partial: 'jaccard' });
    expect(imported.header.defaults.scorer).toEqual({ type: 'choice', partial: 'jaccard' });
    expect(imported.header.source.options).toEqual({ partial: 'jaccard' });
    await expectSuiteValidates(imported, join(tmp, 'jaccard'));
    const sample = imported.samples[0]!;
    expect(scoreChoice(sample.target, sample.choices, 'ANSWER: A', 'jaccard').value).toBe(0.5);
    expect(scoreChoice(sample.target, sample.choices, 'ANSWER: A, B, C', 'jaccard').value).toBeCloseTo(
      2 / 3,
      12,
    );
  });

  it('reports malformed rows by index and drops none', async () => {
    const imported = await cybersecevalMcqImporter.importSource(FIXTURE, {});
    // 4: E outside A-D, 5: one option, 6: blank question, 7: duplicate options, 8: no correct_options.
    expect(imported.rejected.map((r) => r.index)).toEqual([4, 5, 6, 7, 8]);
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
  });

  it('gives the same ids on a second import and on a reordered copy', async () => {
    const first = await cybersecevalMcqImporter.importSource(FIXTURE, {});
    const second = await cybersecevalMcqImporter.importSource(FIXTURE, {});
    expect(second.samples.map((s) => s.id)).toEqual(first.samples.map((s) => s.id));
    const reordered = join(tmp, 'reordered.json');
    await writeFile(
      reordered,
      JSON.stringify((JSON.parse(await readFile(FIXTURE, 'utf8')) as unknown[]).reverse()),
    );
    const third = await cybersecevalMcqImporter.importSource(reordered, {});
    expect(idsByInput(third)).toEqual(idsByInput(first));
  });

  it('throws E_MALFORMED for invalid JSON or a non-array, E_INPUT for a missing file', async () => {
    for (const [name, text] of [
      ['broken.json', '[{"question": "q",'],
      ['object.json', '{"question": "q"}'],
      ['empty.json', '[]'],
    ] as const) {
      const path = join(tmp, name);
      await writeFile(path, text);
      expect(await errorCodeOf(cybersecevalMcqImporter.importSource(path, {}))).toBe('E_MALFORMED');
    }
    expect(await errorCodeOf(cybersecevalMcqImporter.importSource(join(tmp, 'missing.json'), {}))).toBe(
      'E_INPUT',
    );
  });
});
