/**
 * What a synchronous call threw, for tests of coded refusals.
 */
import { isRedlineError, type RedlineError } from '../../src/errors.js';

/** The RedlineError thrown by `run`, or undefined when it returns; anything else thrown is rethrown. */
export function errorOf(run: () => unknown): RedlineError | undefined {
  try {
    run();
  } catch (error) {
    if (!isRedlineError(error)) throw error;
    return error;
  }
  return undefined;
}

/** The code of the RedlineError thrown by `run`, 'not a RedlineError' for anything else, undefined when it returns. */
export function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isRedlineError(error) ? error.code : 'not a RedlineError';
  }
  return undefined;
}
