/**
 * Opens a suite: reads and fully validates it in one streaming pass, and hands out a handle that streams its
 * samples again on demand. A JSONL suite is never held in memory: the handle keeps its header, and each call
 * of `samples()` re-reads the file (and checks it still has the content that was validated and hashed).
 */
import { formatProblem, RedlineError } from '../errors.js';
import type { Category, ImageBuild, Sample, SuiteDefaults } from '../schema/suite.js';
import { inlineFileRefs } from './inline-file-refs.js';
import type { SuiteFormat } from './locate-suite.js';
import type { SamplesFile } from './resolve-samples-path.js';
import { scanSuite } from './scan-suite.js';
import { streamJsonl } from './stream-jsonl.js';
import type { SuiteTree } from './suite-tree.js';

/** The suite without its samples, categories resolved (weights default to 1). */
export interface SuiteHeader {
  id: string;
  version: string;
  title: string;
  description?: string;
  license?: string;
  /** The suite's classification marking, when it has one. */
  classification?: string;
  /**
   * Declared categories (weight defaulting to 1) in declaration order; when the suite declares none, the
   * categories its samples use, in order of first use, each with weight 1 ("default" for samples without one).
   */
  categories: Record<string, Required<Pick<Category, 'weight'>> & Omit<Category, 'weight'>>;
  /** The suite's `defaults`, `{}` when it has none. */
  defaults: SuiteDefaults;
  /** Build recipes of the images its docker samples use (`redline images --build`), when it has any. */
  images?: Record<string, ImageBuild>;
}

/** An opened, validated suite. */
export interface SuiteHandle {
  /** The path as the user gave it. */
  path: string;
  /** The suite file (suite.json / suite.yaml / the single file), absolute. */
  file: string;
  /** The directory that relative sample paths resolve against, absolute (a sealed suite: the sealed file). */
  dir: string;
  /**
   * A sealed suite's files, decrypted in memory: read from here, never from `dir`. Its samples come out of
   * `samples()` self-contained (inline-file-refs.ts), so that workers need no suite directory.
   */
  tree?: SuiteTree;
  /** The suite file as the user would name it (relative when the user gave a relative path), for messages. */
  displayFile: string;
  format: SuiteFormat;
  /** The JSONL file of the samples (absolute real path and display form); undefined for inline samples. */
  samplesFile: SamplesFile | undefined;
  header: SuiteHeader;
  /** Lowercase hex sha256 of the canonical content (see hash-suite.ts). */
  sha256: string;
  sampleCount: number;
  /** Samples per category of `header.categories` (a declared category without samples counts 0). */
  categoryCounts: Record<string, number>;
  /** Samples with a sandbox or an agent: they need the agentic runner. */
  agenticCount: number;
  /**
   * Streams the samples in file order; each call starts a new pass. A JSONL pass throws E_STATE when the file no
   * longer holds what was validated (checked per line, and by digest once a pass reaches the end; stream-jsonl.ts
   * skips the lines that provably did not change), E_INPUT when it can no longer be read.
   */
  samples(): AsyncIterable<Sample>;
}

/**
 * Opens and validates a suite; throws E_INPUT (the suite or its samples file cannot be read) or E_SCHEMA
 * (`details.problems: Problem[]`, every problem found). With `tree` (a sealed suite's decrypted files, see
 * open-sealed-suite.ts), `path` is the sealed file and nothing is read from the disk.
 *
 * @example
 *   const suite = await openSuite('suites/cyber-knowledge');
 *   for await (const sample of suite.samples()) console.log(sample.id);
 */
export async function openSuite(path: string, options: { tree?: SuiteTree } = {}): Promise<SuiteHandle> {
  const scan = await scanSuite(path, options);
  if (scan.inputError !== undefined) throw scan.inputError;
  const { location } = scan;
  const { tree } = location;
  if (scan.valid === undefined) {
    const count = scan.problems.length;
    const first = scan.problems[0];
    throw new RedlineError(
      'E_SCHEMA',
      `${location.displayFile} is not a valid suite (${count} problem${count === 1 ? '' : 's'}` +
        `${first === undefined ? '' : `, the first: ${formatProblem(first)}`}); run "redline suite validate ${path}" to list them all`,
      { details: { problems: scan.problems } },
    );
  }
  const { header, sha256, categoryCounts, agenticCount, source } = scan.valid;
  const sampleCount = scan.sampleCount;
  const stream =
    source.kind === 'inline'
      ? (): AsyncIterable<Sample> => streamInline(source.samples)
      : (): AsyncIterable<Sample> =>
          streamJsonl(source.samples, { sha256, sampleCount, checkpoints: source.checkpoints });
  const samples =
    tree === undefined || agenticCount === 0
      ? stream
      : (): AsyncIterable<Sample> => inlineAll(stream(), tree);
  return {
    path,
    file: location.file,
    dir: location.dir,
    ...(tree === undefined ? {} : { tree }),
    displayFile: location.displayFile,
    format: location.format,
    samplesFile: source.kind === 'jsonl' ? source.samples : undefined,
    header,
    sha256,
    sampleCount,
    categoryCounts,
    agenticCount,
    samples,
  };
}

async function* inlineAll(samples: AsyncIterable<Sample>, tree: SuiteTree): AsyncGenerator<Sample> {
  for await (const sample of samples) yield inlineFileRefs(sample, tree);
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async generator, so both sources stream alike
async function* streamInline(samples: readonly Sample[]): AsyncGenerator<Sample> {
  yield* samples;
}
