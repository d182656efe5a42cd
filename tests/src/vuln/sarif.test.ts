import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRedlineError, type Problem } from '../../../src/errors.js';
import { parseSarif } from '../../../src/vuln/parse-sarif.js';

const FIXTURES = 'tests/fixtures/vuln';
const read = (name: string): string => readFileSync(`${FIXTURES}/${name}`, 'utf8');

function failure(run: () => unknown): { code: string; problems: Problem[] } {
  try {
    run();
  } catch (error) {
    if (!isRedlineError(error)) throw error;
    return { code: error.code, problems: (error.details as { problems: Problem[] }).problems };
  }
  throw new Error('expected a RedlineError');
}

/** A one-run SARIF log with the given rules and results. */
const log = (rules: object[], results: object[]): string =>
  JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't', rules } }, results }] });

describe('parseSarif', () => {
  it('gives one finding per result with rule text, CWE tags, score and evidence', () => {
    const [code, dependency, ...rest] = parseSarif(read('sarif-two-results.json'), 'sarif-two-results.json');
    expect(rest).toEqual([]);
    expect(code).toEqual({
      source: 'sarif',
      sourceId: 'js/sql-injection',
      title: 'Database query built from user-controlled sources',
      details: 'Building a SQL query from user input lets an attacker change its meaning.',
      ranges: [],
      cwe: ['CWE-89'],
      cvssVector: null,
      severityScore: 8.8,
      evidence: {
        location: { uri: 'src/db/query.js', startLine: 42 },
        message: 'This query depends on a user-provided value.',
        snippet: "db.query('SELECT * FROM t WHERE id=' + id)",
      },
      aliases: [],
    });
    expect(dependency?.sourceId).toBe('GHSA-7xq2-pw3c-9hfm');
    expect(dependency?.package).toEqual({
      purl: 'pkg:npm/%40acme/left-padder',
      ecosystem: 'npm',
      name: '@acme/left-padder',
    });
    expect(dependency?.versions).toEqual(['2.3.0']);
    expect(dependency?.ranges).toEqual([{ type: 'SEMVER', introduced: '0.0.0', fixed: 'v2.4.1' }]);
    expect(dependency?.cwe).toEqual(['CWE-1333']);
    expect(dependency?.aliases).toEqual(['CVE-2099-0101']);
    expect(dependency?.cvssVector).toBe('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H');
  });

  it('finds the rule by id when there is no ruleIndex, and lets result properties win', () => {
    const [finding] = parseSarif(
      log(
        [{ id: 'R1', name: 'Rule one', properties: { 'security-severity': '3.0', tags: ['CWE-79'] } }],
        [{ ruleId: 'R1', message: { text: 'm' }, properties: { 'security-severity': '9.1' } }],
      ),
      'x.sarif',
    );
    expect(finding?.title).toBe('Rule one');
    expect(finding?.cwe).toEqual(['CWE-79']);
    expect(finding?.severityScore).toBe(9.1);
  });

  it('rejects text that is not JSON with E_MALFORMED', () => {
    expect(failure(() => parseSarif('{"version": "2.1.0",', 'x.sarif')).code).toBe('E_MALFORMED');
  });

  it('rejects a wrong version with E_SCHEMA at /version', () => {
    const { code, problems } = failure(() =>
      parseSarif(read('sarif-wrong-version.json'), 'sarif-wrong-version.json'),
    );
    expect(code).toBe('E_SCHEMA');
    expect(problems.map((p) => [p.file, p.pointer])).toEqual([['sarif-wrong-version.json', '/version']]);
  });

  it('rejects results that are not an array with E_SCHEMA at that run', () => {
    const { code, problems } = failure(() =>
      parseSarif(read('sarif-results-not-array.json'), 'sarif-results-not-array.json'),
    );
    expect(code).toBe('E_SCHEMA');
    expect(problems.map((p) => p.pointer)).toEqual(['/runs/0/results']);
  });

  it('rejects a dangling ruleIndex, a missing ruleId, bad vectors, scores and purls', () => {
    const text = log(
      [{ id: 'R1', properties: { cvssV3_1: '9.8' } }],
      [
        { ruleIndex: 3, message: { text: 'a' } },
        { message: { text: 'b' } },
        { ruleId: 'R1', message: { text: 'c' } },
        { ruleId: 'R2', message: { text: 'd' }, properties: { 'security-severity': 'high', purl: 'npm:x' } },
      ],
    );
    const { code, problems } = failure(() => parseSarif(text, 'x.sarif'));
    expect(code).toBe('E_SCHEMA');
    expect(problems.map((p) => p.pointer)).toEqual([
      '/runs/0/results/0/ruleIndex',
      '/runs/0/results/1',
      '/runs/0/tool/driver/rules/0/properties/cvssV3_1',
      '/runs/0/results/3/properties/security-severity',
      '/runs/0/results/3/properties/purl',
    ]);
  });
});
