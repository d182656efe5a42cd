/**
 * `redline images SEALED --identity KEYFILE --build`: a live-target suite's image built from the build context inside
 * a sealed suite, streamed to the engine as a tar from memory. Needs a Docker engine: SKIPPED without one, unless
 * REDLINE_REQUIRE_DOCKER=1 (.ci/run). Without an engine, the sealed suite is still opened and its opening recorded.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeySet, writeKeySet } from '../../src/crypto/key-files.js';
import { createDockerClient } from '../../harness/docker/docker-client.js';
import { runCliCapture, sealArgv } from '../helpers/cli.js';
import { hasDockerEngine } from '../helpers/docker.js';
import { fixedRandom } from '../src/crypto/keys/fixed-random.js';

const hasDocker = await hasDockerEngine();
const SKIP = hasDocker ? '' : ' [SKIPPED: no Docker engine answers here; .ci/run starts one]';
const tag = `redline-test/sealed-images:${randomBytes(6).toString('hex')}`;

let dir: string;
let sealed: string;
let identity: string;
let keys: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-sealed-images-'));
  keys = join(dir, 'keys');
  identity = writeKeySet(
    keys,
    generateKeySet('lab', 'evaluator', fixedRandom('sealed-images/lab')),
  ).ageIdentityFile;
  const suite = join(dir, 'suite');
  await mkdir(join(suite, 'image'), { recursive: true });
  await writeFile(
    join(suite, 'image', 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nCOPY note.txt /note.txt\n',
  );
  await writeFile(join(suite, 'image', 'note.txt'), 'built from a sealed context\n');
  await writeFile(
    join(suite, 'suite.json'),
    JSON.stringify({
      id: 'sealed-images',
      version: '1.0.0',
      title: 'sealed images e2e',
      images: { [tag]: { context: 'image', include: { busybox: '/bin/busybox' } } },
      samples: [
        {
          id: 'live-1',
          input: 'Find the flag.',
          target: 'flag{static}',
          scorer: 'flag',
          agent: { tools: ['bash', 'submit'], maxTurns: 3, commandTimeoutS: 5 },
          sandbox: { backend: 'docker', image: tag, files: {} },
        },
      ],
    }),
  );
  sealed = join(dir, 'suite.age');
  const result = await runCliCapture(sealArgv(suite, ['lab'], sealed, keys));
  expect(result.code, result.stderr).toBe(0);
  // The plaintext is gone: only the sealed suite is left to build from.
  await rm(suite, { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function openedEvents(db: string): Array<{ data: { command: string; key: string | null } }> {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (
      handle.prepare('SELECT record FROM audit_log ORDER BY seq').all() as Array<{ record: Uint8Array }>
    )
      .map((row) => JSON.parse(Buffer.from(row.record).toString('utf8')) as { type: string; data: never })
      .filter((entry) => entry.type === 'suite.opened');
  } finally {
    handle.close();
  }
}

describe('redline images with a sealed suite', () => {
  it('opens it with --identity and records the opening, even when no engine answers', async () => {
    const db = join(dir, 'no-engine.db');
    const result = await runCliCapture(
      ['images', sealed, '--identity', identity, '--db', db, '--keys', keys],
      { DOCKER_HOST: `unix://${join(dir, 'no-such-docker.sock')}` },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('[E_STATE]');
    expect(openedEvents(db).map((e) => e.data)).toEqual([
      expect.objectContaining({ command: 'images', key: 'lab' }),
    ]);
  });

  describe.skipIf(!hasDocker)(`with a docker engine${SKIP}`, () => {
    afterAll(async () => {
      const docker = createDockerClient();
      await docker.removeImage(tag);
      docker.close();
    });

    it('builds the image from the context inside the sealed suite', async () => {
      const result = await runCliCapture([
        'images',
        sealed,
        '--identity',
        identity,
        '--build',
        '--db',
        join(dir, 'build.db'),
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/COPY note.txt \/note.txt/);
      expect(result.stdout).toContain(`built ${tag}`);
      const docker = createDockerClient();
      try {
        expect(await docker.inspectImage(tag)).not.toBeNull();
      } finally {
        docker.close();
      }
    });
  });
});
