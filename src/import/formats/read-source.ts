/**
 * Reading an importer's source: the whole file as UTF-8 text with its SHA-256, whole-document JSON with the line
 * and column of a syntax error (never JSON.parse's message, which may quote benchmark content), and the words for
 * what a JSON value is. Shared by the multiple-choice, CTF and generic importers.
 */
import { readFile } from 'node:fs/promises';
import { RedlineError } from '../../errors.js';
import { locateJsonSyntaxError } from '../../suite/locate-json-error.js';
import { sha256Hex } from '../sample-ids.js';

/** A source file read whole: its text (UTF-8, without a BOM) and its bytes' SHA-256. */
export interface SourceFile {
  text: string;
  sha256: string;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The source read whole: its bytes' SHA-256 and its UTF-8 text without a BOM. Throws E_INPUT naming `source` when
 * it cannot be read, E_MALFORMED when it is not UTF-8.
 */
export async function readSourceText(source: string, what: string): Promise<SourceFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(source);
  } catch (error) {
    throw unreadableSource(source, what, error);
  }
  try {
    // The decoder drops a leading BOM.
    return { text: UTF8.decode(bytes), sha256: sha256Hex(bytes) };
  } catch (error) {
    throw new RedlineError('E_MALFORMED', `${source}: is not UTF-8 text; expected ${what} as UTF-8`, {
      cause: error,
    });
  }
}

/** The E_INPUT error of a source that cannot be read. */
export function unreadableSource(source: string, what: string, error: unknown): RedlineError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'not found'
      : code === 'EISDIR'
        ? 'is a directory, not a file'
        : (code ?? String(error));
  return new RedlineError('E_INPUT', `cannot read ${source} (${why}): give the path of ${what}`, {
    cause: error,
  });
}

/** Parses a whole-source JSON document; throws E_MALFORMED naming `source`, the line and column, and what was expected. */
export function parseSourceJson(text: string, source: string, expected: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const at = locateJsonSyntaxError(text);
    const where = at === undefined ? '' : `:${at.line}:${at.column}`;
    // Not JSON.parse's message: it may quote the offending text, which is benchmark content.
    const detail = at?.message ?? 'syntax error';
    throw new RedlineError(
      'E_MALFORMED',
      `${source}${where}: not valid JSON (${detail}); expected ${expected}`,
      {
        cause: error,
      },
    );
  }
}

/** Where and why `text` is not valid JSON, without quoting it (JSON.parse's message may quote benchmark content). */
export function jsonSyntaxProblem(text: string): string {
  const at = locateJsonSyntaxError(text);
  return at === undefined
    ? 'is not valid JSON'
    : `is not valid JSON (line ${at.line}, column ${at.column}: ${at.message})`;
}

/** The JSON type of `value` in words, for reasons ("an array", "a string" ...). */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
