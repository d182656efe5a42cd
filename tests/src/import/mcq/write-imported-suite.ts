/**
 * Test helpers of the multiple-choice importers: write an ImportedSuite as a suite directory with the CLI's writer
 * and check that it validates.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ImportedSuite } from '../../../../src/import/imported-suite.js';
import { writeSuiteDir } from '../../../../harness/import/write-suite-dir.js';
import { checkSample } from '../../../../src/scoring/check-sample.js';
import { validateSuite } from '../../../../src/suite/validate-suite.js';

/** The path of a fixture in tests/fixtures/import/mcq. */
export function mcqFixture(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/import/mcq/${name}`, import.meta.url));
}

/** Writes `imported` into `dir` with the CLI's own writer and returns `dir`. */
export function writeImportedSuite(imported: ImportedSuite, dir: string): string {
  writeSuiteDir(dir, imported);
  return dir;
}

/** Writes `imported` into `dir`, expects validateSuite to accept it and every sample to pass checkSample. */
export async function expectSuiteValidates(imported: ImportedSuite, dir: string): Promise<void> {
  writeImportedSuite(imported, dir);
  const validation = await validateSuite(dir);
  expect(validation.problems).toEqual([]);
  expect(validation.ok).toBe(true);
  expect(validation.suite?.sampleCount).toBe(imported.samples.length);
  for (const sample of imported.samples) expect(checkSample(sample, imported.header.defaults)).toEqual([]);
  for (const sample of imported.samples)
    expect(imported.header.categories[sample.category ?? 'default']).toBeDefined();
}

/** Hex SHA-256 of a file's bytes. */
export async function sha256OfFile(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Sample id by input, to compare ids across imports whatever the order. */
export function idsByInput(imported: ImportedSuite): Map<string, string> {
  return new Map(imported.samples.map((s) => [s.input, s.id]));
}

/** The `code` of the error `promise` rejects with, or "no error". */
export async function errorCodeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'no error';
}
