/**
 * `redline images SUITE`: the container images a suite's docker samples need and whether the engine has them;
 * `--save DIR` / `--load DIR` carry them across an air gap (one tar per image, checked against images.json: see
 * harness/docker/save-images.ts and load-images.ts), and `--build` makes them from the recipes of the suite header.
 */
import type { Command } from 'commander';
import { isRedlineError, RedlineError } from '../../../src/errors.js';
import type { ImageBuild } from '../../../src/schema/suite.js';
import type { SuiteHandle } from '../../../src/suite/load-suite.js';
import { buildImageContext } from '../../docker/build-image-context.js';
import { createDockerClient, dockerSocketPath, type DockerClient } from '../../docker/docker-client.js';
import { listSuiteImages, type SuiteImage } from '../../docker/list-suite-images.js';
import { loadImages, type LoadedImage } from '../../docker/load-images.js';
import { saveImages, type SavedImage } from '../../docker/save-images.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { usageError, type ExitHolder } from '../program.js';
import {
  addSealedSuiteOptions,
  openSuiteArgument,
  recordSuiteOpenedInLab,
  suiteIdentityOf,
} from '../suite-argument.js';

interface ImagesFlags {
  json?: boolean;
  save?: string;
  load?: string;
  build?: boolean;
  rebuild?: boolean;
  identity?: string;
  db?: string;
  keys?: string;
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
  saved?: SavedImage[];
  manifest?: string;
  loaded?: LoadedImage[];
  skipped?: string[];
  built?: Array<{ ref: string; id: string | null }>;
}

/** Registers `images`. */
export function registerImagesCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  addSealedSuiteOptions(
    program
      .command('images')
      .description(
        'List the container images a suite needs and whether the engine has them (exit 3 when any is missing); ' +
          'save them to a directory, load them from one, or build them from the suite header recipes.',
      )
      .argument('<suite>', 'suite directory or file, or a sealed suite (with --identity)'),
  )
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
      const { suite, sealed } = await openSuiteArgument(path, flags.identity, io);
      recordSuiteOpenedInLab(io, {
        ...(flags.db === undefined ? {} : { db: flags.db }),
        ...(flags.keys === undefined ? {} : { keys: flags.keys }),
        command: 'images',
        sealed,
        suite: suiteIdentityOf(suite),
      });
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
    const { header } = run.suite;
    extra = await saveImages(run.docker, before, flags.save, { id: header.id, version: header.version });
  } else if (flags.load !== undefined) {
    const needed = new Set(run.images.map((i) => i.ref));
    extra = await loadImages(run.docker, flags.load, needed, (line) => run.io.stderr(`${line}\n`));
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
      ...(run.suite.tree === undefined ? {} : { tree: run.suite.tree }),
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
