/**
 * Whether a process of this host still runs: what tells a killed run, sandbox or session from a live one.
 */

/** True when a process with this pid exists (EPERM: it exists, it is just not ours to signal). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
