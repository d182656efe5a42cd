/**
 * `redline images SUITE`: the container images a suite's docker samples need and whether the engine has them;
 * `--save DIR` / `--load DIR` carry them across an air gap (one tar per image, checked against images.json), and
 * `--build` makes them from the recipes of the suite header.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import { isRedlineError, RedlineError } from '../../../src/errors.js';
import type { ImageBuild } from '../../../src/schema/suite.js';
import { compileValidator } from '../../../src/schema/validate.js';
import { openSuite, type SuiteHandle } from '../../../src/suite/load-suite.js';
import { buildImageContext } from '../../docker/build-image-context.js';
import { createDockerClient, dockerSocketPath, type DockerClient } from '../../docker/docker-client.js';
import { listSuiteImages, type SuiteImage } from '../../docker/list-suite-images.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { usageError, type ExitHolder } from '../program.js';

/** The manifest `--save` writes beside the tars and `--load` checks them against. */
const ImageManifest = Type.Object(
  {
    format: Type.Literal('redline-images/1', { description: 'The manifest format.' }),
    suite: Type.Object(
      {
        id: Type.String({ description: 'Id of the suite the images were saved for.' }),
        version: Type.String({ description: 'Its version.' }),
      },
      { additionalProperties: false, description: 'The suite the images were saved for.' },
    ),
    images: Type.Array(
      Type.Object(
        {
          ref: Type.String({ description: 'The image reference.', minLength: 1 }),
          id: Type.String({ description: 'The image id (sha256:...).', pattern: '^sha256:[0-9a-f]{64}$' }),
          file: Type.String({
            description: 'The tar in the same directory (a plain file name).',
            pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]*\\.tar$',
          }),
          sha256: Type.String({ description: 'Hex SHA-256 of the tar.', pattern: '^[0-9a-f]{64}$' }),
        },
        { additionalProperties: false, description: 'One saved image.' },
      ),
      { description: 'The saved images.' },
    ),
  },
  { additionalProperties: false, description: 'The images of a suite saved by `redline images --save`.' },
);
type ImageManifest = Static<typeof ImageManifest>;
const manifestValidator = compileValidator(ImageManifest);
const MANIFEST = 'images.json';

interface ImagesFlags {
  json?: boolean;
  save?: string;
  load?: string;
  build?: boolean;
  rebuild?: boolean;
}

/** One image and what the engine has of it. */
interface ImageStatus {
  ref: string;
  status: 'present' | 'missing';
  id: string | null;
  digest: string | null;
  samples: string[];
  recipe: ImageBuild | null;
}

/** The one JSON object of `--json`: the suite, the final state of its images and what the action did. */
interface ImagesReport {
  suite: { id: string; version: string; file: string };
  images: ImageStatus[];
  missing: string[];
  saved?: Array<ImageManifest['images'][number] & { bytes: number }>;
  manifest?: string;
  loaded?: Array<{ ref: string; id: string; file: string }>;
  skipped?: string[];
  built?: Array<{ ref: string; id: string | null }>;
}

/** Registers `images`. */
export function registerImagesCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('images')
    .description(
      'List the container images a suite needs and whether the engine has them (exit 3 when any is missing); ' +
        'save them to a directory, load them from one, or build them from the suite header recipes.',
    )
    .argument('<suite>', 'suite directory or file')
    .option('--json', 'print one JSON object on stdout')
    .option('--save <dir>', 'write one tar per image and images.json (with each tar sha256) to DIR')
    .option('--load <dir>', 'check the tars in DIR against its images.json, then load them')
    .option('--build', 'build the missing images that have a recipe in the suite header ("images")')
    .option('--rebuild', 'build every image that has a recipe, present or not (implies --build)')
    .action(async (path: string, flags: ImagesFlags) => {
      const actions = [
        flags.save,
        flags.load,
        flags.build === true || flags.rebuild === true ? true : undefined,
      ];
      if (actions.filter((a) => a !== undefined).length > 1) {
        usageError('give at most one of --save, --load and --build');
      }
      const suite = await openSuite(path);
      const images = await listSuiteImages(suite);
      const docker = createDockerClient({ socketPath: dockerSocketPath(io.env) });
      try {
        await docker.ping();
        exit.code = await runImages({ io, docker, suite, path, images, flags });
      } finally {
        docker.close();
      }
    });
}

interface ImagesRun {
  io: CliIo;
  docker: DockerClient;
  suite: SuiteHandle;
  /** The suite path as the user gave it, for the commands we suggest. */
  path: string;
  images: SuiteImage[];
  flags: ImagesFlags;
}

async function runImages(run: ImagesRun): Promise<number> {
  const { flags } = run;
  let extra: Partial<ImagesReport> = {};
  if (flags.save !== undefined) {
    const before = await inspectAll(run);
    if (before.some((i) => i.status === 'missing')) {
      finish(run, before, {});
      throw missingError(run, before, 'nothing was saved');
    }
    extra = await saveImages(run, before, flags.save);
  } else if (flags.load !== undefined) {
    extra = await loadImages(run, flags.load);
  } else if (flags.build === true || flags.rebuild === true) {
    extra = await buildImages(run, await inspectAll(run), flags.rebuild === true);
  }
  const after = await inspectAll(run);
  finish(run, after, extra);
  if (after.some((i) => i.status === 'missing')) throw missingError(run, after);
  return EXIT.ok;
}

/** What the engine has of each image. */
async function inspectAll(run: ImagesRun): Promise<ImageStatus[]> {
  const out: ImageStatus[] = [];
  for (const image of run.images) {
    const info = await run.docker.inspectImage(image.ref);
    out.push({
      ref: image.ref,
      status: info === null ? 'missing' : 'present',
      id: info?.id ?? null,
      digest: info?.repoDigests[0] ?? null,
      samples: image.samples,
      recipe: image.recipe ?? null,
    });
  }
  return out;
}

/** Prints the report: one JSON object, or the action's lines followed by one line per image. */
function finish(run: ImagesRun, images: ImageStatus[], extra: Partial<ImagesReport>): void {
  const { io, suite } = run;
  const report: ImagesReport = {
    suite: { id: suite.header.id, version: suite.header.version, file: suite.displayFile },
    images,
    missing: images.filter((i) => i.status === 'missing').map((i) => i.ref),
    ...extra,
  };
  if (run.flags.json === true) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  for (const s of report.saved ?? [])
    io.stdout(`saved ${s.ref} -> ${s.file} (${s.bytes} bytes, sha256 ${s.sha256})\n`);
  if (report.manifest !== undefined) io.stdout(`wrote ${report.manifest}\n`);
  for (const l of report.loaded ?? []) io.stdout(`loaded ${l.ref} from ${l.file} (${l.id})\n`);
  for (const ref of report.skipped ?? []) io.stdout(`skipped ${ref} (not used by this suite)\n`);
  for (const b of report.built ?? []) io.stdout(`built ${b.ref} (${b.id ?? 'no id'})\n`);
  const count = images.length;
  io.stdout(
    `${suite.header.id}@${suite.header.version}: ${count === 0 ? 'no docker images needed' : `${count} image${count === 1 ? '' : 's'}`}\n`,
  );
  const width = Math.max(0, ...images.map((i) => i.ref.length));
  for (const image of images) {
    const id = image.id === null ? '-' : image.id.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1');
    const shown = image.samples.slice(0, 3).join(', ');
    const more = image.samples.length > 3 ? ` and ${image.samples.length - 3} more` : '';
    io.stdout(
      `${image.status.padEnd(7)}  ${image.ref.padEnd(width)}  ${id.padEnd(19)}  ` +
        `${image.digest === null ? '' : `${image.digest}  `}` +
        `${image.samples.length} sample${image.samples.length === 1 ? '' : 's'}: ${shown}${more}` +
        `${image.status === 'missing' ? (image.recipe === null ? ' (no recipe)' : ' (recipe: --build)') : ''}\n`,
    );
  }
}

/** E_IMAGE_MISSING naming the missing images and how to get each. */
function missingError(run: ImagesRun, images: ImageStatus[], what?: string): RedlineError {
  const missing = images.filter((i) => i.status === 'missing');
  const withRecipe = missing.filter((i) => i.recipe !== null).map((i) => i.ref);
  const without = missing.filter((i) => i.recipe === null).map((i) => i.ref);
  const them = missing.length === 1 ? 'it' : 'them';
  const ways = [`load ${them} with "redline images ${run.path} --load DIR" (a directory written by --save)`];
  if (withRecipe.length > 0)
    ways.push(`build ${without.length === 0 ? them : withRecipe.join(', ')} with "--build"`);
  if (without.length > 0)
    ways.push(
      `${without.join(', ')} ha${without.length === 1 ? 's' : 've'} no recipe in the suite's "images"`,
    );
  return new RedlineError(
    'E_IMAGE_MISSING',
    `${missing.length} image${missing.length === 1 ? ' is' : 's are'} not in the docker engine: ` +
      `${missing.map((i) => i.ref).join(', ')}${what === undefined ? '' : ` (${what})`}; ${ways.join('; ')}`,
    { details: { missing: missing.map((i) => i.ref) } },
  );
}

/** One tar per image (written beside, then renamed), then the manifest; every file 0644. */
async function saveImages(
  run: ImagesRun,
  images: ImageStatus[],
  dir: string,
): Promise<Partial<ImagesReport>> {
  await mkdir(dir, { recursive: true });
  const names = tarFileNames(images.map((i) => i.ref));
  const saved: NonNullable<ImagesReport['saved']> = [];
  for (const image of images) {
    const file = names.get(image.ref) ?? '';
    const target = join(dir, file);
    const partial = `${target}.partial`;
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = hashingTap(hash, (n) => (bytes += n));
    try {
      const written = pipeline(tap, createWriteStream(partial, { mode: 0o644 }));
      await Promise.all([run.docker.saveImages([image.ref], tap), written]);
      await chmod(partial, 0o644);
      await rename(partial, target);
    } catch (error) {
      tap.destroy();
      await rm(partial, { force: true });
      throw error;
    }
    saved.push({ ref: image.ref, id: image.id ?? '', file, sha256: hash.digest('hex'), bytes });
  }
  const manifest: ImageManifest = {
    format: 'redline-images/1',
    suite: { id: run.suite.header.id, version: run.suite.header.version },
    images: saved.map(({ ref, id, file, sha256 }) => ({ ref, id, file, sha256 })),
  };
  const manifestPath = join(dir, MANIFEST);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  await chmod(manifestPath, 0o644);
  return { saved: saved.map((s) => ({ ...s, file: join(dir, s.file) })), manifest: manifestPath };
}

/**
 * Checks every tar this suite needs against the manifest before loading any (a missing or altered tar loads
 * nothing), then loads them; a loaded image whose id is not the manifest's means the tar changed in between.
 */
async function loadImages(run: ImagesRun, dir: string): Promise<Partial<ImagesReport>> {
  const manifest = await readManifest(dir);
  const needed = new Set(run.images.map((i) => i.ref));
  const wanted = manifest.images.filter((entry) => needed.has(entry.ref));
  const skipped = manifest.images.filter((entry) => !needed.has(entry.ref)).map((entry) => entry.ref);
  for (const entry of wanted) {
    const file = join(dir, entry.file);
    const actual = await sha256File(file);
    if (actual !== entry.sha256) {
      throw new RedlineError(
        'E_TAMPERED',
        `${file}: sha256 ${actual} is not the ${entry.sha256} that ${join(dir, MANIFEST)} records for ` +
          `${entry.ref}; nothing was loaded: copy the directory written by --save again`,
        { details: { file, ref: entry.ref, expected: entry.sha256, actual } },
      );
    }
  }
  const loaded: NonNullable<ImagesReport['loaded']> = [];
  for (const entry of wanted) {
    const file = join(dir, entry.file);
    const lines = await run.docker.loadImages(createReadStream(file));
    for (const line of lines) run.io.stderr(`${line}\n`);
    const info = await run.docker.inspectImage(entry.ref);
    if (info?.id !== entry.id) {
      throw new RedlineError(
        'E_TAMPERED',
        `${file}: loading it gave ${entry.ref} the id ${info?.id ?? '(none)'}, not the ${entry.id} of the ` +
          `manifest (the file changed after it was checked); remove the image and load again`,
        { details: { file, ref: entry.ref } },
      );
    }
    loaded.push({ ref: entry.ref, id: info.id, file });
  }
  return { loaded, skipped };
}

async function readManifest(dir: string): Promise<ImageManifest> {
  const file = join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): ` +
        'give the directory written by "redline images SUITE --save DIR"',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RedlineError('E_MALFORMED', `${file} is not JSON: give the images.json written by --save`);
  }
  const problems = manifestValidator.problems(value, { file });
  if (problems.length > 0 || !manifestValidator.check(value)) {
    const first = problems[0];
    throw new RedlineError(
      'E_MALFORMED',
      `${file} is not an images manifest${first === undefined ? '' : ` (${first.pointer || '/'}: ${first.message})`}`,
      { details: { problems } },
    );
  }
  const refs = value.images.map((entry) => entry.ref);
  const twice = refs.find((ref, index) => refs.indexOf(ref) !== index);
  if (twice !== undefined) throw new RedlineError('E_MALFORMED', `${file} lists ${twice} twice`);
  return value;
}

/** Builds the images to build (missing ones with a recipe, or every one with a recipe), printing engine output. */
async function buildImages(
  run: ImagesRun,
  images: ImageStatus[],
  rebuild: boolean,
): Promise<Partial<ImagesReport>> {
  const built: NonNullable<ImagesReport['built']> = [];
  for (const image of images) {
    if (image.recipe === null || (image.status === 'present' && !rebuild)) continue;
    const context = await buildImageContext({
      suiteDir: run.suite.dir,
      suiteFile: run.suite.displayFile,
      ref: image.ref,
      recipe: image.recipe,
    });
    run.io.stderr(`building ${image.ref} (${context.entries.length} entries, ${context.tar.length} bytes)\n`);
    let lines: string[];
    try {
      lines = await run.docker.buildImage(image.ref, context.tar, context.dockerfile);
    } catch (error) {
      const output = isRedlineError(error)
        ? (error.details as { output?: unknown } | undefined)?.output
        : undefined;
      if (Array.isArray(output)) for (const line of output) run.io.stderr(`${String(line)}\n`);
      throw error;
    }
    for (const line of lines) run.io.stderr(`${line}\n`);
    const info = await run.docker.inspectImage(image.ref);
    built.push({ ref: image.ref, id: info?.id ?? null });
  }
  return { built };
}

/** `ref` -> a file name: characters other than letters, digits, ".", "_" and "-" become "_"; clashes get a hash. */
function tarFileNames(refs: readonly string[]): Map<string, string> {
  const base = (ref: string): string => ref.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
  const counts = new Map<string, number>();
  for (const ref of refs) counts.set(base(ref).toLowerCase(), (counts.get(base(ref).toLowerCase()) ?? 0) + 1);
  return new Map(
    refs.map((ref) => {
      const name = base(ref);
      const clash = (counts.get(name.toLowerCase()) ?? 0) > 1;
      const suffix = clash ? `-${createHash('sha256').update(ref).digest('hex').slice(0, 12)}` : '';
      return [ref, `${name}${suffix}.tar`];
    }),
  );
}

/** A pass-through stream that hashes what goes through it. */
function hashingTap(hash: Hash, count: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      count(chunk.length);
      callback(null, chunk);
    },
  });
}

/** Hex SHA-256 of a file, streamed; E_INPUT naming the file when it cannot be read. */
async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); nothing was loaded: ` +
        'copy every file of the directory written by --save',
      { details: { file } },
    );
  }
  return hash.digest('hex');
}
