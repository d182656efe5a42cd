/**
 * The files of a sealed suite, held in memory once decrypted: what the suite directory is for a plain suite. The
 * suite loader, the sandbox file checks and the image build contexts read from it instead of the disk, so that no
 * plaintext of a sealed suite is ever written.
 *
 * Paths are relative to the suite root, POSIX, normalised ("files/a.txt", never "./files/a.txt" or "files/"). The
 * root is the archive's root, or its one top-level directory when the suite file is there (`tar c DIR` keeps the
 * directory's name).
 */
import { posix } from 'node:path';
import type { TarMember } from '../archive/read-tar.js';
import { RedlineError } from '../errors.js';
import { SUITE_FILE_NAMES } from './locate-suite.js';

/** A file of a sealed suite. */
export interface SuiteTreeFile {
  data: Uint8Array;
  /** Permission bits, as sealed (they matter in image build contexts). */
  mode: number;
}

/** The files of a sealed suite. */
export interface SuiteTree {
  /** Files by normalised relative path. */
  files: ReadonlyMap<string, SuiteTreeFile>;
  /** Directories by normalised relative path (every parent of a file among them), with their permission bits. */
  dirs: ReadonlyMap<string, number>;
}

/**
 * Normalises a path relative to the suite root: undefined when it is absolute, leaves the root, is the root itself or
 * holds a NUL or a backslash.
 */
export function treePath(path: string): string | undefined {
  if (path === '' || path.includes('\0') || path.includes('\\') || path.startsWith('/')) return undefined;
  const normalised = posix.normalize(path).replace(/\/+$/, '');
  if (normalised === '.' || normalised === '..' || normalised.startsWith('../')) return undefined;
  return normalised;
}

/**
 * The tree of an archive's members; E_MALFORMED (naming `source`) for a member path that leaves the archive or
 * appears twice, E_INPUT when no suite file is at the root or in the one top-level directory.
 */
export function buildSuiteTree(members: readonly TarMember[], source: string): SuiteTree {
  const files = new Map<string, SuiteTreeFile>();
  const dirs = new Map<string, number>();
  for (const member of members) {
    const stripped = member.path.replace(/^(\.\/)+/, '');
    if (stripped === '' || stripped === '.' || stripped === './') continue; // the root itself
    const path = treePath(stripped);
    if (path === undefined) {
      throw new RedlineError(
        'E_MALFORMED',
        `${source}: the archive member "${member.path}" is not a relative path inside the archive; refusing it`,
      );
    }
    if (files.has(path) || (member.type === 'file' && dirs.has(path))) {
      throw new RedlineError('E_MALFORMED', `${source}: the archive holds "${path}" twice`);
    }
    if (member.type === 'dir') dirs.set(path, member.mode);
    else files.set(path, { data: member.data, mode: member.mode });
  }
  const root = findRoot(files, source);
  const tree = root === '' ? { files, dirs } : reroot(files, dirs, root);
  for (const path of tree.files.keys()) {
    for (const parent of parentsOf(path)) {
      if (tree.files.has(parent)) {
        throw new RedlineError('E_MALFORMED', `${source}: "${parent}" is both a file and a directory`);
      }
      if (!tree.dirs.has(parent)) tree.dirs.set(parent, 0o755);
    }
  }
  return tree;
}

/**
 * The files and directories below `dir` (a normalised path, '' for the root) as a plain directory walk lists them:
 * names sorted at each level, each directory followed by its contents. Paths are relative to `dir`.
 */
export function listTreeDir(
  tree: SuiteTree,
  dir: string,
): Array<{ path: string; type: 'file' | 'dir'; mode: number; data?: Uint8Array }> {
  const prefix = dir === '' ? '' : `${dir}/`;
  const children = new Map<string, Set<string>>();
  const add = (path: string): void => {
    const rel = path.slice(prefix.length);
    const slash = rel.lastIndexOf('/');
    const parent = slash === -1 ? '' : rel.slice(0, slash);
    let names = children.get(parent);
    if (names === undefined) children.set(parent, (names = new Set()));
    names.add(slash === -1 ? rel : rel.slice(slash + 1));
  };
  for (const path of tree.files.keys()) if (path.startsWith(prefix)) add(path);
  for (const path of tree.dirs.keys()) if (path.startsWith(prefix)) add(path);
  const out: Array<{ path: string; type: 'file' | 'dir'; mode: number; data?: Uint8Array }> = [];
  const walk = (rel: string): void => {
    for (const name of [...(children.get(rel) ?? [])].sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const file = tree.files.get(prefix + path);
      if (file !== undefined) {
        out.push({ path, type: 'file', mode: file.mode, data: file.data });
      } else {
        out.push({ path, type: 'dir', mode: tree.dirs.get(prefix + path) ?? 0o755 });
        walk(path);
      }
    }
  };
  walk('');
  return out;
}

/**
 * The check of sandbox `{"path": ...}` and compose files of a sealed suite (createSandboxPathCheck's for the
 * disk): the problem of a path, or undefined when it names a file of the tree.
 */
export function checkTreeFile(tree: SuiteTree, path: string): string | undefined {
  if (path.includes('\0')) return 'must be a file path (it contains a NUL character)';
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) {
    return `must be a path relative to the suite directory (got the absolute path "${path}")`;
  }
  const normalised = treePath(path.replace(/\\/g, '/'));
  if (normalised === undefined)
    return `must stay inside the suite directory (got "${path}", which leaves it)`;
  if (tree.dirs.has(normalised)) return `"${path}" is not a file: a sandbox path must name a file`;
  if (!tree.files.has(normalised)) {
    return `sandbox file not found: "${path}" is not in the sealed suite; seal it again from a directory that has it`;
  }
  return undefined;
}

/** The bytes of a checked path of the tree (see checkTreeFile), or undefined. */
export function readTreeFile(tree: SuiteTree, path: string): Uint8Array | undefined {
  const normalised = treePath(path.replace(/\\/g, '/'));
  return normalised === undefined ? undefined : tree.files.get(normalised)?.data;
}

function findRoot(files: ReadonlyMap<string, SuiteTreeFile>, source: string): string {
  if (SUITE_FILE_NAMES.some((name) => files.has(name))) return '';
  const tops = new Set([...files.keys()].map((path) => path.split('/')[0] ?? ''));
  const [only] = tops;
  if (
    tops.size === 1 &&
    only !== undefined &&
    SUITE_FILE_NAMES.some((name) => files.has(`${only}/${name}`))
  ) {
    return only;
  }
  throw new RedlineError(
    'E_INPUT',
    `${source} holds no suite.json or suite.yaml, neither at its root nor in one top-level directory: ` +
      'seal a suite directory with "redline suite seal DIR"',
  );
}

function reroot(
  files: ReadonlyMap<string, SuiteTreeFile>,
  dirs: ReadonlyMap<string, number>,
  root: string,
): { files: Map<string, SuiteTreeFile>; dirs: Map<string, number> } {
  const prefix = `${root}/`;
  const strip = <T>(map: ReadonlyMap<string, T>): Map<string, T> =>
    new Map(
      [...map].filter(([path]) => path.startsWith(prefix)).map(([path, v]) => [path.slice(prefix.length), v]),
    );
  return { files: strip(files), dirs: strip(dirs) };
}

/** `a/b/c` -> ['a', 'a/b']. */
function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
