import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_FILES, PAGE_SCRIPTS } from '../../../harness/view/view-layout.js';
import { writeView } from '../../../harness/view/write-view.js';
import { openStore, type Db } from '../../../src/store/open-store.js';
import { addRun } from '../../helpers/add-run.js';
import { errorOf } from '../../helpers/error-of.js';

let dir: string;
let db: Db;
const now = new Date('2026-12-01T00:00:00.000Z');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-write-view-'));
  db = openStore(join(dir, 'lab.db'));
  const units: [string, string, (number | 'error')[]][] = [];
  for (let i = 0; i < 25; i++)
    units.push([`q-${String(i).padStart(3, '0')}`, i % 2 ? 'crypto' : 'web', [i % 3 ? 1 : 0]]);
  addRun(db, { id: 'a', units });
  addRun(db, { id: 'b', units: units.map(([id, c]) => [id, c, [1]]) });
  addRun(db, { id: 'other-suite', suite: 'other', units: [['x', 'web', ['error']]] });
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

function walk(path: string): string[] {
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? [join(path, entry.name), ...walk(join(path, entry.name))]
      : [join(path, entry.name)],
  );
}

describe('writeView', () => {
  it('writes the page, the marker and chunked data, files 0600 and directories 0700', () => {
    const out = join(dir, 'nested', 'view');
    const view = writeView(db, ['a', 'b'], out, { cwd: dir, now, chunkRows: 10 });
    expect(view).toMatchObject({
      dir: out,
      was: 'new',
      runs: 2,
      samples: 50,
      transcripts: 0,
      notCompared: [],
    });
    const names = walk(out)
      .map((path) => path.slice(out.length + 1))
      .sort();
    expect(names).toEqual(
      [
        '.redline-view',
        'data',
        'data/meta.js',
        ...[0, 1].flatMap((r) =>
          [0, 1, 2].flatMap((c) => [`data/r${r}-o000${c}.js`, `data/r${r}-s000${c}.js`]),
        ),
        ...PAGE_FILES,
      ].sort(),
    );
    for (const path of [out, ...walk(out)]) {
      expect((statSync(path).mode & 0o777).toString(8), path).toBe(
        statSync(path).isDirectory() ? '700' : '600',
      );
    }
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain("default-src 'none'; script-src 'self'; style-src 'self'");
    expect(html.match(/<script[^>]*>/g)).toEqual(
      [...PAGE_SCRIPTS, 'data/meta.js'].map((src) => `<script src="${src}">`),
    );
  });

  it('writes a previous view again, removing its old files, and nothing else', () => {
    const out = join(dir, 'again');
    writeView(db, ['a', 'b'], out, { cwd: dir, now, chunkRows: 10 });
    const view = writeView(db, ['a'], out, { cwd: dir, now });
    expect(view.was).toBe('previous-view');
    expect(readdirSync(join(out, 'data')).sort()).toEqual(['meta.js', 'r0-o0000.js', 'r0-s0000.js']);
  });

  it('writes again a view from before the page was split into scripts, removing its viewer.js', () => {
    const out = join(dir, 'old-page');
    writeView(db, ['a'], out, { cwd: dir, now });
    writeFileSync(join(out, 'viewer.js'), '// the page as one file');
    expect(writeView(db, ['a'], out, { cwd: dir, now }).was).toBe('previous-view');
    expect(existsSync(join(out, 'viewer.js'))).toBe(false);
  });

  it('refuses a directory holding other files and leaves them alone', () => {
    const out = join(dir, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'index.html'), 'my page');
    expect(errorOf(() => writeView(db, ['a'], out, { cwd: dir, now }))?.code).toBe('E_USAGE');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('my page');
    expect(readdirSync(out)).toEqual(['index.html']);
  });

  it('writes nothing for an unknown run', () => {
    const out = join(dir, 'unknown');
    expect(errorOf(() => writeView(db, ['a', 'nope'], out, { cwd: dir, now }))?.code).toBe('E_NOT_FOUND');
    expect(existsSync(out)).toBe(false);
  });

  it('records why runs of another suite are not compared', () => {
    const view = writeView(db, ['a', 'other-suite'], join(dir, 'two-suites'), { cwd: dir, now });
    expect(view.notCompared).toEqual([
      { a: 'a', b: 'other-suite', message: expect.stringContaining('suite') },
    ]);
    const meta = readFileSync(join(dir, 'two-suites', 'data', 'meta.js'), 'utf8');
    expect(meta).toContain('"error":{"code":"E_USAGE"');
  });
});
