/**
 * The sandbox interface: one fresh, network-less sandbox per (sample, epoch) in which an agentic CTF task gives a
 * model a shell. Backends (bubblewrap now, Docker later) implement `SandboxBackend`.
 */

import { RedlineError } from '../../src/errors.js';

/** Resource limits of one sandbox; each `exec` gets them afresh. */
export interface SandboxLimits {
  /** Processes (RLIMIT_NPROC) for the sandbox uid, counting every live process of that uid. */
  processes: number;
  /** Address space per process in bytes (RLIMIT_AS). */
  memoryBytes: number;
  /** Largest file a process may write, in bytes (RLIMIT_FSIZE); also the size of the sandbox's /tmp tmpfs. */
  fileSizeBytes: number;
  /** Default wall-time of one command in milliseconds; the whole process tree is killed when it passes. */
  commandTimeoutMs: number;
  /** Bytes captured per stream (stdout, stderr); the rest is read and dropped. */
  outputBytes: number;
}

/** The limits used where a spec leaves one out. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  processes: 64,
  memoryBytes: 1024 * 1024 * 1024,
  fileSizeBytes: 64 * 1024 * 1024,
  commandTimeoutMs: 30_000,
  outputBytes: 64 * 1024,
});

/** What one command did. */
export interface ExecResult {
  /** Captured standard output (UTF-8, at most `outputBytes` bytes before decoding). */
  stdout: string;
  /** Captured standard error (UTF-8, at most `outputBytes` bytes before decoding). */
  stderr: string;
  /** Exit code, or null when the process was ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the process (e.g. 'SIGKILL' after a timeout), or null. */
  signal: string | null;
  /** True when the wall-time passed and the process tree was killed. */
  timedOut: boolean;
  /** Wall-time of the command in milliseconds, including sandbox start-up. */
  durationMs: number;
  /** True when stdout or stderr was longer than `outputBytes` and was cut. */
  truncated: boolean;
}

/** Options of one command. */
export interface ExecOptions {
  /** Wall-time in milliseconds; defaults to the sandbox's `commandTimeoutMs`. */
  timeoutMs?: number;
  /** Text written to the command's standard input (then closed); empty input when absent. */
  stdin?: string;
  /** 'sh' runs `/bin/sh -c script`; 'python3' runs `/usr/bin/python3 -c script`. Default 'sh'. */
  interpreter?: 'sh' | 'python3';
}

/** One live sandbox: a work dir shown at /work, and stateless commands run against it. */
export interface Sandbox {
  /** Unique among the live sandboxes of this process. */
  readonly id: string;
  /** Host path of the directory mounted read-write at /work inside the sandbox. */
  readonly workDir: string;
  /** Milliseconds `create` took (files, setup, probe). */
  readonly startMs: number;
  /** Runs one command in a new sandboxed process tree; only files in /work persist between commands. */
  exec(script: string, options?: ExecOptions): Promise<ExecResult>;
  /** Kills anything left and removes the work dir; safe to call twice. */
  destroy(): Promise<void>;
}

/** What a sandbox starts with. */
export interface SandboxSpec {
  /** Task files by path relative to /work (no absolute paths, no `..`). */
  files: Record<string, Uint8Array>;
  /** A shell script run once inside the sandbox after the files are placed; a non-zero exit fails `create`. */
  setup?: string;
  /** Overrides of `DEFAULT_SANDBOX_LIMITS`. */
  limits?: Partial<SandboxLimits>;
}

/** Makes sandboxes. */
export interface SandboxBackend {
  /** Short name for logs and records ('bwrap', 'docker'). */
  readonly name: string;
  /** Creates a fresh sandbox from a spec. */
  create(spec: SandboxSpec): Promise<Sandbox>;
}

/** Fills in defaults and checks every limit is a positive safe integer (E_INPUT otherwise). */
export function resolveSandboxLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  const limits: SandboxLimits = { ...DEFAULT_SANDBOX_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || (value as number) <= 0) {
      throw new RedlineError(
        'E_INPUT',
        `sandbox limits: ${name} must be a positive integer (got ${String(value)})`,
      );
    }
  }
  return limits;
}

// Linux refuses a single argv string longer than MAX_ARG_STRLEN (128 KiB); fail early with a clear message.
const MAX_SCRIPT_BYTES = 120 * 1024;

/**
 * The checks every backend makes before running a command: the sandbox is live, the script fits in one argv string,
 * and the timeout is a positive integer. Returns the timeout to use (the command's, else `defaultTimeoutMs`).
 */
export function checkExecRequest(
  sandboxId: string,
  isDestroyed: boolean,
  script: string,
  timeoutMs: number | undefined,
  defaultTimeoutMs: number,
): number {
  if (isDestroyed) throw new RedlineError('E_STATE', `sandbox ${sandboxId}: exec after destroy`);
  if (Buffer.byteLength(script) > MAX_SCRIPT_BYTES) {
    throw new RedlineError(
      'E_INPUT',
      `sandbox exec: script is ${Buffer.byteLength(script)} bytes, over ${MAX_SCRIPT_BYTES}; write it to a file in /work first`,
    );
  }
  const timeout = timeoutMs ?? defaultTimeoutMs;
  if (!Number.isSafeInteger(timeout) || timeout <= 0) {
    throw new RedlineError('E_INPUT', `sandbox exec: timeoutMs must be a positive integer (got ${timeout})`);
  }
  return timeout;
}
