/**
 * requireWithCodeCache: a CommonJS file compiled with the bytecode saved beside it. Each load runs in its own
 * Node process, as the CLI does, so V8 decides on the cache as it would for a user.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MODULE = fileURLToPath(new URL('../../../harness/cli/code-cache.ts', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-code-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Loads `file` in a fresh process; prints how the cache was used and what the module computed; saves if asked. */
async function load(file: string, save = false): Promise<{ cache: string; value: unknown }> {
  const script = `
    const { requireWithCodeCache } = await import(${JSON.stringify(MODULE)});
    const loaded = requireWithCodeCache(${JSON.stringify(file)});
    const value = loaded.exports.compute(7);
    ${save ? 'loaded.saveCache();' : ''}
    process.stdout.write(JSON.stringify({ cache: loaded.cache, value }));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  return JSON.parse(stdout) as { cache: string; value: unknown };
}

const SOURCE = `
const { join } = require('node:path');
exports.compute = (n) => ({ square: n * n, file: __filename, dir: __dirname, joined: join('a', 'b'), self: module.exports === exports });
`;

describe('requireWithCodeCache', () => {
  it('runs the file as CommonJS, and uses the cache it saved on the next start', async () => {
    const file = join(dir, 'bundle.cjs');
    await writeFile(file, SOURCE);
    const expected = { square: 49, file, dir, joined: join('a', 'b'), self: true };

    expect(await load(file, true)).toEqual({ cache: 'none', value: expected });
    expect(existsSync(`${file}.cache`)).toBe(true);
    expect(await load(file)).toEqual({ cache: 'used', value: expected });
  });

  it('ignores a cache older than its file, and survives one V8 rejects', async () => {
    const file = join(dir, 'edited.cjs');
    await writeFile(file, SOURCE);
    await load(file, true);
    // The file changed after its cache was written (same length: V8 alone would not notice).
    await writeFile(file, SOURCE.replace('n * n', 'n + n'));
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    expect(await load(file)).toMatchObject({ cache: 'none', value: { square: 14 } });

    const other = join(dir, 'garbage.cjs');
    await writeFile(other, SOURCE);
    await writeFile(`${other}.cache`, Buffer.alloc(4096, 7));
    expect(await load(other)).toMatchObject({ cache: 'rejected', value: { square: 49 } });
  });
});
