/**
 * Searches every byte of every file under some directories for given strings: the check that a sealed suite's
 * content (sample inputs, choices, targets, challenge files, planted flags) reached no file on disk. Each needle is
 * looked for as UTF-8 and as it appears inside a JSON string (quotes, backslashes and control characters escaped,
 * and non-ASCII characters too, as \uXXXX), since most of what Redline writes is JSON.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A needle found in a file. */
export interface ByteHit {
  file: string;
  /** The needle as given (not its escaped form). */
  needle: string;
  /** Byte offset of the first occurrence. */
  offset: number;
}

/** Options of searchBytes. */
export interface SearchBytesOptions {
  /** Files (absolute paths) to leave out, e.g. a database another test checks on its own. */
  exclude?: (file: string) => boolean;
  /** Needles shorter than this many characters are refused (they would match by chance); default 6. */
  minLength?: number;
}

/** What a search looked at and found. */
export interface ByteSearch {
  hits: ByteHit[];
  /** Regular files read. */
  files: number;
  /** Bytes read. */
  bytes: number;
  /** Files that exist but could not be read (a search that skipped them proves nothing about them). */
  unreadable: string[];
}

/**
 * Every needle found under `dirs` (recursively, symlinks not followed; a directory that does not exist is skipped).
 *
 * @example
 * const { hits } = await searchBytes([tmp, runDir], ['What does ASLR randomise?']);
 * expect(hits).toEqual([]);
 */
export async function searchBytes(
  dirs: readonly string[],
  needles: readonly string[],
  options: SearchBytesOptions = {},
): Promise<ByteSearch> {
  const minLength = options.minLength ?? 6;
  const short = needles.filter((needle) => needle.length < minLength);
  if (short.length > 0) {
    throw new Error(`needles shorter than ${minLength} characters match by chance: ${JSON.stringify(short)}`);
  }
  const forms = [...new Set(needles)].map((needle) => ({
    needle,
    patterns: [...new Set([needle, JSON.stringify(needle).slice(1, -1), asciiJson(needle)])].map((text) =>
      Buffer.from(text, 'utf8'),
    ),
  }));
  const result: ByteSearch = { hits: [], files: 0, bytes: 0, unreadable: [] };
  for (const dir of dirs) await searchDir(dir, forms, options.exclude, result);
  return result;
}

/** `text` inside a JSON string written with only ASCII (Python's json.dumps default: "\u00e9" for "é"). */
function asciiJson(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The needles worth searching for in a sample: its input, choices and string target (short ones left out). */
export function needlesOfSample(
  sample: { input: string; choices?: string[]; target: string | string[] },
  minLength = 6,
): string[] {
  const targets = Array.isArray(sample.target) ? sample.target : [sample.target];
  return [sample.input, ...(sample.choices ?? []), ...targets].filter((text) => text.length >= minLength);
}

async function searchDir(
  dir: string,
  forms: ReadonlyArray<{ needle: string; patterns: Buffer[] }>,
  exclude: ((file: string) => boolean) | undefined,
  result: ByteSearch,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    const path = join(dir, name);
    let stats;
    try {
      stats = await lstat(path);
    } catch {
      continue; // removed while we looked (another test's temp file)
    }
    if (stats.isDirectory()) {
      await searchDir(path, forms, exclude, result);
      continue;
    }
    if (!stats.isFile() || exclude?.(path) === true) continue;
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      // Removed while we looked (another process's temp file): nothing left to find.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') result.unreadable.push(path);
      continue;
    }
    result.files++;
    result.bytes += bytes.length;
    for (const { needle, patterns } of forms) {
      for (const pattern of patterns) {
        const offset = bytes.indexOf(pattern);
        if (offset !== -1) {
          result.hits.push({ file: path, needle, offset });
          break;
        }
      }
    }
  }
}
