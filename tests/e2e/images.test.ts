/**
 * `redline images` against a real Docker engine: missing -> --build -> present -> --save -> removed -> --load,
 * with an altered or absent tar refused before anything is loaded. Without an engine these tests are SKIPPED.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, type DockerClient } from '../../harness/docker/docker-client.js';
import { runCliCapture } from '../helpers/cli.js';
import { hasDockerEngine } from '../helpers/docker.js';

const hasDocker = await hasDockerEngine();

interface Report {
  images: Array<{ ref: string; status: string; id: string | null; samples: string[] }>;
  missing: string[];
  loaded?: Array<{ ref: string; id: string }>;
}

interface Manifest {
  images: Array<{ ref: string; id: string; file: string; sha256: string }>;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-images-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a suite with one docker sample whose agent image is `image`, with `images` as the header recipes. */
async function writeDockerSuite(name: string, image: string, images?: unknown): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, 'image'), { recursive: true });
  await writeFile(join(path, 'image', 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\n');
  await writeFile(
    join(path, 'suite.json'),
    JSON.stringify({
      id: name,
      version: '1.0.0',
      title: 'images e2e',
      ...(images === undefined ? {} : { images }),
      samples: [
        {
          id: 'live-1',
          input: 'Find the flag.',
          target: 'flag{static}',
          scorer: 'flag',
          agent: { tools: ['bash', 'submit'], maxTurns: 3, commandTimeoutS: 5 },
          sandbox: { backend: 'docker', image, files: {} },
        },
      ],
    }),
  );
  return path;
}

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

describe('redline images without an engine', () => {
  it('says the engine is unreachable (E_STATE, exit 3)', async () => {
    const suite = await writeDockerSuite('unreachable', 'redline-test/unreachable:1');
    const result = await runCliCapture(['images', suite], {
      DOCKER_HOST: `unix://${join(dir, 'no-such-docker.sock')}`,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('[E_STATE]');
    expect(result.stderr).toContain('no-such-docker.sock');
    expect(result.stdout).toBe('');
  });

  it('refuses two actions at once (exit 2)', async () => {
    const suite = await writeDockerSuite('two-actions', 'redline-test/two-actions:1');
    const result = await runCliCapture(['images', suite, '--save', join(dir, 'x'), '--build']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[E_USAGE]');
  });
});

describe.skipIf(!hasDocker)('redline images with a docker engine', () => {
  const suffix = randomBytes(6).toString('hex');
  const tag = `redline-test/images-e2e:${suffix}`;
  const noRecipe = `redline-test/images-e2e-no-recipe:${suffix}`;
  let docker: DockerClient;
  let suite: string;
  let saveDir: string;

  beforeAll(async () => {
    docker = createDockerClient();
    suite = await writeDockerSuite('live', tag, {
      [tag]: { context: 'image', include: { busybox: '/bin/busybox' } },
    });
    saveDir = join(dir, 'carry', 'images');
  });
  afterAll(async () => {
    await docker.removeImage(tag);
    await docker.removeImage(noRecipe);
    docker.close();
  });

  it('lists the image as missing and exits 3 naming it and the ways to get it', async () => {
    const result = await runCliCapture(['images', suite, '--json']);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.images).toEqual([
      expect.objectContaining({ ref: tag, status: 'missing', id: null, samples: ['live-1'] }),
    ]);
    expect(report.missing).toEqual([tag]);
    expect(result.stderr).toContain('[E_IMAGE_MISSING]');
    expect(result.stderr).toContain(tag);
    expect(result.stderr).toContain('--load DIR');
    expect(result.stderr).toContain('--build');
  });

  it('builds it from its recipe with --build, printing the engine output on stderr', async () => {
    const result = await runCliCapture(['images', suite, '--build']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/COPY busybox \/bin\/busybox/);
    expect(result.stdout).toContain(`built ${tag}`);
    expect(await docker.inspectImage(tag)).not.toBeNull();
  });

  it('lists it as present with its id', async () => {
    const result = await runCliCapture(['images', suite, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const id = (await docker.inspectImage(tag))?.id;
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.images).toEqual([expect.objectContaining({ ref: tag, status: 'present', id })]);
    expect(report.missing).toEqual([]);
  });

  it('writes one tar per image and a manifest with each tar sha256 (--save, files 0644)', async () => {
    const result = await runCliCapture(['images', suite, '--save', saveDir]);
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(saveDir, 'images.json'), 'utf8')) as Manifest;
    const id = (await docker.inspectImage(tag))?.id;
    expect(manifest.images).toEqual([
      { ref: tag, id, file: `redline-test_images-e2e_${suffix}.tar`, sha256: expect.any(String) as string },
    ]);
    const tar = join(saveDir, manifest.images[0]!.file);
    expect(manifest.images[0]!.sha256).toBe(await sha256Of(tar));
    expect((await stat(tar)).mode & 0o777).toBe(0o644);
    expect((await stat(join(saveDir, 'images.json'))).mode & 0o777).toBe(0o644);
  });

  it('refuses a tampered tar and loads nothing (E_TAMPERED, exit 6)', async () => {
    await docker.removeImage(tag);
    expect(await docker.inspectImage(tag)).toBeNull();
    const manifest = JSON.parse(await readFile(join(saveDir, 'images.json'), 'utf8')) as Manifest;
    const file = manifest.images[0]!.file;
    const tampered = join(dir, 'tampered');
    await mkdir(tampered);
    await copyFile(join(saveDir, 'images.json'), join(tampered, 'images.json'));
    const bytes = await readFile(join(saveDir, file));
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await writeFile(join(tampered, file), bytes);

    const result = await runCliCapture(['images', suite, '--load', tampered]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('[E_TAMPERED]');
    expect(result.stderr).toContain(file);
    expect(await docker.inspectImage(tag)).toBeNull();
  });

  it('refuses a directory missing a tar of its manifest and loads nothing (E_INPUT, exit 2)', async () => {
    const partial = join(dir, 'partial');
    await mkdir(partial);
    await copyFile(join(saveDir, 'images.json'), join(partial, 'images.json'));
    const result = await runCliCapture(['images', suite, '--load', partial]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[E_INPUT]');
    expect(result.stderr).toContain(`redline-test_images-e2e_${suffix}.tar`);
    expect(await docker.inspectImage(tag)).toBeNull();
  });

  it('restores the image with --load after checking the manifest', async () => {
    const manifest = JSON.parse(await readFile(join(saveDir, 'images.json'), 'utf8')) as Manifest;
    const result = await runCliCapture(['images', suite, '--load', saveDir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.loaded).toEqual([
      { ref: tag, id: manifest.images[0]!.id, file: join(saveDir, manifest.images[0]!.file) },
    ]);
    expect((await docker.inspectImage(tag))?.id).toBe(manifest.images[0]!.id);
    expect(report.missing).toEqual([]);
  });

  it('refuses --save while an image is missing, writing nothing', async () => {
    const orphan = await writeDockerSuite('orphan', noRecipe);
    const out = join(dir, 'orphan-save');
    const result = await runCliCapture(['images', orphan, '--save', out]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('[E_IMAGE_MISSING]');
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails --build for a missing image without a recipe, naming it', async () => {
    const orphan = await writeDockerSuite('orphan-build', noRecipe);
    const result = await runCliCapture(['images', orphan, '--build']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('[E_IMAGE_MISSING]');
    expect(result.stderr).toMatch(
      new RegExp(`${noRecipe.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} has no recipe`),
    );
    expect(await docker.inspectImage(noRecipe)).toBeNull();
  });
});
