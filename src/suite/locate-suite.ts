/**
 * Finds the suite file for a path the user gave: a directory holding `suite.json` or `suite.yaml` (`suite.yml`
 * is accepted too), or a single `.json`/`.yaml`/`.yml` file.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, normalize, resolve } from 'node:path';
import { RedlineError } from '../errors.js';
import type { SuiteTree } from './suite-tree.js';

/** The syntax of a suite file. */
export type SuiteFormat = 'json' | 'yaml';

/** Where a suite lives, in absolute form (for reading) and as the user would recognise it (for messages). */
export interface SuiteLocation {
  /** The path as the user gave it. */
  path: string;
  /** Absolute path of the suite file. */
  file: string;
  /** Absolute path of the directory that relative sample paths resolve against. */
  dir: string;
  /** The suite file as the user would name it: relative when the user gave a relative path. */
  displayFile: string;
  /** The suite directory as the user would name it. */
  displayDir: string;
  format: SuiteFormat;
  /** A sealed suite's files, decrypted in memory: read from here, never from the disk (`dir` is the sealed file). */
  tree?: SuiteTree;
}

const DIRECTORY_FILES: readonly { name: string; format: SuiteFormat }[] = [
  { name: 'suite.json', format: 'json' },
  { name: 'suite.yaml', format: 'yaml' },
  { name: 'suite.yml', format: 'yaml' },
];

/** The names a suite file has in a suite directory. */
export const SUITE_FILE_NAMES: readonly string[] = DIRECTORY_FILES.map((f) => f.name);

const WHAT_TO_GIVE = 'give a suite directory holding suite.json or suite.yaml, or a single .json/.yaml file';

/** Locates the suite file of `path`; throws E_INPUT when there is none, or more than one. */
export async function locateSuite(path: string): Promise<SuiteLocation> {
  if (path === '') throw new RedlineError('E_INPUT', `no suite path given: ${WHAT_TO_GIVE}`);
  const absolute = resolve(path);
  const stats = await statOrThrow(absolute, path);
  const displayBase = isAbsolute(path) ? absolute : normalize(path);

  if (stats.isDirectory()) {
    const found: { name: string; format: SuiteFormat }[] = [];
    for (const candidate of DIRECTORY_FILES) {
      const candidateStats = await stat(join(absolute, candidate.name)).catch(() => undefined);
      if (candidateStats?.isFile() === true) found.push(candidate);
    }
    return directoryLocation(path, found, {
      none: `no suite.json or suite.yaml in ${path}: ${WHAT_TO_GIVE}`,
      many: (names) => `${path} holds ${names}: keep exactly one suite file in a suite directory`,
    });
  }

  if (!stats.isFile())
    throw new RedlineError('E_INPUT', `${path} is neither a file nor a directory: ${WHAT_TO_GIVE}`);
  const extension = extname(absolute).toLowerCase();
  const format: SuiteFormat | undefined =
    extension === '.json' ? 'json' : extension === '.yaml' || extension === '.yml' ? 'yaml' : undefined;
  if (format === undefined) {
    throw new RedlineError(
      'E_INPUT',
      `${path} is not a suite file (${basename(path)} does not end in .json, .yaml or .yml): ${WHAT_TO_GIVE}; ` +
        'a JSONL file of samples is named by the "samples" field of a suite file',
    );
  }
  return {
    path,
    file: absolute,
    dir: dirname(absolute),
    displayFile: displayBase,
    displayDir: dirname(displayBase),
    format,
  };
}

/**
 * Locates the suite file of a sealed suite `path` whose decrypted files are `tree`: a suite directory of its own,
 * shown in messages as the sealed file (`suite.age/samples.jsonl:12`). `dir` is the sealed file's absolute path, a
 * file, so that a stray read "beside the suite" fails instead of reading something else.
 */
export function locateSuiteInTree(path: string, tree: SuiteTree): SuiteLocation {
  const found = DIRECTORY_FILES.filter((candidate) => tree.files.has(candidate.name));
  return {
    ...directoryLocation(path, found, {
      none: `no suite.json or suite.yaml in the sealed suite ${path}`,
      many: (names) => `the sealed suite ${path} holds ${names}: seal exactly one suite file`,
    }),
    tree,
  };
}

/** The location of a suite directory (or sealed suite) `path` whose suite files are `found`: exactly one. */
function directoryLocation(
  path: string,
  found: readonly { name: string; format: SuiteFormat }[],
  messages: { none: string; many: (names: string) => string },
): SuiteLocation {
  const [only, ...others] = found;
  if (only === undefined) throw new RedlineError('E_INPUT', messages.none);
  if (others.length > 0) {
    throw new RedlineError('E_INPUT', messages.many(found.map((f) => f.name).join(' and ')));
  }
  const absolute = resolve(path);
  const displayBase = isAbsolute(path) ? absolute : normalize(path);
  return {
    path,
    file: join(absolute, only.name),
    dir: absolute,
    displayFile: join(displayBase, only.name),
    displayDir: displayBase,
    format: only.format,
  };
}

async function statOrThrow(absolute: string, path: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new RedlineError('E_INPUT', `suite not found: ${path}: ${WHAT_TO_GIVE}`, { cause: error });
    }
    throw new RedlineError(
      'E_INPUT',
      `cannot read suite ${path} (${code ?? String(error)}): check the path and its permissions`,
      {
        cause: error,
      },
    );
  }
}
