/**
 * readTar: archives written by writeTar and by the system's GNU tar (its default GNU format with long names, and
 * POSIX/PAX), read back member by member; what a sealed suite must never hold (links) and damaged archives refused.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar } from '../../../src/archive/read-tar.js';
import { writeTar } from '../../../src/archive/write-tar.js';
import { codeOf } from '../../helpers/error-of.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-read-tar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LONG = `${'deep/'.repeat(40)}file.txt`;

/** A directory with a nested file, an executable, a long path and UTF-8 names; returns it. */
async function writeTree(): Promise<string> {
  const root = await mkdtemp(join(dir, 'tree-'));
  await mkdir(join(root, 'sub', 'inner'), { recursive: true });
  await writeFile(join(root, 'a.txt'), 'alpha\n');
  await writeFile(join(root, 'sub', 'inner', 'ünïcode.bin'), Buffer.from([0, 1, 2, 255]));
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(root, 'run.sh'), 0o755);
  await mkdir(join(root, ...LONG.split('/').slice(0, -1)), { recursive: true });
  await writeFile(join(root, LONG), 'long\n');
  return root;
}

/** The files of members, as path -> text (directories left out), paths without "./". */
function filesOf(members: ReturnType<typeof readTar>): Record<string, string> {
  return Object.fromEntries(
    members
      .filter((m) => m.type === 'file')
      .map((m) => [m.path.replace(/^\.\//, ''), Buffer.from(m.data).toString('latin1')]),
  );
}

describe('readTar', () => {
  it('reads back what writeTar wrote: paths (PAX for long ones), types, modes and bytes', () => {
    const archive = writeTar([
      { path: 'dir', type: 'dir', mode: 0o750 },
      { path: 'dir/a.txt', data: Buffer.from('alpha') },
      { path: 'dir/run.sh', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      { path: LONG, data: Buffer.from('long') },
      { path: 'empty', data: new Uint8Array() },
    ]);
    const members = readTar(archive, 'x.tar');
    expect(members.map((m) => [m.path, m.type, m.mode])).toEqual([
      ['dir/', 'dir', 0o750],
      ['dir/a.txt', 'file', 0o644],
      ['dir/run.sh', 'file', 0o755],
      [LONG, 'file', 0o644],
      ['empty', 'file', 0o644],
    ]);
    expect(filesOf(members)).toMatchObject({ 'dir/a.txt': 'alpha', [LONG]: 'long', empty: '' });
  });

  for (const format of ['gnu', 'posix', 'ustar'] as const) {
    it(`reads GNU tar's ${format} format, long names included where the format has them`, async () => {
      const root = await writeTree();
      const file = join(dir, `${format}.tar`);
      const names = format === 'ustar' ? ['a.txt', 'run.sh', 'sub'] : ['.'];
      execFileSync('tar', [`--format=${format}`, '-cf', file, '-C', root, ...names]);
      const members = readTar(await readFile(file), file);
      const files = filesOf(members);
      expect(files['a.txt']).toBe('alpha\n');
      expect(files['sub/inner/ünïcode.bin']).toBe(Buffer.from([0, 1, 2, 255]).toString('latin1'));
      expect(members.find((m) => m.path.endsWith('run.sh'))?.mode).toBe(0o755);
      if (format !== 'ustar') expect(files[LONG]).toBe('long\n');
    });
  }

  it('refuses a symbolic link: a sealed suite holds regular files and directories only', async () => {
    const root = await writeTree();
    await symlink('/etc/passwd', join(root, 'link'));
    const file = join(dir, 'link.tar');
    execFileSync('tar', ['-cf', file, '-C', root, 'a.txt', 'link']);
    expect(codeOf(() => readTar(readFileSync(file), file))).toBe('E_MALFORMED');
  });

  it('refuses bytes that are not a tar archive, and an archive cut inside a member', () => {
    expect(codeOf(() => readTar(Buffer.from('{"id": "not a tar"}'), 'x'))).toBe('E_MALFORMED');
    expect(codeOf(() => readTar(Buffer.alloc(1024, 0x41), 'x'))).toBe('E_MALFORMED');
    const archive = writeTar([{ path: 'big', data: Buffer.alloc(5000, 0x61) }]);
    expect(codeOf(() => readTar(archive.subarray(0, 2048), 'x'))).toBe('E_MALFORMED');
  });

  it('refuses a header whose checksum does not match', () => {
    const archive = writeTar([{ path: 'a.txt', data: Buffer.from('alpha') }]);
    archive[0] = 'b'.charCodeAt(0); // the name changes, the checksum does not
    expect(codeOf(() => readTar(archive, 'x'))).toBe('E_MALFORMED');
  });
});
