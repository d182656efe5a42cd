/**
 * The page's own files (harness/view/page/): found from the sources (harness/view/), the compiled library
 * (dist/harness/view/) and the bundled CLI (dist/cli/) alike, by walking up from this module to the package root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedlineError } from '../../src/errors.js';
import { PAGE_FILES } from './view-layout.js';

/** Where the page's files are, relative to the package root. */
const PAGE_DIR = join('harness', 'view', 'page');

/** The directory holding the page's files. Throws E_INTERNAL when the installation lacks them. */
export function pageDir(): string {
  let at = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(at, PAGE_DIR);
    if (existsSync(join(candidate, PAGE_FILES[0]))) return candidate;
    const parent = dirname(at);
    if (parent === at) {
      throw new RedlineError(
        'E_INTERNAL',
        `the view's page files (${PAGE_DIR}/) are missing from this installation (looked above ${fileURLToPath(import.meta.url)})`,
      );
    }
    at = parent;
  }
}

/** The page's files by name, as bytes. */
export function readPageFiles(): Map<string, Buffer> {
  const dir = pageDir();
  return new Map(PAGE_FILES.map((name) => [name, readFileSync(join(dir, name))]));
}
