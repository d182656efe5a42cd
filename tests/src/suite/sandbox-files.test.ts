import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateSuite } from '../../../src/suite/validate-suite.js';
import { jsonl, suiteHeader, useTempDir, writeFiles } from './temp-suite.js';

/** An agentic sample whose sandbox holds `files`. */
function agenticSample(id: string, files: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    input: 'Find the flag in the files.',
    target: 'flag{x}',
    scorer: 'flag',
    sandbox: { files, network: false },
    agent: { tools: ['bash', 'submit'], maxTurns: 5, commandTimeoutS: 10 },
  };
}

describe('validateSuite: sandbox files beside the suite', () => {
  const tmp = useTempDir();

  async function problemsOf(
    files: Record<string, unknown>,
  ): Promise<{ pointer: string; line: number | undefined }[]> {
    const dir = join(tmp(), 'suite');
    await writeFiles(dir, {
      'suite.json': suiteHeader({ samples: 'samples.jsonl' }),
      'samples.jsonl': jsonl([agenticSample('a-1', files)]),
    });
    const result = await validateSuite(dir);
    return result.problems.map(({ pointer, line }) => ({ pointer, line }));
  }

  it('accepts text, base64 and a {path} file that exists inside the suite directory', async () => {
    await writeFiles(join(tmp(), 'suite'), { 'files/a-1/notes.txt': 'eggs\n' });
    expect(
      await problemsOf({
        'notes.txt': { path: 'files/a-1/notes.txt' },
        'inline.txt': 'text',
        'bytes.bin': { base64: 'AAE=' },
      }),
    ).toEqual([]);
  });

  it('reports a {path} file that does not exist, at its pointer and line', async () => {
    expect(await problemsOf({ 'notes.txt': { path: 'files/a-1/notes.txt' } })).toEqual([
      { pointer: '/sandbox/files/notes.txt/path', line: 1 },
    ]);
  });

  it.each([
    ['an absolute path', '/etc/hostname'],
    ['a path leaving the suite directory', '../outside.txt'],
    ['a path leaving it after a detour', 'files/../../outside.txt'],
  ])('refuses %s', async (_what, path) => {
    await writeFiles(tmp(), { 'outside.txt': 'not in the suite\n' });
    expect(await problemsOf({ 'x.txt': { path } })).toEqual([
      { pointer: '/sandbox/files/x.txt/path', line: 1 },
    ]);
  });

  it('refuses a symlink resolving outside the suite directory, and accepts one staying inside', async () => {
    const dir = join(tmp(), 'suite');
    await writeFiles(tmp(), { 'outside.txt': 'not in the suite\n', 'suite/files/real.txt': 'inside\n' });
    await symlink(join(tmp(), 'outside.txt'), join(dir, 'files', 'out.txt'));
    await symlink('real.txt', join(dir, 'files', 'in.txt'));
    expect(
      await problemsOf({ 'out.txt': { path: 'files/out.txt' }, 'in.txt': { path: 'files/in.txt' } }),
    ).toEqual([{ pointer: '/sandbox/files/out.txt/path', line: 1 }]);
  });

  it('refuses a {path} naming a directory', async () => {
    await mkdir(join(tmp(), 'suite', 'files', 'a-1'), { recursive: true });
    expect(await problemsOf({ dir: { path: 'files/a-1' } })).toEqual([
      { pointer: '/sandbox/files/dir/path', line: 1 },
    ]);
  });

  it('escapes "/" in the sandbox name of the pointer', async () => {
    expect(await problemsOf({ 'src/app.py': { path: 'files/missing.py' } })).toEqual([
      { pointer: '/sandbox/files/src~1app.py/path', line: 1 },
    ]);
  });

  it('checks {path} files of an inline suite against its directory', async () => {
    await writeFiles(tmp(), {
      'inline.json': suiteHeader({ samples: [agenticSample('a-1', { 'x.txt': { path: 'files/x.txt' } })] }),
    });
    const missing = await validateSuite(join(tmp(), 'inline.json'));
    expect(missing.problems.map((p) => p.pointer)).toEqual(['/samples/0/sandbox/files/x.txt/path']);
    await writeFiles(tmp(), { 'files/x.txt': 'present\n' });
    expect((await validateSuite(join(tmp(), 'inline.json'))).ok).toBe(true);
  });
});
