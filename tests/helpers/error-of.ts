/**
 * What a synchronous call threw, for tests of coded refusals.
 */
import { isRedlineError, type Problem, type RedlineError } from '../../src/errors.js';

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

/** The code, message and `details.problems` of the RedlineError thrown by `run`; fails the test when none is. */
export function failureOf(run: () => unknown): { code: string; message: string; problems: Problem[] } {
  const error = errorOf(run);
  if (error === undefined) throw new Error('expected a RedlineError');
  const problems = (error.details as { problems?: Problem[] } | undefined)?.problems ?? [];
  return { code: error.code, message: error.message, problems };
}

/**
 * The `code` of whatever `run` throws: a database driver's code (SQLITE_CONSTRAINT_UNIQUE, or a PostgreSQL SQLSTATE
 * such as 23505) or a RedlineError's; undefined when it returns or the error has none.
 */
export function driverCodeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
