/**
 * Resolves the `samples` path of a suite file to a JSONL file that lives inside the suite directory. A suite
 * is handed around as a unit (copied into air-gapped labs, hashed, reviewed), so it must not reach outside its
 * own directory: absolute paths, `..` escapes and symlinks that resolve elsewhere are refused.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep, win32 } from 'node:path';
import { RedlineError } from '../errors.js';
import { treePath, type SuiteTree } from './suite-tree.js';

/** The JSONL file of a suite: `file` is its real absolute path, `displayFile` the path as the user would name it. */
export interface SamplesFile {
  file: string;
  displayFile: string;
  /** The content, for a sealed suite (held in memory; `file` is then only a name). */
  data?: Uint8Array;
}

/**
 * A resolved samples file, a problem with the path itself (`message`, reported at /samples), or a file that
 * cannot be read (`error`, an E_INPUT RedlineError).
 */
export type SamplesPathResult =
  { ok: true; samples: SamplesFile } | { ok: false; message: string; error?: RedlineError };

/** Resolves `samplesPath` (from the suite file) against the suite directory `dir` (absolute), or in a sealed suite's `tree`. */
export async function resolveSamplesPath(
  dir: string,
  displayDir: string,
  samplesPath: string,
  tree?: SuiteTree,
): Promise<SamplesPathResult> {
  if (samplesPath.includes('\0'))
    return { ok: false, message: 'must be a file path (it contains a NUL character)' };
  if (isAbsolute(samplesPath) || win32.isAbsolute(samplesPath)) {
    return {
      ok: false,
      message: `must be a path relative to the suite directory (got the absolute path "${samplesPath}")`,
    };
  }
  const target = resolve(dir, samplesPath);
  if (!isInside(dir, target)) {
    return {
      ok: false,
      message: `must stay inside the suite directory (got "${samplesPath}", which leaves it)`,
    };
  }
  const displayFile = join(displayDir, samplesPath);
  if (tree !== undefined) return resolveInTree(tree, dir, displayFile, samplesPath);

  let realFile: string;
  let realDir: string;
  try {
    realDir = await realpath(dir);
    realFile = await realpath(target);
  } catch (error) {
    return unreadable(samplesPath, displayFile, error);
  }
  if (!isInside(realDir, realFile)) {
    return {
      ok: false,
      message: `must stay inside the suite directory (got "${samplesPath}", a symlink to ${realFile}); copy the file into the suite`,
    };
  }
  try {
    const stats = await stat(realFile);
    if (!stats.isFile()) {
      const message = `${displayFile} is not a file: "samples" must name a JSONL file`;
      return { ok: false, message, error: new RedlineError('E_INPUT', message) };
    }
  } catch (error) {
    return unreadable(samplesPath, displayFile, error);
  }
  return { ok: true, samples: { file: realFile, displayFile } };
}

/** The samples file of a sealed suite, from its tree (sealed archives hold no symlinks to follow). */
function resolveInTree(
  tree: SuiteTree,
  dir: string,
  displayFile: string,
  samplesPath: string,
): SamplesPathResult {
  const path = treePath(samplesPath.replace(/\\/g, '/'));
  const data = path === undefined ? undefined : tree.files.get(path)?.data;
  if (path === undefined || data === undefined) {
    const message =
      path !== undefined && tree.dirs.has(path)
        ? `${displayFile} is not a file: "samples" must name a JSONL file`
        : `samples file not found: ${displayFile} (named by "samples": "${samplesPath}") is not in the sealed suite; seal it again from a directory that has it`;
    return { ok: false, message, error: new RedlineError('E_INPUT', message) };
  }
  return { ok: true, samples: { file: join(dir, path), displayFile, data } };
}

/** True when `child` is `parent` or lies below it (both absolute). */
function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function unreadable(samplesPath: string, displayFile: string, error: unknown): SamplesPathResult {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? `samples file not found: ${displayFile} (named by "samples": "${samplesPath}"); check the path, relative to the suite directory`
      : `cannot read samples file ${displayFile} (${code ?? String(error)}); check its permissions`;
  return { ok: false, message, error: new RedlineError('E_INPUT', message, { cause: error }) };
}
