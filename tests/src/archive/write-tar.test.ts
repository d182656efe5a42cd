/**
 * writeTar: archives checked by an independent reader, the system's GNU tar (`tar -tvf` lists them, `tar -xf`
 * extracts them into a temp dir), for names, modes, owners, directories, ustar prefixes and PAX paths.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTar, type TarEntry } from '../../../src/archive/write-tar.js';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-write-tar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the archive of `entries` to a fresh file and returns its path. */
async function archiveOf(entries: readonly TarEntry[]): Promise<string> {
  const file = join(dir, `a${++count}.tar`);
  await writeFile(file, writeTar(entries));
  return file;
}

interface Listed {
  mode: string;
  owner: string;
  size: number;
  date: string;
  name: string;
}

/** GNU tar's verbose listing with numeric owners, one object per member. */
function listTar(file: string): Listed[] {
  const out = execFileSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      // -rw-r--r-- 1000/1000     5 1970-01-01 00:00 work/a.txt
      const match = /^(\S+) (\d+\/\d+) +(\d+) (\S+) \S+ (.*)$/.exec(line);
      if (match === null) throw new Error(`unexpected tar listing line: ${line}`);
      return {
        mode: match[1]!,
        owner: match[2]!,
        size: Number(match[3]),
        date: match[4]!,
        name: match[5]!,
      };
    });
}

/** Extracts `file` into a fresh directory (permissions kept, umask ignored) and returns the directory. */
async function extract(file: string): Promise<string> {
  const target = await mkdtemp(join(dir, 'x-'));
  execFileSync('tar', ['-xpf', file, '-C', target]);
  return target;
}

describe('writeTar', () => {
  it('writes files and directories that tar lists with their names, modes, owners and sizes', async () => {
    const file = await archiveOf([
      { path: 'work', type: 'dir', mode: 0o750, uid: 1000, gid: 1000 },
      { path: 'work/a.txt', data: Buffer.from('hello'), uid: 1000, gid: 1001 },
      { path: 'work/run.sh', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      { path: 'etc/', type: 'dir' },
      { path: 'empty' },
    ]);
    expect(listTar(file)).toEqual([
      { mode: 'drwxr-x---', owner: '1000/1000', size: 0, date: '1970-01-01', name: 'work/' },
      { mode: '-rw-r--r--', owner: '1000/1001', size: 5, date: '1970-01-01', name: 'work/a.txt' },
      { mode: '-rwxr-xr-x', owner: '0/0', size: 10, date: '1970-01-01', name: 'work/run.sh' },
      { mode: 'drwxr-xr-x', owner: '0/0', size: 0, date: '1970-01-01', name: 'etc/' },
      { mode: '-rw-r--r--', owner: '0/0', size: 0, date: '1970-01-01', name: 'empty' },
    ]);
  });

  it('round-trips file contents and permission bits through tar -x', async () => {
    const bytes = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7) % 256));
    const target = await extract(
      await archiveOf([
        { path: 'd', type: 'dir', mode: 0o700 },
        { path: 'd/bin.dat', data: bytes, mode: 0o600 },
        { path: 'd/exact-block', data: Buffer.alloc(512, 0x61), mode: 0o640 },
        { path: 'd/tool', data: Buffer.from('x'), mode: 0o751 },
      ]),
    );
    expect(await readFile(join(target, 'd/bin.dat'))).toEqual(bytes);
    expect(await readFile(join(target, 'd/exact-block'))).toEqual(Buffer.alloc(512, 0x61));
    expect((await stat(join(target, 'd'))).isDirectory()).toBe(true);
    expect((await stat(join(target, 'd'))).mode & 0o7777).toBe(0o700);
    expect((await stat(join(target, 'd/bin.dat'))).mode & 0o7777).toBe(0o600);
    expect((await stat(join(target, 'd/exact-block'))).mode & 0o7777).toBe(0o640);
    expect((await stat(join(target, 'd/tool'))).mode & 0o7777).toBe(0o751);
  });

  it('keeps owners on extraction when run as root', async (context) => {
    if (process.getuid?.() !== 0) context.skip();
    const target = await extract(
      await archiveOf([
        { path: 'home', type: 'dir', uid: 1000, gid: 1000 },
        { path: 'home/f', data: Buffer.from('x'), uid: 1234, gid: 4321 },
      ]),
    );
    const home = await stat(join(target, 'home'));
    const f = await stat(join(target, 'home/f'));
    expect([home.uid, home.gid, f.uid, f.gid]).toEqual([1000, 1000, 1234, 4321]);
  });

  it('splits a path longer than 100 bytes into the ustar prefix and name, with no PAX header', async () => {
    const path = `${'p'.repeat(70)}/${'q'.repeat(70)}/file.txt`;
    expect(Buffer.byteLength(path)).toBeGreaterThan(100);
    const archive = writeTar([{ path, data: Buffer.from('deep') }]);
    // One header, one data block, two end blocks: no extended header was needed.
    expect(archive.length).toBe(512 * 4);
    expect(archive.subarray(156, 157).toString()).toBe('0');
    // The first split that fits: prefix "ppp...", name "qqq.../file.txt" (fields NUL-padded).
    expect(archive.subarray(0, 100).toString().replace(/\0+$/, '')).toBe(`${'q'.repeat(70)}/file.txt`);
    expect(archive.subarray(345, 500).toString().replace(/\0+$/, '')).toBe('p'.repeat(70));
    const file = join(dir, `a${++count}.tar`);
    await writeFile(file, archive);
    expect(listTar(file).map((m) => m.name)).toEqual([path]);
    expect(await readFile(join(await extract(file), path), 'utf8')).toBe('deep');
  });

  it('uses a PAX path for a path longer than 255 bytes and for a long name that cannot be split', async () => {
    const long = `${'a'.repeat(120)}/${'b'.repeat(120)}/${'c'.repeat(60)}.txt`;
    const unsplittable = `dir/${'n'.repeat(150)}`;
    // Multi-byte characters: the PAX record length counts bytes, not characters.
    const multibyte = `${'é'.repeat(100)}/${'ü'.repeat(100)}/fin.txt`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(255);
    expect(Buffer.byteLength(multibyte)).toBeGreaterThan(255);
    const entries: TarEntry[] = [
      { path: long, data: Buffer.from('one') },
      { path: unsplittable, data: Buffer.from('two') },
      { path: multibyte, data: Buffer.from('three') },
    ];
    const archive = writeTar(entries);
    expect(archive.subarray(156, 157).toString()).toBe('x');
    const file = join(dir, `a${++count}.tar`);
    await writeFile(file, archive);
    expect(listTar(file).map((m) => m.name)).toEqual(entries.map((e) => e.path));
    const target = await extract(file);
    expect(await readFile(join(target, long), 'utf8')).toBe('one');
    expect(await readFile(join(target, unsplittable), 'utf8')).toBe('two');
    expect(await readFile(join(target, multibyte), 'utf8')).toBe('three');
  });

  it('writes PAX record lengths right where the length gains a digit', async () => {
    // A record is "<len> path=<p>\n": around 990 bytes of path its length goes from 3 to 4 digits.
    const entries: TarEntry[] = [];
    for (let size = 985; size <= 995; size++) {
      const head = `${'d'.repeat(200)}/`.repeat(4);
      const path = head + 'f'.repeat(size - head.length);
      expect(Buffer.byteLength(path)).toBe(size);
      entries.push({ path, data: Buffer.from(String(size)) });
    }
    const file = await archiveOf(entries);
    expect(listTar(file).map((m) => m.name)).toEqual(entries.map((e) => e.path));
    const target = await extract(file);
    for (const entry of entries) {
      expect(await readFile(join(target, entry.path), 'utf8')).toBe(String(Buffer.byteLength(entry.path)));
    }
  });

  it('ends with two zero blocks and writes nothing else for no entries', () => {
    expect(writeTar([])).toEqual(Buffer.alloc(1024));
  });

  it('writes byte-identical archives for the same entries', () => {
    const entries = (): TarEntry[] => [
      { path: 'work', type: 'dir', uid: 1000, gid: 1000 },
      { path: 'work/a.txt', data: Buffer.from('same'), uid: 1000, gid: 1000 },
      { path: `${'x'.repeat(300)}/y`, data: Buffer.from('long') },
    ];
    const first = writeTar(entries());
    expect(writeTar(entries()).equals(first)).toBe(true);
    expect(writeTar([{ ...entries()[1]!, data: Buffer.from('diff') }]).equals(first)).toBe(false);
  });
});
