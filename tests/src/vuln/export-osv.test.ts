import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { OSV_SCHEMA_VERSION, findingToOsv, type OsvExportInput } from '../../../src/vuln/export-osv.js';
import type { Finding } from '../../../src/vuln/finding.js';
import { fingerprintFinding } from '../../../src/vuln/fingerprint.js';
import { parseOsv } from '../../../src/vuln/parse-osv.js';
import { parseSarif } from '../../../src/vuln/parse-sarif.js';

const FIXTURES = 'tests/fixtures/vuln';
const read = (name: string): string => readFileSync(`${FIXTURES}/${name}`, 'utf8');

const MODIFIED = '2026-05-01T00:00:00Z';
const PUBLISHED = '2026-06-01T00:00:00Z';

const exportOf = (finding: Finding, extra: Partial<OsvExportInput> = {}) =>
  findingToOsv({ id: 'RLV-2026-1', finding, modified: MODIFIED, published: PUBLISHED, ...extra });

/** The one finding parse-osv reads back from an exported record. */
function reparse(finding: Finding): Finding {
  const findings = parseOsv(JSON.stringify(exportOf(finding)), 'exported.json');
  expect(findings).toHaveLength(1);
  return findings[0]!;
}

// A small OSV record of the project's own, with two intervals in one range, listed versions, a v3.1 vector,
// CWE ids given both ways and an alias.
const INLINE = JSON.stringify({
  schema_version: '1.6.0',
  id: 'GHSA-2345-6789-cfgh',
  modified: '2099-02-03T04:05:06Z',
  aliases: ['CVE-2099-7777', 'CWE-79'],
  summary: 'Stored XSS in acme-board comments',
  details: 'Comment bodies are rendered without escaping.',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N' }],
  affected: [
    {
      package: { ecosystem: 'npm', name: '@acme/board' },
      ranges: [
        {
          type: 'SEMVER',
          events: [
            { introduced: '1.0.0' },
            { fixed: '1.3.2' },
            { introduced: '2.0.0' },
            { last_affected: '2.1.0' },
          ],
        },
      ],
      versions: ['1.0.0', '1.3.1', '2.1.0'],
    },
  ],
  database_specific: { cwe_ids: ['CWE-116'] },
});

describe('findingToOsv: round trip through parse-osv', () => {
  const cases: [string, Finding][] = [
    ['the inline record', parseOsv(INLINE, 'inline.json')[0]!],
    ...parseOsv(read('osv-two-packages.json'), 'osv-two-packages.json').map((f, i): [string, Finding] => [
      `osv-two-packages.json #${i}`,
      f,
    ]),
    ...parseOsv(read('osv-array.json'), 'osv-array.json').map((f, i): [string, Finding] => [
      `osv-array.json #${i}`,
      f,
    ]),
    // Only a third-tier id: the export's own RLV id must not change the identity.
    [
      'an OSV record with only its own OSV id',
      parseOsv(
        JSON.stringify({
          id: 'OSV-2099-9',
          modified: '2099-01-01T00:00:00Z',
          summary: 'x',
          affected: [
            {
              package: { ecosystem: 'npm', name: 'left-pad' },
              ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }],
            },
          ],
        }),
        'only-osv-id.json',
      )[0]!,
    ],
  ];

  it.each(cases)('%s: exports a record parse-osv reads with the same fingerprint', (_, finding) => {
    const back = reparse(finding);
    expect(fingerprintFinding(back)).toBe(fingerprintFinding(finding));
    expect(back.package?.purl).toBe(finding.package?.purl);
    expect(back.ranges).toEqual(finding.ranges.map((r) => ({ ...r, introduced: r.introduced ?? '0' })));
    // Listed versions are published only for findings without ranges (they may be a reporter's own inventory).
    expect(back.versions).toEqual(finding.ranges.length > 0 ? undefined : finding.versions);
    expect(back.cwe).toEqual(finding.cwe);
    expect(back.cvssVector).toBe(finding.cvssVector);
    expect(back.title).toBe(finding.title);
    expect(back.details).toBe(finding.details);
    expect(back.sourceId).toBe('RLV-2026-1');
    expect(back.aliases).toEqual([finding.sourceId, ...finding.aliases]);
  });

  it('writes the inline record field by field', () => {
    expect(exportOf(parseOsv(INLINE, 'inline.json')[0]!)).toEqual({
      schema_version: OSV_SCHEMA_VERSION,
      id: 'RLV-2026-1',
      modified: MODIFIED,
      published: PUBLISHED,
      aliases: ['GHSA-2345-6789-cfgh', 'CVE-2099-7777'],
      summary: 'Stored XSS in acme-board comments',
      details: 'Comment bodies are rendered without escaping.',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N' }],
      affected: [
        {
          package: { ecosystem: 'npm', name: '@acme/board', purl: 'pkg:npm/%40acme/board' },
          ranges: [
            { type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.3.2' }] },
            { type: 'SEMVER', events: [{ introduced: '2.0.0' }, { last_affected: '2.1.0' }] },
          ],
        },
      ],
      database_specific: { cwe_ids: ['CWE-79', 'CWE-116'] },
    });
    expect(OSV_SCHEMA_VERSION).toBe('1.6.0');
  });
});

describe('findingToOsv: fields', () => {
  const base = parseOsv(INLINE, 'inline.json')[0]!;

  it('types a v3.0 or v3.1 vector CVSS_V3 and a v4.0 vector CVSS_V4', () => {
    const v30 = 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
    const v4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N';
    expect(exportOf({ ...base, cvssVector: v30 }).severity).toEqual([{ type: 'CVSS_V3', score: v30 }]);
    expect(exportOf({ ...base, cvssVector: v4 }).severity).toEqual([{ type: 'CVSS_V4', score: v4 }]);
    expect(reparse({ ...base, cvssVector: v4 }).cvssVector).toBe(v4);
  });

  it('has no severity without a vector', () => {
    expect('severity' in exportOf({ ...base, cvssVector: null })).toBe(false);
  });

  it('keeps the repo and limit of a GIT range', () => {
    const go = parseOsv(read('osv-array.json'), 'osv-array.json')[1]!;
    expect(exportOf(go).affected?.[0]?.ranges).toEqual([
      { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.0' }] },
      { type: 'SEMVER', events: [{ introduced: '1.5.0' }, { last_affected: '1.8.2' }] },
      {
        type: 'GIT',
        repo: 'https://example.invalid/acme/tunnelkit',
        events: [{ introduced: 'aaaa111' }, { limit: 'ffff999' }],
      },
    ]);
    const back = reparse(go);
    expect(back.ranges.find((r) => r.type === 'GIT')).toEqual({
      type: 'GIT',
      introduced: 'aaaa111',
      limit: 'ffff999',
      repo: 'https://example.invalid/acme/tunnelkit',
    });
  });

  it('writes introduced "0" for a range without one and leaves out ranges when there are none', () => {
    const record = exportOf({ ...base, ranges: [{ type: 'SEMVER', fixed: '1.0.0' }] });
    expect(record.affected?.[0]?.ranges).toEqual([
      { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] },
    ]);
    const bare = exportOf({ ...base, ranges: [] });
    expect(bare.affected?.[0]).not.toHaveProperty('ranges');
    const noVersions: Finding = { ...base };
    delete noVersions.versions;
    expect(exportOf(noVersions).affected?.[0]).not.toHaveProperty('versions');
    expect(exportOf({ ...base, ranges: [], versions: ['0.9.0'] }).affected?.[0]?.versions).toEqual(['0.9.0']);
    expect(exportOf({ ...base, versions: ['0.9.0'] }).affected?.[0]).not.toHaveProperty('versions');
  });

  it('writes a SARIF code finding without affected, keeping its location in database_specific', () => {
    const code = parseSarif(read('sarif-two-results.json'), 'sarif-two-results.json')[0]!;
    expect(code.package).toBeUndefined();
    const record = exportOf(code);
    expect(record).not.toHaveProperty('affected');
    expect(record.database_specific).toEqual({
      cwe_ids: ['CWE-89'],
      location: { uri: 'src/db/query.js', startLine: 42 },
    });
    // A SARIF ruleId is not a vulnerability id, so it is not an alias.
    expect(record).not.toHaveProperty('aliases');
    expect(parseOsv(JSON.stringify(record), 'code.json')).toHaveLength(1);
  });

  it('writes a SARIF code finding without CWEs with the location only', () => {
    const code = parseSarif(read('sarif-two-results.json'), 'sarif-two-results.json')[0]!;
    expect(exportOf({ ...code, cwe: [] }).database_specific).toEqual({
      location: { uri: 'src/db/query.js', startLine: 42 },
    });
  });

  it('keeps the location out of a package finding and has no database_specific without CWEs', () => {
    const sca = parseSarif(read('sarif-two-results.json'), 'sarif-two-results.json')[1]!;
    expect(sca.evidence.location).toBeDefined();
    expect(exportOf(sca).database_specific).toEqual({ cwe_ids: ['CWE-1333'] });
    expect(exportOf({ ...sca, cwe: [] })).not.toHaveProperty('database_specific');
  });

  it('credits finders only when given, in order', () => {
    expect(exportOf(base)).not.toHaveProperty('credits');
    expect(exportOf(base, { credits: [] })).not.toHaveProperty('credits');
    expect(exportOf(base, { credits: ['zeta-lab', 'alpha-lab'] }).credits).toEqual([
      { name: 'zeta-lab', type: 'FINDER' },
      { name: 'alpha-lab', type: 'FINDER' },
    ]);
  });

  it("does not repeat the record's own id in aliases, nor any alias twice", () => {
    const reimported: Finding = { ...base, aliases: ['RLV-2026-1', 'CVE-2099-7777', 'GHSA-2345-6789-cfgh'] };
    expect(exportOf(reimported).aliases).toEqual(['GHSA-2345-6789-cfgh', 'CVE-2099-7777']);
    const exported = parseOsv(JSON.stringify(exportOf(base)), 'x.json')[0]!;
    expect(exportOf(exported).aliases).toEqual(['GHSA-2345-6789-cfgh', 'CVE-2099-7777']);
    expect(exportOf({ ...base, sourceId: 'RLV-2026-1', aliases: [] })).not.toHaveProperty('aliases');
  });

  it('refuses with E_INTERNAL a finding whose record would not pass the OSV schema', () => {
    const broken: Finding = { ...base, ranges: [{ type: 'SEMVER', introduced: '' }] };
    let code: string | undefined;
    try {
      exportOf(broken);
    } catch (error) {
      code = isRedlineError(error) ? error.code : 'not a RedlineError';
    }
    expect(code).toBe('E_INTERNAL');
  });
});

describe('findingToOsv: round trip of SARIF findings', () => {
  it('keeps a vulnerability-id ruleId as an alias, so the fingerprint survives', () => {
    const [finding] = parseSarif(
      JSON.stringify({
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: 't', rules: [{ id: 'GHSA-7xq2-pw3c-9hfm' }] } },
            results: [
              {
                ruleId: 'GHSA-7xq2-pw3c-9hfm',
                message: { text: 'm' },
                properties: { purl: 'pkg:npm/left-pad@0.9.0', fixed: '1.0.0' },
              },
            ],
          },
        ],
      }),
      'ghsa.sarif',
    );
    expect(exportOf(finding!).aliases).toEqual(['GHSA-7xq2-pw3c-9hfm']);
    expect(fingerprintFinding(reparse(finding!))).toBe(fingerprintFinding(finding!));
  });

  it('reads a code finding back at the same location with the same fingerprint', () => {
    const [finding] = parseSarif(read('sqli.sarif.json'), 'sqli.sarif.json');
    const back = reparse(finding!);
    expect(back.evidence.location).toEqual({ uri: 'app/reports.py', startLine: 42 });
    expect(fingerprintFinding(back)).toBe(fingerprintFinding(finding!));
  });
});
