/**
 * Test helpers of the CTF and generic importers: write an ImportedSuite with the CLI's own writer (suite.json,
 * samples.jsonl and the sandbox files copied beside them).
 */
import type { ImportedSuite } from '../../../../src/import/imported-suite.js';
import { writeSuiteDir } from '../../../../harness/import/write-suite-dir.js';

/** Writes `imported` into `dir` (which must be new or empty); returns `dir`. */
export function writeImportedSuite(dir: string, imported: ImportedSuite): string {
  writeSuiteDir(dir, imported);
  return dir;
}

/** The number at the start of the warning about samples that need a sandbox (undefined when there is none). */
export function needsSandboxCount(warnings: readonly string[]): number | undefined {
  const warning = warnings.find((w) => w.includes('need') && w.includes('sandbox') && /^\d+ /.test(w));
  return warning === undefined ? undefined : Number(/^(\d+)/.exec(warning)?.[1]);
}
