/**
 * Scores a model output for a sample with the sample's scorer. (Stub: filled in by the scoring work.)
 */
import type { Sample, SuiteDefaults } from '../schema/suite.js';

/** The score of one output: `value` in [0, 1]; `answer` is what the scorer extracted (null when nothing). */
export interface Score {
  value: number;
  answer: string | null;
  explanation?: string;
}

/** Scores `output` for `sample` with `sample.scorer ?? defaults.scorer ?? (choices ? 'choice' : 'exact')`. */
export function scoreOutput(sample: Sample, defaults: SuiteDefaults | undefined, output: string): Score {
  void defaults;
  const target = Array.isArray(sample.target) ? sample.target.join(', ') : sample.target;
  return { value: output.includes(target) ? 1 : 0, answer: null };
}
