import { spawn } from 'node:child_process';
import { type ExecResult } from './sandbox-backend.js';

/** How to run one host process with a wall-time and bounded output capture. */
export interface BoundedProcessOptions {
  /** Absolute path of the program. */
  command: string;
  /** Arguments, without the program. */
  args: readonly string[];
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string>;
  /** Working directory on the host. */
  cwd: string;
  /** Wall-time in milliseconds; then the process group gets SIGKILL. */
  timeoutMs: number;
  /** Bytes captured per stream. */
  outputBytes: number;
  /** Text written to standard input, then closed. */
  stdin?: string;
}

/** A running bounded process: its result, and a way to kill its whole process group early. */
export interface BoundedProcess {
  /** Settles when the process has exited and its pipes are closed (or abandoned shortly after exit). */
  readonly result: Promise<ExecResult>;
  /** SIGKILLs the process group (idempotent). */
  kill(): void;
}

// After the process exits, a grandchild that escaped the group could hold the pipes open forever; stop reading then.
const PIPE_GRACE_MS = 500;

/** Collects up to `limitBytes` of a stream and counts what it dropped. */
function createCapture(limitBytes: number): {
  push(chunk: Buffer): void;
  text(): string;
  isTruncated(): boolean;
} {
  const chunks: Buffer[] = [];
  let kept = 0;
  let isCut = false;
  return {
    push(chunk) {
      if (kept >= limitBytes) {
        isCut = true;
        return;
      }
      const room = limitBytes - kept;
      if (chunk.length > room) isCut = true;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      kept += part.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
    isTruncated: () => isCut,
  };
}

/**
 * Spawns a process in its own process group (detached) so that a timeout can SIGKILL the group as a whole, and
 * captures its output up to a bound.
 */
export function runBoundedProcess(options: BoundedProcessOptions): BoundedProcess {
  const startedAt = performance.now();
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout = createCapture(options.outputBytes);
  const stderr = createCapture(options.outputBytes);
  let hasTimedOut = false;
  let hasExited = false;

  const kill = (): void => {
    if (hasExited || child.pid === undefined) return;
    try {
      // Negative pid: the whole process group (prlimit -> setpriv -> bwrap exec in place, so pgid = pid).
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already gone.
    }
  };

  const result = new Promise<ExecResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      hasTimedOut = true;
      kill();
    }, options.timeoutMs);
    let graceTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // EPIPE when the command does not read its input is expected, not an error of the run.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', () => {
      hasExited = true;
      clearTimeout(timer);
      graceTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, PIPE_GRACE_MS);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      resolve({
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: code,
        signal,
        timedOut: hasTimedOut,
        durationMs: performance.now() - startedAt,
        truncated: stdout.isTruncated() || stderr.isTruncated(),
      });
    });
  });
  return { result, kill };
}
