import { readdir, readFile } from 'node:fs/promises';

/** Pids of the live (non-zombie) processes whose real uid is `uid`, read from /proc of the host. */
export async function listProcessesOfUid(uid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = await readFile(`/proc/${entry}/status`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const realUid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    // A zombie holds no resources and cannot be killed; its parent reaps it.
    if (realUid === String(uid) && state !== 'Z' && state !== 'X') pids.push(Number(entry));
  }
  return pids;
}
