/**
 * The one validation pass over a suite, shared by validateSuite and openSuite: it reads the suite file, streams
 * a JSONL file line by line (holding only the set of sample ids and a checkpoint per block of lines, never the
 * samples), and computes every problem, the sample count, the categories and the digest at once.
 *
 * Category rule: a sample without `category` belongs to the category "default" (DEFAULT_CATEGORY, in
 * sample-checker.ts). When the suite declares `categories`, every sample must name one of them (a suite that wants
 * uncategorised samples declares "default"); when it declares none, the categories are those the samples use, in
 * order of first use, each with weight 1.
 */
import { Type } from '@sinclair/typebox';
import type { Problem, RedlineError } from '../errors.js';
import { SuiteDefaults, SuiteFile, type Sample } from '../schema/suite.js';
import { compileValidator, escapePointer } from '../schema/validate.js';
import { createSuiteHasher, type SuiteHasher } from './hash-suite.js';
import { createCheckpointRecorder, type JsonlCheckpoints } from './jsonl-checkpoints.js';
import type { SuiteHeader } from './load-suite.js';
import { locateSuite, locateSuiteInTree, type SuiteLocation } from './locate-suite.js';
import { parseSuiteFile } from './parse-suite-file.js';
import { DEFAULT_MAX_PROBLEMS, ProblemList } from './problem-list.js';
import { readSamplesLines } from './read-jsonl-lines.js';
import { resolveSamplesPath, type SamplesFile } from './resolve-samples-path.js';
import { byLine, createSampleChecker, describeType, isPlainObject } from './sample-checker.js';
import type { SuiteTree } from './suite-tree.js';

/** The suite file with `samples` left open: samples are checked one by one, so each gets its own pointer. */
const SuiteFileHeader = Type.Object(
  {
    ...SuiteFile.properties,
    samples: Type.Unknown({ description: 'A JSONL path or an inline array of samples.' }),
  },
  { additionalProperties: false },
);
// Checked by hand because a TypeBox Record only constrains keys through patternProperties, which lets other keys
// through unchecked (skipped when the schema itself reports the key).
const CATEGORY_ID = new RegExp(
  Object.keys(SuiteFile.properties.categories.patternProperties)[0] ?? '^[A-Za-z0-9][A-Za-z0-9._-]*$',
);

const headerValidator = compileValidator(SuiteFileHeader);
const defaultsValidator = compileValidator(SuiteDefaults);

/** Options of a validation pass. */
export interface ScanOptions {
  /** Problems kept before the rest are summarised as "and N more" (default 1000). */
  maxProblems?: number;
  /** A sealed suite's decrypted files: `path` is then the sealed file, and nothing is read from the disk. */
  tree?: SuiteTree;
}

/** Everything one validation pass learns about a suite. */
export interface SuiteScan {
  location: SuiteLocation;
  /** Every problem found (capped); empty when the suite is valid. */
  problems: Problem[];
  /** Set when a file the suite names could not be read (it is also among `problems`). */
  inputError?: RedlineError;
  /** Non-blank JSONL lines or inline array items, valid or not. */
  sampleCount: number;
  /** The following are set only when `problems` is empty. */
  valid?: {
    header: SuiteHeader;
    sha256: string;
    /** Samples per category (declared categories without samples count 0). */
    categoryCounts: Record<string, number>;
    agenticCount: number;
    source:
      | {
          kind: 'jsonl';
          samples: SamplesFile;
          /** What later passes over the file check it against (see jsonl-checkpoints.ts). */
          checkpoints: JsonlCheckpoints;
        }
      | { kind: 'inline'; samples: Sample[] };
  };
}

/** Runs the validation pass; throws E_INPUT only when the suite path or its suite file cannot be read. */
export async function scanSuite(path: string, options: ScanOptions = {}): Promise<SuiteScan> {
  const location =
    options.tree === undefined ? await locateSuite(path) : locateSuiteInTree(path, options.tree);
  const parsed = await parseSuiteFile(location);
  const file = location.displayFile;
  const problems = new ProblemList(file, options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  const at = (pointer: string, message: string): Problem => {
    const line = parsed.lineOf(pointer);
    return { file, ...(line === undefined ? {} : { line }), pointer, message };
  };
  const result = (extra: Partial<SuiteScan> = {}): SuiteScan => ({
    location,
    problems: problems.toArray(),
    sampleCount: 0,
    ...extra,
  });

  problems.add(...parsed.problems);
  const raw = parsed.value;
  if (raw === undefined) return result();
  if (!isPlainObject(raw)) {
    problems.add(
      at(
        '',
        `a suite must be a JSON object with "id", "version", "title" and "samples" (got ${describeType(raw)})`,
      ),
    );
    return result();
  }

  // The header: schema, then what the schema cannot say.
  problems.add(...byLine(headerValidator.problems(raw, { file }).map((p) => at(p.pointer, p.message))));
  const declared = isPlainObject(raw.categories) ? Object.keys(raw.categories) : undefined;
  for (const key of declared ?? []) {
    const pointer = `/categories/${escapePointer(key)}`;
    if (!CATEGORY_ID.test(key) && !problems.has(file, pointer, parsed.lineOf(pointer))) {
      problems.add(
        at(
          pointer,
          `invalid category id "${key}": use letters, digits, ".", "_" and "-", starting with a letter or digit`,
        ),
      );
    }
  }
  const defaults = defaultsValidator.check(raw.defaults) ? raw.defaults : undefined;
  let hasher: SuiteHasher | undefined;
  try {
    hasher = createSuiteHasher(raw);
  } catch {
    // Only a non-finite number in an unchecked place can get here, and the schema reports it.
    hasher = undefined;
    if (problems.count === 0)
      problems.add(at('', 'contains a number that JSON cannot represent (NaN or Infinity)'));
  }

  // The samples.
  const checker = createSampleChecker({
    declared,
    defaults,
    problems,
    hasher,
    dir: location.dir,
    ...(location.tree === undefined ? {} : { tree: location.tree }),
  });
  let samplesFile: SamplesFile | undefined;
  const recorder = createCheckpointRecorder();
  let inputError: RedlineError | undefined;
  const samples = raw.samples;
  if (typeof samples === 'string') {
    const resolved = await resolveSamplesPath(location.dir, location.displayDir, samples, location.tree);
    if (resolved.ok) {
      samplesFile = resolved.samples;
      for await (const lines of readSamplesLines(samplesFile)) {
        for (const { line, text } of lines) {
          recorder.add(text, checker.hasher);
          checker.checkLine(text, samplesFile.displayFile, line);
        }
      }
      if (checker.count === 0) {
        problems.add(
          at('/samples', `the suite has no samples (${samplesFile.displayFile} has no non-blank lines)`),
        );
      }
    } else {
      inputError = resolved.error;
      problems.add(at('/samples', resolved.message));
    }
  } else if (Array.isArray(samples)) {
    samples.forEach((sample: unknown, index) => {
      checker.checkValue(sample, {
        file,
        pointer: `/samples/${index}`,
        firstSeen: index,
        locate: parsed.lineOf,
      });
    });
    if (samples.length === 0) problems.add(at('/samples', 'the suite has no samples (the array is empty)'));
  } else if (samples !== undefined) {
    problems.add(
      at(
        '/samples',
        `must be the path of a JSONL file or an array of samples (got ${describeType(samples)})`,
      ),
    );
  }

  const extra = { sampleCount: checker.count, ...(inputError === undefined ? {} : { inputError }) };
  const finalHasher = checker.hasher;
  if (problems.count > 0 || finalHasher === undefined) return result(extra);

  const suite = raw as SuiteFile;
  const header = resolveHeader(suite, checker.categoryCounts);
  const categoryCounts = Object.fromEntries(
    Object.keys(header.categories).map((c) => [c, checker.categoryCounts.get(c) ?? 0]),
  );
  // Before the digest, which ends the hasher: the checkpoints keep a copy of its final state.
  const source: NonNullable<SuiteScan['valid']>['source'] =
    samplesFile === undefined
      ? { kind: 'inline', samples: suite.samples as Sample[] }
      : { kind: 'jsonl', samples: samplesFile, checkpoints: recorder.finish(finalHasher) };
  return result({
    ...extra,
    valid: {
      header,
      sha256: finalHasher.digest(),
      categoryCounts,
      agenticCount: checker.agenticCount,
      source,
    },
  });
}

function resolveHeader(suite: SuiteFile, seen: ReadonlyMap<string, number>): SuiteHeader {
  const categories: SuiteHeader['categories'] = {};
  if (suite.categories === undefined) {
    for (const name of seen.keys()) categories[name] = { weight: 1 };
  } else {
    for (const [name, category] of Object.entries(suite.categories))
      categories[name] = { ...category, weight: category.weight ?? 1 };
  }
  return {
    id: suite.id,
    version: suite.version,
    title: suite.title,
    ...(suite.description === undefined ? {} : { description: suite.description }),
    ...(suite.license === undefined ? {} : { license: suite.license }),
    ...(suite.classification === undefined ? {} : { classification: suite.classification }),
    categories,
    defaults: suite.defaults ?? {},
    ...(suite.images === undefined ? {} : { images: suite.images }),
  };
}
