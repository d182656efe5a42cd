import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createSeededRng } from '../../../src/aggregate/seeded-rng.js';
import { createLineSplitter, readJsonlLines, type JsonlLine } from '../../../src/suite/read-jsonl-lines.js';
import { useTempDir, writeFiles } from './temp-suite.js';

/**
 * The lines node:readline (crlfDelay: Infinity) gives for `input`, numbered, BOM dropped and blank ones skipped: how
 * JSONL files were read before the splitter replaced it, kept as the reference.
 */
async function referenceLines(input: Readable): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  let line = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (!/^[ \t]*$/.test(text)) out.push({ line, text });
  }
  return out;
}

function splitLines(chunks: readonly string[]): JsonlLine[] {
  const splitter = createLineSplitter();
  const out = chunks.flatMap((chunk) => splitter.push(chunk));
  const last = splitter.end();
  return last === undefined ? out : [...out, last];
}

async function collect(batches: AsyncIterable<JsonlLine[]>): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const lines of batches) {
    expect(lines.length).toBeGreaterThan(0);
    out.push(...lines);
  }
  return out;
}

const PIECES = [
  '{"id":"a"}',
  'x',
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\n\r',
  '\r\r',
  '\uFEFF',
  'é',
  '\u2028',
  '  y  ',
];

describe('createLineSplitter', () => {
  it('splits as node:readline does, on generated texts cut into chunks at random places', async () => {
    const rng = createSeededRng(31, 'jsonl-lines');
    for (let round = 0; round < 2_000; round++) {
      const text = Array.from(
        { length: rng.nextIndex(30) },
        () => PIECES[rng.nextIndex(PIECES.length)]!,
      ).join('');
      const cuts = [
        ...new Set(Array.from({ length: rng.nextIndex(6) }, () => rng.nextIndex(text.length + 1))),
      ];
      cuts.sort((a, b) => a - b);
      const chunks = [0, ...cuts].map((start, i) => text.slice(start, cuts[i] ?? text.length));
      const expected = await referenceLines(Readable.from(chunks.filter((c) => c !== '')));
      expect({ text, chunks, lines: splitLines(chunks) }).toEqual({ text, chunks, lines: expected });
    }
  });

  it('treats "\\r\\n" split across two chunks as one line break', () => {
    expect(splitLines(['a\r', '\nb\r', '\r\n', 'c'])).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 4, text: 'c' },
    ]);
  });

  it('keeps a line that spans many chunks whole', () => {
    const chunks = Array.from({ length: 1_000 }, (_, i) => `${i},`);
    expect(splitLines(['first\n', ...chunks, '\nlast'])).toEqual([
      { line: 1, text: 'first' },
      { line: 2, text: chunks.join('') },
      { line: 3, text: 'last' },
    ]);
  });
});

describe('readJsonlLines', () => {
  const tmp = useTempDir();

  it('reads a file as node:readline does, a CRLF falling across the first chunk boundary', async () => {
    // The file is read 64 KiB at a time: the first line fills the first read up to its "\r".
    const text = `\uFEFF${'x'.repeat(65_532)}\r\n\r\n  \t\n{"id":"é"}\r${'y'.repeat(100_000)}\n\rlast`;
    await writeFiles(tmp(), { 'lines.jsonl': text });
    const file = join(tmp(), 'lines.jsonl');
    const lines = await collect(readJsonlLines(file, 'lines.jsonl'));
    expect(lines).toEqual(await referenceLines(createReadStream(file, { encoding: 'utf8' })));
    expect(lines.map((l) => [l.line, l.text.length])).toEqual([
      [1, 65_532],
      [4, 10],
      [5, 100_000],
      [7, 4],
    ]);
  });

  it.each([
    ['does not exist', 'missing.jsonl', 'ENOENT'],
    ['is a directory', 'dir', 'EISDIR'],
  ])('throws E_INPUT naming the file when it %s', async (_label, name, code) => {
    await writeFiles(tmp(), { 'dir/inside.txt': '' });
    await expect(collect(readJsonlLines(join(tmp(), name), `shown/${name}`))).rejects.toMatchObject({
      code: 'E_INPUT',
      message: expect.stringContaining(`shown/${name} (${code})`) as unknown,
    });
  });
});
