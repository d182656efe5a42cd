/**
 * Test helper: writes an ImportedSuite the way `redline suite import` does (suite.json with the header and
 * "samples": "samples.jsonl", one sample a line, and the sandbox files copied beside the suite) into `dir`.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ImportedSuite } from '../../../../src/import/imported-suite.js';

/** Writes `imported` into `dir` (created when missing); returns `dir`. */
export async function writeImportedSuite(dir: string, imported: ImportedSuite): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'suite.json'),
    `${JSON.stringify({ ...imported.header, samples: 'samples.jsonl' }, null, 2)}\n`,
  );
  await writeFile(join(dir, 'samples.jsonl'), imported.samples.map((s) => `${JSON.stringify(s)}\n`).join(''));
  for (const [destination, source] of Object.entries(imported.files ?? {})) {
    await mkdir(dirname(join(dir, destination)), { recursive: true });
    await copyFile(source, join(dir, destination));
  }
  return dir;
}

/** The number at the start of the warning about samples that need a sandbox (undefined when there is none). */
export function needsSandboxCount(warnings: readonly string[]): number | undefined {
  const warning = warnings.find((w) => w.includes('need') && w.includes('sandbox') && /^\d+ /.test(w));
  return warning === undefined ? undefined : Number(/^(\d+)/.exec(warning)?.[1]);
}
