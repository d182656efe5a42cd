import { describe, expect, it } from 'vitest';
import { createSuiteHasher, type SuiteHasher } from '../../../src/suite/hash-suite.js';
import {
  createCheckpointRecorder,
  createCheckpointVerifier,
  JSONL_BLOCK_CHARS,
  JSONL_BLOCK_LINES,
  type JsonlCheckpoints,
  type VerifiedLines,
} from '../../../src/suite/jsonl-checkpoints.js';
import type { JsonlLine } from '../../../src/suite/read-jsonl-lines.js';

const HEADER = { id: 'x', version: '1', title: 'X' };

const linesOf = (texts: readonly string[]): JsonlLine[] => texts.map((text, i) => ({ line: i + 1, text }));

/** Records `texts` as the validation pass does; returns the checkpoints and the suite digest. */
function record(texts: readonly string[]): { checkpoints: JsonlCheckpoints; sha256: string } {
  const recorder = createCheckpointRecorder();
  const hasher = createSuiteHasher(HEADER);
  for (const text of texts) {
    recorder.add(text, hasher);
    hasher.addSample(JSON.parse(text));
  }
  const checkpoints = recorder.finish(hasher);
  return { checkpoints, sha256: hasher.digest() };
}

/** Runs `texts` through a verifier in batches of `batch` lines, as a pass does. */
function verify(checkpoints: JsonlCheckpoints, texts: readonly string[], batch: number): VerifiedLines[] {
  const verifier = createCheckpointVerifier(checkpoints);
  const lines = linesOf(texts);
  const out: VerifiedLines[] = [];
  for (let i = 0; i < lines.length; i += batch) out.push(verifier.push(lines.slice(i, i + batch)));
  out.push(verifier.end());
  return out;
}

const trustedOf = (verified: readonly VerifiedLines[]): string[] =>
  verified.flatMap((v) => v.trusted.map((l) => l.text));
const toCheckOf = (
  verified: readonly VerifiedLines[],
): { texts: string[]; hasher: SuiteHasher | undefined } => {
  const parts = verified.flatMap((v) => (v.toCheck === undefined ? [] : [v.toCheck]));
  return { texts: parts.flatMap((p) => p.lines.map((l) => l.text)), hasher: parts[0]?.hasher };
};

const sampleTexts = (count: number, extra = ''): string[] =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({ id: `s${i}`, input: `q${i}${extra}`, target: 'A' }),
  );

describe('JSONL checkpoints', () => {
  it('cut the lines into blocks of JSONL_BLOCK_LINES lines, or fewer long ones', () => {
    expect(record(sampleTexts(2 * JSONL_BLOCK_LINES + 1)).checkpoints.blockSha256).toHaveLength(3);
    expect(record(sampleTexts(2 * JSONL_BLOCK_LINES)).checkpoints.hashers).toHaveLength(3);
    const long = 'x'.repeat(JSONL_BLOCK_CHARS / 4);
    expect(record(sampleTexts(10, long)).checkpoints.blockSha256).toHaveLength(3);
  });

  it.each([1, 7, JSONL_BLOCK_LINES, 1000])(
    'trust every line of an unchanged file (read %i lines at a time)',
    (batch) => {
      const texts = sampleTexts(3 * JSONL_BLOCK_LINES + 5);
      const verified = verify(record(texts).checkpoints, texts, batch);
      expect(trustedOf(verified)).toEqual(texts);
      expect(toCheckOf(verified).texts).toEqual([]);
    },
  );

  it('hand over the lines from the first changed block on, with the digest resumed at its start', () => {
    const texts = sampleTexts(3 * JSONL_BLOCK_LINES + 5);
    const { checkpoints, sha256 } = record(texts);
    // Line 300 is in the second block; a change in form only, so the resumed digest ends where the original did.
    const changed = texts.map((t, i) => (i === 300 || i === 700 ? ` ${t}` : t));
    const verified = verify(checkpoints, changed, 100);
    expect(trustedOf(verified)).toEqual(changed.slice(0, JSONL_BLOCK_LINES));
    const { texts: toCheck, hasher } = toCheckOf(verified);
    expect(toCheck).toEqual(changed.slice(JSONL_BLOCK_LINES));
    for (const text of toCheck) hasher?.addSample(JSON.parse(text));
    expect(hasher?.digest()).toBe(sha256);
  });

  it('hand over a last block that grew, and lines past the last block', () => {
    const texts = sampleTexts(2 * JSONL_BLOCK_LINES);
    const { checkpoints } = record(texts);
    const longer = [...texts, ...sampleTexts(3, 'more')];
    const verified = verify(checkpoints, longer, 64);
    expect(trustedOf(verified)).toEqual(texts);
    expect(toCheckOf(verified).texts).toEqual(longer.slice(texts.length));

    const shorter = texts.slice(0, -1);
    const cut = verify(checkpoints, shorter, 64);
    expect(trustedOf(cut)).toEqual(shorter.slice(0, JSONL_BLOCK_LINES));
    expect(toCheckOf(cut).texts).toEqual(shorter.slice(JSONL_BLOCK_LINES));
  });
});
