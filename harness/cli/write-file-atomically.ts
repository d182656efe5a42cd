/**
 * Writes a private output file atomically: a temp file beside it (mode 0600, created exclusively), flushed, then
 * renamed over it, so the file is either the old one or the whole new one, never half-written.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RedlineError } from '../../src/errors.js';

/** Writes `bytes` to `file` (mode 0600) through a temp file and a rename; E_INPUT naming `what` when it cannot. */
export function writeFileAtomically(file: string, bytes: Uint8Array, what: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o600);
    writeFileSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw new RedlineError(
      'E_INPUT',
      `${file}: cannot write ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the directory`,
      { cause: error },
    );
  }
}
