/**
 * Exit codes of the `redline` command (documented in docs/cli.md, "Exit codes"). The only mapping of errors to codes.
 */
import type { ErrorCode } from '../../src/errors.js';

/** Every exit code the CLI uses. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  refused: 3,
  runFailed: 4,
  store: 5,
  verifyFailed: 6,
  interrupted: 130,
} as const;

/** The exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'E_USAGE':
    case 'E_SCHEMA':
    case 'E_INPUT':
    case 'E_NOT_FOUND':
    case 'E_MALFORMED':
    case 'E_KEY':
      return EXIT.usage;
    case 'E_STATE':
    case 'E_ACCESS':
    case 'E_POLICY_VERSION':
    case 'E_POLICY_CHAIN':
    case 'E_THRESHOLD':
    case 'E_WINDOW_TOO_LONG':
    case 'E_WINDOW_ORDER':
    case 'E_WINDOW_OVERLAP':
    case 'E_UNKNOWN_KEY':
    case 'E_NOT_ASSESSED':
    case 'E_SCAN_CONFLICT':
    case 'E_IMAGE_MISSING':
      return EXIT.refused;
    case 'E_CRYPTO':
    case 'E_NOT_RECIPIENT':
    case 'E_TAMPERED':
    case 'E_UNTRUSTED_SIGNER':
    case 'E_READDRESSED':
    case 'E_AUDIT':
    case 'E_NOT_REPRODUCED':
      return EXIT.verifyFailed;
    case 'E_ENDPOINT':
    case 'E_TIMEOUT':
    case 'E_SANDBOX':
      return EXIT.runFailed;
    case 'E_STORE':
    case 'E_DB_KEY':
      return EXIT.store;
    case 'E_INTERRUPTED':
      return EXIT.interrupted;
    case 'E_INTERNAL':
      return EXIT.internal;
  }
}
