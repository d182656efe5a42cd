/**
 * The one error class of Redline, with a closed set of codes.
 *
 * Only `harness/cli/main.ts` maps codes to exit codes (see docs/cli.md, "Exit codes").
 */
export type ErrorCode =
  /** Wrong command-line usage: a missing or malformed flag. */
  | 'E_USAGE'
  /** A file the user handed in does not follow its schema (suite, policy, key file ...). */
  | 'E_SCHEMA'
  /** A file or directory could not be read, or is not of the expected kind. */
  | 'E_INPUT'
  /** Something named does not exist (a run id, a key id ...). */
  | 'E_NOT_FOUND'
  /** The requested action does not fit the current state (resume a completed run, suite changed ...). */
  | 'E_STATE'
  /** The model endpoint failed in a way that is not the fault of one sample. */
  | 'E_ENDPOINT'
  /** A deadline passed. */
  | 'E_TIMEOUT'
  /** The lab database could not be opened, migrated or written. */
  | 'E_STORE'
  /**
   * The lab database and the database key do not fit: encrypted with no key configured, a key that does not open
   * it, several db keys to choose from, or a key configured for a plaintext database.
   */
  | 'E_DB_KEY'
  /** Signing, verification, encryption or decryption failed (a generic cryptographic failure). */
  | 'E_CRYPTO'
  /** A key file is unsafe to use (a secret readable by group or others) or of the wrong kind. */
  | 'E_KEY'
  /** The action is not allowed for this principal (e.g. a run addressed to a developer it does not belong to). */
  | 'E_ACCESS'
  /** A sealed file is not addressed to the key trying to open it. */
  | 'E_NOT_RECIPIENT'
  /** Content does not match its authentication tag, signature or hash: it was altered. */
  | 'E_TAMPERED'
  /** A signature is valid but by a key that is not trusted for this purpose (or by no trusted key). */
  | 'E_UNTRUSTED_SIGNER'
  /** A validly signed envelope was re-wrapped for a recipient the signer never named. */
  | 'E_READDRESSED'
  /** A file that should be one of Redline's formats is not (bad JSON, wrong type, missing fields, bad base64). */
  | 'E_MALFORMED'
  /** The audit log failed verification. */
  | 'E_AUDIT'
  /** A policy version is not exactly the active version + 1 (no rollback, no skipping). */
  | 'E_POLICY_VERSION'
  /** A policy's `previous` digest does not name the active policy (a fork or a stale base). */
  | 'E_POLICY_CHAIN'
  /** Fewer distinct authorised signatures than the threshold requires. */
  | 'E_THRESHOLD'
  /** A pre-release access window longer than the order allows (30 days before the planned release). */
  | 'E_WINDOW_TOO_LONG'
  /** A pre-release access window whose start is after the planned release. */
  | 'E_WINDOW_ORDER'
  /** A pre-release engagement overlapping another one for the same model. */
  | 'E_WINDOW_OVERLAP'
  /** A key id or developer id that the keyring does not hold. */
  | 'E_UNKNOWN_KEY'
  /** A sequencing clearance asked for before any assessment of the model was issued. */
  | 'E_NOT_ASSESSED'
  /** A scan claim overlaps, in time and scope, a claim another participant holds. */
  | 'E_SCAN_CONFLICT'
  /** A reproducer ran in the sandbox and the expected signal did not appear. */
  | 'E_NOT_REPRODUCED'
  /**
   * The sandbox infrastructure failed, not the model: a container engine error, an image missing, a service that
   * never became healthy or was OOM-killed. The unit is invalid (retried, reported apart), never a score of 0.
   */
  | 'E_SANDBOX'
  /** An image a suite needs is not in the container engine (load or build it first: `redline images`). */
  | 'E_IMAGE_MISSING'
  /** The run was interrupted (Ctrl-C, SIGTERM) and can be resumed. */
  | 'E_INTERRUPTED'
  /** A bug in Redline: never expected. */
  | 'E_INTERNAL';

/** Every error code, for exhaustive tables and tests. */
export const ERROR_CODES: readonly ErrorCode[] = [
  'E_USAGE',
  'E_SCHEMA',
  'E_INPUT',
  'E_NOT_FOUND',
  'E_STATE',
  'E_ENDPOINT',
  'E_TIMEOUT',
  'E_STORE',
  'E_DB_KEY',
  'E_CRYPTO',
  'E_KEY',
  'E_ACCESS',
  'E_NOT_RECIPIENT',
  'E_TAMPERED',
  'E_UNTRUSTED_SIGNER',
  'E_READDRESSED',
  'E_MALFORMED',
  'E_AUDIT',
  'E_POLICY_VERSION',
  'E_POLICY_CHAIN',
  'E_THRESHOLD',
  'E_WINDOW_TOO_LONG',
  'E_WINDOW_ORDER',
  'E_WINDOW_OVERLAP',
  'E_UNKNOWN_KEY',
  'E_NOT_ASSESSED',
  'E_SCAN_CONFLICT',
  'E_NOT_REPRODUCED',
  'E_SANDBOX',
  'E_IMAGE_MISSING',
  'E_INTERRUPTED',
  'E_INTERNAL',
];

/** A problem found in a file: where it is and what is wrong. */
export interface Problem {
  /** The file, as the user named it (relative paths stay relative). */
  file: string;
  /** 1-based line number, for line-oriented files (JSONL, CSV). */
  line?: number;
  /** JSON pointer (RFC 6901) inside the document, '' for the whole document. */
  pointer: string;
  /** What is wrong and, where it helps, what to do. */
  message: string;
}

/** Formats a problem as `file[:line]: /pointer: message`. */
export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.pointer === '' ? '/' : problem.pointer}: ${problem.message}`;
}

/** An expected failure with a code from the closed set; `details` carries structured data (e.g. problems). */
export class RedlineError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RedlineError';
    this.code = code;
    this.details = options.details;
  }
}

/** True when `error` is a RedlineError, optionally with the given code. */
export function isRedlineError(error: unknown, code?: ErrorCode): error is RedlineError {
  return error instanceof RedlineError && (code === undefined || error.code === code);
}

/** A serialisable view of an error, for crossing the worker boundary and for storage. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
}

/** Turns any thrown value into `{code, message}`; unknown errors become E_INTERNAL. */
export function toErrorData(error: unknown): ErrorData {
  if (error instanceof RedlineError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'E_INTERNAL', message: error.message };
  return { code: 'E_INTERNAL', message: String(error) };
}
