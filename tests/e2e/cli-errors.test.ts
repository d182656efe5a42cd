/**
 * Bad input at the command line: each kind gets its documented exit code and nothing stored is touched.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCapture } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const suite = 'suites/ctf-flags';

describe('redline CLI errors', () => {
  it('exits 5 and leaves the file alone when --db is not a database', async () => {
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'not a database');
    const result = await runCliCapture(['runs', '--db', file]);
    expect(result.code).toBe(5);
    expect(await readFile(file, 'utf8')).toBe('not a database');
  });

  it('exits 2 for a run id that does not exist', async () => {
    const db = join(dir, 'empty.db');
    expect((await runCliCapture(['runs', '--db', db, '--json'])).code).toBe(2); // no database yet
    const result = await runCliCapture(['report', 'no-such-run', '--db', db]);
    expect(result.code).toBe(2);
  });

  it('exits 2 for malformed or contradictory flags', async () => {
    const base = [
      'run',
      suite,
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--db',
      join(dir, 'f.db'),
    ];
    for (const extra of [
      ['--concurrency', '0'],
      ['--epochs', 'two'],
      ['--epochs', '2', '--reducer', 'pass@3'],
      ['--reducer', 'average'],
      ['--temperature', '9'],
      ['--ci', 'wilson'],
      ['--no-such-flag'],
    ]) {
      const result = await runCliCapture([...base, ...extra]);
      expect(result.code, extra.join(' ')).toBe(2);
    }
    const endpoint = await runCliCapture([
      'run',
      suite,
      '--endpoint',
      'ftp://x/v1',
      '--model',
      'm',
      '--db',
      join(dir, 'f.db'),
    ]);
    expect(endpoint.code).toBe(2);
  });

  it('exits 2 with the pointer of the problem for an invalid policy file', async () => {
    const policy = join(dir, 'policy.json');
    await writeFile(
      policy,
      JSON.stringify({ id: 'p', version: 1, metric: 'mean', cutoff: 1.5, basis: 'lower' }),
    );
    const result = await runCliCapture([
      'run',
      suite,
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--policy',
      policy,
      '--db',
      join(dir, 'p.db'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/cutoff');
  });

  it('prints help and the version with exit 0', async () => {
    expect((await runCliCapture(['--help'])).code).toBe(0);
    expect((await runCliCapture(['--version'])).code).toBe(0);
    expect((await runCliCapture(['run', '--help'])).code).toBe(0);
  });
});
