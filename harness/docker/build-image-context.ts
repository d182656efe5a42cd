/**
 * Assembles the tar build context of one image recipe of a suite header (`images`): the context directory, walked
 * recursively with each file's permission bits, plus the `include` host files (e.g. Debian's static busybox).
 *
 * Nothing outside the suite directory gets in by accident: a context leaving the suite directory, a symlink leading
 * out of the context and an include that is not an absolute path to an existing regular file are refused
 * (E_INPUT, naming the suite file, the image and the field). `.dockerignore` is not read: the engine's API takes
 * the context as sent. A sealed suite's context comes from its decrypted files, in memory (never written to disk).
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { RedlineError } from '../../src/errors.js';
import type { ImageBuild } from '../../src/schema/suite.js';
import { escapePointer } from '../../src/schema/validate.js';
import { writeTar, type TarEntry } from '../../src/archive/write-tar.js';
import { listTreeDir, treePath, type SuiteTree } from '../../src/suite/suite-tree.js';

/** Where a recipe comes from: the suite (for resolving and for messages) and the image it builds. */
export interface ImageRecipeSource {
  /** The suite directory, which the context must stay inside. */
  suiteDir: string;
  /** The suite file as the user names it, for messages. */
  suiteFile: string;
  /** The image reference the recipe builds. */
  ref: string;
  recipe: ImageBuild;
  /** A sealed suite's files (`suiteDir` is then the sealed file): the context is read from here, in memory. */
  tree?: SuiteTree;
}

/** One file or directory of an assembled context. */
export interface ImageContextEntry {
  /** Path inside the context (POSIX, relative). */
  path: string;
  type: 'file' | 'dir';
  /** Permission bits (0o7777 mask). */
  mode: number;
  /** Bytes (0 for directories). */
  size: number;
  /** The host file it was read from (for a sealed suite: the sealed file / the path inside it). */
  source: string;
}

/** A build context ready for the engine. */
export interface ImageContext {
  /** The context as one tar archive (uid/gid 0, mtime 0: the same files give the same bytes). */
  tar: Buffer;
  /** The Dockerfile path inside the context. */
  dockerfile: string;
  /** What the archive holds, in archive order. */
  entries: ImageContextEntry[];
}

/**
 * Reads the context directory and the includes of `source.recipe` into a tar archive.
 *
 * @example
 * const context = await buildImageContext({ suiteDir, suiteFile: 'suite.json', ref, recipe });
 * await docker.buildImage(ref, context.tar, context.dockerfile);
 */
export async function buildImageContext(source: ImageRecipeSource): Promise<ImageContext> {
  const { recipe } = source;
  const refuse = (field: string, message: string): RedlineError =>
    new RedlineError(
      'E_INPUT',
      `${source.suiteFile}: /images/${escapePointer(source.ref)}/${field}: image ${source.ref}: ${message}`,
      { details: { file: source.suiteFile, ref: source.ref, field } },
    );

  const entries: ImageContextEntry[] = [];
  const data = new Map<string, Buffer>();
  if (source.tree === undefined) {
    const contextDir = await resolveContextDir(source, refuse);
    try {
      await walk(contextDir, contextDir, '', entries, data, (path, message) =>
        refuse('context', `${path}: ${message}`),
      );
    } catch (error) {
      if (error instanceof RedlineError) throw error;
      throw refuse('context', `${recipe.context} cannot be read (${errorCode(error)})`);
    }
  } else {
    readTreeContext(source, source.tree, entries, data, refuse);
  }

  for (const [name, hostPath] of Object.entries(recipe.include ?? {})) {
    const field = `include/${escapePointer(name)}`;
    const path = posix.normalize(name);
    if (
      path.startsWith('../') ||
      path === '..' ||
      path === '.' ||
      path.startsWith('/') ||
      path.endsWith('/') ||
      name.includes('\\')
    ) {
      throw refuse(field, `"${name}" is not a plain path inside the context`);
    }
    if (!isAbsolute(hostPath)) throw refuse(field, `${hostPath} is not an absolute path`);
    let stats: Stats;
    try {
      stats = await stat(hostPath);
    } catch (error) {
      throw refuse(
        field,
        `${hostPath} cannot be read (${errorCode(error)}): install the package that has it`,
      );
    }
    if (!stats.isFile()) throw refuse(field, `${hostPath} is not a regular file`);
    if (data.has(path) || entries.some((e) => e.path === path)) {
      throw refuse(field, `"${name}" is also in the context directory ${recipe.context}: rename one of them`);
    }
    for (const parent of parentsOf(path)) {
      const existing = entries.find((e) => e.path === parent);
      if (existing?.type === 'file')
        throw refuse(field, `"${name}" is below the file ${parent} of the context`);
      if (existing === undefined) {
        entries.push({ path: parent, type: 'dir', mode: 0o755, size: 0, source: hostPath });
      }
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(hostPath);
    } catch (error) {
      throw refuse(field, `${hostPath} cannot be read (${errorCode(error)})`);
    }
    entries.push({ path, type: 'file', mode: stats.mode & 0o7777, size: bytes.length, source: hostPath });
    data.set(path, bytes);
  }

  const dockerfile = posix.normalize(recipe.dockerfile ?? 'Dockerfile');
  if (data.get(dockerfile) === undefined) {
    throw refuse(
      recipe.dockerfile === undefined ? 'context' : 'dockerfile',
      `the context ${recipe.context} has no file ${dockerfile} (the Dockerfile)`,
    );
  }

  const tarEntries: TarEntry[] = entries.map((entry) =>
    entry.type === 'dir'
      ? { path: entry.path, type: 'dir', mode: entry.mode }
      : { path: entry.path, type: 'file', mode: entry.mode, data: data.get(entry.path) ?? Buffer.alloc(0) },
  );
  return { tar: writeTar(tarEntries), dockerfile, entries };
}

/** The context of a sealed suite, from its decrypted files: walked in the order `walk` walks a directory. */
function readTreeContext(
  source: ImageRecipeSource,
  tree: SuiteTree,
  entries: ImageContextEntry[],
  data: Map<string, Buffer>,
  refuse: (field: string, message: string) => RedlineError,
): void {
  const { context } = source.recipe;
  if (isAbsolute(context))
    throw refuse('context', `${context} is absolute: give a path relative to the suite`);
  const dir = treePath(context.replace(/\\/g, '/'));
  if (dir === undefined) throw refuse('context', `${context} leaves the suite directory`);
  if (!tree.dirs.has(dir)) throw refuse('context', `${context} is not a directory of the sealed suite`);
  for (const entry of listTreeDir(tree, dir)) {
    const from = `${source.suiteDir}/${dir}/${entry.path}`;
    if (entry.type === 'dir') {
      entries.push({ path: entry.path, type: 'dir', mode: entry.mode, size: 0, source: from });
    } else {
      const bytes = Buffer.from(entry.data ?? new Uint8Array());
      entries.push({ path: entry.path, type: 'file', mode: entry.mode, size: bytes.length, source: from });
      data.set(entry.path, bytes);
    }
  }
}

/** The real path of the context directory, checked to be a directory inside the suite directory. */
async function resolveContextDir(
  source: ImageRecipeSource,
  refuse: (field: string, message: string) => RedlineError,
): Promise<string> {
  const { context } = source.recipe;
  if (isAbsolute(context))
    throw refuse('context', `${context} is absolute: give a path relative to the suite`);
  const suiteDir = await realpath(source.suiteDir);
  const lexical = resolve(suiteDir, context);
  if (!isInside(suiteDir, lexical)) throw refuse('context', `${context} leaves the suite directory`);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (error) {
    throw refuse('context', `${context} cannot be read (${errorCode(error)})`);
  }
  if (!isInside(suiteDir, real))
    throw refuse('context', `${context} leads out of the suite directory (a symlink)`);
  if (!(await stat(real)).isDirectory()) throw refuse('context', `${context} is not a directory`);
  return real;
}

/**
 * Adds the entries below `dir` (sorted by name, so the archive does not depend on the file system's order). A
 * symlink to a file inside the context is added as a copy of that file; one leading out of the context, or to a
 * directory, is refused.
 */
async function walk(
  root: string,
  dir: string,
  prefix: string,
  entries: ImageContextEntry[],
  data: Map<string, Buffer>,
  refuse: (path: string, message: string) => RedlineError,
): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const host = join(dir, name);
    const path = prefix === '' ? name : `${prefix}/${name}`;
    let stats = await lstat(host);
    if (stats.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(host);
      } catch (error) {
        throw refuse(path, `a symlink that cannot be followed (${errorCode(error)})`);
      }
      if (!isInside(root, target)) throw refuse(path, 'a symlink leading out of the context directory');
      stats = await stat(target);
      if (!stats.isFile()) throw refuse(path, 'a symlink to a directory: replace it with the directory');
    }
    if (stats.isDirectory()) {
      entries.push({ path, type: 'dir', mode: stats.mode & 0o7777, size: 0, source: host });
      await walk(root, host, path, entries, data, refuse);
    } else if (stats.isFile()) {
      const bytes = await readFile(host);
      entries.push({ path, type: 'file', mode: stats.mode & 0o7777, size: bytes.length, source: host });
      data.set(path, bytes);
    } else {
      throw refuse(path, 'neither a file nor a directory (a socket, FIFO or device)');
    }
  }
}

function isInside(root: string, path: string): boolean {
  if (path === root) return true;
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** `a/b/c` -> ['a', 'a/b']. */
function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
