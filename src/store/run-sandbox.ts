/**
 * What the docker sandboxes of a run were made of: each image by reference with the id and digests the engine
 * had when the run started, and the capabilities challenges added. Stored on the run (migration 7), shown by
 * `report`, and compared on resume so a resumed run cannot silently switch images.
 */
import type { Db } from './open-store.js';

/** One image a run used. */
export interface RunImage {
  ref: string;
  /** The engine's image id (sha256:...): the content that ran. */
  id: string;
  /** Registry digests, when the image came from a registry or a `docker save` of one. */
  repoDigests: string[];
}

/** The sandbox record of a run. */
export interface RunSandboxInfo {
  images: RunImage[];
  /** The OCI runtime of the lab setting, or runsc when the engine has it; null for the engine's default. */
  runtime?: string | null;
  /** Sample id -> capabilities added to its containers (only samples that add some). */
  capabilities: Record<string, string[]>;
}

/** Stores the sandbox record of a run (replacing the previous session's). */
export function setRunSandbox(db: Db, runId: string, info: RunSandboxInfo): void {
  db.prepare('UPDATE runs SET sandbox = ? WHERE id = ?').run(JSON.stringify(info), runId);
}

/** The sandbox record of a run, or null for a run without docker samples. */
export function getRunSandbox(db: Db, runId: string): RunSandboxInfo | null {
  const row = db.prepare('SELECT sandbox FROM runs WHERE id = ?').get(runId) as
    { sandbox: string | null } | undefined;
  return row?.sandbox === null || row?.sandbox === undefined
    ? null
    : (JSON.parse(row.sandbox) as RunSandboxInfo);
}

/** The images whose id changed between `before` and `after` (by reference). */
export function changedImages(
  before: RunSandboxInfo,
  after: RunSandboxInfo,
): Array<{ ref: string; from: string; to: string }> {
  const now = new Map(after.images.map((image) => [image.ref, image.id]));
  const changed: Array<{ ref: string; from: string; to: string }> = [];
  for (const image of before.images) {
    const id = now.get(image.ref);
    if (id !== undefined && id !== image.id) changed.push({ ref: image.ref, from: image.id, to: id });
  }
  return changed;
}
