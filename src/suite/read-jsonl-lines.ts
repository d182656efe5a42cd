/**
 * Streams the lines of a JSONL file without holding the file in memory: a UTF-8 BOM and CRLF line endings are
 * tolerated, blank lines are skipped, and line numbers stay those an editor shows.
 *
 * Lines end at "\n", "\r\n" or a lone "\r", however the chunks of the file fall: the line breaks of node:readline
 * (with `crlfDelay: Infinity`), which this reader replaced because its events, its regular expression and one await
 * per line cost more than parsing the lines. The file is read with plain fs.read calls into one buffer, which costs
 * less than a read stream (and, unlike a FileHandle, prints no warning when a pass its consumer abandoned without
 * closing it is garbage-collected).
 */
import { close, open, read } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import { RedlineError } from '../errors.js';

/** One non-blank line of a JSONL file: `line` is 1-based. */
export interface JsonlLine {
  line: number;
  text: string;
}

const LF = 0x0a;
const CHUNK_BYTES = 64 * 1024;
const openFile = promisify(open);
const readFile = promisify(read);
const closeFile = promisify(close);

/**
 * Yields the non-blank lines of `file` in order, in batches: the lines each read of the file completes, so that a
 * consumer awaits once per read rather than once per line. Throws E_INPUT (naming `displayFile`) when the file
 * cannot be read.
 */
export async function* readJsonlLines(file: string, displayFile: string): AsyncGenerator<JsonlLine[]> {
  let fd: number | undefined;
  try {
    fd = await openFile(file, 'r');
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    // Decodes as a read stream with encoding 'utf8' does: a character split between reads is kept whole.
    const decoder = new StringDecoder('utf8');
    const splitter = createLineSplitter();
    for (;;) {
      const { bytesRead } = await readFile(fd, buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      const lines = splitter.push(decoder.write(buffer.subarray(0, bytesRead)));
      if (lines.length > 0) yield lines;
    }
    const lines = splitter.push(decoder.end());
    const last = splitter.end();
    if (last !== undefined) lines.push(last);
    if (lines.length > 0) yield lines;
  } catch (error) {
    if (error instanceof RedlineError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RedlineError(
      'E_INPUT',
      `cannot read ${displayFile} (${code}): check the file and its permissions`,
      {
        cause: error,
      },
    );
  } finally {
    // Runs on early exit too (a consumer that stops after N samples): release the file descriptor.
    if (fd !== undefined) await closeFile(fd);
  }
}

/**
 * Yields the non-blank lines of a JSONL file held in memory (a sealed suite's), in the same batches and with the
 * same line numbers as readJsonlLines gives for the same bytes on disk.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- an async generator, so both sources stream alike
export async function* readJsonlBytes(bytes: Uint8Array): AsyncGenerator<JsonlLine[]> {
  const decoder = new StringDecoder('utf8');
  const splitter = createLineSplitter();
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
    const lines = splitter.push(
      decoder.write(
        Buffer.from(bytes.buffer, bytes.byteOffset + offset, Math.min(CHUNK_BYTES, bytes.length - offset)),
      ),
    );
    if (lines.length > 0) yield lines;
  }
  const lines = splitter.push(decoder.end());
  const last = splitter.end();
  if (last !== undefined) lines.push(last);
  if (lines.length > 0) yield lines;
}

/** The lines of a suite's samples file: from memory when it is a sealed suite's (`data`), else from the disk. */
export function readSamplesLines(samples: {
  file: string;
  displayFile: string;
  data?: Uint8Array;
}): AsyncGenerator<JsonlLine[]> {
  return samples.data === undefined
    ? readJsonlLines(samples.file, samples.displayFile)
    : readJsonlBytes(samples.data);
}

/** Splits text that arrives in chunks into numbered non-blank lines (exported for its tests). */
export interface LineSplitter {
  /** The lines that `chunk` completes. */
  push(chunk: string): JsonlLine[];
  /** The last line, when the text does not end with a line break and that line is not blank. */
  end(): JsonlLine | undefined;
}

/** Creates a splitter: see the header for its line breaks; the BOM of the first line is dropped. */
export function createLineSplitter(): LineSplitter {
  let line = 0;
  // The start of a line whose end is in a later chunk: only the new chunk is searched for breaks, so a long line
  // that spans many chunks costs no more than a short one.
  let pending = '';
  // The previous chunk ended with "\r": a "\n" that starts this one belongs to that line break.
  let hasPendingCr = false;

  const numbered = (raw: string): JsonlLine | undefined => {
    line++;
    const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    return isBlank(text) ? undefined : { line, text };
  };

  return {
    push(chunk) {
      const lines: JsonlLine[] = [];
      if (chunk === '') return lines;
      let start = hasPendingCr && chunk.charCodeAt(0) === LF ? 1 : 0;
      hasPendingCr = false;
      let cr = chunk.indexOf('\r', start);
      if (cr === -1) {
        // The usual case, no "\r" at all: the native split does the work.
        const parts = (start === 0 ? chunk : chunk.slice(start)).split('\n');
        const last = parts.length - 1;
        for (let i = 0; i < last; i++) {
          const found = numbered(i === 0 ? pending + (parts[0] as string) : (parts[i] as string));
          if (found !== undefined) lines.push(found);
        }
        pending = last === 0 ? pending + (parts[0] as string) : (parts[last] as string);
        return lines;
      }
      let lf = chunk.indexOf('\n', start);
      while (lf !== -1 || cr !== -1) {
        const isCr = cr !== -1 && (lf === -1 || cr < lf);
        const end = isCr ? cr : lf;
        let next = end + 1;
        if (isCr) {
          if (next === chunk.length) hasPendingCr = true;
          else if (chunk.charCodeAt(next) === LF) next++;
        }
        const found = numbered(pending + chunk.slice(start, end));
        if (found !== undefined) lines.push(found);
        pending = '';
        start = next;
        if (lf !== -1 && lf < start) lf = chunk.indexOf('\n', start);
        if (cr !== -1 && cr < start) cr = chunk.indexOf('\r', start);
      }
      pending += chunk.slice(start);
      return lines;
    },
    end() {
      const last = pending === '' ? undefined : numbered(pending);
      pending = '';
      return last;
    },
  };
}

/** True for a line of spaces and tabs only (or an empty one). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09) return false;
  }
  return true;
}
