/**
 * saveImages: `redline images --save DIR`: one tar per image (written beside, then renamed) and an images.json
 * manifest recording each tar's SHA-256, so that `--load` can check them after they crossed an air gap.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DockerClient } from './docker-client.js';
import { IMAGE_MANIFEST_FILE, type ImageManifest } from './image-manifest.js';

/** One saved image: its manifest entry (with `file` the tar's path) and the tar's size. */
export type SavedImage = ImageManifest['images'][number] & { bytes: number };

/** What saveImages wrote: the tars and the manifest's path. */
export interface SavedImages {
  saved: SavedImage[];
  manifest: string;
}

/** Saves `images` (all present in the engine) to `dir` for `suite`: one tar each, then the manifest; every file 0644. */
export async function saveImages(
  docker: DockerClient,
  images: ReadonlyArray<{ ref: string; id: string | null }>,
  dir: string,
  suite: ImageManifest['suite'],
): Promise<SavedImages> {
  await mkdir(dir, { recursive: true });
  const names = tarFileNames(images.map((i) => i.ref));
  const saved: SavedImage[] = [];
  for (const image of images) {
    const file = names.get(image.ref) ?? '';
    const target = join(dir, file);
    const partial = `${target}.partial`;
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = hashingTap(hash, (n) => (bytes += n));
    try {
      const written = pipeline(tap, createWriteStream(partial, { mode: 0o644 }));
      await Promise.all([docker.saveImages([image.ref], tap), written]);
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
    suite: { id: suite.id, version: suite.version },
    images: saved.map(({ ref, id, file, sha256 }) => ({ ref, id, file, sha256 })),
  };
  const manifestPath = join(dir, IMAGE_MANIFEST_FILE);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  await chmod(manifestPath, 0o644);
  return { saved: saved.map((s) => ({ ...s, file: join(dir, s.file) })), manifest: manifestPath };
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
