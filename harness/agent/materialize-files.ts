/**
 * The bytes of an agentic sample's sandbox files: inline text, base64, or a file beside the suite (the suite
 * validator already checked that such a path stays inside the suite directory and exists).
 */
import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { RedlineError } from '../../src/errors.js';
import type { SandboxFile } from '../../src/schema/suite.js';

/** Resolves every file of `files` to bytes; `suiteDir` anchors `{"path": ...}` entries. */
export function materializeFiles(
  files: Record<string, SandboxFile>,
  suiteDir: string,
): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const root = resolve(suiteDir);
  for (const [name, file] of Object.entries(files)) {
    if (typeof file === 'string') {
      out[name] = Buffer.from(file, 'utf8');
    } else if ('base64' in file) {
      out[name] = Buffer.from(file.base64, 'base64');
    } else {
      const source = resolve(root, file.path);
      if (!source.startsWith(root + sep)) {
        throw new RedlineError('E_INPUT', `sandbox file ${name}: ${file.path} leaves the suite directory`);
      }
      try {
        out[name] = readFileSync(source);
      } catch (error) {
        throw new RedlineError(
          'E_INPUT',
          `sandbox file ${name}: cannot read ${file.path} beside the suite (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
  }
  return out;
}
