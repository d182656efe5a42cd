/**
 * findComposeFile: where a CTF task keeps the compose file of its live target, and hasFile for the Dockerfile of a
 * task without one.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';

/** Names of a compose file, in order of preference. */
export const COMPOSE_FILE_NAMES = [
  'docker-compose.yml',
  'docker-compose.yaml',
  'compose.yaml',
  'compose.yml',
];

/** The first compose file (a regular file, not a symlink) in `dir` or its `subdirs`, in that order; or undefined. */
export async function findComposeFile(
  dir: string,
  subdirs: readonly string[] = [],
): Promise<string | undefined> {
  for (const sub of ['', ...subdirs]) {
    for (const name of COMPOSE_FILE_NAMES) {
      const path = join(dir, sub, name);
      const stats = await lstat(path).catch(() => undefined);
      if (stats?.isFile() === true) return path;
    }
  }
  return undefined;
}

/** True when `dir` holds a regular file named `name`. */
export async function hasFile(dir: string, name: string): Promise<boolean> {
  return (await lstat(join(dir, name)).catch(() => undefined))?.isFile() === true;
}
