/**
 * The bare answer a correct (or a wrong) model would give for a sample: used by the simulator.
 * (Stub: filled in by the scoring work.)
 */
import type { Sample, SuiteDefaults } from '../schema/suite.js';

/**
 * The bare answer text for `sample` (e.g. "B", "A, C", a flag, a number). When `correct` is false, a wrong
 * answer chosen deterministically from `pick` (a number in [0, 1)).
 */
export function answerFor(sample: Sample, defaults: SuiteDefaults | undefined, correct: boolean, pick: number): string {
  void defaults;
  void pick;
  const target = Array.isArray(sample.target) ? sample.target.join(', ') : sample.target;
  return correct ? target : `not-${target}`;
}
