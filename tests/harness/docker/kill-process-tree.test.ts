/**
 * killProcessTree: SIGKILL to a process and every descendant, found through /proc. Checked on real shell trees;
 * "gone" means no /proc entry or a zombie (killed, waiting for its new parent to reap it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcessTree } from '../../../harness/docker/kill-process-tree.js';

const started: ChildProcess[] = [];
afterEach(() => {
  // Whatever a failed test left running.
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** pid -> [parent pid, state] of every process, from /proc/PID/stat. */
function readProcesses(): Map<number, { ppid: number; state: string }> {
  const processes = new Map<number, { ppid: number; state: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.set(Number(name), { ppid: Number(ppid), state: state ?? '?' });
    } catch {
      // Exited while we read.
    }
  }
  return processes;
}

/** The descendants of `pid` that are alive now. */
function liveDescendants(pid: number): number[] {
  const processes = readProcesses();
  const found: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const parent = stack.pop()!;
    for (const [child, info] of processes) {
      if (info.ppid === parent) {
        stack.push(child);
        if (info.state !== 'Z' && info.state !== 'X') found.push(child);
      }
    }
  }
  return found;
}

/** True while `pid` has a /proc entry that is not a zombie. */
function isAlive(pid: number): boolean {
  const state = readProcesses().get(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Polls /proc until `check` holds or 5 s pass; returns whether it held (no event tells us about non-children). */
async function eventually(check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Spawns `sh -c script` and resolves once it prints its first line (its background jobs are started by then). */
async function spawnShell(script: string): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', () => resolve());
  });
  if (child.pid === undefined) throw new Error('sh did not start');
  return child as ChildProcess & { pid: number };
}

/** Resolves with the signal that ended `child`. */
function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

describe('killProcessTree', () => {
  it('kills a shell and both of its background sleeps', async () => {
    const sh = await spawnShell('sleep 100 & sleep 100 & echo started; wait');
    const sleeps = liveDescendants(sh.pid);
    expect(sleeps).toHaveLength(2);
    expect(await killProcessTree(sh.pid)).toBe(3);
    expect(await exited(sh)).toBe('SIGKILL');
    for (const pid of sleeps) expect(await eventually(() => !isAlive(pid)), `sleep ${pid} gone`).toBe(true);
  });

  it('kills grandchildren too', async () => {
    const sh = await spawnShell('sh -c "sleep 100 & sleep 100 & wait" & sleep 100 & echo started; wait');
    // The inner shell starts its sleeps on its own time: wait until the whole tree is there.
    expect(await eventually(() => liveDescendants(sh.pid).length === 4)).toBe(true);
    const tree = liveDescendants(sh.pid);
    expect(await killProcessTree(sh.pid)).toBe(5);
    expect(await exited(sh)).toBe('SIGKILL');
    for (const pid of tree) expect(await eventually(() => !isAlive(pid)), `${pid} gone`).toBe(true);
  });

  it('leaves processes outside the tree alone', async () => {
    const bystander = await spawnShell('echo started; exec sleep 100');
    const sh = await spawnShell('sleep 100 & echo started; wait');
    expect(await killProcessTree(sh.pid)).toBe(2);
    expect(await exited(sh)).toBe('SIGKILL');
    expect(isAlive(bystander.pid)).toBe(true);
    expect(bystander.exitCode).toBeNull();
  });

  it('signals nothing for a process that is gone', async () => {
    const sh = await spawnShell('echo started');
    await exited(sh);
    expect(await killProcessTree(sh.pid)).toBe(0);
  });
});
