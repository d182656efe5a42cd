import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { rateCvssSeverity, scoreCvss } from '../../../src/vuln/cvss.js';
import { codeOf } from '../../helpers/error-of.js';

// FIRST, "Common Vulnerability Scoring System v3.1: Examples" (first.org/cvss/v3.1/examples): [source, vector, base].
const V31_EXAMPLES: readonly (readonly [string, string, number])[] = [
  ['CVE-2013-1937 phpMyAdmin reflected XSS', 'AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
  ['CVE-2013-0375 MySQL stored SQL injection', 'AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4],
  ['CVE-2014-3566 SSLv3 POODLE', 'AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1],
  ['CVE-2012-1516 VMware guest-to-host escape', 'AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9],
  ['CVE-2009-0783 Apache Tomcat XML parser', 'AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.2],
  ['CVE-2012-0384 Cisco IOS command injection', 'AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.8],
  ['CVE-2015-1098 iWork denial of service', 'AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8],
  ['CVE-2014-0160 OpenSSL Heartbleed', 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5],
  ['CVE-2014-6271 GNU Bash Shellshock', 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
  ['CVE-2008-1447 DNS Kaminsky bug', 'AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N', 6.8],
  ['CVE-2014-2005 Sophos login screen bypass', 'AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 6.8],
  ['CVE-2010-0467 Joomla directory traversal', 'AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N', 5.8],
  ['CVE-2013-6014 Juniper proxy ARP denial of service', 'AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H', 9.3],
  ['CVE-2014-9253 DokuWiki reflected XSS', 'AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N', 5.4],
  ['CVE-2011-1265 Microsoft Windows Bluetooth RCE', 'AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 8.8],
  ['CVE-2014-2019 Apple iOS security control bypass', 'AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N', 4.6],
  ['CVE-2015-0970 SearchBlox CSRF', 'AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8],
  ['CVE-2014-0224 OpenSSL CCS injection', 'AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N', 7.4],
  ['CVE-2012-5376 Chrome sandbox bypass', 'AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 9.6],
];

// FIRST, "Common Vulnerability Scoring System v4.0: Examples" (first.org/cvss/v4.0/examples) and the FIRST v4.0
// calculator: CVSS-B rows only (no threat or environmental metrics), so the published score is the base score.
const V40_EXAMPLES: readonly (readonly [string, string, number])[] = [
  [
    'FIRST v4.0 calculator default vector, also on the v4.0 Examples page',
    'AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    9.3,
  ],
  [
    'v4.0 Examples page (published with E:A, which leaves CVSS-B unchanged)',
    'AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H',
    10,
  ],
  ['v4.0 spec: no impact at all scores 0.0', 'AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0],
  [
    'v4.0 Examples: CVE-2022-41741 nginx mp4 module',
    'AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    7.3,
  ],
  [
    'v4.0 Examples: CVE-2020-3549 Cisco FMC sftunnel',
    'AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    7.7,
  ],
  ['v4.0 Examples page', 'AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N', 8.3],
  ['v4.0 Examples page', 'AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', 4.6],
  ['v4.0 Examples page', 'AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N', 5.1],
  ['v4.0 Examples page', 'AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N', 5.9],
  ['v4.0 Examples page', 'AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 9.4],
  ['v4.0 Examples page', 'AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H', 6.4],
  ['v4.0 Examples page', 'AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 8.6],
  ['v4.0 Examples page', 'AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N', 7.1],
  ['v4.0 Examples page', 'AV:P/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 5.4],
  ['v4.0 Examples page', 'AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N', 6.9],
  ['v4.0 Examples page', 'AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N', 6.9],
  // Supplemental metrics never change the score.
  ['v4.0 Examples page', 'AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/S:P', 8.6],
];

describe('scoreCvss', () => {
  it.each(V31_EXAMPLES)('scores FIRST v3.1 example %s', (_source, metrics, expected) => {
    const result = scoreCvss(`CVSS:3.1/${metrics}`);
    expect(result.base).toBe(expected);
    expect(result.version).toBe('3.1');
    expect(result.declaredVersion).toBe('3.1');
    expect(result.severity).toBe(rateCvssSeverity(expected));
    expect(result.vector).toBe(`CVSS:3.1/${metrics}`);
  });

  it.each(V40_EXAMPLES)('scores FIRST v4.0 example (%s) %s', (_source, metrics, expected) => {
    const result = scoreCvss(`CVSS:4.0/${metrics}`);
    expect(result.base).toBe(expected);
    expect(result.version).toBe('4.0');
    expect(result.declaredVersion).toBe('4.0');
    expect(result.vector).toBe(`CVSS:4.0/${metrics}`);
  });

  it('rates the severity of the published examples', () => {
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H').severity).toBe('Critical');
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N').severity).toBe('High');
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N').severity).toBe('Medium');
    expect(scoreCvss('CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N').severity).toBe('Low');
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N').severity).toBe(
      'None',
    );
  });

  it('scores a CVSS:3.0 vector with the v3.1 calculator and says so', () => {
    const result = scoreCvss('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
    expect(result).toEqual({
      version: '3.1',
      declaredVersion: '3.0',
      base: 9.8,
      severity: 'Critical',
      vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    });
  });

  it('returns the base score, not the threat or temporal score', () => {
    // FIRST v4.0 Examples: this vector with E:U is published as CVSS-BT 5.2; its CVSS-B is 7.7.
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U').base).toBe(7.7);
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R').base).toBe(9.8);
  });

  it('normalises metric order, drops Not Defined values and keeps optional metrics', () => {
    const result = scoreCvss(' CVSS:3.1/E:X/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/RL:O ');
    expect(result.vector).toBe('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/RL:O');
    expect(result.base).toBe(9.8);
    const v4 = scoreCvss('CVSS:4.0/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N/U:Red/E:X');
    expect(v4.vector).toBe('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Red');
    expect(v4.base).toBe(9.3);
  });

  it.each([
    ['missing base metric (v3.1)', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L'],
    ['missing base metric (v4.0)', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N'],
    ['X for a base metric', 'CVSS:3.1/AV:X/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'],
    ['X for a v4.0 base metric', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:X'],
    ['unknown value', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:Q'],
    ['v4.0 value in a v3.1 vector', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:P/S:U/C:H/I:H/A:H'],
    ['lower-case value', 'CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
    ['unknown metric', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/FOO:B'],
    ['v4.0 metric in a v3.1 vector', 'CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H'],
    ['v3.1 vector under a v4.0 prefix', 'CVSS:4.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'],
    ['repeated metric', 'CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'],
    ['no prefix', 'AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'],
    ['unsupported version', 'CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P'],
    ['lower-case prefix', 'cvss:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'],
    ['trailing slash', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/'],
    ['empty part', 'CVSS:3.1/AV:N//AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'],
    ['prefix only', 'CVSS:3.1/'],
    ['garbage', 'garbage'],
    ['empty string', ''],
  ])('rejects a vector with %s as E_MALFORMED', (_why, vector) => {
    expect(codeOf(() => scoreCvss(vector))).toBe('E_MALFORMED');
  });

  it('names the vector in the error details', () => {
    const vector = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L';
    try {
      scoreCvss(vector);
      expect.unreachable();
    } catch (error) {
      expect(isRedlineError(error, 'E_MALFORMED') && error.details).toEqual({ vector });
    }
  });
});

describe('rateCvssSeverity', () => {
  it.each([
    [0, 'None'],
    [0.1, 'Low'],
    [3.9, 'Low'],
    [4, 'Medium'],
    [6.9, 'Medium'],
    [7, 'High'],
    [8.9, 'High'],
    [9, 'Critical'],
    [10, 'Critical'],
  ])('rates %s as %s (FIRST qualitative scale)', (score, severity) => {
    expect(rateCvssSeverity(score)).toBe(severity);
  });

  it.each([-0.1, 10.1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %s as E_USAGE', (score) => {
    expect(codeOf(() => rateCvssSeverity(score))).toBe('E_USAGE');
  });
});
