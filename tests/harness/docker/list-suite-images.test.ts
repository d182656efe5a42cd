/**
 * listSuiteImages: every image a suite's docker samples need, from agent images, inline services and compose files.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { openSuite } from '../../../src/suite/load-suite.js';
import { listSuiteImages } from '../../../harness/docker/list-suite-images.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-list-images-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const agent = { tools: ['bash', 'submit'], maxTurns: 5, commandTimeoutS: 10 };

function dockerSample(id: string, sandbox: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    input: `Find the flag of ${id}.`,
    target: 'flag{x}',
    scorer: 'flag',
    agent,
    sandbox: { backend: 'docker', files: {}, ...sandbox },
  };
}

const compose = `services:
  web:
    image: redline-test/web:1
    expose: ["80"]
  db:
    image: redline-test/db:1
`;

async function writeSuite(
  name: string,
  samples: unknown[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'compose.yaml'), compose);
  await writeFile(
    join(path, 'suite.json'),
    JSON.stringify({ id: name, version: '1', title: name, samples: 'samples.jsonl', ...extra }),
  );
  await writeFile(join(path, 'samples.jsonl'), samples.map((s) => JSON.stringify(s)).join('\n'));
  return path;
}

describe('listSuiteImages', () => {
  it('lists agent, service and compose images once each, sorted, with their samples and recipes', async () => {
    const path = await writeSuite(
      'mixed',
      [
        dockerSample('b-web', { image: 'redline-test/agent:1', compose: 'compose.yaml' }),
        { id: 'plain', input: 'What is 2+2?', target: '4', scorer: 'exact' },
        dockerSample('a-svc', {
          image: 'redline-test/agent:1',
          services: { target: { image: 'redline-test/svc:2' } },
        }),
        dockerSample('c-own-agent', { image: 'redline-test/agent-alt:1' }),
        {
          ...dockerSample('bwrap', {}),
          sandbox: { files: { 'a.txt': 'x' } },
        },
      ],
      {
        images: {
          'redline-test/agent:1': { context: 'images/agent', include: { busybox: '/bin/busybox' } },
          'redline-test/unused:1': { context: 'images/unused' },
        },
      },
    );
    const images = await listSuiteImages(await openSuite(path));
    expect(images).toEqual([
      {
        ref: 'redline-test/agent-alt:1',
        samples: ['c-own-agent'],
      },
      {
        ref: 'redline-test/agent:1',
        samples: ['b-web', 'a-svc'],
        recipe: { context: 'images/agent', include: { busybox: '/bin/busybox' } },
      },
      { ref: 'redline-test/db:1', samples: ['b-web'] },
      { ref: 'redline-test/svc:2', samples: ['a-svc'] },
      { ref: 'redline-test/web:1', samples: ['b-web'] },
    ]);
  });

  it('lists nothing for a suite without docker samples', async () => {
    const path = await writeSuite('none', [{ id: 'q', input: 'Q?', target: 'a', scorer: 'exact' }]);
    expect(await listSuiteImages(await openSuite(path))).toEqual([]);
  });

  it('names the suite file when a compose file no longer parses as it did at open', async () => {
    const path = await writeSuite('compose-changed', [
      dockerSample('s', { image: 'redline-test/agent:1', compose: 'compose.yaml' }),
    ]);
    const suite = await openSuite(path);
    await writeFile(join(path, 'compose.yaml'), `${compose}    privileged: true\n`);
    const error = await listSuiteImages(suite).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRedlineError(error, 'E_SCHEMA')).toBe(true);
    expect((error as Error).message).toContain(suite.displayFile);
    expect((error as Error).message).toContain('compose.yaml');
  });
});
