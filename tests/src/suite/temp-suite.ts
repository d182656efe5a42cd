/**
 * Test helpers: suites written into a fresh temp directory per test, removed afterwards.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Registers a temp directory per test; call the returned function inside a test to get its path. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redline-suite-'));
  });
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (dir === undefined) throw new Error('useTempDir: only available inside a test');
    return dir;
  };
}

/** Writes `files` (relative path -> content; objects are written as pretty JSON) under `dir`. */
export async function writeFiles(dir: string, files: Record<string, string | object>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      path,
      typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`,
      'utf8',
    );
  }
}

/** A valid multiple-choice sample, with overrides. */
export function choiceSample(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, input: `Question ${id}?`, choices: ['one', 'two', 'three'], target: 'B', ...extra };
}

/** JSONL text of `samples`, one per line. */
export function jsonl(samples: readonly unknown[]): string {
  return samples.map((s) => (typeof s === 'string' ? s : JSON.stringify(s))).join('\n') + '\n';
}

/** A valid suite header (without samples), with overrides. */
export function suiteHeader(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'temp-suite', version: '1', title: 'Temp suite', ...extra };
}
