/**
 * `validateSuite`: every problem of a suite, for `redline suite validate` and for editors' tooling.
 */
import type { Problem } from '../errors.js';
import { scanSuite, type ScanOptions } from './scan-suite.js';

/** The outcome of validating a suite: `suite` is set when it is valid. */
export interface SuiteValidation {
  ok: boolean;
  /** Every problem, in file order, capped (see ScanOptions.maxProblems) with a final "and N more" problem. */
  problems: Problem[];
  suite?: { id: string; version: string; sha256: string; sampleCount: number };
}

/**
 * Validates a suite in one streaming pass and reports every problem (not just the first). Throws E_INPUT only when
 * `path` itself cannot be read or holds no suite file; an unreadable samples file is reported as a problem.
 *
 * @example
 *   const { ok, problems } = await validateSuite('suites/cyber-knowledge');
 *   for (const problem of problems) console.log(formatProblem(problem));
 */
export async function validateSuite(path: string, options: ScanOptions = {}): Promise<SuiteValidation> {
  const scan = await scanSuite(path, options);
  if (scan.valid === undefined) return { ok: false, problems: scan.problems };
  const { header, sha256 } = scan.valid;
  return {
    ok: true,
    problems: [],
    suite: { id: header.id, version: header.version, sha256, sampleCount: scan.sampleCount },
  };
}
