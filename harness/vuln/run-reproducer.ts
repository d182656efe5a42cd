/**
 * Runs a reproducer once in a fresh bubblewrap sandbox (no network, empty environment, the backend's rlimits) and
 * judges the run with matchSignal (src/vuln/reproducer.ts). The sandbox is destroyed whatever happens.
 */
import { rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBase64 } from '../../src/crypto/canonical-bytes.js';
import { RedlineError } from '../../src/errors.js';
import {
  matchSignal,
  reproducerDigest,
  type Reproducer,
  type ReproductionTranscript,
} from '../../src/vuln/reproducer.js';
import { cleanupStaleSandboxDirs, createBwrapBackend } from '../sandbox/bwrap-backend.js';
import type { ExecResult } from '../sandbox/sandbox-backend.js';

/** First sandbox uid of reproducer runs: below the evaluation workers' range (200_000 and up). */
export const REPRODUCER_UID_BASE = 150_000;

/** Options of {@link runReproducer}. */
export interface RunReproducerOptions {
  /** Host dir for the sandbox dirs; default `<tmpdir>/redline-vuln-<pid>`, removed again when left empty. */
  rootDir?: string;
  /** The clock of `startedAt`. */
  now?: () => Date;
  /** First sandbox uid (as root); default {@link REPRODUCER_UID_BASE}. Tests running in parallel pick their own. */
  uidBase?: number;
}

// Runs in flight that use the default root dir: it is removed only when none is left, so no run loses it mid-way.
let defaultRootUsers = 0;

/**
 * Runs `reproducer.command` as `/bin/sh -c` in /work of a new sandbox holding its files, with its timeout, and
 * returns the transcript (output, exit, the signal checks, and whether the finding was reproduced). A run that
 * times out is never reproduced. E_MALFORMED when a stored file is not base64; E_STATE when no sandbox can be made.
 *
 * @example
 *   const transcript = await runReproducer(loadReproducer('reproducer.json'));
 *   if (transcript.isReproduced) markValidated(findingId, transcript);
 */
export async function runReproducer(
  reproducer: Reproducer,
  options: RunReproducerOptions = {},
): Promise<ReproductionTranscript> {
  const files = decodeFiles(reproducer.files);
  const reproducerSha256 = reproducerDigest(reproducer);
  const isDefaultRoot = options.rootDir === undefined;
  const rootDir = options.rootDir ?? join(tmpdir(), `redline-vuln-${process.pid}`);
  const now = options.now ?? (() => new Date());
  // Dirs left by a CLI killed mid-validation (SIGKILL skips the finally below).
  if (isDefaultRoot) cleanupStaleSandboxDirs(tmpdir());
  const backend = createBwrapBackend({ rootDir, uidBase: options.uidBase ?? REPRODUCER_UID_BASE });
  if (isDefaultRoot) defaultRootUsers += 1;
  try {
    const startedAt = now().toISOString();
    const sandbox = await backend.create({ files, limits: { commandTimeoutMs: reproducer.timeoutMs } });
    let result: ExecResult;
    try {
      result = await sandbox.exec(reproducer.command, { timeoutMs: reproducer.timeoutMs });
    } finally {
      await sandbox.destroy();
    }
    const { isReproduced, checks } = matchSignal(reproducer.expect, result);
    return {
      reproducerSha256,
      command: reproducer.command,
      startedAt,
      durationMs: Math.round(result.durationMs),
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      stdout: result.stdout,
      stderr: result.stderr,
      truncated: result.truncated,
      checks,
      isReproduced,
      sandbox: `${backend.name}:${sandbox.id}`,
    };
  } finally {
    if (isDefaultRoot) {
      defaultRootUsers -= 1;
      // Synchronous, so no other run can start between the count reaching 0 and the removal.
      if (defaultRootUsers === 0) removeIfEmpty(rootDir);
    }
  }
}

/** The stored base64 files as bytes; E_MALFORMED naming the first file that is not canonical base64. */
function decodeFiles(stored: Record<string, string>): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const [path, base64] of Object.entries(stored)) {
    const bytes = typeof base64 === 'string' ? decodeBase64(base64) : undefined;
    if (bytes === undefined) {
      throw new RedlineError(
        'E_MALFORMED',
        `reproducer file ${JSON.stringify(path)}: the stored content is not standard padded base64`,
      );
    }
    files[path] = bytes;
  }
  return files;
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // ENOENT: never made (create failed early); ENOTEMPTY: a stale sandbox dir is still there. Both are fine.
  }
}
