/**
 * Checks the samples of a suite one at a time, in file order, remembering only what later samples need: the ids
 * seen (for duplicates), the category counts, and the running digest. Used by the validation pass (scan-suite.ts).
 *
 * Category rule: a sample without `category` belongs to the category "default" (DEFAULT_CATEGORY). When the suite
 * declares `categories`, every sample must name one of them (a suite that wants uncategorised samples declares
 * "default").
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep, win32 } from 'node:path';
import type { Problem } from '../errors.js';
import { checkSample } from '../scoring/check-sample.js';
import { checkDockerSandbox, type ComposeReader } from '../sandbox/check-docker-sandbox.js';
import { Sample, type SuiteDefaults } from '../schema/suite.js';
import { compileValidator, escapePointer } from '../schema/validate.js';
import type { SuiteHasher } from './hash-suite.js';
import { locateJsonSyntaxError } from './locate-json-error.js';
import type { ProblemList } from './problem-list.js';
import { checkTreeFile, readTreeFile, type SuiteTree } from './suite-tree.js';

/** The category of a sample that names none. */
export const DEFAULT_CATEGORY = 'default';

/** The validator of one sample, compiled once for the validation pass and the later passes over a JSONL file. */
export const sampleValidator = compileValidator(Sample);

/** Where a sample sits, for its problems. */
export interface SampleWhere {
  file: string;
  /** Pointer of the sample in `file`: '' for a JSONL line, /samples/N inline. */
  pointer: string;
  /** The JSONL line, or the inline index: where a duplicate id was first seen. */
  firstSeen: number;
  /** The JSONL line (1-based); inline samples are located through `locate`. */
  line?: number;
  /** Maps a pointer to its line, for inline samples. */
  locate?: (pointer: string) => number | undefined;
}

/** The checker of one validation pass. */
export interface SampleChecker {
  /** Samples checked so far (non-blank JSONL lines or inline items, valid or not). */
  readonly count: number;
  /** Samples per effective category so far. */
  readonly categoryCounts: Map<string, number>;
  /** Samples with a sandbox or an agent (run by the agentic runner). */
  readonly agenticCount: number;
  /** The digest so far; undefined once a sample could not be hashed (which is always also a problem). */
  readonly hasher: SuiteHasher | undefined;
  /** Checks one non-blank JSONL line. */
  checkLine(text: string, file: string, line: number): void;
  /** Checks one parsed sample (an inline array item). */
  checkValue(value: unknown, where: SampleWhere): void;
}

/** Creates the checker of one validation pass; `hasher` is the digest started from the suite header. */
export function createSampleChecker(context: {
  declared: readonly string[] | undefined;
  defaults: SuiteDefaults | undefined;
  problems: ProblemList;
  hasher: SuiteHasher | undefined;
  /** Absolute suite directory: sandbox `{"path"}` files must exist inside it (unchecked on disk when absent). */
  dir?: string;
  /** A sealed suite's files: sandbox and compose files are checked and read here instead of in `dir`. */
  tree?: SuiteTree;
}): SampleChecker {
  const { declared, defaults, problems, tree } = context;
  const checkSandboxPath =
    tree === undefined ? createSandboxPathCheck(context.dir) : (path: string) => checkTreeFile(tree, path);
  const readCompose =
    tree !== undefined
      ? createTreeComposeReader(tree)
      : context.dir === undefined
        ? undefined
        : createComposeReader(context.dir, checkSandboxPath);
  let hasher = context.hasher;
  const declaredSet = declared === undefined ? undefined : new Set(declared);
  const firstSeenById = new Map<string, number>();
  const categoryCounts = new Map<string, number>();
  let agenticCount = 0;
  let count = 0;

  const checkValue = (value: unknown, where: SampleWhere): void => {
    const found: Problem[] = [];
    const at = (relative: string, message: string): void => {
      const pointer = where.pointer + relative;
      const line = where.line ?? where.locate?.(pointer);
      found.push({ file: where.file, ...(line === undefined ? {} : { line }), pointer, message });
    };
    const isValid = checkSampleValue(value, where, at);
    // The digest only matters for a suite without problems; it just must not see values it cannot serialise.
    const isHashable = isValid && hashSample(value as Sample);
    if (isValid && !isHashable) {
      for (const pointer of findNonFiniteNumbers(value, ''))
        at(pointer, 'must be a finite number (JSON cannot represent NaN or Infinity)');
    }
    problems.add(...byLine(found));
    if (!isHashable) hasher = undefined;
  };

  /**
   * Adds a schema-valid sample to the digest (while there is one); false when it holds a NaN or infinite number,
   * which JSON cannot carry (JSON.parse reads 1e999 as Infinity). canonicalJson refuses those, so a valid sample is
   * walked in search of them only when hashing it fails, or when the digest has already failed.
   */
  const hashSample = (sample: Sample): boolean => {
    if (hasher === undefined) return !hasNonFiniteNumber(sample);
    try {
      hasher.addSample(sample);
      return true;
    } catch (error) {
      if (hasNonFiniteNumber(sample)) return false;
      throw error;
    }
  };

  /** Reports the problems of one sample through `at`; true when it is schema-valid. */
  const checkSampleValue = (
    value: unknown,
    where: SampleWhere,
    at: (relative: string, message: string) => void,
  ): boolean => {
    if (!isPlainObject(value)) {
      at('', `a sample must be a JSON object (got ${describeType(value)})`);
      return false;
    }
    const schemaProblems = sampleValidator.problems(value, { file: where.file, basePointer: where.pointer });
    for (const p of schemaProblems) at(p.pointer.slice(where.pointer.length), p.message);

    if (typeof value.id === 'string') {
      const first = firstSeenById.get(value.id);
      if (first === undefined) firstSeenById.set(value.id, where.firstSeen);
      else {
        const place = where.pointer === '' ? `line ${first}` : `/samples/${first}`;
        at('/id', `duplicate sample id "${value.id}" (first used at ${place}); sample ids must be unique`);
      }
    }

    const category = value.category === undefined ? DEFAULT_CATEGORY : value.category;
    if (typeof category === 'string') {
      if (declaredSet !== undefined && !declaredSet.has(category)) {
        const list = [...declaredSet].map((c) => `"${c}"`).join(', ');
        if (value.category === undefined) {
          at('', `missing "category": the suite declares categories, so every sample names one of ${list}`);
        } else {
          at(
            '/category',
            `category "${category}" is not declared in the suite's "categories" (declared: ${list})`,
          );
        }
      }
      categoryCounts.set(category, (categoryCounts.get(category) ?? 0) + 1);
    }
    if (schemaProblems.length > 0) return false;

    const sample = value as Sample;
    if (sample.agent !== undefined || sample.sandbox !== undefined) agenticCount++;
    const issues = checkSample(sample, defaults);
    for (const issue of issues) at(issue.pointer, issue.message);
    for (const [name, file] of Object.entries(sample.sandbox?.files ?? {})) {
      if (typeof file !== 'object' || !('path' in file)) continue;
      const message = checkSandboxPath(file.path);
      if (message !== undefined) at(`/sandbox/files/${escapePointer(name)}/path`, message);
    }
    for (const [service, spec] of Object.entries(sample.sandbox?.services ?? {})) {
      for (const [name, file] of Object.entries(spec.files ?? {})) {
        if (typeof file !== 'object' || !('path' in file)) continue;
        const message = checkSandboxPath(file.path);
        if (message !== undefined)
          at(`/sandbox/services/${service}/files/${escapePointer(name)}/path`, message);
      }
    }
    for (const issue of checkDockerSandbox(sample, readCompose)) at(issue.pointer, issue.message);
    return true;
  };

  return {
    get count() {
      return count;
    },
    get agenticCount() {
      return agenticCount;
    },
    get hasher() {
      return hasher;
    },
    categoryCounts,
    checkLine(text, file, line) {
      count++;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const located = locateJsonSyntaxError(text);
        const message =
          located === undefined
            ? `invalid JSON: ${error instanceof Error ? error.message : String(error)}`
            : `invalid JSON at column ${located.column}: ${located.message}`;
        problems.add({ file, line, pointer: '', message });
        hasher = undefined;
        return;
      }
      checkValue(value, { file, pointer: '', line, firstSeen: line });
    },
    checkValue(value, where) {
      count++;
      checkValue(value, where);
    },
  };
}

/**
 * The check of sandbox `{"path": ...}` files: a suite is handed around as a unit, so a path must be relative, must
 * not leave the suite directory (by `..`, or by a symlink resolving elsewhere) and must name an existing file.
 * Returns the problem of a path, or undefined; results are cached per path, as many samples may share a file.
 */
function createSandboxPathCheck(dir: string | undefined): (path: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  let realDir: string | undefined;
  const check = (path: string): string | undefined => {
    if (path.includes('\0')) return 'must be a file path (it contains a NUL character)';
    if (isAbsolute(path) || win32.isAbsolute(path)) {
      return `must be a path relative to the suite directory (got the absolute path "${path}")`;
    }
    const normalized = posix.normalize(path.replace(/\\/g, '/'));
    if (normalized === '..' || normalized.startsWith('../')) {
      return `must stay inside the suite directory (got "${path}", which leaves it)`;
    }
    if (dir === undefined) return undefined;
    let realFile: string;
    try {
      realDir ??= realpathSync(dir);
      realFile = realpathSync(resolve(dir, path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR'
        ? `sandbox file not found: "${path}" (relative to the suite directory); copy the file beside the suite`
        : `cannot read sandbox file "${path}" (${code ?? String(error)}); check its permissions`;
    }
    const rel = relative(realDir, realFile);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      return `must stay inside the suite directory (got "${path}", a symlink to ${realFile}); copy the file into the suite`;
    }
    try {
      if (!statSync(realFile).isFile()) return `"${path}" is not a file: a sandbox path must name a file`;
    } catch (error) {
      return `cannot read sandbox file "${path}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    return undefined;
  };
  return (path) => {
    if (!cache.has(path)) cache.set(path, check(path));
    return cache.get(path);
  };
}

/** True when `value` holds a NaN or infinite number: whether findNonFiniteNumbers finds any, without pointers. */
function hasNonFiniteNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (hasNonFiniteNumber(item)) return true;
    return false;
  }
  for (const key of Object.keys(value)) {
    if (hasNonFiniteNumber((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** Pointers (relative to `value`) of the NaN/Infinity numbers inside it: JSON.parse turns 1e999 into Infinity. */
function findNonFiniteNumbers(value: unknown, pointer: string): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [pointer];
  if (Array.isArray(value)) return value.flatMap((item, i) => findNonFiniteNumbers(item, `${pointer}/${i}`));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, item]) =>
      findNonFiniteNumbers(item, `${pointer}/${escapePointer(key)}`),
    );
  }
  return [];
}

/** Sorts problems by line, stably; problems without a line keep their place at the end. */
export function byLine(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "an array", "a string", "null" ... for messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** Reads compose files beside the suite, under the same path rules as sandbox files. */
function createComposeReader(dir: string, checkPath: (path: string) => string | undefined): ComposeReader {
  return (path) => {
    const problem = checkPath(path);
    if (problem !== undefined) return { problem: problem.replace('sandbox file', 'compose file') };
    try {
      return { text: readFileSync(resolve(dir, path), 'utf8') };
    } catch (error) {
      return {
        problem: `cannot read compose file "${path}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      };
    }
  };
}

/** Reads compose files of a sealed suite from its tree, under the same path rules. */
function createTreeComposeReader(tree: SuiteTree): ComposeReader {
  return (path) => {
    const problem = checkTreeFile(tree, path);
    if (problem !== undefined) return { problem: problem.replace('sandbox file', 'compose file') };
    return { text: Buffer.from(readTreeFile(tree, path) ?? new Uint8Array()).toString('utf8') };
  };
}
