/**
 * An imported suite as the members of a sealed suite's archive, in memory: `suite.json`, `samples.jsonl` and the
 * challenge files read from the source, exactly what writeSuiteDir would write, so that `suite import --seal-to`
 * never writes the converted suite in plaintext.
 */
import { readFileSync, statSync } from 'node:fs';
import { RedlineError } from '../../src/errors.js';
import type { ImportedSuite } from '../../src/import/imported-suite.js';
import type { ArchiveMember } from '../../src/suite/seal-suite.js';
import { treePath } from '../../src/suite/suite-tree.js';
import { importedSuiteTexts, MAX_COPIED_BYTES } from './write-suite-dir.js';

/** The archive members of `imported` and how many challenge files it holds; E_USAGE past MAX_COPIED_BYTES. */
export function archiveImportedSuite(imported: ImportedSuite): {
  members: Map<string, ArchiveMember>;
  copied: number;
} {
  const texts = importedSuiteTexts(imported);
  const members = new Map<string, ArchiveMember>([
    ['suite.json', { type: 'file', mode: 0o644, data: Buffer.from(texts.suiteJson) }],
    ['samples.jsonl', { type: 'file', mode: 0o644, data: Buffer.from(texts.samplesJsonl) }],
  ]);
  let bytes = 0;
  for (const [destination, source] of Object.entries(imported.files ?? {})) {
    const path = treePath(destination);
    if (path === undefined || members.has(path)) {
      throw new RedlineError(
        'E_INTERNAL',
        `import wants to place ${destination} outside the suite, or twice`,
      );
    }
    const stats = statSync(source);
    bytes += stats.size;
    if (bytes > MAX_COPIED_BYTES) {
      throw new RedlineError(
        'E_USAGE',
        `the challenge files exceed ${MAX_COPIED_BYTES / 2 ** 20} MiB: import into a directory and add them by hand`,
      );
    }
    members.set(path, { type: 'file', mode: stats.mode & 0o7777, data: readFileSync(source) });
  }
  return { members, copied: Object.keys(imported.files ?? {}).length };
}
