import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashSuite } from '../../../src/suite/hash-suite.js';
import { openSuite } from '../../../src/suite/load-suite.js';
import { validateSuite } from '../../../src/suite/validate-suite.js';
import { choiceSample, jsonl, useTempDir, writeFiles } from './temp-suite.js';

const FIXTURES = 'tests/fixtures/suites';

/**
 * The digest of the cyber-knowledge fixture, pinned: digests are recorded on every run, so a change to the
 * canonical form or the digest definition must show up here (and be a deliberate, documented break).
 */
const CYBER_KNOWLEDGE_SHA256 = 'a5050e668a0185c6aa49f67fba89ee1304b1f37d7dd8e61b8b5493fd886cd098';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('hashSuite', () => {
  const tmp = useTempDir();

  it('is sha256 over the canonical header and each canonical sample, each followed by a newline', async () => {
    const digest = await hashSuite(
      { title: 'T', samples: 'ignored.jsonl', $schema: 'ignored', version: '1', id: 'demo' },
      [
        { target: 'A', input: 'é?', id: 'q1' },
        { id: 'q2', input: 'x', target: ['A', 'B'] },
      ],
    );
    expect(digest).toBe(
      sha256(
        '{"id":"demo","title":"T","version":"1"}\n' +
          '{"id":"q1","input":"é?","target":"A"}\n' +
          '{"id":"q2","input":"x","target":["A","B"]}\n',
      ),
    );
  });

  it('hashes the fixture identically as a JSONL directory, inline JSON, YAML with CRLF JSONL, and inline YAML', async () => {
    const forms = [
      'cyber-knowledge',
      'cyber-knowledge-inline.json',
      'cyber-knowledge-yaml',
      'cyber-knowledge-inline.yaml',
    ];
    for (const form of forms) {
      const result = await validateSuite(join(FIXTURES, form));
      expect({ form, sha256: result.suite?.sha256 }).toEqual({ form, sha256: CYBER_KNOWLEDGE_SHA256 });
    }
  });

  it('equals the digest of the parsed suite file and the samples a handle streams', async () => {
    const path = join(FIXTURES, 'cyber-knowledge');
    const suite = await openSuite(path);
    const file = JSON.parse(await readFile(join(path, 'suite.json'), 'utf8')) as Record<string, unknown>;
    expect(await hashSuite(file, suite.samples())).toBe(suite.sha256);
  });

  it('does not depend on key order, whitespace, BOM, line endings or number spelling', async () => {
    const samples = [choiceSample('a', { metadata: { n: 1 } }), choiceSample('b')];
    await writeFiles(tmp(), {
      'one/suite.json': '{"id":"x","version":"1","title":"X","samples":"s.jsonl"}',
      'one/s.jsonl': jsonl(samples),
      'two/suite.json':
        '\uFEFF{\r\n  "samples" : "other-name.jsonl",\r\n  "title": "X", "version": "1", "id": "x"\r\n}\r\n',
      'two/other-name.jsonl': [
        '{"target":"B","choices":["one","two","three"],"input":"Question a?","metadata":{"n":1.0},"id":"a"}',
        '',
        '  {"id": "b", "input": "Question b?", "choices": ["one", "two", "three"], "target": "B"}  ',
      ].join('\r\n'),
    });
    const one = await validateSuite(join(tmp(), 'one'));
    const two = await validateSuite(join(tmp(), 'two'));
    expect(one.problems).toEqual([]);
    expect(two.problems).toEqual([]);
    expect(two.suite?.sha256).toBe(one.suite?.sha256);
  });

  it('changes when a value changes, when samples are reordered, and when the header changes', async () => {
    const a = choiceSample('a');
    const b = choiceSample('b');
    const header = { id: 'x', version: '1', title: 'X' };
    const base = await hashSuite(header, [a, b]);
    expect(await hashSuite(header, [b, a])).not.toBe(base);
    expect(await hashSuite(header, [a, { ...b, target: 'C' }])).not.toBe(base);
    expect(await hashSuite(header, [a, { ...b, metadata: {} }])).not.toBe(base);
    expect(await hashSuite({ ...header, version: '2' }, [a, b])).not.toBe(base);
    expect(await hashSuite(header, [a])).not.toBe(base);
  });
});
