/**
 * Starts TypeScript scripts as child processes (through tsx) so that their real work starts at the same moment:
 * each script calls waitForGo(), which says "ready" and waits for the word; runTogether gives it once every
 * process is ready. Process start-up (a few hundred ms, unevenly) then cannot keep two writers from meeting.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** What a script printed and how it ended. */
export interface ScriptResult {
  code: number | null;
  /** stdout after the "ready" line. */
  stdout: string;
  stderr: string;
}

const READY = 'ready\n';

/**
 * Runs `node --import tsx SCRIPT ARGS` for each entry, releases them together once all are ready, and waits for
 * them to exit.
 *
 * @example
 * const [a, b] = await runTogether([{ script, args: [url] }, { script, args: [url] }]);
 */
export async function runTogether(
  runs: ReadonlyArray<{ script: string; args: string[] }>,
): Promise<ScriptResult[]> {
  const children = runs.map(({ script, args }) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const result: ScriptResult = { code: null, stdout: '', stderr: '' };
    let isReady = false;
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        result.stdout += chunk.toString();
        if (!isReady && result.stdout.startsWith(READY)) {
          isReady = true;
          result.stdout = result.stdout.slice(READY.length);
          resolve();
        }
      });
      // A script that dies before it is ready releases the others too (its result says why).
      child.on('close', () => resolve());
    });
    child.stderr.on('data', (chunk: Buffer) => {
      result.stderr += chunk.toString();
    });
    const exited = once(child, 'close').then(([code]) => {
      result.code = code as number | null;
    });
    return { child, result, ready, exited };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const { child } of children) child.stdin.end('go\n');
  await Promise.all(children.map((c) => c.exited));
  return children.map((c) => c.result);
}

/** In a script started by runTogether: says "ready" and waits for the word to start. */
export async function waitForGo(): Promise<void> {
  process.stdout.write(READY);
  await once(process.stdin, 'data');
  process.stdin.pause();
}
