import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/vuln/finding.js';
import { fingerprintBasis, fingerprintFinding, mergeFindings } from '../../../src/vuln/fingerprint.js';
import { parseOsv } from '../../../src/vuln/parse-osv.js';
import { parseSarif } from '../../../src/vuln/parse-sarif.js';

const FIXTURES = 'tests/fixtures/vuln';
const read = (name: string): string => readFileSync(`${FIXTURES}/${name}`, 'utf8');

const [osvNpm, osvPypi] = parseOsv(read('osv-two-packages.json'), 'osv-two-packages.json') as [
  Finding,
  Finding,
];
const [pysecPypi, goModule] = parseOsv(read('osv-array.json'), 'osv-array.json') as [Finding, Finding];
const [sarifCode, sarifNpm] = parseSarif(read('sarif-two-results.json'), 'sarif-two-results.json') as [
  Finding,
  Finding,
];

describe('fingerprintFinding', () => {
  it('is a hex SHA-256 that ignores alias order', () => {
    expect(fingerprintFinding(osvNpm)).toMatch(/^[0-9a-f]{64}$/);
    const reordered = { ...pysecPypi, aliases: [...pysecPypi.aliases].reverse() };
    expect(fingerprintFinding(reordered)).toBe(fingerprintFinding(pysecPypi));
  });

  it('matches an OSV record and a SARIF result of the same package vulnerability', () => {
    // SARIF spells the range "0.0.0" .. "v2.4.1" and the purl with a version; OSV says "0" .. "2.4.1".
    expect(fingerprintFinding(sarifNpm)).toBe(fingerprintFinding(osvNpm));
  });

  it('matches records of two OSV databases that share the CVE', () => {
    // GHSA-... with alias CVE vs PYSEC-... with aliases GHSA + CVE; purl given vs built from an odd name.
    expect(fingerprintBasis(pysecPypi)).toEqual(fingerprintBasis(osvPypi));
    expect(fingerprintFinding(pysecPypi)).toBe(fingerprintFinding(osvPypi));
  });

  it('differs for another package, another id, or other ranges', () => {
    const base = fingerprintFinding(osvNpm);
    expect(fingerprintFinding(osvPypi)).not.toBe(base);
    expect(fingerprintFinding({ ...osvNpm, aliases: ['CVE-2099-0999'] })).not.toBe(base);
    expect(
      fingerprintFinding({ ...osvNpm, ranges: [{ type: 'SEMVER', introduced: '0', fixed: '2.4.2' }] }),
    ).not.toBe(base);
    expect(fingerprintFinding(goModule)).not.toBe(base);
  });

  it('keys a code finding by file, CWE and normalised title when it has no vulnerability id', () => {
    const restated: Finding = {
      ...sarifCode,
      title: '  DATABASE query built from user-controlled sources. ',
      evidence: { location: { uri: './src/db/query.js', startLine: 57 } },
    };
    expect(fingerprintFinding(restated)).toBe(fingerprintFinding(sarifCode));
    expect(fingerprintFinding({ ...restated, cwe: ['CWE-79'] })).not.toBe(fingerprintFinding(sarifCode));
    expect(fingerprintFinding({ ...restated, evidence: { location: { uri: 'src/db/other.js' } } })).not.toBe(
      fingerprintFinding(sarifCode),
    );
  });
});

describe('mergeFindings', () => {
  it('keeps one finding and credits both reporters when the same vulnerability is reported twice', () => {
    const { isMerged, record } = mergeFindings(
      { finding: osvNpm, reporters: ['alpha'] },
      { finding: sarifNpm, reporters: ['bravo', 'alpha'] },
    );
    expect(isMerged).toBe(true);
    expect(record.reporters).toEqual(['alpha', 'bravo']);
    expect(record.finding.source).toBe('osv');
    expect(record.finding.sourceId).toBe('GHSA-7xq2-pw3c-9hfm');
    expect(record.finding.aliases).toEqual(['CVE-2099-0101']);
    expect(record.finding.cwe).toEqual(['CWE-400', 'CWE-1333']);
    // What only the SARIF report had is added.
    expect(record.finding.versions).toEqual(['2.3.0']);
    expect(record.finding.evidence.location).toEqual({ uri: 'package-lock.json' });
    expect(fingerprintFinding(record.finding)).toBe(fingerprintFinding(osvNpm));
  });

  it('adds the other database id as an alias when two OSV records merge', () => {
    const { isMerged, record } = mergeFindings(
      { finding: osvPypi, reporters: ['alpha'] },
      { finding: pysecPypi, reporters: ['charlie'] },
    );
    expect(isMerged).toBe(true);
    expect(record.finding.aliases).toEqual(['CVE-2099-0101', 'PYSEC-2099-11']);
    expect(record.reporters).toEqual(['alpha', 'charlie']);
  });

  it('does not merge different packages or different vulnerabilities', () => {
    const existing = { finding: osvNpm, reporters: ['alpha'] };
    for (const finding of [osvPypi, goModule, sarifCode]) {
      const outcome = mergeFindings(existing, { finding, reporters: ['bravo'] });
      expect(outcome.isMerged).toBe(false);
      expect(outcome.record).toBe(existing);
    }
  });
});
