/**
 * Scorer-specific checks of one sample, used by the suite validator. (Stub: filled in by the scoring work.)
 */
import type { Sample, SuiteDefaults } from '../schema/suite.js';

/** A problem inside one sample: `pointer` is relative to the sample (e.g. '/target'). */
export interface SampleIssue {
  pointer: string;
  message: string;
}

/** Returns the scorer-specific problems of `sample` (empty when it can be scored). */
export function checkSample(sample: Sample, defaults: SuiteDefaults | undefined): SampleIssue[] {
  void sample;
  void defaults;
  return [];
}
