/**
 * A POSIX tar reader for archives held in memory: the plaintext of a sealed suite, whether write-tar.ts wrote it or
 * a lab officer's `tar c` did (ustar with its prefix field, PAX `path`/`size` records, GNU long names). Regular
 * files and directories only: links, devices and FIFOs are refused, as a suite never needs them and a link could
 * point outside the archive.
 */
import { RedlineError } from '../errors.js';

/** One member of an archive. */
export interface TarMember {
  /** The path as stored (POSIX; may start with "./" or end with "/"). */
  path: string;
  type: 'file' | 'dir';
  /** Permission bits (0o7777 mask). */
  mode: number;
  /** The content, a view into the archive's buffer (empty for directories). */
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder('utf-8', { fatal: false });

const LINK_KINDS: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
};

/**
 * Reads every member of `archive`; E_MALFORMED (naming `source`) when it is not a tar archive, is cut short, or holds
 * a member that is not a regular file or a directory.
 *
 * @example
 * for (const member of readTar(bytes, 'suite.age')) console.log(member.path, member.data.length);
 */
export function readTar(archive: Uint8Array, source: string): TarMember[] {
  const fail = (message: string): never => {
    throw new RedlineError('E_MALFORMED', `${source}: ${message}`);
  };
  const members: TarMember[] = [];
  let offset = 0;
  // Overrides for the next member from a PAX extended header or a GNU long name.
  let nextPath: string | undefined;
  let nextSize: number | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return members;
    if (!hasValidChecksum(header)) {
      fail(
        offset === 0
          ? 'does not hold a tar archive (the first header has a wrong checksum); seal suites with "redline suite seal" or "tar c | age -r"'
          : `the tar header at byte ${offset} has a wrong checksum: the archive is damaged`,
      );
    }
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const size = nextSize ?? readNumber(header.subarray(124, 136), () => fail(`bad size at byte ${offset}`));
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length)
      fail(`the tar archive ends inside a member (at byte ${offset}): it is cut short`);
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'x') {
      const records = parsePax(data, () => fail(`bad PAX header at byte ${dataStart - BLOCK}`));
      nextPath = records.get('path') ?? nextPath;
      const paxSize = records.get('size');
      if (paxSize !== undefined) {
        if (!/^\d+$/.test(paxSize)) fail(`bad PAX size "${paxSize}"`);
        nextSize = Number(paxSize);
      }
      continue;
    }
    if (typeflag === 'g') continue; // global PAX records (comments, mtimes): nothing Redline needs
    if (typeflag === 'L') {
      nextPath = cString(data);
      continue;
    }
    const path = nextPath ?? headerPath(header);
    nextPath = undefined;
    nextSize = undefined;
    const mode = readNumber(header.subarray(100, 108), () => fail(`bad mode of ${path}`)) & 0o7777;
    if (typeflag === '5') {
      members.push({ path, type: 'dir', mode, data: new Uint8Array(0) });
    } else if (typeflag === '0' || typeflag === '\0' || typeflag === '7') {
      members.push({ path, type: 'file', mode, data });
    } else {
      const kind = LINK_KINDS[typeflag] ?? `a member of type "${typeflag}"`;
      fail(`${path} is ${kind}: a sealed suite holds regular files and directories only`);
    }
  }
  if (offset === 0 && archive.length < BLOCK) fail('does not hold a tar archive (too short)');
  // No end-of-archive blocks: GNU tar accepts that (with a warning), and so does this reader, when no member is cut.
  return members;
}

/** The ustar name, with its prefix when the header is POSIX ustar (GNU headers use that space for other fields). */
function headerPath(header: Uint8Array): string {
  const name = cString(header.subarray(0, 100));
  const isPosix = cString(header.subarray(257, 263)) === 'ustar' && header[262] === 0;
  const prefix = isPosix ? cString(header.subarray(345, 500)) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

/** An octal numeric field, or GNU's base-256 form (high bit of the first byte set). */
function readNumber(field: Uint8Array, onError: () => never): number {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    if (!Number.isSafeInteger(value)) onError();
    return value;
  }
  const text = cString(field).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) onError();
  return parseInt(text, 8);
}

/** The checksum is the sum of the header's bytes with its own field counted as spaces (unsigned, as POSIX says). */
function hasValidChecksum(header: Uint8Array): boolean {
  const stored = cString(header.subarray(148, 156)).trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum === parseInt(stored, 8);
}

/** PAX records "<length> <key>=<value>\n". */
function parsePax(data: Uint8Array, onError: () => never): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break;
    const space = data.indexOf(0x20, at);
    if (space === -1) onError();
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length) onError();
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const equals = record.indexOf('=');
    if (equals === -1) onError();
    records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return records;
}
