/**
 * Seals a suite: everything in its directory that the suite uses (the suite file, the samples JSONL, every sandbox
 * and service file given by `{"path": ...}`, compose files and the image build contexts of its header), as one
 * POSIX tar, encrypted in the age format to one or more X25519 recipients. A lab officer can inspect it with
 * standard tools: `age -d -i keys/ID.age suite.age | tar t`.
 *
 * The archive is deterministic for the same files (sorted members, mtime 0, owner 0): only the encryption is fresh.
 * A suite file of a single-file suite is stored as suite.json or suite.yaml; everything else keeps its path relative
 * to the suite directory, so the sealed suite resolves every path as the directory did, and has the same identity.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { writeTar, type TarEntry } from '../archive/write-tar.js';
import { encryptToRecipients } from '../crypto/age-file.js';
import { RedlineError } from '../errors.js';
import type { Sample } from '../schema/suite.js';
import { openSuite, type SuiteHandle } from './load-suite.js';
import { locateSuite, SUITE_FILE_NAMES } from './locate-suite.js';
import { parseSuiteFile } from './parse-suite-file.js';
import { treePath } from './suite-tree.js';

/** A sealed suite, ready to be written. */
export interface SealedSuite {
  /** The age file. */
  bytes: Uint8Array;
  /** The suite's identity, the same sealed or not. */
  suite: { id: string; version: string; sha256: string; sampleCount: number };
  /** The archive's files (paths relative to the suite root), sorted. */
  files: string[];
  /** Size of the tar archive inside, in bytes. */
  archiveBytes: number;
}

/**
 * Validates the suite at `path` (a directory or a single suite file on disk) and seals it to `recipients`
 * (`age1...`). E_SCHEMA when the suite is invalid, E_INPUT when a file it uses cannot be read or leads out of it.
 *
 * @example
 * const sealed = await sealSuite('suites/ctf-agentic', [entry.recipient.recipient]);
 */
export async function sealSuite(path: string, recipients: readonly string[]): Promise<SealedSuite> {
  const suite = await openSuite(path);
  const archive = await archiveSuite(suite);
  const tar = writeTar(archive.entries);
  return {
    bytes: await encryptToRecipients(tar, recipients),
    suite: {
      id: suite.header.id,
      version: suite.header.version,
      sha256: suite.sha256,
      sampleCount: suite.sampleCount,
    },
    files: archive.files,
    archiveBytes: tar.length,
  };
}

/** The tar entries of an opened plain suite: what the suite uses, read from its directory. */
export async function archiveSuite(suite: SuiteHandle): Promise<{ entries: TarEntry[]; files: string[] }> {
  if (suite.tree !== undefined) {
    throw new RedlineError(
      'E_USAGE',
      `${suite.path} is already sealed: seal the suite directory it came from`,
    );
  }
  const root = await realpath(suite.dir);
  const members = new Map<string, ArchiveMember>();
  const refuse = (what: string, message: string): RedlineError =>
    new RedlineError('E_INPUT', `${suite.displayFile}: ${what}: ${message}; nothing was sealed`);

  const addFile = async (named: string, what: string, as?: string): Promise<void> => {
    const rel = as ?? treePath(named.replace(/\\/g, '/'));
    if (rel === undefined) throw refuse(what, `"${named}" is not a path inside the suite directory`);
    if (members.has(rel)) return;
    const real = await realpathInside(root, resolve(suite.dir, named), (message) => refuse(what, message));
    const stats = await stat(real);
    if (!stats.isFile()) throw refuse(what, `${named} is not a file`);
    members.set(rel, { type: 'file', mode: stats.mode & 0o7777, data: await readFile(real) });
  };

  // The suite file, under the name a suite directory gives it.
  const suiteName = basename(suite.file);
  await addFile(
    suiteName,
    'the suite file',
    SUITE_FILE_NAMES.includes(suiteName) ? suiteName : suite.format === 'json' ? 'suite.json' : 'suite.yaml',
  );
  // The samples file, under the path the suite file names (not its real path, which a symlink may change).
  if (suite.samplesFile !== undefined) {
    const raw = (await parseSuiteFile(await locateSuite(suite.path))).value as { samples?: unknown };
    if (typeof raw.samples === 'string') await addFile(raw.samples, '/samples');
  }
  for await (const sample of suite.samples()) {
    for (const path of filesOf(sample)) await addFile(path, `sample ${sample.id}`);
  }
  for (const [ref, recipe] of Object.entries(suite.header.images ?? {})) {
    const what = `/images/${ref}/context`;
    const rel = treePath(recipe.context.replace(/\\/g, '/'));
    if (rel === undefined) throw refuse(what, `${recipe.context} is not a directory inside the suite`);
    const real = await realpathInside(root, resolve(suite.dir, rel), (message) => refuse(what, message));
    if (!(await stat(real)).isDirectory()) throw refuse(what, `${recipe.context} is not a directory`);
    members.set(rel, { type: 'dir', mode: (await stat(real)).mode & 0o7777 });
    await addDirectory(real, real, rel, members, (message) => refuse(what, message));
  }

  return archiveEntries(members);
}

/** A file or directory of a suite archive. */
export interface ArchiveMember {
  type: 'file' | 'dir';
  /** Permission bits. */
  mode: number;
  /** File content. */
  data?: Uint8Array;
}

/**
 * The tar entries of `members` (by normalised path relative to the suite root): missing parent directories added
 * (mode 0755), each directory right before its contents; and the files' paths.
 */
export function archiveEntries(members: Map<string, ArchiveMember>): {
  entries: TarEntry[];
  files: string[];
} {
  for (const path of [...members.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!members.has(parent)) members.set(parent, { type: 'dir', mode: 0o755 });
    }
  }
  const paths = [...members.keys()].sort(comparePaths);
  const entries: TarEntry[] = paths.map((path) => {
    const member = members.get(path)!;
    return member.type === 'dir'
      ? { path, type: 'dir', mode: member.mode }
      : { path, type: 'file', mode: member.mode, data: member.data ?? new Uint8Array() };
  });
  return { entries, files: paths.filter((path) => members.get(path)?.type === 'file') };
}

/** The files a sample names: sandbox and service `{"path"}` files and its compose file. */
function filesOf(sample: Sample): string[] {
  const sandbox = sample.sandbox;
  if (sandbox === undefined) return [];
  const paths: string[] = [];
  const add = (files: Record<string, unknown>): void => {
    for (const file of Object.values(files)) {
      if (typeof file === 'object' && file !== null && 'path' in file) paths.push(String(file.path));
    }
  };
  add(sandbox.files);
  for (const service of Object.values(sandbox.services ?? {})) add(service.files ?? {});
  if (sandbox.compose !== undefined) paths.push(sandbox.compose);
  return paths;
}

/** Adds the contents of `dir` (real path) as `rel/...`; a symlink to a file inside the context is added as a copy. */
async function addDirectory(
  context: string,
  dir: string,
  rel: string,
  members: Map<string, ArchiveMember>,
  refuse: (message: string) => RedlineError,
): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const host = join(dir, name);
    const path = `${rel}/${name}`;
    let stats: Stats = await lstat(host);
    if (stats.isSymbolicLink()) {
      const target = await realpath(host).catch(() => undefined);
      if (target === undefined || !isInside(context, target))
        throw refuse(`${path}: a symlink leading out of the context`);
      stats = await stat(target);
      if (!stats.isFile()) throw refuse(`${path}: a symlink to a directory: replace it with the directory`);
    }
    if (stats.isDirectory()) {
      members.set(path, { type: 'dir', mode: stats.mode & 0o7777 });
      await addDirectory(context, host, path, members, refuse);
    } else if (stats.isFile()) {
      members.set(path, { type: 'file', mode: stats.mode & 0o7777, data: await readFile(host) });
    } else {
      throw refuse(`${path}: neither a file nor a directory (a socket, FIFO or device)`);
    }
  }
}

/** The real path of `path`, which must exist and stay inside `root` (a real path) once symlinks are followed. */
async function realpathInside(
  root: string,
  path: string,
  refuse: (message: string) => RedlineError,
): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    throw refuse(
      `${relative(root, path)} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  if (!isInside(root, real))
    throw refuse(`${relative(root, path)} leads out of the suite directory (a symlink)`);
  return real;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Orders paths segment by segment, so that a directory comes right before its contents. */
function comparePaths(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] ?? '') < (y[i] ?? '') ? -1 : 1;
  }
  return x.length - y.length;
}
