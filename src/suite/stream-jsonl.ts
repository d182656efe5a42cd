/**
 * A pass over the JSONL file of an opened suite: streams its samples in file order and fails when the file no
 * longer holds what was validated. Blocks of lines that are the same as when the suite was opened (by the
 * checkpoints of jsonl-checkpoints.ts) are passed on without checking or hashing their samples again; from the
 * first block that differs, every line is checked and hashed, so the pass yields the same samples and fails at the
 * same place, in the same words, as if nothing had been known: at the first line that is not valid JSON or not a
 * valid sample, else at the end, on the sample count or the digest.
 */
import { RedlineError } from '../errors.js';
import type { Sample } from '../schema/suite.js';
import type { SuiteHasher } from './hash-suite.js';
import { createCheckpointVerifier, type JsonlCheckpoints, type VerifiedLines } from './jsonl-checkpoints.js';
import { readSamplesLines, type JsonlLine } from './read-jsonl-lines.js';
import type { SamplesFile } from './resolve-samples-path.js';
import { sampleValidator } from './sample-checker.js';

/** What a pass checks the file against: the facts of the validation pass. */
export interface JsonlExpectation {
  sha256: string;
  sampleCount: number;
  checkpoints: JsonlCheckpoints;
}

/**
 * Streams the samples of `source`; throws E_STATE when the file changed since it was validated, E_INPUT when it
 * can no longer be read.
 */
export async function* streamJsonl(source: SamplesFile, expected: JsonlExpectation): AsyncGenerator<Sample> {
  const changed = (what: string): RedlineError =>
    new RedlineError(
      'E_STATE',
      `${source.displayFile} changed since the suite was opened (${what}); open the suite again`,
    );
  let count = 0;
  const checkLine = ({ line, text }: JsonlLine, hasher: SuiteHasher): Sample => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw changed(`line ${line} is no longer valid JSON`);
    }
    if (!sampleValidator.check(value)) throw changed(`line ${line} is no longer a valid sample`);
    count++;
    try {
      hasher.addSample(value);
    } catch {
      throw changed(`line ${line} now holds a number JSON cannot represent`);
    }
    return value;
  };

  const verifier = createCheckpointVerifier(expected.checkpoints);
  const batches = readSamplesLines(source);
  try {
    for (;;) {
      let ready: VerifiedLines;
      let isLast = false;
      let failure: { error: unknown } | undefined;
      try {
        const next = await batches.next();
        isLast = next.done === true;
        ready = next.done === true ? verifier.end() : verifier.push(next.value);
      } catch (error) {
        // The file can no longer be read: the lines read before it failed are passed on first, as they come.
        failure = { error };
        isLast = true;
        ready = verifier.end();
      }
      for (const { text } of ready.trusted) {
        count++;
        // The very line that was validated: valid JSON, a valid sample, already in the digest.
        yield JSON.parse(text) as Sample;
      }
      if (ready.toCheck !== undefined) {
        const { lines, hasher } = ready.toCheck;
        for (const line of lines) yield checkLine(line, hasher);
      }
      if (failure !== undefined) throw failure.error;
      if (isLast) break;
    }
  } finally {
    // Closes the file when the consumer stops early.
    await batches.return(undefined);
  }
  if (count !== expected.sampleCount) throw changed(`${count} samples instead of ${expected.sampleCount}`);
  // With every block unchanged (and as many samples) the content is the validated one, digest included.
  const { hasher } = verifier;
  if (hasher !== undefined && hasher.digest() !== expected.sha256)
    throw changed('its content no longer has the digest that was validated');
}
