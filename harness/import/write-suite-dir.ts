/**
 * Writes an imported suite as a suite directory: `suite.json` (header, `"samples": "samples.jsonl"`),
 * `samples.jsonl` (one sample a line), and the sandbox files the samples reference, copied beside them. Refuses a
 * non-empty directory, so an earlier import or a hand-made suite is never overwritten.
 */
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { RedlineError } from '../../src/errors.js';
import type { ImportedSuite } from '../../src/import/imported-suite.js';

/** Most bytes of sandbox files copied by one import (large CTF assets are left for the lab to add by hand). */
export const MAX_COPIED_BYTES = 512 * 2 ** 20;

/** Writes `imported` into `dir`; returns the number of files copied. */
export function writeSuiteDir(dir: string, imported: ImportedSuite): { copied: number } {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RedlineError(
        'E_INPUT',
        `${dir}: cannot use as the output directory (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (entries.length > 0) {
    throw new RedlineError(
      'E_USAGE',
      `${dir}: not empty; import into a new directory (an existing suite is never overwritten)`,
    );
  }
  const root = resolve(dir);
  let copied = 0;
  let bytes = 0;
  for (const [destination, source] of Object.entries(imported.files ?? {})) {
    const target = resolve(root, destination);
    if (!target.startsWith(root + sep)) {
      throw new RedlineError('E_INTERNAL', `import wants to write ${destination} outside ${dir}`);
    }
    bytes += statSync(source).size;
    if (bytes > MAX_COPIED_BYTES) {
      throw new RedlineError(
        'E_USAGE',
        `${dir}: the challenge files exceed ${MAX_COPIED_BYTES / 2 ** 20} MiB; copy them by hand beside the suite (${relative(root, target)})`,
      );
    }
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    copied++;
  }
  mkdirSync(root, { recursive: true });
  const texts = importedSuiteTexts(imported);
  writeFileSync(join(root, 'suite.json'), texts.suiteJson);
  writeFileSync(join(root, 'samples.jsonl'), texts.samplesJsonl);
  return { copied };
}

/** The text of `suite.json` (the header, naming `samples.jsonl`) and of `samples.jsonl` (one sample a line). */
export function importedSuiteTexts(imported: ImportedSuite): { suiteJson: string; samplesJsonl: string } {
  const header = { ...imported.header, samples: 'samples.jsonl' };
  return {
    suiteJson: `${JSON.stringify(header, null, 2)}\n`,
    samplesJsonl: imported.samples.map((s) => `${JSON.stringify(s)}\n`).join(''),
  };
}
