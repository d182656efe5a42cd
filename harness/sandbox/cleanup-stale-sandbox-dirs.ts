import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../is-process-alive.js';

/**
 * Removes `redline-sbx-<pid>` (evaluation runs) and `redline-vuln-<pid>` (reproducer runs) directories under
 * `baseTmp` whose pid is dead (left by a harness killed with
 * SIGKILL); returns the removed paths. Synchronous: it runs once at start-up, before any sandbox exists. The
 * sandboxed processes themselves died with their harness (bwrap --die-with-parent).
 */
export function cleanupStaleSandboxDirs(baseTmp: string): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(baseTmp);
  } catch {
    return removed; // no such dir: nothing is stale
  }
  for (const entry of entries) {
    const pid = /^redline-(?:sbx|vuln)-(\d+)$/.exec(entry)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isProcessAlive(Number(pid))) continue;
    const path = join(baseTmp, entry);
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
