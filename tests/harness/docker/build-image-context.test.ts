/**
 * buildImageContext: the tar build context of a suite's image recipe, checked by extracting it with GNU tar.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedlineError, type RedlineError } from '../../../src/errors.js';
import type { ImageBuild } from '../../../src/schema/suite.js';
import { buildImageContext } from '../../../harness/docker/build-image-context.js';

let root: string;
let suiteDir: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'redline-context-'));
  suiteDir = join(root, 'suite');
  outside = join(root, 'outside');
  await mkdir(join(suiteDir, 'image', 'rootfs', 'etc'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(suiteDir, 'image', 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\n');
  await writeFile(join(suiteDir, 'image', 'rootfs', 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  await writeFile(join(suiteDir, 'image', 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(suiteDir, 'image', 'run.sh'), 0o750);
  await chmod(join(suiteDir, 'image', 'rootfs', 'etc', 'passwd'), 0o600);
  await writeFile(join(outside, 'secret.txt'), 'not for the image\n');
  await writeFile(join(suiteDir, 'suite.json'), '{}');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const source = (recipe: ImageBuild, dir = suiteDir) => ({
  suiteDir: dir,
  suiteFile: 'suite/suite.json',
  ref: 'redline-test/ctx:1',
  recipe,
});

async function failureOf(recipe: ImageBuild, dir?: string): Promise<RedlineError> {
  try {
    await buildImageContext(source(recipe, dir));
  } catch (error) {
    if (isRedlineError(error)) return error;
    throw error;
  }
  throw new Error('expected a RedlineError');
}

/** `tar -tv` of an archive: path -> permission string. */
async function listTar(tar: Buffer): Promise<Map<string, string>> {
  const file = join(root, `list-${Math.random().toString(16).slice(2)}.tar`);
  await writeFile(file, tar);
  const out = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
  await rm(file);
  return new Map(
    out
      .trim()
      .split('\n')
      .map((line) => {
        const parts = line.split(/\s+/);
        return [parts[parts.length - 1] ?? '', parts[0] ?? ''];
      }),
  );
}

describe('buildImageContext', () => {
  it('archives the context directory recursively with each file mode, plus the include', async () => {
    const context = await buildImageContext(
      source({ context: 'image', include: { busybox: '/bin/busybox' } }),
    );
    expect(context.dockerfile).toBe('Dockerfile');
    const listing = await listTar(context.tar);
    expect(listing.get('Dockerfile')).toBe('-rw-r--r--');
    expect(listing.get('run.sh')).toBe('-rwxr-x---');
    expect(listing.get('rootfs/etc/passwd')).toBe('-rw-------');
    expect(listing.get('rootfs/')).toMatch(/^d/);
    expect(listing.get('busybox')).toBe(`-${modeString((await stat('/bin/busybox')).mode)}`);

    const busybox = context.entries.find((e) => e.path === 'busybox');
    expect(busybox).toMatchObject({
      type: 'file',
      source: '/bin/busybox',
      size: (await stat('/bin/busybox')).size,
    });
    const out = join(root, 'extract');
    await mkdir(out);
    const tarFile = join(root, 'context.tar');
    await writeFile(tarFile, context.tar);
    execFileSync('tar', ['-xf', tarFile, '-C', out]);
    // Buffer.equals: a deep toEqual over 2 MB is slow.
    expect((await readFile(join(out, 'busybox'))).equals(await readFile('/bin/busybox'))).toBe(true);
    expect(await readFile(join(out, 'rootfs/etc/passwd'), 'utf8')).toBe('root:x:0:0::/root:/bin/sh\n');
  });

  it('gives the same bytes for the same files', async () => {
    const a = await buildImageContext(source({ context: 'image' }));
    const b = await buildImageContext(source({ context: './image/' }));
    expect(a.tar.equals(b.tar)).toBe(true);
  });

  it('places an include in a subdirectory it creates', async () => {
    const context = await buildImageContext(
      source({ context: 'image', include: { 'bin/busybox': '/bin/busybox' } }),
    );
    expect(context.entries.filter((e) => e.path.startsWith('bin')).map((e) => [e.path, e.type])).toEqual([
      ['bin', 'dir'],
      ['bin/busybox', 'file'],
    ]);
  });

  it('copies a symlink to a file inside the context as that file', async () => {
    const dir = join(root, 'linked');
    await mkdir(join(dir, 'image'), { recursive: true });
    await writeFile(join(dir, 'image', 'Dockerfile'), 'FROM scratch\n');
    await symlink('Dockerfile', join(dir, 'image', 'Dockerfile.copy'));
    const context = await buildImageContext(source({ context: 'image', dockerfile: 'Dockerfile.copy' }, dir));
    expect(context.dockerfile).toBe('Dockerfile.copy');
    expect(context.entries.find((e) => e.path === 'Dockerfile.copy')?.type).toBe('file');
  });

  it('refuses a context leaving the suite directory', async () => {
    for (const context of ['../outside', 'image/../../outside', '/tmp']) {
      const error = await failureOf({ context });
      expect(error.code).toBe('E_INPUT');
      expect(error.details).toEqual({
        file: 'suite/suite.json',
        ref: 'redline-test/ctx:1',
        field: 'context',
      });
      expect(error.message).toContain('suite/suite.json');
      expect(error.message).toContain('redline-test/ctx:1');
    }
  });

  it('refuses a context directory that is a symlink out of the suite', async () => {
    const dir = join(root, 'ctx-link');
    await mkdir(dir);
    await symlink(outside, join(dir, 'image'));
    const error = await failureOf({ context: 'image' }, dir);
    expect([error.code, (error.details as { field: string }).field]).toEqual(['E_INPUT', 'context']);
  });

  it('refuses a symlink in the context pointing outside it', async () => {
    const dir = join(root, 'escape');
    await mkdir(join(dir, 'image'), { recursive: true });
    await writeFile(join(dir, 'image', 'Dockerfile'), 'FROM scratch\n');
    await symlink(join(outside, 'secret.txt'), join(dir, 'image', 'secret.txt'));
    const error = await failureOf({ context: 'image' }, dir);
    expect([error.code, (error.details as { field: string }).field]).toEqual(['E_INPUT', 'context']);
    expect(error.message).toContain('secret.txt');
  });

  it('refuses a symlink to a directory inside the context', async () => {
    const dir = join(root, 'dirlink');
    await mkdir(join(dir, 'image', 'real'), { recursive: true });
    await writeFile(join(dir, 'image', 'Dockerfile'), 'FROM scratch\n');
    await symlink('real', join(dir, 'image', 'alias'));
    expect((await failureOf({ context: 'image' }, dir)).code).toBe('E_INPUT');
  });

  it('refuses an include that is not an absolute path to an existing regular file', async () => {
    const cases: Array<[string, string]> = [
      ['busybox', 'bin/busybox'],
      ['busybox', '/nonexistent/busybox'],
      ['busybox', '/bin'],
      ['busybox', '/dev/null'],
      ['../busybox', '/bin/busybox'],
      ['Dockerfile', '/bin/busybox'],
    ];
    for (const [name, path] of cases) {
      const error = await failureOf({ context: 'image', include: { [name]: path } });
      expect(error.code, `${name} -> ${path}`).toBe('E_INPUT');
      expect((error.details as { field: string }).field).toBe(`include/${name.replaceAll('/', '~1')}`);
    }
  });

  it('refuses a context without its Dockerfile', async () => {
    const error = await failureOf({ context: 'image', dockerfile: 'Missing.Dockerfile' });
    expect([error.code, (error.details as { field: string }).field]).toEqual(['E_INPUT', 'dockerfile']);
    expect((await failureOf({ context: 'image/rootfs' })).code).toBe('E_INPUT');
    expect((await failureOf({ context: 'missing' })).code).toBe('E_INPUT');
  });
});

function modeString(mode: number): string {
  const bits = 'rwxrwxrwx';
  return [...bits].map((c, i) => ((mode >> (8 - i)) & 1 ? c : '-')).join('');
}
