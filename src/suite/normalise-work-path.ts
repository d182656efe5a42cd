/**
 * The one rule for file paths placed in a sandbox's /work: suites' task files and reproducers' files alike.
 */
import { posix } from 'node:path';

/**
 * `path` normalised (`./a//b` -> `a/b`), or undefined when it is not a relative path that stays inside /work: empty,
 * absolute, with a `..` segment, a backslash or a NUL, or naming a directory (`.`, a trailing `/`).
 *
 * @example normaliseWorkPath('./data//x.bin'); // 'data/x.bin'
 */
export function normaliseWorkPath(path: string): string | undefined {
  const isBad =
    path === '' ||
    path.includes('\0') ||
    path.includes('\\') ||
    posix.isAbsolute(path) ||
    path.split('/').some((segment) => segment === '..');
  const normalised = posix.normalize(path);
  if (isBad || normalised === '.' || normalised.startsWith('../') || normalised.endsWith('/'))
    return undefined;
  return normalised;
}
