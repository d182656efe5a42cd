import { symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../src/errors.js';
import { validateSuite } from '../../../src/suite/validate-suite.js';
import { choiceSample, jsonl, suiteHeader, useTempDir, writeFiles } from './temp-suite.js';

const FIXTURES = 'tests/fixtures/suites';

/** The location part of problems, for comparing with toEqual (an absent line compares equal to undefined). */
function where(problems: readonly Problem[]): { file: string; line: number | undefined; pointer: string }[] {
  return problems.map(({ file, line, pointer }) => ({ file, line, pointer }));
}

/** The 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`"${needle}" not in text`);
  return index + 1;
}

describe('validateSuite', () => {
  const tmp = useTempDir();

  it('accepts the fixture suite and reports its identity and sample count', async () => {
    const result = await validateSuite(join(FIXTURES, 'cyber-knowledge'));
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.suite).toMatchObject({ id: 'cyber-knowledge', version: '1.0.0', sampleCount: 6 });
    expect(result.suite?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names files relative to the working directory when given a relative path, absolute when given an absolute one', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 'samples.jsonl' }),
      'samples.jsonl': '{"id": 1}\n',
    });
    const absolute = await validateSuite(tmp());
    expect(absolute.problems[0]?.file).toBe(join(tmp(), 'samples.jsonl'));
    const rel = relative(process.cwd(), tmp());
    const relativeResult = await validateSuite(rel);
    expect(relativeResult.problems[0]?.file).toBe(join(rel, 'samples.jsonl'));
  });

  it('reports a JSON syntax error in the suite file with its line', async () => {
    const text = '{\n  "id": "x",\n  "version": "1",\n  "title": "t",,\n  "samples": []\n}\n';
    await writeFiles(tmp(), { 'suite.json': text });
    const result = await validateSuite(tmp());
    expect(result.ok).toBe(false);
    expect(where(result.problems)).toEqual([{ file: join(tmp(), 'suite.json'), line: 4, pointer: '' }]);
  });

  it('reports a YAML syntax error with its line', async () => {
    await writeFiles(tmp(), { 'suite.yaml': 'id: x\nversion: "1"\ntitle: [unclosed\nsamples: []\n' });
    const result = await validateSuite(tmp());
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
    for (const problem of result.problems) {
      expect(problem).toMatchObject({ file: join(tmp(), 'suite.yaml'), pointer: '' });
      expect(problem.line).toBeGreaterThanOrEqual(3);
    }
  });

  it('reports a duplicate key in YAML', async () => {
    await writeFiles(tmp(), { 'suite.yaml': 'id: x\nversion: "1"\ntitle: t\nid: y\nsamples: []\n' });
    const result = await validateSuite(tmp());
    expect(where(result.problems)).toContainEqual({ file: join(tmp(), 'suite.yaml'), line: 4, pointer: '' });
  });

  it('reports header schema violations with pointer and line, in line order', async () => {
    const text = JSON.stringify(
      { ...suiteHeader({ version: 1, titel: 'typo' }), samples: [choiceSample('a')] },
      null,
      2,
    );
    await writeFiles(tmp(), { 'suite.json': text });
    const file = join(tmp(), 'suite.json');
    const result = await validateSuite(tmp());
    expect(where(result.problems)).toEqual([
      { file, line: lineOf(text, '"version"'), pointer: '/version' },
      { file, line: lineOf(text, '"titel"'), pointer: '/titel' },
    ]);
  });

  it('reports an invalid category id', async () => {
    await writeFiles(tmp(), {
      'suite.json': {
        ...suiteHeader({ categories: { 'Bad id': {} } }),
        samples: [choiceSample('a', { category: 'Bad id' })],
      },
    });
    const result = await validateSuite(tmp());
    expect(where(result.problems).map((p) => p.pointer)).toEqual(['/categories/Bad id']);
  });

  it('reports every problem of inline samples under /samples/N, with the line in the suite file', async () => {
    const samples = [choiceSample('a'), choiceSample('b', { target: 5 }), choiceSample('c', { answer: 'B' })];
    const text = JSON.stringify({ ...suiteHeader(), samples }, null, 2);
    await writeFiles(tmp(), { 'suite.json': text });
    const file = join(tmp(), 'suite.json');
    const result = await validateSuite(tmp());
    expect(where(result.problems)).toEqual([
      { file, line: lineOf(text, '"target": 5'), pointer: '/samples/1/target' },
      { file, line: lineOf(text, '"answer"'), pointer: '/samples/2/answer' },
    ]);
  });

  it('locates inline sample problems in a YAML suite by line', async () => {
    const text = [
      'id: y',
      'version: "1"',
      'title: Y',
      'samples:',
      '  - id: a',
      '    input: Question?',
      '    target: [A, A]',
      '',
    ].join('\n');
    await writeFiles(tmp(), { 'suite.yaml': text });
    const result = await validateSuite(tmp());
    expect(where(result.problems)).toEqual([
      { file: join(tmp(), 'suite.yaml'), line: 7, pointer: '/samples/0/target' },
    ]);
  });

  it('reports JSONL problems with the JSONL file, the line and a pointer relative to the line', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 'data/samples.jsonl' }),
      'data/samples.jsonl': jsonl([
        choiceSample('a'),
        choiceSample('b', { target: 5 }),
        '{"id": "c", "input": "x",, "target": "A"}',
        choiceSample('d', { extra: true }),
        choiceSample('e', { input: '' }),
      ]),
    });
    const file = join(tmp(), 'data', 'samples.jsonl');
    const result = await validateSuite(tmp());
    expect(where(result.problems)).toEqual([
      { file, line: 2, pointer: '/target' },
      { file, line: 3, pointer: '' },
      { file, line: 4, pointer: '/extra' },
      { file, line: 5, pointer: '/input' },
    ]);
  });

  it('gives the column of a JSONL syntax error', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': '{"id": "a" "input": "x"}\n',
    });
    const [problem] = (await validateSuite(tmp())).problems;
    expect(problem).toMatchObject({ line: 1, pointer: '' });
    expect(problem?.message).toContain('column 12');
  });

  it('reports a line that is not an object', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': jsonl([choiceSample('a'), '[1, 2]', '"text"', 'null', '42']),
    });
    const file = join(tmp(), 's.jsonl');
    const result = await validateSuite(tmp());
    expect(where(result.problems)).toEqual([2, 3, 4, 5].map((line) => ({ file, line, pointer: '' })));
  });

  it('skips blank lines, tolerates a BOM and CRLF line endings, and keeps editor line numbers', async () => {
    const lines = [
      JSON.stringify(choiceSample('a')),
      '',
      '   ',
      JSON.stringify(choiceSample('b')),
      JSON.stringify(choiceSample('c', { target: 1 })),
    ];
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': `\uFEFF${lines.join('\r\n')}\r\n\r\n`,
    });
    const result = await validateSuite(tmp());
    expect(where(result.problems)).toEqual([{ file: join(tmp(), 's.jsonl'), line: 5, pointer: '/target' }]);

    await writeFiles(tmp(), { 's.jsonl': `\uFEFF${lines.slice(0, 4).join('\r\n')}\r\n` });
    const fixed = await validateSuite(tmp());
    expect(fixed.problems).toEqual([]);
    expect(fixed.suite?.sampleCount).toBe(2);
  });

  it('reports a duplicate JSONL id at the later line, naming the first line', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': jsonl([choiceSample('a'), choiceSample('b'), choiceSample('c'), choiceSample('b')]),
    });
    const [problem, ...rest] = (await validateSuite(tmp())).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ file: join(tmp(), 's.jsonl'), line: 4, pointer: '/id' });
    expect(problem?.message).toContain('line 2');
  });

  it('reports a duplicate inline id, naming the first index', async () => {
    await writeFiles(tmp(), {
      'suite.json': { ...suiteHeader(), samples: [choiceSample('x'), choiceSample('y'), choiceSample('x')] },
    });
    const [problem, ...rest] = (await validateSuite(tmp())).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ pointer: '/samples/2/id' });
    expect(problem?.message).toContain('/samples/0');
  });

  it('reports a category that is not declared, and a missing category when categories are declared', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ categories: { crypto: {}, web: { weight: 2 } }, samples: 's.jsonl' }),
      's.jsonl': jsonl([
        choiceSample('a', { category: 'crypto' }),
        choiceSample('b', { category: 'pwn' }),
        choiceSample('c'),
        choiceSample('d', { category: 'web' }),
      ]),
    });
    const file = join(tmp(), 's.jsonl');
    expect(where((await validateSuite(tmp())).problems)).toEqual([
      { file, line: 2, pointer: '/category' },
      { file, line: 3, pointer: '' },
    ]);
  });

  it('accepts samples without a category when the suite declares "default"', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ categories: { default: {}, web: {} }, samples: 's.jsonl' }),
      's.jsonl': jsonl([choiceSample('a'), choiceSample('b', { category: 'web' })]),
    });
    expect((await validateSuite(tmp())).problems).toEqual([]);
  });

  it('reports an empty suite: an empty array, or a JSONL file with only blank lines', async () => {
    await writeFiles(tmp(), { 'inline.json': { ...suiteHeader(), samples: [] } });
    const inline = await validateSuite(join(tmp(), 'inline.json'));
    expect(where(inline.problems)).toEqual([
      { file: join(tmp(), 'inline.json'), line: 5, pointer: '/samples' },
    ]);

    await writeFiles(tmp(), {
      'dir/suite.json': suiteHeader({ samples: 'empty.jsonl' }),
      'dir/empty.jsonl': '\n  \r\n\n',
    });
    const empty = await validateSuite(join(tmp(), 'dir'));
    expect(where(empty.problems)).toEqual([
      { file: join(tmp(), 'dir', 'suite.json'), line: 5, pointer: '/samples' },
    ]);
  });

  it('reports a missing "samples" once, and "samples" of the wrong type', async () => {
    await writeFiles(tmp(), { 'a.json': suiteHeader(), 'b.json': { ...suiteHeader(), samples: 3 } });
    expect(where((await validateSuite(join(tmp(), 'a.json'))).problems)).toEqual([
      { file: join(tmp(), 'a.json'), line: 1, pointer: '' },
    ]);
    expect(where((await validateSuite(join(tmp(), 'b.json'))).problems)).toEqual([
      { file: join(tmp(), 'b.json'), line: 5, pointer: '/samples' },
    ]);
  });

  it('reports a suite file that is not an object', async () => {
    await writeFiles(tmp(), { 'list.json': '[1, 2]\n', 'empty.yaml': '' });
    expect(where((await validateSuite(join(tmp(), 'list.json'))).problems)).toEqual([
      { file: join(tmp(), 'list.json'), line: 1, pointer: '' },
    ]);
    const empty = await validateSuite(join(tmp(), 'empty.yaml'));
    expect(empty.ok).toBe(false);
    expect(where(empty.problems).map((p) => p.pointer)).toEqual(['']);
  });

  it.each([
    ['an absolute path', (dir: string) => join(dir, 'outside.jsonl')],
    ['a path leaving the directory', () => '../outside.jsonl'],
    ['a path that leaves through a subdirectory', () => 'sub/../../outside.jsonl'],
  ])('refuses %s for the samples file', async (_label, samplesPath) => {
    await writeFiles(tmp(), {
      'outside.jsonl': jsonl([choiceSample('a')]),
      'suite/samples.jsonl': jsonl([choiceSample('a')]),
    });
    await writeFiles(tmp(), { 'suite/suite.json': suiteHeader({ samples: samplesPath(tmp()) }) });
    const result = await validateSuite(join(tmp(), 'suite'));
    expect(where(result.problems)).toEqual([
      { file: join(tmp(), 'suite', 'suite.json'), line: 5, pointer: '/samples' },
    ]);
  });

  it('refuses a samples file that is a symlink resolving outside the suite directory', async () => {
    await writeFiles(tmp(), {
      'outside.jsonl': jsonl([choiceSample('a')]),
      'suite/suite.json': suiteHeader({ samples: 'link.jsonl' }),
    });
    await symlink(join(tmp(), 'outside.jsonl'), join(tmp(), 'suite', 'link.jsonl'));
    const result = await validateSuite(join(tmp(), 'suite'));
    expect(where(result.problems)).toEqual([
      { file: join(tmp(), 'suite', 'suite.json'), line: 5, pointer: '/samples' },
    ]);
  });

  it('accepts a samples symlink that stays inside the suite directory', async () => {
    await writeFiles(tmp(), {
      'suite/data/v1.jsonl': jsonl([choiceSample('a')]),
      'suite/suite.json': suiteHeader({ samples: 'current.jsonl' }),
    });
    await symlink(join('data', 'v1.jsonl'), join(tmp(), 'suite', 'current.jsonl'));
    expect((await validateSuite(join(tmp(), 'suite'))).ok).toBe(true);
  });

  it('reports a missing samples file as a problem at /samples', async () => {
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 'nope.jsonl' }) });
    const result = await validateSuite(tmp());
    expect(result.ok).toBe(false);
    expect(where(result.problems)).toEqual([
      { file: join(tmp(), 'suite.json'), line: 5, pointer: '/samples' },
    ]);
  });

  it('reports a number JSON cannot represent (1e999) in metadata', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': '{"id":"a","input":"x","target":"A","metadata":{"n":[1,1e999]}}\n',
    });
    expect(where((await validateSuite(tmp())).problems)).toEqual([
      { file: join(tmp(), 's.jsonl'), line: 1, pointer: '/metadata/n/1' },
    ]);
  });

  it('reports a misspelt scorer name once, at the scorer', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': jsonl([choiceSample('a', { scorer: 'choise' })]),
    });
    expect(where((await validateSuite(tmp())).problems)).toEqual([
      { file: join(tmp(), 's.jsonl'), line: 1, pointer: '/scorer' },
    ]);
  });

  it('reports a bad scorer option at the option, not at every scorer form', async () => {
    await writeFiles(tmp(), {
      'suite.json': suiteHeader({ samples: 's.jsonl' }),
      's.jsonl': jsonl([
        { id: 'a', input: 'x', target: 'A', scorer: { type: 'regex', pattern: 'A', flags: 'x' } },
        { id: 'b', input: 'x', target: 'A', scorer: { type: 'regx' } },
        { id: 'c', input: 'x', target: 'A', scorer: { type: 'numeric', tolerance: -1 } },
      ]),
    });
    expect(where((await validateSuite(tmp())).problems).map((p) => [p.line, p.pointer])).toEqual([
      [1, '/scorer/flags'],
      [2, '/scorer/type'],
      [3, '/scorer/tolerance'],
    ]);
  });

  it('keeps 1000 problems and summarises the rest in a final problem', async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => choiceSample(`s${i}`, { target: i }));
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 's.jsonl' }), 's.jsonl': jsonl(lines) });
    const { problems } = await validateSuite(tmp());
    expect(problems).toHaveLength(1001);
    expect(problems[999]).toMatchObject({ file: join(tmp(), 's.jsonl'), line: 1000, pointer: '/target' });
    expect(problems[1000]).toMatchObject({ file: join(tmp(), 'suite.json'), pointer: '' });
    expect(problems[1000]?.message).toContain('500');
  });

  it('honours a smaller problem cap', async () => {
    const lines = Array.from({ length: 5 }, (_, i) => choiceSample(`s${i}`, { target: i }));
    await writeFiles(tmp(), { 'suite.json': suiteHeader({ samples: 's.jsonl' }), 's.jsonl': jsonl(lines) });
    const { problems } = await validateSuite(tmp(), { maxProblems: 2 });
    expect(problems.map((p) => p.line)).toEqual([1, 2, undefined]);
  });

  it('accepts a single-file suite in .yml', async () => {
    await writeFiles(tmp(), {
      'one.yml': `id: one\nversion: "1"\ntitle: One\nsamples:\n  - ${JSON.stringify(choiceSample('a'))}\n`,
    });
    expect(await validateSuite(join(tmp(), 'one.yml'))).toMatchObject({
      ok: true,
      suite: { id: 'one', sampleCount: 1 },
    });
  });
});

describe('validateSuite on unreadable input', () => {
  const tmp = useTempDir();

  it.each([
    ['a path that does not exist', (dir: string) => Promise.resolve(join(dir, 'missing'))],
    ['a directory without a suite file', (dir: string) => Promise.resolve(dir)],
    [
      'a directory with both suite.json and suite.yaml',
      async (dir: string) => {
        await writeFiles(dir, { 'suite.json': '{}', 'suite.yaml': 'id: x' });
        return dir;
      },
    ],
    [
      'a file that is not .json/.yaml/.yml',
      async (dir: string) => {
        await writeFiles(dir, { 'samples.jsonl': jsonl([choiceSample('a')]) });
        return join(dir, 'samples.jsonl');
      },
    ],
  ])('throws E_INPUT naming the path for %s', async (_label, prepare) => {
    const path = await prepare(tmp());
    await expect(validateSuite(path)).rejects.toMatchObject({
      code: 'E_INPUT',
      message: expect.stringContaining(path),
    });
  });
});
