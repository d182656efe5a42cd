/**
 * Streams the lines of a JSONL file without holding the file in memory: a UTF-8 BOM and CRLF line endings are
 * tolerated, blank lines are skipped, and line numbers stay those an editor shows.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { RedlineError } from '../errors.js';

/** One non-blank line of a JSONL file: `line` is 1-based. */
export interface JsonlLine {
  line: number;
  text: string;
}

const BLANK = /^[ \t]*$/;

/** Yields the non-blank lines of `file` in order; throws E_INPUT (naming `displayFile`) when it cannot be read. */
export async function* readJsonlLines(file: string, displayFile: string): AsyncGenerator<JsonlLine> {
  const input = createReadStream(file, { encoding: 'utf8' });
  // crlfDelay: Infinity makes "\r\n" always one line break, however the chunks fall.
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (BLANK.test(text)) continue;
      yield { line, text };
    }
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
    lines.close();
    input.destroy();
  }
}
