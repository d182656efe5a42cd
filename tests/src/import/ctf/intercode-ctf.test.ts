import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../../src/errors.js';
import {
  createIntercodeCtfImporter,
  intercodeCtfImporter,
} from '../../../../src/import/formats/intercode-ctf.js';
import { sha256Hex } from '../../../../src/import/sample-ids.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import { validateSuite } from '../../../../src/suite/validate-suite.js';
import { readFileSync } from 'node:fs';
import { needsSandboxCount, writeImportedSuite } from './write-imported-suite.js';

const SOURCE = 'tests/fixtures/import/ctf/intercode/ic_ctf.json';
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'redline-intercode-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRedlineError(error) ? error.code : error).toBe(code);
}

describe('intercodeCtfImporter', () => {
  it('imports the fixture into a suite that validates, with the task files copied beside it', async () => {
    const imported = await intercodeCtfImporter.importSource(SOURCE, {});
    const dir = writeImportedSuite(join(await tempDir(), 'suite'), imported);
    const result = await validateSuite(dir);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.suite?.sampleCount).toBe(5);
  });

  it('records the provenance: rows read, rejected, the sha256 of the file and the license line', async () => {
    const imported = await intercodeCtfImporter.importSource(SOURCE, { license: 'MIT (checked upstream)' });
    expect(imported.header.source).toMatchObject({
      format: 'intercode-ctf',
      file: SOURCE,
      sha256: sha256Hex(readFileSync(SOURCE)),
      rows: 8,
      rejected: 3,
    });
    expect(imported.header.license).toBe('MIT (checked upstream)');
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
    expect(imported.header.defaults).toEqual({
      scorer: { type: 'flag', ignoreCase: true },
      max_tokens: 1024,
      temperature: 0,
    });
    const unlicensed = await intercodeCtfImporter.importSource(SOURCE, {});
    expect(unlicensed.header.license).toMatch(/InterCode/);
  });

  it('gives deterministic ids: the task id when there is one, else a content hash', async () => {
    const first = await intercodeCtfImporter.importSource(SOURCE, {});
    const second = await intercodeCtfImporter.importSource(SOURCE, {});
    expect(second.samples).toEqual(first.samples);
    const ids = first.samples.map((s) => s.id);
    expect(ids.slice(0, 4)).toEqual(['intercode-0', 'intercode-1', 'intercode-2', 'intercode-3']);
    expect(ids[4]).toMatch(/^intercode-[0-9a-f]{12}$/);
  });

  it('targets the gold flag and scores it case-insensitively', async () => {
    const { samples, header } = await intercodeCtfImporter.importSource(SOURCE, {});
    const sample = samples.find((s) => s.id === 'intercode-3')!;
    expect(sample.target).toBe('redCTF{sh1ft_by_thr33}');
    expect(scoreOutput(sample, header.defaults, 'ANSWER: REDCTF{SH1FT_BY_THR33}').value).toBe(1);
    expect(scoreOutput(sample, header.defaults, 'ANSWER: redCTF{wrong}').value).toBe(0);
  });

  it('declares a category per first tag', async () => {
    const { samples, header } = await intercodeCtfImporter.importSource(SOURCE, {});
    expect(samples.find((s) => s.id === 'intercode-2')?.category).toBe('reverse-engineering');
    expect(Object.keys(header.categories).sort()).toEqual([
      'cryptography',
      'forensics',
      'general-skills',
      'reverse-engineering',
    ]);
    for (const category of Object.values(header.categories)) expect(category.weight).toBe(1);
  });

  it('makes a task agentic when its files exist in task_assets/<id>/, with its setup, and leaves solution/ out', async () => {
    const imported = await intercodeCtfImporter.importSource(SOURCE, {});
    const withFiles = imported.samples.find((s) => s.id === 'intercode-1')!;
    expect(withFiles.sandbox).toEqual({
      files: { 'notes.txt': { path: 'files/intercode-1/notes.txt' } },
      network: false,
    });
    expect(withFiles.agent).toEqual({
      tools: ['bash', 'python', 'submit'],
      maxTurns: 30,
      commandTimeoutS: 60,
      timeLimitS: 1800,
    });
    const withSetup = imported.samples.find((s) => s.id === 'intercode-3')!;
    expect(withSetup.sandbox?.setup).toBe('chmod 444 cipher.txt');
    expect(imported.files).toEqual({
      'files/intercode-1/notes.txt': resolve('tests/fixtures/import/ctf/intercode/task_assets/1/notes.txt'),
      'files/intercode-3/cipher.txt': resolve('tests/fixtures/import/ctf/intercode/task_assets/3/cipher.txt'),
    });
  });

  it('imports a task with setup but no files question-only, needing a sandbox, and warns once', async () => {
    const imported = await intercodeCtfImporter.importSource(SOURCE, {});
    const missing = imported.samples.find((s) => s.id === 'intercode-2')!;
    expect(missing.sandbox).toBeUndefined();
    expect(missing.agent).toBeUndefined();
    expect(missing.metadata).toMatchObject({
      needsSandbox: true,
      reason: 'challenge files not found beside the source',
    });
    expect(missing.input).toMatch(/ANSWER:/);
    const plain = imported.samples.find((s) => s.id === 'intercode-0')!;
    expect(plain.metadata?.needsSandbox).toBeUndefined();
    expect(plain.input.trimEnd().split('\n').at(-1)).toMatch(/ANSWER:/);
    expect(needsSandboxCount(imported.warnings)).toBe(1);
  });

  it('reports malformed tasks with their 1-based index instead of dropping them', async () => {
    const { rejected } = await intercodeCtfImporter.importSource(SOURCE, {});
    expect(rejected.map((r) => [r.index, r.id])).toEqual([
      [5, '4'],
      [6, '5'],
      [7, undefined],
    ]);
  });

  it('imports files over the size cap question-only and says so', async () => {
    const imported = await createIntercodeCtfImporter({ maxFilesBytes: 30 }).importSource(SOURCE, {});
    // notes.txt (38 bytes) does not fit; cipher.txt (23 bytes) does.
    expect(imported.samples.find((s) => s.id === 'intercode-1')?.metadata).toMatchObject({
      needsSandbox: true,
    });
    expect(imported.samples.find((s) => s.id === 'intercode-3')?.sandbox).toBeDefined();
    expect(Object.keys(imported.files ?? {})).toEqual(['files/intercode-3/cipher.txt']);
    expect(needsSandboxCount(imported.warnings)).toBe(2);
    expect(imported.warnings).toHaveLength(2);
  });

  it('does not follow a symlink in task_assets out of the source tree', async () => {
    const root = await tempDir();
    await cp('tests/fixtures/import/ctf/intercode', join(root, 'ic'), { recursive: true });
    await writeFile(join(root, 'secret.txt'), 'host secret\n');
    await symlink(join(root, 'secret.txt'), join(root, 'ic', 'task_assets', '3', 'link.txt'));
    const imported = await intercodeCtfImporter.importSource(join(root, 'ic', 'ic_ctf.json'), {});
    expect(Object.values(imported.files ?? {})).not.toContain(join(root, 'secret.txt'));
    expect(Object.keys(imported.samples.find((s) => s.id === 'intercode-3')?.sandbox?.files ?? {})).toEqual([
      'cipher.txt',
    ]);
  });

  it('throws E_INPUT for a missing source and E_MALFORMED for a wrong shape', async () => {
    const dir = await tempDir();
    await expectCode(intercodeCtfImporter.importSource(join(dir, 'none.json'), {}), 'E_INPUT');
    await writeFile(join(dir, 'object.json'), '{"task_id": 1}');
    await expectCode(intercodeCtfImporter.importSource(join(dir, 'object.json'), {}), 'E_MALFORMED');
    await writeFile(join(dir, 'broken.json'), '[{"task_id": 1,');
    await expectCode(intercodeCtfImporter.importSource(join(dir, 'broken.json'), {}), 'E_MALFORMED');
    await writeFile(join(dir, 'empty.json'), '[]');
    await expectCode(intercodeCtfImporter.importSource(join(dir, 'empty.json'), {}), 'E_MALFORMED');
  });
});
