import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRedlineError, type Problem } from '../../../src/errors.js';
import { parseOsv } from '../../../src/vuln/parse-osv.js';

const FIXTURES = 'tests/fixtures/vuln';
const read = (name: string): string => readFileSync(`${FIXTURES}/${name}`, 'utf8');

/** The error code and problems thrown by `run`. */
function failure(run: () => unknown): { code: string; problems: Problem[] } {
  try {
    run();
  } catch (error) {
    if (!isRedlineError(error)) throw error;
    return { code: error.code, problems: (error.details as { problems: Problem[] }).problems };
  }
  throw new Error('expected a RedlineError');
}

const record = (extra: object): string =>
  JSON.stringify({ id: 'OSV-2099-9', modified: '2099-01-01T00:00:00Z', ...extra });

describe('parseOsv', () => {
  it('gives one finding per affected package with purls, ranges, CWEs and vectors', () => {
    const findings = parseOsv(read('osv-two-packages.json'), 'osv-two-packages.json');
    expect(findings).toHaveLength(2);
    const [npm, pypi] = findings;
    expect(npm).toEqual({
      source: 'osv',
      sourceId: 'GHSA-7xq2-pw3c-9hfm',
      title: 'Regular expression denial of service in left-padder',
      details: expect.stringContaining('catastrophic backtracking') as unknown,
      package: { purl: 'pkg:npm/%40acme/left-padder', ecosystem: 'npm', name: '@acme/left-padder' },
      ranges: [{ type: 'SEMVER', introduced: '0', fixed: '2.4.1' }],
      cwe: ['CWE-400', 'CWE-1333'],
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
      evidence: {},
      aliases: ['CVE-2099-0101'],
    });
    expect(pypi?.package).toEqual({
      purl: 'pkg:pypi/acme-left-padder',
      ecosystem: 'PyPI',
      name: 'Acme_Left_Padder',
    });
    expect(pypi?.ranges).toEqual([{ type: 'ECOSYSTEM', introduced: '1.0', fixed: '1.4.2' }]);
    expect(pypi?.versions).toEqual(['1.0', '1.2', '1.4.1']);
    // The package's own severity overrides the record's.
    expect(pypi?.cvssVector).toBe('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N');
  });

  it('reads an array of records, pairing events into intervals and moving CWE aliases to cwe', () => {
    const findings = parseOsv(read('osv-array.json'), 'osv-array.json');
    expect(findings.map((f) => [f.sourceId, f.package?.purl])).toEqual([
      ['PYSEC-2099-11', 'pkg:pypi/acme-left-padder'],
      ['GO-2099-0042', 'pkg:golang/github.com/acme/tunnelkit'],
      ['GO-2099-0042', 'pkg:maven/com.acme/tunnel-core'],
    ]);
    const go = findings[1];
    expect(go?.ranges).toEqual([
      { type: 'SEMVER', introduced: '0', fixed: '1.2.0' },
      { type: 'SEMVER', introduced: '1.5.0', lastAffected: '1.8.2' },
      {
        type: 'GIT',
        introduced: 'aaaa111',
        limit: 'ffff999',
        repo: 'https://example.invalid/acme/tunnelkit',
      },
    ]);
    expect(go?.cwe).toEqual(['CWE-22']);
    expect(go?.aliases).toEqual(['CVE-2099-0202']);
    expect(go?.cvssVector).toBeNull();
    // No summary: the title is the first line of the details.
    expect(findings[0]?.title).toBe('ReDoS in acme-left-padder.');
  });

  it('builds purls for every mapped ecosystem and a generic one otherwise', () => {
    const cases: Array<[string, string, string]> = [
      ['crates.io', 'tiny-tar', 'pkg:cargo/tiny-tar'],
      ['RubyGems', 'acme-gem', 'pkg:gem/acme-gem'],
      ['NuGet', 'Acme.Json', 'pkg:nuget/Acme.Json'],
      ['Packagist', 'acme/http-kit', 'pkg:composer/acme/http-kit'],
      ['Debian:12', 'acme-tools', 'pkg:generic/acme-tools?ecosystem=Debian%3A12'],
    ];
    for (const [ecosystem, name, purl] of cases) {
      const [finding] = parseOsv(record({ affected: [{ package: { ecosystem, name } }] }), 'x.json');
      expect(finding?.package?.purl).toBe(purl);
    }
  });

  it('gives one package-less finding for a record without affected packages', () => {
    const findings = parseOsv(record({ summary: 'Withdrawn look-alike' }), 'x.json');
    expect(findings).toHaveLength(1);
    expect(findings[0]?.package).toBeUndefined();
    expect(findings[0]?.title).toBe('Withdrawn look-alike');
  });

  it('rejects text that is not JSON with E_MALFORMED', () => {
    const { code, problems } = failure(() => parseOsv(read('osv-not-json.json'), 'osv-not-json.json'));
    expect(code).toBe('E_MALFORMED');
    expect(problems.map((p) => [p.file, p.pointer])).toEqual([['osv-not-json.json', '']]);
  });

  it('rejects a record without an id with E_SCHEMA at the root', () => {
    const { code, problems } = failure(() => parseOsv(read('osv-missing-id.json'), 'osv-missing-id.json'));
    expect(code).toBe('E_SCHEMA');
    expect(problems.map((p) => p.pointer)).toEqual(['']);
  });

  it('rejects an event with two keys with E_SCHEMA at that event', () => {
    const { code, problems } = failure(() => parseOsv(read('osv-bad-event.json'), 'osv-bad-event.json'));
    expect(code).toBe('E_SCHEMA');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.pointer.startsWith('/affected/0/ranges/0/events/1')).toBe(true);
  });

  it('locates problems of an array element under its index', () => {
    const text = JSON.stringify([JSON.parse(record({})), { id: 'OSV-2099-10' }]);
    const { code, problems } = failure(() => parseOsv(text, 'list.json'));
    expect(code).toBe('E_SCHEMA');
    expect(problems.map((p) => p.pointer)).toEqual(['/1']);
  });

  it('rejects ranges without introduced, non-SemVer SEMVER bounds, bad purls and bad vectors', () => {
    const text = record({
      severity: [{ type: 'CVSS_V3', score: '7.5' }],
      affected: [
        {
          package: { ecosystem: 'npm', name: 'a' },
          ranges: [{ type: 'SEMVER', events: [{ fixed: 'not.a.version' }] }],
        },
        { package: { ecosystem: 'npm', name: 'b', purl: 'pkg:pypi/b' } },
        { package: { ecosystem: 'npm', name: 'c', purl: 'not a purl' } },
        { package: { ecosystem: 'Maven', name: 'no-group' } },
      ],
    });
    const { code, problems } = failure(() => parseOsv(text, 'x.json'));
    expect(code).toBe('E_SCHEMA');
    expect(problems.map((p) => p.pointer).sort()).toEqual([
      '/affected/0/ranges/0/events',
      '/affected/0/ranges/0/events/0/fixed',
      '/affected/1/package/purl',
      '/affected/2/package/purl',
      '/affected/3/package/name',
      '/severity/0/score',
    ]);
  });

  it('allows unknown fields (OSV is extensible) but checks the known ones', () => {
    expect(parseOsv(record({ x_vendor: { anything: true } }), 'x.json')).toHaveLength(1);
    const { problems } = failure(() => parseOsv(record({ aliases: 'CVE-2099-1' }), 'x.json'));
    expect(problems.map((p) => p.pointer)).toEqual(['/aliases']);
  });
});
