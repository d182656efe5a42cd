/**
 * What a lab database file is, from its first bytes, without opening it with SQLite: a plaintext SQLite file starts
 * with "SQLite format 3\0"; a SQLCipher file is indistinguishable from random bytes, whole pages of them.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { RedlineError } from '../errors.js';

/**
 * missing: no file; empty: 0 bytes (SQLite makes it a new database); plaintext: a SQLite header; encrypted: whole
 * pages of bytes without the header (a SQLCipher file); other: anything else (a text file, a truncated file).
 */
export type StoreFileKind = 'missing' | 'empty' | 'plaintext' | 'encrypted' | 'other';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
// SQLite pages are powers of two from 512 bytes; encrypted files are whole pages, and at least one.
const MIN_PAGE_BYTES = 512;
// Bytes of the file start checked for text: a text file is not taken for an encrypted database.
const TEXT_PROBE_BYTES = 64;

/**
 * Classifies the lab database file `file` (read-only: it reads the first bytes).
 * @example if (readStoreFileKind('redline.db') === 'encrypted') ...
 */
export function readStoreFileKind(file: string): StoreFileKind {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'EISDIR') return 'other';
    throw new RedlineError('E_STORE', `${file}: cannot read the lab database (${code ?? String(error)})`, {
      cause: error,
    });
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 'empty';
    const head = Buffer.alloc(Math.min(size, Math.max(SQLITE_HEADER.length, TEXT_PROBE_BYTES)));
    readSync(fd, head, 0, head.length, 0);
    if (head.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) return 'plaintext';
    if (size < MIN_PAGE_BYTES || size % MIN_PAGE_BYTES !== 0 || isText(head)) return 'other';
    return 'encrypted';
  } catch (error) {
    // A directory opens on Linux, but fstat/read of it fail: not a database file either way.
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return 'other';
    throw error;
  } finally {
    closeSync(fd);
  }
}

function isText(head: Buffer): boolean {
  return head.every(
    (byte) => byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f),
  );
}
