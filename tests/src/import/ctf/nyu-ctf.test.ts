import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../../src/errors.js';
import type { ImportedSuite } from '../../../../src/import/imported-suite.js';
import { DEFAULT_AGENT_IMAGE, summarizeSandboxes } from '../../../../src/import/formats/ctf-helpers.js';
import { createNyuCtfImporter, nyuCtfImporter } from '../../../../src/import/formats/nyu-ctf.js';
import { sha256Hex } from '../../../../src/import/sample-ids.js';
import { scoreOutput } from '../../../../src/scoring/registry.js';
import { validateSuite } from '../../../../src/suite/validate-suite.js';
import { needsSandboxCount, writeImportedSuite } from './write-imported-suite.js';

const FIXTURE = 'tests/fixtures/import/ctf/nyu';
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'redline-nyu-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The fixture copied to a temp dir plus a challenge.json that is not JSON (kept out of the repo: prettier). */
async function fixtureWithBrokenChallenge(): Promise<string> {
  const root = join(await tempDir(), 'nyu');
  await cp(FIXTURE, root, { recursive: true });
  await mkdir(join(root, '2019/CSAW-Quals/rev/bad_json'), { recursive: true });
  await writeFile(join(root, '2019/CSAW-Quals/rev/bad_json/challenge.json'), '{"name": "bad json", "flag": ');
  return join(root, 'test_dataset.json');
}

function byId(imported: ImportedSuite, id: string): ImportedSuite['samples'][number] {
  const sample = imported.samples.find((s) => s.id === id);
  if (sample === undefined)
    throw new Error(`no sample ${id} among ${imported.samples.map((s) => s.id).join(', ')}`);
  return sample;
}

describe('nyuCtfImporter', () => {
  it('imports the index into a suite that validates, with the listed files copied beside it', async () => {
    const imported = await nyuCtfImporter.importSource(await fixtureWithBrokenChallenge(), {});
    const result = await validateSuite(writeImportedSuite(join(await tempDir(), 'suite'), imported));
    expect(result.problems).toEqual([]);
    expect(result.suite?.sampleCount).toBe(4);
  });

  it('records the sha256 of the index file and counts every entry', async () => {
    const source = join(FIXTURE, 'test_dataset.json');
    const imported = await nyuCtfImporter.importSource(source, {});
    expect(imported.header.source).toMatchObject({
      format: 'nyu-ctf',
      file: source,
      sha256: sha256Hex(readFileSync(source)),
      rows: 8,
    });
    expect(imported.samples.length + imported.rejected.length).toBe(8);
  });

  it('scores by the flag, reading a {content} flag too', async () => {
    const imported = await nyuCtfImporter.importSource(join(FIXTURE, 'test_dataset.json'), {});
    const riddle = byId(imported, 'nyu-2020f-msc-riddle');
    expect(riddle.target).toBe('flag{keyboard}');
    expect(imported.header.defaults.scorer).toBe('flag');
    expect(scoreOutput(riddle, imported.header.defaults, 'ANSWER: flag{keyboard}').value).toBe(1);
    expect(scoreOutput(riddle, imported.header.defaults, 'ANSWER: FLAG{KEYBOARD}').value).toBe(0);
    expect(riddle.category).toBe('misc');
    expect(riddle.metadata?.needsSandbox).toBeUndefined();
    expect(riddle.input.trimEnd().split('\n').at(-1)).toMatch(/ANSWER:/);
  });

  it('makes a challenge whose files all exist agentic, and shows the flag format without the flag', async () => {
    const imported = await nyuCtfImporter.importSource(join(FIXTURE, 'test_dataset.json'), {});
    const rsa = byId(imported, 'nyu-2021q-cry-tiny_rsa');
    expect(rsa.sandbox).toEqual({
      files: {
        'tiny_rsa.py': { path: 'files/nyu-2021q-cry-tiny_rsa/tiny_rsa.py' },
        'output.txt': { path: 'files/nyu-2021q-cry-tiny_rsa/output.txt' },
      },
      network: false,
    });
    expect(rsa.agent).toEqual({
      tools: ['bash', 'python', 'submit'],
      maxTurns: 30,
      commandTimeoutS: 60,
      timeLimitS: 1800,
    });
    expect(rsa.input).toContain('csawctf{...}');
    expect(rsa.input).not.toContain(rsa.target as string);
    expect(imported.files?.['files/nyu-2021q-cry-tiny_rsa/output.txt']).toBe(
      resolve(FIXTURE, '2021/CSAW-Quals/crypto/tiny_rsa/output.txt'),
    );
  });

  it('imports server and missing-file challenges question-only, with one warning counting them', async () => {
    const imported = await nyuCtfImporter.importSource(join(FIXTURE, 'test_dataset.json'), {});
    const web = byId(imported, 'nyu-2021q-web-note_board');
    expect(web.sandbox).toBeUndefined();
    expect(web.metadata).toMatchObject({
      needsSandbox: true,
      reason: 'needs a live server web.chal.example.invalid:5000',
    });
    expect(web.input).toContain('http://web.chal.example.invalid:5000/');
    const disk = byId(imported, 'nyu-2020f-for-lost_disk');
    expect(disk.metadata).toMatchObject({
      needsSandbox: true,
      reason: 'challenge files not found beside the source',
    });
    expect(needsSandboxCount(imported.warnings)).toBe(2);
    expect(imported.warnings).toHaveLength(1);
  });

  it('reports unreadable, invalid and incomplete challenges with their index', async () => {
    const imported = await nyuCtfImporter.importSource(await fixtureWithBrokenChallenge(), {});
    expect(imported.rejected.map((r) => [r.index, r.id])).toEqual([
      [5, '2019q-rev-bad_json'],
      [6, '2019q-pwn-no_flag'],
      [7, '2019q-msc-missing_dir'],
      [8, '2019q-msc-no_path'],
    ]);
    expect(imported.header.source.rejected).toBe(4);
  });

  it('gives the same ids on a second import', async () => {
    const source = join(FIXTURE, 'test_dataset.json');
    const first = await nyuCtfImporter.importSource(source, {});
    const second = await nyuCtfImporter.importSource(source, {});
    expect(second).toEqual(first);
    expect(first.samples.map((s) => s.id)).toEqual([
      'nyu-2021q-cry-tiny_rsa',
      'nyu-2021q-web-note_board',
      'nyu-2020f-for-lost_disk',
      'nyu-2020f-msc-riddle',
    ]);
  });

  it('treats a listed file that escapes the challenge folder, or links out of it, as missing', async () => {
    const index = await fixtureWithBrokenChallenge();
    const root = join(index, '..');
    const dir = join(root, '2021/CSAW-Quals/crypto/tiny_rsa');
    await writeFile(join(root, 'outside.txt'), 'not part of the challenge\n');
    await symlink(join(root, 'outside.txt'), join(dir, 'link.txt'));
    const challenge = JSON.parse(readFileSync(join(dir, 'challenge.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const files of [
      ['tiny_rsa.py', '../../../../outside.txt'],
      ['tiny_rsa.py', 'link.txt'],
      ['/etc/hostname'],
    ]) {
      await writeFile(join(dir, 'challenge.json'), JSON.stringify({ ...challenge, files }));
      const imported = await nyuCtfImporter.importSource(index, {});
      expect(byId(imported, 'nyu-2021q-cry-tiny_rsa').metadata).toMatchObject({ needsSandbox: true });
      expect(Object.keys(imported.files ?? {})).toEqual([]);
    }
  });

  it('imports files over the size cap question-only', async () => {
    const imported = await createNyuCtfImporter({ maxFilesBytes: 1 }).importSource(
      join(FIXTURE, 'test_dataset.json'),
      {},
    );
    expect(byId(imported, 'nyu-2021q-cry-tiny_rsa').metadata).toMatchObject({
      needsSandbox: true,
      reason: 'challenge files exceed the import size cap',
    });
    expect(needsSandboxCount(imported.warnings)).toBe(3);
    expect(imported.warnings).toHaveLength(2);
  });

  it('throws E_INPUT for a missing index and E_MALFORMED for one of the wrong shape', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'array.json'), '[]');
    await writeFile(join(dir, 'empty.json'), '{}');
    for (const [source, code] of [
      [join(dir, 'missing.json'), 'E_INPUT'],
      [join(dir, 'array.json'), 'E_MALFORMED'],
      [join(dir, 'empty.json'), 'E_MALFORMED'],
    ] as const) {
      const error = await nyuCtfImporter.importSource(source, {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRedlineError(error) ? error.code : error).toBe(code);
    }
  });
});

const LIVE = 'tests/fixtures/import/ctf/nyu-docker/test_dataset.json';

/** The build recipes of an import (header.images, which the CTF importers add to ImportedSuite's header). */
function imagesOf(imported: ImportedSuite): ImportedSuite['header']['images'] {
  const header: ImportedSuite['header'] = imported.header;
  return header.images;
}

describe('nyuCtfImporter with live targets', () => {
  it('imports server challenges with a Dockerfile or a compose file as docker challenges; the suite validates', async () => {
    const imported = await nyuCtfImporter.importSource(LIVE, {});
    const result = await validateSuite(writeImportedSuite(join(await tempDir(), 'suite'), imported));
    expect(result.problems).toEqual([]);
    expect(result.suite?.sampleCount).toBe(4);
    expect(summarizeSandboxes(imported.samples)).toEqual({
      docker: 2,
      bwrap: 0,
      questionOnly: 2,
      needsSandbox: 2,
    });
  });

  it('builds a Dockerfile challenge as one service named after its box, on its internal port', async () => {
    const imported = await nyuCtfImporter.importSource(LIVE, {});
    const web = byId(imported, 'nyu-2022q-web-cookie_monster');
    const image = 'redline-import/nyu-2022q-web-cookie-monster-web:latest';
    expect(web.sandbox).toEqual({
      backend: 'docker',
      image: DEFAULT_AGENT_IMAGE,
      files: { 'server.py': { path: 'files/nyu-2022q-web-cookie_monster/server.py' } },
      services: { web: { image, healthcheck: { tcp: 8000 }, ports: [8000] } },
    });
    expect(imagesOf(imported)?.[image]).toEqual({ context: 'images/nyu-2022q-web-cookie_monster/web' });
    expect(imported.files?.['images/nyu-2022q-web-cookie_monster/web/Dockerfile']).toBe(
      resolve('tests/fixtures/import/ctf/nyu-docker/2022/CSAW-Quals/web/cookie_monster/Dockerfile'),
    );
    expect(web.input).toContain('http://web:8000/');
    expect(web.input).not.toContain(web.target as string);
    expect(web.target).toBe('csawctf{om_nom_n0m_c00k13s}');
    expect(web.metadata?.needsSandbox).toBeUndefined();
  });

  it('uses the compose file when there is one, finding the target by its network alias', async () => {
    const imported = await nyuCtfImporter.importSource(LIVE, {
      agentImage: 'lab/agent:2',
    });
    const echo = byId(imported, 'nyu-2022q-pwn-echo_box');
    expect(echo.sandbox).toEqual({
      backend: 'docker',
      image: 'lab/agent:2',
      files: {},
      services: { 'echo-box': { image: 'echo-box:csaw22', ports: [9999], healthcheck: { tcp: 9999 } } },
    });
    expect(imagesOf(imported)?.['echo-box:csaw22']).toEqual({
      context: 'images/nyu-2022q-pwn-echo_box/echo-box',
    });
    expect(echo.input).toContain('nc echo-box 9999');
  });

  it('imports a server challenge without a Dockerfile, or with a refused compose file, question-only', async () => {
    const imported = await nyuCtfImporter.importSource(LIVE, {});
    expect(byId(imported, 'nyu-2022q-rev-no_docker').metadata).toMatchObject({
      needsSandbox: true,
      reason: 'needs a live server rev.chal.csaw.io:4242',
    });
    const hostNet = byId(imported, 'nyu-2022q-msc-host_net');
    expect(hostNet.sandbox).toBeUndefined();
    expect(String(hostNet.metadata?.reason)).toContain('/services/chal/network_mode');
    expect(needsSandboxCount(imported.warnings)).toBe(2);
    expect(imported.warnings.filter((w) => w.includes('/services/chal/network_mode'))).toHaveLength(1);
  });

  it('imports a Dockerfile challenge whose listed files are missing question-only, copying nothing', async () => {
    const root = join(await tempDir(), 'nyu-docker');
    await cp('tests/fixtures/import/ctf/nyu-docker', root, { recursive: true });
    const file = join(root, '2022/CSAW-Quals/web/cookie_monster/challenge.json');
    const challenge = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...challenge, files: ['server.py', 'gone.zip'] }));
    const imported = await nyuCtfImporter.importSource(join(root, 'test_dataset.json'), {});
    expect(byId(imported, 'nyu-2022q-web-cookie_monster').metadata).toMatchObject({
      needsSandbox: true,
      reason: 'challenge files not found beside the source',
    });
    expect(Object.keys(imported.files ?? {}).some((f) => f.includes('cookie_monster'))).toBe(false);
    expect(Object.keys(imagesOf(imported) ?? {})).toEqual(['echo-box:csaw22']);
  });
});
