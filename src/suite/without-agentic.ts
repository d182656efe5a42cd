/**
 * A view of a suite without its agentic samples (sandbox + agent), for `redline run --skip-agentic`: the question
 * samples of an imported CTF benchmark can run before the sandboxed agent runner exists. The suite's identity
 * (id, version, sha256) is unchanged; the run records that agentic samples were skipped.
 */
import type { Sample } from '../schema/suite.js';
import type { SuiteHandle } from './load-suite.js';

/** True for a sample the agentic runner executes. */
export function isAgentic(sample: Sample): boolean {
  return sample.agent !== undefined || sample.sandbox !== undefined;
}

/** `suite` with its agentic samples left out of `samples()` and of `sampleCount`. */
export function withoutAgentic(suite: SuiteHandle): SuiteHandle {
  if (suite.agenticCount === 0) return suite;
  return {
    ...suite,
    sampleCount: suite.sampleCount - suite.agenticCount,
    agenticCount: 0,
    async *samples(): AsyncGenerator<Sample> {
      for await (const sample of suite.samples()) if (!isAgentic(sample)) yield sample;
    },
  };
}
