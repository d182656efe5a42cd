/**
 * Where a view may be written (docs/security.md, "Views stay in the lab"). A view holds benchmark items, model
 * outputs and transcripts, so it must never sit where files leave the lab, and it must never overwrite anything:
 *
 * 1. not in, or inside, a directory that directly holds a sealed Redline file (an assessment or an advisory,
 *    recognised by its content `"type": "redline.sealed-dsse/v1"`, whatever its name): the directory itself and
 *    every parent up to the root are checked;
 * 2. not the demo's directory (`.redline-demo/`, where `npm run demo` writes its sealed assessment) or inside it;
 * 3. a new directory, an empty one, or a previous view (its `.redline-view` marker, and nothing but the files a
 *    view writes).
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RedlineError } from '../../src/errors.js';
import { ASSESSMENT_FILE_TYPE } from '../../src/schema/assessment.js';
import { DEMO_DIR } from '../cli/demo-dir.js';
import { DATA_DIR, VIEW_MARKER, isViewDataFile, isViewTopEntry } from './view-layout.js';

/** What is at `--out`. */
export type ViewOutState = 'new' | 'empty' | 'previous-view';

/** The checked output directory. */
export interface CheckedViewOut {
  /** Absolute path, symbolic links of existing parents resolved. */
  dir: string;
  state: ViewOutState;
}

/** Bytes read from the head of a file to recognise a sealed file (Redline writes `type` first). */
const HEAD_BYTES = 4096;

const SEALED_TYPE = new RegExp(`"type"\\s*:\\s*"${ASSESSMENT_FILE_TYPE.replace(/[.\\/]/g, '\\$&')}"`);

/**
 * Checks `out` (relative to `cwd`) against the three rules; throws E_USAGE naming the rule and what to do.
 *
 * @example const { dir, state } = checkViewOut('views/run-42', process.cwd());
 */
export function checkViewOut(out: string, cwd: string): CheckedViewOut {
  const dir = realPathOf(resolve(cwd, out));
  const demo = realPathOf(resolve(cwd, DEMO_DIR));
  if (isSameOrInside(dir, demo)) {
    throw new RedlineError(
      'E_USAGE',
      `--out ${out}: inside ${DEMO_DIR}/, where the demo writes sealed assessments; a view holds benchmark items ` +
        'and transcripts and must stay apart from anything that leaves the lab: choose a directory elsewhere',
    );
  }

  for (let at = nearestExisting(dir); ; at = dirname(at)) {
    const sealed = sealedFileIn(at);
    if (sealed !== null) {
      throw new RedlineError(
        'E_USAGE',
        `--out ${out}: ${sealed} is a sealed Redline file (an assessment or advisory, which leaves the lab) in ` +
          `${at === dir ? 'that directory' : 'a parent directory'}; a view holds benchmark items and transcripts ` +
          'and must stay apart from it: choose a directory elsewhere (docs/security.md, "Views stay in the lab")',
      );
    }
    if (dirname(at) === at) break;
  }
  return { dir, state: stateOf(dir, out) };
}

/** Whether the directory's entries are all files a view writes (the marker included). */
function strayEntryOf(dir: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!isViewTopEntry(entry.name)) return entry.name;
    const isData = entry.name === DATA_DIR;
    if (isData !== entry.isDirectory()) return entry.name;
    if (!isData && !entry.isFile()) return entry.name;
    if (isData) {
      for (const inner of readdirSync(join(dir, DATA_DIR), { withFileTypes: true })) {
        if (!inner.isFile() || !isViewDataFile(inner.name)) return `${DATA_DIR}/${inner.name}`;
      }
    }
  }
  return null;
}

function stateOf(dir: string, out: string): ViewOutState {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'new';
    throw new RedlineError('E_INPUT', `--out ${out}: cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!isDirectory) {
    throw new RedlineError('E_USAGE', `--out ${out}: not a directory; name a new or empty directory`);
  }
  const entries = readdirSync(dir);
  if (entries.length === 0) return 'empty';
  if (!entries.includes(VIEW_MARKER)) {
    throw new RedlineError(
      'E_USAGE',
      `--out ${out}: not empty and not a previous view (no ${VIEW_MARKER} marker); a view never overwrites other ` +
        'files: name a new or empty directory',
    );
  }
  const stray = strayEntryOf(dir);
  if (stray !== null) {
    throw new RedlineError(
      'E_USAGE',
      `--out ${out}: a previous view, but it also holds ${stray}, which a view does not write; a view never ` +
        'overwrites other files: move it away or name another directory',
    );
  }
  return 'previous-view';
}

/** The first file directly in `dir` that is a sealed Redline file, or null (unreadable entries are skipped). */
function sealedFileIn(dir: string): string | null {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!(entry.isFile() || entry.isSymbolicLink())) continue;
    const file = join(dir, entry.name);
    if (isSealedFile(file)) return file;
  }
  return null;
}

/** Whether `file` is a regular file whose head names the sealed-file type. */
export function isSealedFile(file: string): boolean {
  let fd: number | undefined;
  try {
    if (!statSync(file).isFile()) return false;
    fd = openSync(file, 'r');
    const head = Buffer.alloc(HEAD_BYTES);
    const length = readSync(fd, head, 0, HEAD_BYTES, 0);
    return SEALED_TYPE.test(head.subarray(0, length).toString('utf8'));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `path` with the symbolic links of its longest existing prefix resolved. */
function realPathOf(path: string): string {
  const rest: string[] = [];
  let at = path;
  for (;;) {
    try {
      return join(realpathSync(at), ...rest.reverse());
    } catch {
      const parent = dirname(at);
      if (parent === at) return path;
      rest.push(basename(at));
      at = parent;
    }
  }
}

function nearestExisting(path: string): string {
  let at = path;
  for (;;) {
    try {
      statSync(at);
      return at;
    } catch {
      const parent = dirname(at);
      if (parent === at) return at;
      at = parent;
    }
  }
}

function isSameOrInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
