/**
 * A minimal POSIX tar (ustar, with PAX headers for long paths) writer: how files reach a container through the
 * Engine API's archive endpoint, how build contexts are sent (no host mount, no temp file), and the plaintext of a
 * sealed suite (seal-suite.ts), which `tar t` lists once `age -d` has decrypted it. read-tar.ts reads it back.
 */

/** One entry of an archive. */
export interface TarEntry {
  /** Path inside the archive, relative (no leading '/'); directories may end in '/'. */
  path: string;
  /** 'file' (default) or 'dir'. */
  type?: 'file' | 'dir';
  /** File content (files only). */
  data?: Uint8Array;
  /** Permission bits (default 0o644 for files, 0o755 for dirs). */
  mode?: number;
  uid?: number;
  gid?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(fields: {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  typeflag: string;
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode, 8), 100, 8, 'ascii');
  block.write(octal(fields.uid, 8), 108, 8, 'ascii');
  block.write(octal(fields.gid, 8), 116, 8, 'ascii');
  block.write(octal(fields.size, 12), 124, 12, 'ascii');
  // mtime 0: archives of the same entries are byte-identical (reproducible build contexts).
  block.write(octal(0, 12), 136, 12, 'ascii');
  block.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  block.write(fields.typeflag, 156, 1, 'ascii');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return block;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** Splits a path into ustar's name (100 bytes) and prefix (155 bytes) fields, or undefined when it cannot. */
function splitUstar(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') {
      return { name, prefix };
    }
  }
  return undefined;
}

/** A PAX extended header record: "<len> path=<value>\n", where <len> counts the whole record. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`, 'utf8');
}

/**
 * Writes `entries` as one tar archive (ending with the two zero blocks).
 *
 * @example
 * const tar = writeTar([{ path: 'work/', type: 'dir', uid: 1000 }, { path: 'work/a.txt', data: bytes }]);
 */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const isDir = entry.type === 'dir';
    const path = isDir && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
    const data = isDir ? Buffer.alloc(0) : Buffer.from(entry.data ?? new Uint8Array());
    const common = {
      mode: entry.mode ?? (isDir ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
    };
    let fields = splitUstar(path);
    if (fields === undefined) {
      const pax = paxRecord('path', path);
      parts.push(header({ name: 'PaxHeader', prefix: '', ...common, size: pax.length, typeflag: 'x' }));
      parts.push(pax, padding(pax.length));
      fields = { name: path.slice(0, 99), prefix: '' };
    }
    parts.push(header({ ...fields, ...common, size: data.length, typeflag: isDir ? '5' : '0' }));
    parts.push(data, padding(data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
