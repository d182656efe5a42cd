import { lchown, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RedlineError } from '../../src/errors.js';
import { normaliseWorkPath } from '../../src/suite/normalise-work-path.js';

/** Checks a task file path is relative and stays inside the work dir; returns it normalised (E_INPUT otherwise). */
export function checkTaskFilePath(path: string): string {
  const normalised = normaliseWorkPath(path);
  if (normalised === undefined) {
    throw new RedlineError(
      'E_INPUT',
      `sandbox file ${JSON.stringify(path)}: must be a relative path inside /work (no leading "/", no "..")`,
    );
  }
  return normalised;
}

/** Gives `dir` and everything under it (without following symlinks) to uid:gid. */
async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await lchown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, uid, gid);
    else await lchown(path, uid, gid);
  }
}

/**
 * Writes task files under `workDir` (which must exist) and, when `owner` is given, hands the whole tree to the
 * sandbox uid so the model can edit and delete its files.
 */
export async function writeTaskFiles(
  workDir: string,
  files: Record<string, Uint8Array>,
  owner?: { uid: number; gid: number },
): Promise<void> {
  // Check every path before writing any, so a bad spec leaves nothing half-written.
  const entries = Object.entries(files).map(([path, bytes]) => [checkTaskFilePath(path), bytes] as const);
  for (const [path, bytes] of entries) {
    const target = join(workDir, path);
    try {
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await writeFile(target, bytes, { mode: 0o644, flag: 'wx' });
    } catch (error) {
      throw new RedlineError(
        'E_INPUT',
        `sandbox file ${JSON.stringify(path)}: cannot be written (${String(error)})`,
        {
          cause: error,
        },
      );
    }
  }
  if (owner !== undefined) await chownTree(workDir, owner.uid, owner.gid);
}
