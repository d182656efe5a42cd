/**
 * The reproducer of a vulnerability finding: a command run in the network-less sandbox, the files it needs, and
 * the signal (output, exit code, or death by a signal) that shows the vulnerability was reproduced. This file is
 * pure: it checks manifests, hashes the stored form and decides whether a run reproduced the finding; reading the
 * files is harness/vuln/load-reproducer.ts, running them harness/vuln/run-reproducer.ts.
 *
 * How a run is judged ({@link matchSignal}):
 * - every given check must hold; a run with no check never counts;
 * - a run that timed out is NEVER reproduced, whatever it printed: a hang cannot validate anything, and the
 *   SIGKILL of a timeout is the harness's, not a crash of the target;
 * - `signal` holds when the command died of that signal. Through bwrap the death surfaces as exit code 128 + N
 *   (bwrap's init reports its child's death that way, and so does `sh` for its children), and only rarely as
 *   the launcher's own death by a signal (ExecResult.signal, e.g. killed from outside); both are read. An
 *   explicit `exit 139` is therefore indistinguishable from a SIGSEGV, as in any shell.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { encodeUtf8 } from '../crypto/canonical-bytes.js';
import { RedlineError } from '../errors.js';
import { LINUX_SIGNAL_NUMBERS, ReproducerManifest, type LinuxSignalName } from '../schema/reproducer.js';
import { compileValidator } from '../schema/validate.js';
import { canonicalJson } from '../suite/canonical-json.js';
import { normaliseWorkPath } from '../suite/normalise-work-path.js';
import { parseFindingJson, throwIfProblems } from './finding.js';

const validator = compileValidator(ReproducerManifest);

/** Largest file a reproducer may carry, in bytes. */
export const MAX_REPRODUCER_FILE_BYTES = 8 * 1024 * 1024;
/** Largest total size of a reproducer's files, in bytes. */
export const MAX_REPRODUCER_TOTAL_BYTES = 32 * 1024 * 1024;
/** Command wall-time when the manifest gives none, in seconds. */
export const DEFAULT_REPRODUCER_TIMEOUT_SECONDS = 30;

/** What a run must show; every given field must hold. */
export interface ExpectedSignal {
  /** A substring of the captured standard output. */
  stdout?: string;
  /** A substring of the captured standard error. */
  stderr?: string;
  /** The exact exit code, 0-255. */
  exitCode?: number;
  /** A signal name ("SIGSEGV"): the command died of it (ExecResult.signal, or exit code 128 + its number). */
  signal?: string;
}

/** The stored form of a reproducer (kept as JSON by the clearinghouse). */
export interface Reproducer {
  /** Run as `/bin/sh -c command` in /work. */
  command: string;
  /** Normalised relative path -> the file's bytes as standard padded base64. */
  files: Record<string, string>;
  expect: ExpectedSignal;
  /** Wall-time of the command in milliseconds. */
  timeoutMs: number;
}

/** The outcome of one check of {@link matchSignal}. */
export interface SignalCheck {
  check: 'stdout' | 'stderr' | 'exitCode' | 'signal';
  expected: string | number;
  /** stdout/stderr: a short note (where it was found, or how much was searched); else the observed value. */
  actual: string | number | null;
  isMet: boolean;
}

/** What one run of a reproducer did and whether it reproduced the finding. */
export interface ReproductionTranscript {
  /** {@link reproducerDigest} of the reproducer that ran. */
  reproducerSha256: string;
  command: string;
  /** ISO 8601 time the run started. */
  startedAt: string;
  /** Wall-time of the command in whole milliseconds, sandbox start-up included. */
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was cut at the capture limit (the checks saw only what was kept). */
  truncated: boolean;
  checks: SignalCheck[];
  isReproduced: boolean;
  /** The sandbox it ran in, `<backend>:<sandbox id>` (e.g. `bwrap:150000-1a2b3c4d`). */
  sandbox: string;
}

/** The observable result of a run, as {@link matchSignal} reads it. */
export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

/**
 * Checks a parsed manifest against the schema and the rules the schema cannot say: `expect` names at least one
 * check, `command` is not blank, file paths are relative, stay inside the manifest directory, and are distinct
 * (after normalisation, and none inside another). E_SCHEMA with `details.problems` (file + JSON pointer) listing
 * every problem.
 *
 * @example
 *   const manifest = checkReproducerManifest(JSON.parse(text), 'reproducer.json');
 */
export function checkReproducerManifest(value: unknown, file: string): ReproducerManifest {
  const problems = validator.problems(value, { file });
  const object = isPlainObject(value) ? value : {};
  const report = (pointer: string, message: string): void => {
    problems.push({ file, pointer, message });
  };
  const expect = object['expect'];
  if (isPlainObject(expect) && Object.keys(expect).length === 0) {
    // An empty object can only fail minProperties here; say what to write instead of ajv's wording.
    const message = 'must name at least one of "stdout", "stderr", "exitCode", "signal"';
    const at = problems.findIndex((p) => p.pointer === '/expect');
    if (at === -1) report('/expect', message);
    else problems[at] = { file, pointer: '/expect', message };
  }
  const command = object['command'];
  if (typeof command === 'string' && command !== '') {
    if (command.trim() === '') report('/command', 'must not be blank');
    if (command.includes('\0')) report('/command', 'must not contain a NUL character');
  }
  const files = object['files'];
  if (Array.isArray(files)) checkFilePaths(files, report);
  throwIfProblems(file, 'reproducer manifest', problems);
  if (!validator.check(value)) {
    throw new RedlineError('E_INTERNAL', `${file}: a manifest without problems fails its schema`);
  }
  return value;
}

/**
 * Parses and checks manifest text: E_MALFORMED (naming `file`) when it is not JSON, else as
 * {@link checkReproducerManifest}.
 */
export function parseReproducerManifest(text: string, file: string): ReproducerManifest {
  return checkReproducerManifest(parseFindingJson(text, file, 'reproducer manifest'), file);
}

/**
 * The hex SHA-256 of the canonical JSON (src/suite/canonical-json.ts) of `{command, files, expect, timeoutMs}`:
 * the identity of a reproducer, recorded in every transcript. File bytes enter as their base64.
 */
export function reproducerDigest(r: Reproducer): string {
  const expect: ExpectedSignal = {};
  if (r.expect.stdout !== undefined) expect.stdout = r.expect.stdout;
  if (r.expect.stderr !== undefined) expect.stderr = r.expect.stderr;
  if (r.expect.exitCode !== undefined) expect.exitCode = r.expect.exitCode;
  if (r.expect.signal !== undefined) expect.signal = r.expect.signal;
  const basis = { command: r.command, files: r.files, expect, timeoutMs: r.timeoutMs };
  return bytesToHex(sha256(encodeUtf8(canonicalJson(basis))));
}

/**
 * Judges one run: each given check in the order stdout, stderr, exitCode, signal, and `isReproduced` when all
 * hold and the run did not time out (see the module comment for how a signal death is read).
 *
 * @example
 *   matchSignal({ signal: 'SIGSEGV' }, { stdout: '', stderr: '', exitCode: 139, signal: null, timedOut: false });
 *   // { isReproduced: true, checks: [{ check: 'signal', expected: 'SIGSEGV', actual: 'SIGSEGV', isMet: true }] }
 */
export function matchSignal(
  expect: ExpectedSignal,
  result: RunResult,
): { isReproduced: boolean; checks: SignalCheck[] } {
  const checks: SignalCheck[] = [];
  if (expect.stdout !== undefined) checks.push(matchText('stdout', expect.stdout, result.stdout));
  if (expect.stderr !== undefined) checks.push(matchText('stderr', expect.stderr, result.stderr));
  if (expect.exitCode !== undefined) {
    checks.push({
      check: 'exitCode',
      expected: expect.exitCode,
      actual: result.exitCode,
      isMet: result.exitCode === expect.exitCode,
    });
  }
  if (expect.signal !== undefined) {
    const actual = deathSignal(result);
    checks.push({ check: 'signal', expected: expect.signal, actual, isMet: actual === expect.signal });
  }
  const isReproduced = !result.timedOut && checks.length > 0 && checks.every((c) => c.isMet);
  return { isReproduced, checks };
}

/**
 * The signal the command died of: ExecResult.signal when the launcher itself was killed, else the signal of an
 * exit code 128 + N; null for a normal exit, and for a timeout (that SIGKILL is the harness's, not the command's).
 */
export function deathSignal(result: RunResult): string | null {
  if (result.timedOut) return null;
  if (result.signal !== null) return result.signal;
  if (result.exitCode === null || result.exitCode <= 128) return null;
  return SIGNAL_NAMES_BY_NUMBER.get(result.exitCode - 128) ?? null;
}

const SIGNAL_NAMES_BY_NUMBER = new Map<number, LinuxSignalName>(
  (Object.entries(LINUX_SIGNAL_NUMBERS) as Array<[LinuxSignalName, number]>).map(([name, n]) => [n, name]),
);

function matchText(check: 'stdout' | 'stderr', expected: string, output: string): SignalCheck {
  const index = output.indexOf(expected);
  // A note, not the output: the transcript keeps the output once, beside the checks.
  const actual = index === -1 ? `not found in ${output.length} characters` : `found at character ${index}`;
  return { check, expected, actual, isMet: index !== -1 };
}

function checkFilePaths(files: readonly unknown[], report: (pointer: string, message: string) => void): void {
  const seen = new Map<string, number>();
  files.forEach((path, index) => {
    if (typeof path !== 'string' || path === '') return; // the schema reported it
    const normalised = normaliseWorkPath(path);
    if (normalised === undefined) {
      report(
        `/files/${index}`,
        `must be a relative path inside the manifest directory (no leading "/", no "..", no "\\"; got ${JSON.stringify(path)})`,
      );
      return;
    }
    const first = seen.get(normalised);
    if (first !== undefined) {
      report(`/files/${index}`, `names the same file as /files/${first} ("${normalised}"); list it once`);
      return;
    }
    seen.set(normalised, index);
  });
  // A file cannot also be a directory of another listed file (`a` and `a/b`).
  for (const [path, index] of seen) {
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) {
      const parent = seen.get(path.slice(0, at));
      if (parent !== undefined) {
        report(
          `/files/${index}`,
          `lies inside /files/${parent} ("${path.slice(0, at)}"), which is a file; a path cannot be both`,
        );
        break;
      }
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
