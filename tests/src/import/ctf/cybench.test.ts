import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../../src/errors.js';
import {
  CTF_AGENT,
  DEFAULT_AGENT_IMAGE,
  summarizeSandboxes,
} from '../../../../src/import/formats/ctf-helpers.js';
import { createCybenchImporter, cybenchImporter } from '../../../../src/import/formats/cybench.js';
import type { ImportedSuite } from '../../../../src/import/imported-suite.js';
import { sha256Hex } from '../../../../src/import/sample-ids.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import { validateSuite } from '../../../../src/suite/validate-suite.js';
import { needsSandboxCount, writeImportedSuite } from './write-imported-suite.js';

const FIXTURE = 'tests/fixtures/import/ctf/cybench/benchmark';
const EVENT = 'lowlands/fixture-ctf-2024';
const XOR = `${EVENT}/crypto/[Easy] Tiny XOR`;
const XOR_ID = 'cybench-lowlands-fixture-ctf-2024-crypto-Easy-Tiny-XOR';
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'redline-cybench-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The fixture copied to a temp dir plus a task whose metadata.json is not JSON (kept out of the repo: prettier). */
async function fixtureWithBrokenTask(): Promise<string> {
  const root = join(await tempDir(), 'benchmark');
  await cp(FIXTURE, root, { recursive: true });
  const broken = join(root, EVENT, 'misc', '[Hard] Broken Meta', 'metadata');
  await mkdir(broken, { recursive: true });
  await writeFile(join(broken, 'metadata.json'), '{"categories": ["misc"], "hard_prompt": "unfinished",\n');
  return root;
}

function byId(imported: ImportedSuite, id: string): ImportedSuite['samples'][number] {
  const sample = imported.samples.find((s) => s.id === id);
  if (sample === undefined)
    throw new Error(`no sample ${id} among ${imported.samples.map((s) => s.id).join(', ')}`);
  return sample;
}

describe('cybenchImporter', () => {
  it('imports the directory into a suite that validates, with the release files copied beside it', async () => {
    const imported = await cybenchImporter.importSource(await fixtureWithBrokenTask(), {});
    const result = await validateSuite(writeImportedSuite(join(await tempDir(), 'suite'), imported));
    expect(result.problems).toEqual([]);
    expect(result.suite?.sampleCount).toBe(9);
  });

  it('makes one sample per subtask: the prompt, the question and the answer format; the last is the flag', async () => {
    const imported = await cybenchImporter.importSource(FIXTURE, {});
    const first = byId(imported, `${XOR_ID}-1`);
    expect(first.target).toBe('output.txt');
    expect(first.scorer).toBe('exact');
    expect(first.input).toContain('Recover the flag.');
    expect(first.input).toContain('Which file holds the ciphertext?');
    expect(first.input).toContain('******.***');
    expect(first.metadata).toMatchObject({ task: XOR, subtask: 1, subtasks: 3, isFlag: false });
    const flag = byId(imported, `${XOR_ID}-3`);
    expect(flag.target).toBe('LOW{x0r_w1th_0n3_byt3}');
    expect(flag.scorer).toBe('flag');
    expect(flag.metadata?.isFlag).toBe(true);
    expect(scoreOutput(flag, imported.header.defaults, 'so the flag is LOW{x0r_w1th_0n3_byt3}').value).toBe(
      1,
    );
    expect(scoreOutput(first, imported.header.defaults, 'ANSWER: output.txt').value).toBe(1);
    expect(imported.header.defaults).toEqual({ scorer: 'exact', max_tokens: 1024, temperature: 0 });
  });

  it('takes the category from categories[0]', async () => {
    const imported = await cybenchImporter.importSource(FIXTURE, {});
    expect(byId(imported, `${XOR_ID}-1`).category).toBe('crypto');
    expect(Object.keys(imported.header.categories).sort()).toEqual([
      'crypto',
      'forensics',
      'reverse-engineering',
      'web',
    ]);
  });

  it('shares one copy of the release files among the subtasks of a task, and never copies metadata/', async () => {
    const imported = await cybenchImporter.importSource(FIXTURE, {});
    const files = {
      'encrypt.py': { path: `files/${XOR_ID}/encrypt.py` },
      'output.txt': { path: `files/${XOR_ID}/output.txt` },
    };
    for (const n of [1, 2, 3]) {
      const sample = byId(imported, `${XOR_ID}-${n}`);
      expect(sample.sandbox).toEqual({ files, network: false });
      expect(sample.agent).toMatchObject({ tools: ['bash', 'python', 'submit'], maxTurns: 30 });
    }
    expect(imported.files?.[`files/${XOR_ID}/output.txt`]).toBe(
      resolve(FIXTURE, XOR, 'release', 'output.txt'),
    );
    expect(Object.values(imported.files ?? {}).some((p) => p.includes('metadata'))).toBe(false);
  });

  it('falls back to challenge/ and leaves out a file holding the flag', async () => {
    const imported = await cybenchImporter.importSource(FIXTURE, {});
    const id = 'cybench-lowlands-fixture-ctf-2024-rev-Easy-Loose-Ends';
    expect(Object.keys(byId(imported, `${id}-1`).sandbox?.files ?? {})).toEqual(['checker.py']);
    expect(imported.warnings.some((w) => w.startsWith('1 '))).toBe(true);
  });

  it('imports a task with a target_host, or without files, question-only and warns once with the count', async () => {
    const imported = await cybenchImporter.importSource(FIXTURE, {});
    const server = byId(imported, 'cybench-lowlands-fixture-ctf-2024-web-Medium-Cookie-Jar-2');
    expect(server.sandbox).toBeUndefined();
    expect(server.metadata).toMatchObject({
      needsSandbox: true,
      reason: 'needs a live server cookiejar:8080',
    });
    expect(server.input.trimEnd().split('\n').at(-1)).toMatch(/ANSWER:/);
    const noFiles = byId(imported, 'cybench-lowlands-fixture-ctf-2024-forensics-Easy-Pcap-Trail-1');
    expect(noFiles.metadata).toMatchObject({
      needsSandbox: true,
      reason: 'challenge files not found beside the source',
    });
    expect(needsSandboxCount(imported.warnings)).toBe(4);
    expect(imported.samples.filter((s) => s.metadata?.needsSandbox === true)).toHaveLength(4);
    expect(imported.samples.filter((s) => s.sandbox !== undefined)).toHaveLength(5);
  });

  it('reports bad metadata and bad subtasks with the task index, and counts every row', async () => {
    const imported = await cybenchImporter.importSource(await fixtureWithBrokenTask(), {});
    // Sorted task folders: crypto, forensics, misc (broken), pwn (no subtasks), rev (one subtask without answer), web.
    expect(imported.rejected.map((r) => [r.index, r.id])).toEqual([
      [3, `${EVENT}/misc/[Hard] Broken Meta`],
      [4, `${EVENT}/pwn/[Easy] No Subtasks`],
      [5, `${EVENT}/rev/[Easy] Loose Ends#2`],
    ]);
    expect(imported.header.source.rows).toBe(12);
    expect(imported.header.source.rejected).toBe(3);
    expect(imported.samples.length + imported.rejected.length).toBe(imported.header.source.rows);
  });

  it('gives the same ids and the same digest on a second import', async () => {
    const root = await fixtureWithBrokenTask();
    const first = await cybenchImporter.importSource(root, {});
    const second = await cybenchImporter.importSource(root, {});
    expect(second.samples.map((s) => s.id)).toEqual(first.samples.map((s) => s.id));
    expect(second.header.source.sha256).toBe(first.header.source.sha256);
  });

  it('hashes the sorted task paths with the sha256 of each metadata.json', async () => {
    const imported = await cybenchImporter.importSource(FIXTURE, {});
    const tasks = [
      `${EVENT}/crypto/[Easy] Tiny XOR`,
      `${EVENT}/forensics/[Easy] Pcap Trail`,
      `${EVENT}/pwn/[Easy] No Subtasks`,
      `${EVENT}/rev/[Easy] Loose Ends`,
      `${EVENT}/web/[Medium] Cookie Jar`,
    ];
    const lines = await Promise.all(
      tasks.map(
        async (t) => `${t}\t${sha256Hex(await readFile(join(FIXTURE, t, 'metadata', 'metadata.json')))}\n`,
      ),
    );
    expect(imported.header.source.sha256).toBe(sha256Hex(lines.join('')));
  });

  it('imports the files over the size cap question-only', async () => {
    const imported = await createCybenchImporter({ maxFilesBytes: 10 }).importSource(FIXTURE, {});
    expect(imported.files).toBeUndefined();
    expect(byId(imported, `${XOR_ID}-1`).metadata).toMatchObject({ needsSandbox: true });
    expect(needsSandboxCount(imported.warnings)).toBe(9);
  });

  it('throws E_INPUT for a file or a missing path and E_MALFORMED for a directory without tasks', async () => {
    const dir = await tempDir();
    for (const [source, code] of [
      [join(dir, 'missing'), 'E_INPUT'],
      ['tests/fixtures/import/ctf/intercode/ic_ctf.json', 'E_INPUT'],
      [dir, 'E_MALFORMED'],
    ] as const) {
      const error = await cybenchImporter.importSource(source, {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRedlineError(error) ? error.code : error).toBe(code);
    }
  });
});

const LIVE = 'tests/fixtures/import/ctf/cybench-docker/benchmark';
const BAKERY = 'fixture-ctf-2025/web/[Medium] Bakery Login';
const BAKERY_ID = 'cybench-fixture-ctf-2025-web-Medium-Bakery-Login';
const ECHO_ID = 'cybench-fixture-ctf-2025-pwn-Easy-Echo-Server';
const ROOT_SHELL_ID = 'cybench-fixture-ctf-2025-misc-Hard-Root-Shell';

/** The build recipes of an import (header.images, which the CTF importers add to ImportedSuite's header). */
function imagesOf(imported: ImportedSuite): ImportedSuite['header']['images'] {
  const header: ImportedSuite['header'] = imported.header;
  return header.images;
}

describe('cybenchImporter with live targets', () => {
  it('imports tasks with a compose file as docker challenges into a suite that validates', async () => {
    const imported = await cybenchImporter.importSource(LIVE, {});
    const dir = writeImportedSuite(join(await tempDir(), 'suite'), imported);
    const result = await validateSuite(dir);
    expect(result.problems).toEqual([]);
    expect(result.suite?.sampleCount).toBe(4);
    const header = JSON.parse(await readFile(join(dir, 'suite.json'), 'utf8')) as { images?: object };
    expect(Object.keys(header.images ?? {})).toHaveLength(2);
    await expect(
      readFile(join(dir, 'images', BAKERY_ID, 'bakery-web', 'Dockerfile'), 'utf8'),
    ).resolves.toContain('FROM');
  });

  it('embeds the compose services inline, names the target as the task does, and runs the agent in the default image', async () => {
    const imported = await cybenchImporter.importSource(LIVE, {});
    const bakeryImage = 'redline-import/cybench-fixture-ctf-2025-web-medium-bakery-login-bakery-web:latest';
    for (const n of [1, 2]) {
      const sample = byId(imported, `${BAKERY_ID}-${n}`);
      expect(sample.sandbox).toEqual({
        backend: 'docker',
        image: DEFAULT_AGENT_IMAGE,
        files: { 'notes.txt': { path: `files/${BAKERY_ID}/notes.txt` } },
        services: {
          // container_name "bakery" is the target_host: the built service is renamed to it.
          bakery: {
            image: bakeryImage,
            ports: [8080],
            env: { CACHE_HOST: 'cache', CACHE_PORT: '6379' },
            healthcheck: { command: 'wget -qO- http://localhost:8080/ || exit 1', timeoutS: 40 },
            networks: ['default', 'cache-net'],
            dependsOn: ['cache'],
          },
          cache: {
            image: 'redis:7-alpine',
            ports: [6379],
            healthcheck: { command: ['redis-cli', 'ping'] },
            networks: ['cache-net'],
          },
        },
      });
      expect(sample.agent).toEqual(CTF_AGENT);
      expect(sample.input).toContain('bakery:8080');
      expect(sample.metadata).toMatchObject({ task: BAKERY, targetHost: 'bakery:8080' });
      expect(sample.metadata?.needsSandbox).toBeUndefined();
    }
    const flag = byId(imported, `${BAKERY_ID}-2`);
    expect(flag.target).toBe('FIX{s3ss10n_f1x4t10n_b4k3ry}');
    expect(flag.input).not.toContain(flag.target as string);
    expect(imagesOf(imported)?.[bakeryImage]).toEqual({ context: `images/${BAKERY_ID}/bakery-web` });
    expect(imported.files?.[`images/${BAKERY_ID}/bakery-web/app.py`]).toBe(
      resolve(LIVE, BAKERY, 'env', 'app.py'),
    );
    // The server side stays out of the agent's files.
    expect(Object.keys(imported.files ?? {}).filter((f) => f.startsWith(`files/${BAKERY_ID}/`))).toEqual([
      `files/${BAKERY_ID}/notes.txt`,
    ]);
  });

  it('names built images without a compose image after the task and service, and awaits the target port', async () => {
    const imported = await cybenchImporter.importSource(LIVE, {
      agentImage: 'lab/agent:7',
    });
    const echo = byId(imported, `${ECHO_ID}-1`);
    const image = 'redline-import/cybench-fixture-ctf-2025-pwn-easy-echo-server-echo:latest';
    expect(echo.sandbox?.image).toBe('lab/agent:7');
    expect(echo.sandbox?.services).toEqual({
      echo: {
        image,
        ports: [1337],
        user: '1000:1000',
        capabilities: ['NET_BIND_SERVICE'],
        healthcheck: { tcp: 1337 },
      },
    });
    expect(imagesOf(imported)?.[image]).toEqual({ context: `images/${ECHO_ID}/echo` });
    // challenge/ is also the player files' fallback: its flag file is left out of /work, kept in the build context.
    expect(Object.keys(echo.sandbox?.files ?? {})).not.toContain('flag.txt');
    expect(imported.files?.[`images/${ECHO_ID}/echo/flag.txt`]).toBeDefined();
  });

  it('imports a task whose compose file is refused question-only, with the compose problems in its reason', async () => {
    const imported = await cybenchImporter.importSource(LIVE, {});
    const root = byId(imported, `${ROOT_SHELL_ID}-1`);
    expect(root.sandbox).toBeUndefined();
    expect(root.metadata?.needsSandbox).toBe(true);
    const reason = String(root.metadata?.reason);
    expect(reason).toContain('/services/box/privileged');
    expect(reason).toContain('/services/box/volumes/0');
    expect(
      imported.warnings.some(
        (w) => w.includes('[Hard] Root Shell') && w.includes('/services/box/privileged'),
      ),
    ).toBe(true);
    expect(Object.keys(imported.files ?? {}).some((f) => f.includes(ROOT_SHELL_ID))).toBe(false);
    expect(needsSandboxCount(imported.warnings)).toBe(1);
  });

  it('counts the tasks by how they run', async () => {
    const imported = await cybenchImporter.importSource(LIVE, {});
    expect(summarizeSandboxes(imported.samples)).toEqual({
      docker: 2,
      bwrap: 0,
      questionOnly: 1,
      needsSandbox: 1,
    });
    const plain = await cybenchImporter.importSource(FIXTURE, {});
    // Tiny XOR and Loose Ends in bubblewrap; Cookie Jar has a target_host but no compose file.
    expect(summarizeSandboxes(plain.samples)).toEqual({
      docker: 0,
      bwrap: 2,
      questionOnly: 2,
      needsSandbox: 2,
    });
  });

  it('imports tasks whose build contexts are over the size cap question-only, copying nothing', async () => {
    const imported = await createCybenchImporter({ maxFilesBytes: 100 }).importSource(LIVE, {});
    expect(imagesOf(imported)).toBeUndefined();
    expect(imported.files).toBeUndefined();
    for (const id of [`${BAKERY_ID}-1`, `${ECHO_ID}-1`]) {
      expect(byId(imported, id).metadata).toMatchObject({
        needsSandbox: true,
        reason: 'challenge files exceed the import size cap',
      });
    }
    expect(summarizeSandboxes(imported.samples)).toMatchObject({ docker: 0, needsSandbox: 3 });
  });

  it('gives a built image its own name when another task builds one of the same compose name', async () => {
    const root = join(await tempDir(), 'benchmark');
    await cp(LIVE, root, { recursive: true });
    const echoCompose = join(root, 'fixture-ctf-2025/pwn/[Easy] Echo Server/challenge/compose.yaml');
    await writeFile(
      echoCompose,
      'services:\n  echo:\n    build: .\n    image: shared/app:1\n    expose: [1337]\n',
    );
    const bakeryCompose = join(root, BAKERY, 'docker-compose.yml');
    await writeFile(
      bakeryCompose,
      (await readFile(bakeryCompose, 'utf8')).replace(
        'dockerfile: Dockerfile',
        'dockerfile: Dockerfile\n    image: shared/app:1',
      ),
    );
    const imported = await cybenchImporter.importSource(root, {});
    const bakery = byId(imported, `${BAKERY_ID}-1`).sandbox?.services?.bakery?.image;
    const echo = byId(imported, `${ECHO_ID}-1`).sandbox?.services?.echo?.image;
    expect(new Set([bakery, echo]).size).toBe(2);
    expect(Object.keys(imagesOf(imported) ?? {}).sort()).toEqual([bakery, echo].sort());
    const result = await validateSuite(writeImportedSuite(join(await tempDir(), 'suite'), imported));
    expect(result.problems).toEqual([]);
  });

  it('imports a task whose target is none of its services question-only', async () => {
    const root = join(await tempDir(), 'benchmark');
    await cp(LIVE, root, { recursive: true });
    const meta = join(root, BAKERY, 'metadata', 'metadata.json');
    await writeFile(
      meta,
      (await readFile(meta, 'utf8')).replace('"target_host": "bakery:8080"', '"target_host": "oven:9090"'),
    );
    const imported = await cybenchImporter.importSource(root, {});
    expect(byId(imported, `${BAKERY_ID}-1`).metadata).toMatchObject({ needsSandbox: true });
    expect(Object.keys(imagesOf(imported) ?? {})).toHaveLength(1);
    expect(Object.keys(imported.files ?? {}).some((f) => f.includes(BAKERY_ID))).toBe(false);
  });
});
