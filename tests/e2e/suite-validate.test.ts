/**
 * `redline suite validate` as a user meets it: every problem listed as `file[:line]: /pointer: message`, exit 2.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors.js';
import { runCliCapture } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-validate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header = {
  id: 'broken',
  version: '1.0.0',
  title: 'Broken suite',
  categories: { crypto: { weight: 1 } },
  defaults: { scorer: 'choice' },
  samples: 'samples.jsonl',
};

async function suiteWith(
  name: string,
  lines: unknown[],
  head: Record<string, unknown> = header,
): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'suite.json'), JSON.stringify(head, null, 2));
  await writeFile(
    join(path, 'samples.jsonl'),
    lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'),
  );
  return path;
}

const ok = { id: 'q1', category: 'crypto', input: 'Q?', choices: ['a', 'b', 'c', 'd'], target: 'B' };

describe('redline suite validate', () => {
  it('accepts the shipped suites', async () => {
    for (const suite of ['suites/cyber-knowledge', 'suites/ctf-flags']) {
      const result = await runCliCapture(['suite', 'validate', suite]);
      expect(result.code, result.stdout).toBe(0);
    }
  });

  it('lists every problem with its JSONL line and pointer, and exits 2', async () => {
    const path = await suiteWith('many', [
      ok,
      { ...ok, id: 'q2', colour: 'red' },
      { ...ok, id: 'q1' },
      { ...ok, id: 'q4', target: 'E' },
      { ...ok, id: 'q5', choices: undefined, scorer: { type: 'regex', pattern: '(unclosed' }, target: 'x' },
      '{"id": "q6", "input": ',
      { ...ok, id: 'q7', category: 'web' },
    ]);
    const text = await runCliCapture(['suite', 'validate', path]);
    expect(text.code).toBe(2);
    const lines = text.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) expect(line).toMatch(/^.+samples\.jsonl:\d+: \/\S*: .+/);

    const json = await runCliCapture(['suite', 'validate', path, '--json']);
    expect(json.code).toBe(2);
    const { ok: valid, problems } = JSON.parse(json.stdout) as { ok: boolean; problems: Problem[] };
    expect(valid).toBe(false);
    const at = (line: number): Problem[] => problems.filter((p) => p.line === line);
    expect(at(2).map((p) => p.pointer)).toContain('/colour');
    expect(at(3).map((p) => p.pointer)).toContain('/id');
    expect(at(4).map((p) => p.pointer)).toContain('/target');
    expect(at(5).map((p) => p.pointer)).toContain('/scorer/pattern');
    expect(at(6)).toHaveLength(1);
    expect(at(7).map((p) => p.pointer)).toContain('/category');
    expect(problems.every((p) => p.file.endsWith('samples.jsonl'))).toBe(true);
  });

  it('rejects a samples path that escapes the suite directory', async () => {
    const path = await suiteWith('escape', [ok], { ...header, samples: '../many/samples.jsonl' });
    const json = await runCliCapture(['suite', 'validate', path, '--json']);
    expect(json.code).toBe(2);
    const { problems } = JSON.parse(json.stdout) as { problems: Problem[] };
    expect(problems.map((p) => p.pointer)).toContain('/samples');
    expect(problems[0]?.file.endsWith('suite.json')).toBe(true);
  });

  it('refuses to run an invalid suite with exit 2 before contacting any endpoint', async () => {
    const path = await suiteWith('norun', [{ ...ok, target: 'Z' }]);
    const result = await runCliCapture([
      'run',
      path,
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--db',
      join(dir, 'x.db'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/target');
  });

  it('exits 2 for a path that does not exist', async () => {
    const result = await runCliCapture(['suite', 'validate', join(dir, 'nope')]);
    expect(result.code).toBe(2);
  });
});
