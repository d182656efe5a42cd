/**
 * Kills a host process and every descendant (SIGKILL), found through /proc: a timed-out `docker exec` command and
 * whatever it started, since the engine has no API to kill an exec.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Parent pid of each live process, from /proc/PID/stat. */
async function readParents(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(rest[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  return parents;
}

/** SIGKILLs `pid` and its descendants; returns how many were signalled. */
export async function killProcessTree(pid: number): Promise<number> {
  const parents = await readParents();
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents) {
    const list = children.get(parent) ?? [];
    list.push(child);
    children.set(parent, list);
  }
  const tree: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const next = stack.pop() as number;
    tree.push(next);
    stack.push(...(children.get(next) ?? []));
  }
  let killed = 0;
  for (const target of tree) {
    try {
      process.kill(target, 'SIGKILL');
      killed++;
    } catch {
      // ESRCH: gone already.
    }
  }
  return killed;
}
