/**
 * `redline view`: writes a static, self-contained report of runs into a directory (layout in view-layout.ts):
 * the page (harness/view/page/), and the runs' data as JavaScript files that register themselves with the page,
 * so it works from file:// (where Chromium blocks fetch) under a Content-Security-Policy that allows nothing but
 * the page's own files. Every figure comes from buildReport and buildComparison: the page computes none.
 *
 * Files are written with mode 0600 and directories 0700 (the view holds benchmark items and transcripts), each
 * file created exclusively: nothing is overwritten but the files of a previous view (check-view-out.ts).
 */
import { chmodSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildComparison } from '../../src/compare/build-comparison.js';
import { isRedlineError, RedlineError } from '../../src/errors.js';
import { buildReport, type RunReport } from '../../src/report/build-report.js';
import type { Db } from '../../src/store/open-store.js';
import { INVALID_ERROR_CODES, iterateResults } from '../../src/store/results.js';
import { forEachReducedSample } from '../../src/store/run-stats.js';
import { getRun } from '../../src/store/runs.js';
import { iterateTranscripts } from '../../src/store/transcripts.js';
import { HARNESS_VERSION } from '../version.js';
import { checkViewOut, type ViewOutState } from './check-view-out.js';
import { readPageFiles } from './page-assets.js';
import { scriptCall } from './script-json.js';
import type {
  EpochCell,
  OutputChunk,
  SampleChunk,
  SampleRow,
  TranscriptChunk,
  ViewComparison,
  ViewMeta,
  ViewRun,
} from './view-data.js';
import {
  chunkFileName,
  DATA_DIR,
  isViewDataFile,
  isViewTopEntry,
  META_FILE,
  VIEW_FORMAT,
  VIEW_MARKER,
} from './view-layout.js';

/** Sample rows per chunk file: small enough that the first rows show at once, few enough files at 100,000. */
export const DEFAULT_CHUNK_ROWS = 2500;

/** Transcript chunk files are closed once they pass this many bytes (one sample's transcripts stay together). */
export const DEFAULT_TRANSCRIPT_CHUNK_BYTES = 1024 * 1024;

/** Options of writeView. */
export interface WriteViewOptions {
  /** The directory `out` is relative to. */
  cwd: string;
  /** When the view is written (recorded in it). */
  now: Date;
  /** Sample rows per chunk (default DEFAULT_CHUNK_ROWS). */
  chunkRows?: number;
  /** Bytes after which a transcript chunk is closed (default DEFAULT_TRANSCRIPT_CHUNK_BYTES). */
  transcriptChunkBytes?: number;
}

/** What writeView wrote. */
export interface WrittenView {
  /** The view directory (absolute); open index.html in it. */
  dir: string;
  /** What was at `out` before. */
  was: ViewOutState;
  runs: number;
  samples: number;
  transcripts: number;
  files: number;
  bytes: number;
  /** Comparisons that could not be made (runs of other suites, unfinished runs), with the reason. */
  notCompared: { a: string; b: string; message: string }[];
}

/**
 * Writes the view of `runIds` (each run after the first compared with the first) into `out`. Reads and computes
 * everything (reports, comparisons) before touching the file system, so an unknown run id writes nothing.
 *
 * @example
 * const view = writeView(db, ['20261126-101500-a1b2c3'], 'view', { cwd: process.cwd(), now: new Date() });
 */
export function writeView(
  db: Db,
  runIds: readonly string[],
  out: string,
  options: WriteViewOptions,
): WrittenView {
  if (runIds.length === 0) throw new RedlineError('E_USAGE', 'name at least one run id (see "redline runs")');
  const repeated = runIds.find((id, i) => runIds.indexOf(id) !== i);
  if (repeated !== undefined) throw new RedlineError('E_USAGE', `run "${repeated}" is named twice`);
  // One read transaction: the reports, the comparisons and the rows are one snapshot, even while a run still writes.
  return db.transaction(() => writeSnapshot(db, runIds, out, options))();
}

function writeSnapshot(
  db: Db,
  runIds: readonly string[],
  out: string,
  options: WriteViewOptions,
): WrittenView {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const transcriptChunkBytes = options.transcriptChunkBytes ?? DEFAULT_TRANSCRIPT_CHUNK_BYTES;
  const reports = runIds.map((id) => buildReport(db, id));
  const comparisons: ViewComparison[] = [];
  const notCompared: WrittenView['notCompared'] = [];
  for (let b = 1; b < runIds.length; b++) {
    try {
      comparisons.push({ a: 0, b, comparison: buildComparison(db, runIds[0]!, runIds[b]!) });
    } catch (error) {
      if (!isRedlineError(error) || (error.code !== 'E_USAGE' && error.code !== 'E_STATE')) throw error;
      comparisons.push({ a: 0, b, error: { code: error.code, message: error.message } });
      notCompared.push({ a: runIds[0]!, b: runIds[b]!, message: error.message });
    }
  }

  const { dir, state } = checkViewOut(out, options.cwd);
  prepareDirectory(dir, state);
  const files = new FileCounter(dir);
  files.write(
    VIEW_MARKER,
    `${JSON.stringify({ format: VIEW_FORMAT, harnessVersion: HARNESS_VERSION, runs: runIds }, null, 2)}\n`,
  );
  for (const [name, bytes] of readPageFiles()) files.write(name, bytes);

  const runs: ViewRun[] = [];
  let samples = 0;
  let transcripts = 0;
  reports.forEach((report, index) => {
    const run = writeRunData(db, report, index, files, { chunkRows, transcriptChunkBytes });
    runs.push(run);
    samples += run.samples;
    transcripts += run.transcripts;
  });

  // Written last: the page shows nothing until it loads meta.js, so a view cut short never looks complete.
  const meta: ViewMeta = {
    format: VIEW_FORMAT,
    harnessVersion: HARNESS_VERSION,
    generatedAt: options.now.toISOString(),
    invalidCodes: [...INVALID_ERROR_CODES],
    chunkRows,
    runs,
    comparisons,
  };
  files.write(join(DATA_DIR, META_FILE), scriptCall('setMeta', meta));
  return {
    dir,
    was: state,
    runs: runs.length,
    samples,
    transcripts,
    files: files.count,
    bytes: files.bytes,
    notCompared,
  };
}

/** Writes one run's transcript and sample chunks; returns its entry of meta.js. */
function writeRunData(
  db: Db,
  report: RunReport,
  index: number,
  files: FileCounter,
  sizes: { chunkRows: number; transcriptChunkBytes: number },
): ViewRun {
  const runId = report.runId;
  // Read before the results are streamed: a SQLite connection runs one statement at a time while an
  // iterator is open.
  const transcriptChunkOf = new Map<string, number>();
  let transcriptChunks = 0;
  let transcripts = 0;
  let pending: TranscriptChunk['transcripts'] = [];
  let pendingBytes = 0;
  const flushTranscripts = (): void => {
    if (pending.length === 0) return;
    const chunk: TranscriptChunk = { run: index, chunk: transcriptChunks, transcripts: pending };
    files.write(
      join(DATA_DIR, chunkFileName(index, 't', transcriptChunks)),
      scriptCall('addTranscripts', chunk),
    );
    transcriptChunks++;
    pending = [];
    pendingBytes = 0;
  };
  for (const { sampleId, epoch, transcript } of iterateTranscripts(db, runId)) {
    const last = pending.at(-1);
    if (last === undefined || last[0] !== sampleId) {
      if (pendingBytes >= sizes.transcriptChunkBytes) flushTranscripts();
      pending.push([sampleId, [[epoch, transcript]]]);
      transcriptChunkOf.set(sampleId, transcriptChunks);
    } else {
      last[1].push([epoch, transcript]);
    }
    // An estimate of the chunk's size (the escaped JSON is larger): it only decides where chunks end.
    pendingBytes += JSON.stringify(transcript).length;
    transcripts++;
  }
  flushTranscripts();

  const reduced = new Map<string, number>();
  forEachReducedSample(db, getRun(db, runId), (sampleId, _category, value) => {
    reduced.set(sampleId, value);
  });

  let sampleChunks = 0;
  let samples = 0;
  let units = 0;
  let rows: SampleRow[] = [];
  let outputs: (string | null)[][] = [];
  const flushSamples = (): void => {
    if (rows.length === 0) return;
    const sampleChunk: SampleChunk = { run: index, chunk: sampleChunks, rows };
    const outputChunk: OutputChunk = { run: index, chunk: sampleChunks, outputs };
    files.write(
      join(DATA_DIR, chunkFileName(index, 's', sampleChunks)),
      scriptCall('addSamples', sampleChunk),
    );
    files.write(
      join(DATA_DIR, chunkFileName(index, 'o', sampleChunks)),
      scriptCall('addOutputs', outputChunk),
    );
    sampleChunks++;
    rows = [];
    outputs = [];
  };
  let current: SampleRow | undefined;
  for (const r of iterateResults(db, runId)) {
    if (current === undefined || current[0] !== r.sampleId) {
      if (rows.length >= sizes.chunkRows) flushSamples();
      current = [
        r.sampleId,
        r.category,
        reduced.get(r.sampleId) ?? null,
        transcriptChunkOf.get(r.sampleId) ?? -1,
        [],
      ];
      rows.push(current);
      outputs.push([]);
      samples++;
    }
    const cell: EpochCell = [
      r.epoch,
      r.status,
      r.score,
      r.answer,
      r.errorCode,
      r.errorMessage,
      r.latencyMs,
      r.attempts,
    ];
    current[4].push(cell);
    outputs[outputs.length - 1]!.push(r.output);
    units++;
  }
  flushSamples();
  return { runId, report, samples, units, sampleChunks, transcriptChunks, transcripts };
}

/** Creates the directory (0700), empties a previous view of its own files only, and creates data/. */
function prepareDirectory(dir: string, state: ViewOutState): void {
  if (state === 'new') mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (state === 'previous-view') {
    // checkViewOut has just checked every entry is one a view writes.
    const data = join(dir, DATA_DIR);
    for (const name of readdirSync(dir)) {
      if (name === DATA_DIR || !isViewTopEntry(name)) continue;
      rmSync(join(dir, name));
    }
    try {
      for (const name of readdirSync(data)) if (isViewDataFile(name)) rmSync(join(data, name));
      rmdirSync(data);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  chmodSync(dir, 0o700);
  mkdirSync(join(dir, DATA_DIR), { mode: 0o700 });
}

/** Writes new files (0600, never replacing one) under a directory, counting them. */
class FileCounter {
  count = 0;
  bytes = 0;
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  write(name: string, content: string | Buffer): void {
    const file = join(this.dir, name);
    try {
      writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      throw new RedlineError(
        'E_INPUT',
        `${file}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    this.count++;
    this.bytes += typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  }
}
