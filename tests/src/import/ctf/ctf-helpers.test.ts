import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtImageName } from '../../../../src/import/formats/built-image-name.js';
import {
  agentImageOf,
  ChallengeFileStore,
  DEFAULT_AGENT_IMAGE,
  listChallengeFiles,
  summarizeSandboxes,
} from '../../../../src/import/formats/ctf-helpers.js';
import { findComposeFile } from '../../../../src/import/formats/find-compose-file.js';
import { ImageTable } from '../../../../src/import/formats/image-table.js';
import {
  composeLiveTarget,
  dockerfileLiveTarget,
  releaseLiveTarget,
  type LiveTargetTask,
} from '../../../../src/import/formats/live-target.js';
import type { Sample } from '../../../../src/schema/suite.js';

const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'redline-ctf-helpers-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A task folder holding `files` (relative path -> content). */
async function taskWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

function liveTask(dir: string, maxBytes?: number): LiveTargetTask {
  return { key: 'task-1', dir, store: new ChallengeFileStore(maxBytes), images: new ImageTable() };
}

describe('builtImageName', () => {
  it('makes a lowercase Docker reference from the task key and service', () => {
    expect(builtImageName('cybench-Web-[Hard] X', 'web')).toBe(
      'redline-import/cybench-web-hard-x-web:latest',
    );
  });

  it('shortens long keys with a hash so that names stay distinct', () => {
    const a = builtImageName('k'.repeat(300), 'web');
    const b = builtImageName(`${'k'.repeat(299)}j`, 'web');
    expect(a.length).toBeLessThan(140);
    expect(a).toMatch(/^redline-import\/[a-z0-9-]+:latest$/);
    expect(a).not.toBe(b);
  });
});

describe('agentImageOf', () => {
  it('takes the agentImage option, else the default', () => {
    expect(agentImageOf({})).toBe(DEFAULT_AGENT_IMAGE);
    expect(agentImageOf({ agentImage: 'lab/agent:3' })).toBe('lab/agent:3');
  });
});

describe('ImageTable', () => {
  it('refuses a name already built from another source, and frees the names of a released task', () => {
    const table = new ImageTable();
    expect(table.claim('app:1', { context: 'images/a/web' }, '/a', 'a')).toBe(true);
    expect(table.claim('app:1', { context: 'images/a/web' }, '/a', 'a')).toBe(true);
    expect(table.claim('app:1', { context: 'images/b/web' }, '/b', 'b')).toBe(false);
    table.release('a');
    expect(table.images).toEqual({});
    expect(table.claim('app:1', { context: 'images/b/web' }, '/b', 'b')).toBe(true);
  });
});

describe('ChallengeFileStore build contexts', () => {
  it('takes a folder under its own directory and gives it back', async () => {
    const dir = await taskWith({ Dockerfile: 'FROM scratch\n', 'src/app.py': 'print(1)\n' });
    const store = new ChallengeFileStore();
    expect(store.takeDir('images/t/web', await listChallengeFiles(dir, true))).toBe(true);
    expect(Object.keys(store.copies).sort()).toEqual(['images/t/web/Dockerfile', 'images/t/web/src/app.py']);
    store.releaseDir('images/t');
    expect(store.copies).toEqual({});
  });
});

describe('findComposeFile', () => {
  it('prefers the task root, then the named folders in order', async () => {
    const dir = await taskWith({ 'env/compose.yaml': 'services: {}\n', 'challenge/docker-compose.yml': '' });
    expect(await findComposeFile(dir, ['env', 'challenge'])).toBe(join(dir, 'env', 'compose.yaml'));
    await writeFile(join(dir, 'docker-compose.yaml'), '');
    expect(await findComposeFile(dir, ['env', 'challenge'])).toBe(join(dir, 'docker-compose.yaml'));
    expect(await findComposeFile(join(dir, 'nowhere'))).toBeUndefined();
  });
});

describe('composeLiveTarget', () => {
  it('refuses a build context outside the task folder', async () => {
    const dir = await taskWith({ 'env/docker-compose.yml': 'services:\n  web:\n    build: ../..\n' });
    const task = liveTask(dir);
    const outcome = await composeLiveTarget(task, join(dir, 'env/docker-compose.yml'), 'compose', {
      port: 80,
    });
    expect(outcome).toMatchObject({ reason: 'compose-unsupported' });
    expect(task.store.copies).toEqual({});
  });

  it('refuses a build context without its Dockerfile', async () => {
    const dir = await taskWith({
      'docker-compose.yml': 'services:\n  web:\n    build: {context: ., dockerfile: Dockerfile.web}\n',
      Dockerfile: 'FROM scratch\n',
    });
    const outcome = await composeLiveTarget(liveTask(dir), join(dir, 'docker-compose.yml'), 'compose', {});
    expect(outcome).toMatchObject({ reason: 'compose-unsupported' });
  });

  it('copies a context shared by two services once, and picks the target by port', async () => {
    const dir = await taskWith({
      'docker-compose.yml':
        'services:\n  web:\n    build: .\n    ports: ["80"]\n  worker:\n    build: .\n    command: ["work"]\n',
      Dockerfile: 'FROM scratch\n',
    });
    const task = liveTask(dir);
    const outcome = await composeLiveTarget(task, join(dir, 'docker-compose.yml'), 'compose', { port: 80 });
    expect(outcome).toMatchObject({ target: { host: 'web', port: 80 } });
    expect(Object.keys(task.store.copies).sort()).toEqual([
      'images/task-1/web/Dockerfile',
      'images/task-1/web/docker-compose.yml',
    ]);
    expect(Object.values(task.images.images)).toEqual([
      { context: 'images/task-1/web' },
      { context: 'images/task-1/web' },
    ]);
    releaseLiveTarget(task);
    expect(task.store.copies).toEqual({});
    expect(task.images.images).toEqual({});
  });

  it('reports an ambiguous target', async () => {
    const dir = await taskWith({ 'docker-compose.yml': 'services:\n  a: {image: x}\n  b: {image: y}\n' });
    const outcome = await composeLiveTarget(liveTask(dir), join(dir, 'docker-compose.yml'), 'compose', {});
    expect(outcome).toMatchObject({ reason: 'compose-unsupported' });
  });
});

describe('dockerfileLiveTarget', () => {
  it('is over the cap when the folder does not fit', async () => {
    const dir = await taskWith({ Dockerfile: 'FROM scratch\n'.repeat(10) });
    const task = liveTask(dir, 10);
    expect(await dockerfileLiveTarget(task, dir, 'web', 80)).toMatchObject({ reason: 'over-cap' });
    expect(task.images.images).toEqual({});
  });
});

describe('summarizeSandboxes', () => {
  it('counts tasks (subtasks sharing metadata.task count once) by how they run', () => {
    const sample = (id: string, extra: Partial<Sample>): Sample => ({
      id,
      input: 'q',
      target: 'a',
      ...extra,
    });
    const docker = { backend: 'docker' as const, files: {} };
    expect(
      summarizeSandboxes([
        sample('a1', { sandbox: docker, metadata: { task: 'a' } }),
        sample('a2', { sandbox: docker, metadata: { task: 'a' } }),
        sample('b', { sandbox: { files: {}, network: false } }),
        sample('c', { metadata: { needsSandbox: true } }),
        sample('d', {}),
      ]),
    ).toEqual({ docker: 1, bwrap: 1, questionOnly: 2, needsSandbox: 1 });
  });
});
