/**
 * The shapes of the data files a view writes (harness/view/view-layout.ts) and the page (harness/view/page/) reads.
 * Sample rows and epochs are arrays, not objects: a 100,000-sample view is a third smaller and parses faster.
 */
import type { Transcript } from '../../src/agent/transcript.js';
import type { RunComparison } from '../../src/compare/compare-runs.js';
import type { RunReport } from '../../src/report/build-report.js';

/** data/meta.js: `__redline.setMeta(ViewMeta)`. */
export interface ViewMeta {
  format: string;
  /** The harness that wrote the view. */
  harnessVersion: string;
  /** When the view was written (ISO 8601). */
  generatedAt: string;
  /** Error codes that make a unit invalid (the sandbox failed, not the model). */
  invalidCodes: string[];
  /** Sample rows per sample chunk (the last one may have fewer). */
  chunkRows: number;
  runs: ViewRun[];
  /** Every run after the first compared with the first (`redline compare FIRST RUN --json`, default options). */
  comparisons: ViewComparison[];
}

/** One run of the view. */
export interface ViewRun {
  runId: string;
  /** `redline report RUN_ID --json`: every figure the page shows comes from here. */
  report: RunReport;
  /** Samples with at least one stored unit. */
  samples: number;
  /** Stored (sample, epoch) units. */
  units: number;
  /** Files data/rR-sNNNN.js (and as many data/rR-oNNNN.js). */
  sampleChunks: number;
  /** Files data/rR-tNNNN.js. */
  transcriptChunks: number;
  /** Stored transcripts (one per agentic unit). */
  transcripts: number;
}

/** A comparison of run `b` with run `a` (indices into `runs`), or why there is none. */
export type ViewComparison =
  | { a: number; b: number; comparison: RunComparison }
  | { a: number; b: number; error: { code: string; message: string } };

/** One epoch of a sample: [epoch, status, score, answer, errorCode, errorMessage, latencyMs, attempts]. */
export type EpochCell = [
  epoch: number,
  status: 'scored' | 'error',
  score: number | null,
  answer: string | null,
  errorCode: string | null,
  errorMessage: string | null,
  latencyMs: number | null,
  attempts: number,
];

/**
 * One sample: [sampleId, category, reduced value (null when it has none: errored, or too few epochs for pass@k),
 * transcript chunk (-1 when it has no transcript), epochs in order].
 */
export type SampleRow = [
  sampleId: string,
  category: string,
  reduced: number | null,
  transcriptChunk: number,
  epochs: EpochCell[],
];

/** data/rR-sNNNN.js: `__redline.addSamples(SampleChunk)`. */
export interface SampleChunk {
  run: number;
  chunk: number;
  rows: SampleRow[];
}

/** data/rR-oNNNN.js: `__redline.addOutputs(OutputChunk)`: per row of the sample chunk, per epoch, the output. */
export interface OutputChunk {
  run: number;
  chunk: number;
  outputs: (string | null)[][];
}

/** data/rR-tNNNN.js: `__redline.addTranscripts(TranscriptChunk)`: per sample, its transcripts by epoch. */
export interface TranscriptChunk {
  run: number;
  chunk: number;
  transcripts: [sampleId: string, epochs: [epoch: number, transcript: Transcript][]][];
}
