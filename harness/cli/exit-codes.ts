/**
 * Exit codes of the `redline` command (documented in README.md, "Exit codes"). The only mapping of errors to codes.
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
  interrupted: 130,
} as const;

/** The exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'E_USAGE':
    case 'E_SCHEMA':
    case 'E_INPUT':
    case 'E_NOT_FOUND':
      return EXIT.usage;
    case 'E_STATE':
    case 'E_CRYPTO':
      return EXIT.refused;
    case 'E_ENDPOINT':
    case 'E_TIMEOUT':
      return EXIT.runFailed;
    case 'E_STORE':
      return EXIT.store;
    case 'E_INTERRUPTED':
      return EXIT.interrupted;
    case 'E_INTERNAL':
      return EXIT.internal;
  }
}
