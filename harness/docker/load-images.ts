/**
 * loadImages: `redline images --load DIR`: the tars a suite needs, checked against the images.json that --save
 * wrote beside them before any is loaded, then loaded into the engine.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { RedlineError } from '../../src/errors.js';
import { compileValidator } from '../../src/schema/validate.js';
import type { DockerClient } from './docker-client.js';
import { IMAGE_MANIFEST_FILE, ImageManifest } from './image-manifest.js';
import { readInputFile } from '../cli/user-files.js';

/** One loaded image: its reference, the id the engine gave it and the tar it came from. */
export interface LoadedImage {
  ref: string;
  id: string;
  file: string;
}

/** What loadImages did: the images loaded, and the manifest's images the suite does not use (not loaded). */
export interface LoadedImages {
  loaded: LoadedImage[];
  skipped: string[];
}

const manifestValidator = compileValidator(ImageManifest);

/**
 * Checks every tar of `dir` that the suite needs (`needed` refs) against the manifest before loading any (a missing
 * or altered tar loads nothing: E_INPUT, E_TAMPERED), then loads them, passing the engine's lines to `log`; a loaded
 * image whose id is not the manifest's means the tar changed in between (E_TAMPERED).
 */
export async function loadImages(
  docker: DockerClient,
  dir: string,
  needed: ReadonlySet<string>,
  log: (line: string) => void,
): Promise<LoadedImages> {
  const manifest = readImageManifest(dir);
  const wanted = manifest.images.filter((entry) => needed.has(entry.ref));
  const skipped = manifest.images.filter((entry) => !needed.has(entry.ref)).map((entry) => entry.ref);
  for (const entry of wanted) {
    const file = join(dir, entry.file);
    const actual = await sha256File(file);
    if (actual !== entry.sha256) {
      throw new RedlineError(
        'E_TAMPERED',
        `${file}: sha256 ${actual} is not the ${entry.sha256} that ${join(dir, IMAGE_MANIFEST_FILE)} records for ` +
          `${entry.ref}; nothing was loaded: copy the directory written by --save again`,
        { details: { file, ref: entry.ref, expected: entry.sha256, actual } },
      );
    }
  }
  const loaded: LoadedImage[] = [];
  for (const entry of wanted) {
    const file = join(dir, entry.file);
    const lines = await docker.loadImages(createReadStream(file));
    for (const line of lines) log(line);
    const info = await docker.inspectImage(entry.ref);
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

/** The images.json of `dir`, validated: E_INPUT when it cannot be read, E_MALFORMED when it is not a manifest. */
function readImageManifest(dir: string): ImageManifest {
  const file = join(dir, IMAGE_MANIFEST_FILE);
  const text = readInputFile(file, 'give the directory written by "redline images SUITE --save DIR"');
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
