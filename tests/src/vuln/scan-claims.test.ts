import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import {
  claimsConflict,
  findConflicts,
  validateScanClaim,
  type ClaimScope,
  type ScanClaim,
} from '../../../src/vuln/scan-claims.js';

const DAY_1 = '2030-01-01T00:00:00Z';
const DAY_2 = '2030-01-02T00:00:00Z';
const DAY_3 = '2030-01-03T00:00:00Z';

const claim = (participant: string, scope: ClaimScope, from = DAY_1, to = DAY_2): ScanClaim => ({
  participant,
  scope,
  from,
  to,
});

/** True when scopes `a` and `b`, held by different participants at the same time, conflict. */
const overlaps = (a: ClaimScope, b: ClaimScope): boolean => claimsConflict(claim('red', a), claim('blue', b));

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isRedlineError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('claimsConflict: time and participants', () => {
  const scope = { host: 'db1.lab.example' };

  it('conflicts for different participants with overlapping times', () => {
    expect(claimsConflict(claim('red', scope, DAY_1, DAY_3), claim('blue', scope, DAY_2, DAY_3))).toBe(true);
  });

  it('does not conflict for adjacent times (half-open intervals)', () => {
    expect(claimsConflict(claim('red', scope, DAY_1, DAY_2), claim('blue', scope, DAY_2, DAY_3))).toBe(false);
    expect(claimsConflict(claim('red', scope, DAY_2, DAY_3), claim('blue', scope, DAY_1, DAY_2))).toBe(false);
  });

  it('compares times across zones as instants', () => {
    const a = claim('red', scope, DAY_1, '2030-01-01T12:00:00+02:00'); // ends 10:00Z
    expect(claimsConflict(a, claim('blue', scope, '2030-01-01T10:00:00Z', DAY_2))).toBe(false);
    expect(claimsConflict(a, claim('blue', scope, '2030-01-01T09:59:59Z', DAY_2))).toBe(true);
  });

  it('does not conflict with the same participant', () => {
    expect(claimsConflict(claim('red', scope), claim('red', scope))).toBe(false);
  });
});

describe('claimsConflict: package scopes', () => {
  const lodash = (range?: string): ClaimScope =>
    range === undefined ? { purl: 'pkg:npm/lodash' } : { purl: 'pkg:npm/lodash', range };

  it('conflicts for intersecting ranges of the same package', () => {
    expect(overlaps(lodash('>=4.0.0 <4.17.21'), lodash('>=4.17.0'))).toBe(true);
    expect(overlaps(lodash('^4.17.0'), lodash())).toBe(true);
  });

  it('does not conflict for adjacent ranges', () => {
    expect(overlaps(lodash('<4.17.21'), lodash('>=4.17.21'))).toBe(false);
    expect(overlaps(lodash('>=4.0.0 <4.17.21'), lodash('>=4.17.21 <5.0.0'))).toBe(false);
  });

  it('does not conflict for different packages, namespaces or types', () => {
    expect(overlaps(lodash(), { purl: 'pkg:npm/lodash-es' })).toBe(false);
    expect(overlaps({ purl: 'pkg:npm/%40acme/lodash' }, lodash())).toBe(false);
    expect(overlaps({ purl: 'pkg:pypi/lodash' }, lodash())).toBe(false);
    expect(overlaps(lodash(), { host: 'lodash' })).toBe(false);
  });

  it('compares packages as packageurl-js normalises them', () => {
    expect(overlaps({ purl: 'pkg:pypi/Acme_Tool' }, { purl: 'pkg:pypi/acme-tool' })).toBe(true);
  });
});

describe('claimsConflict: hosts and CIDR', () => {
  it('conflicts for identical host names, case and trailing dot aside', () => {
    expect(overlaps({ host: 'db1.lab.example' }, { host: 'DB1.lab.example.' })).toBe(true);
    expect(overlaps({ host: 'db1.lab.example' }, { host: 'db2.lab.example' })).toBe(false);
  });

  it('contains an IPv4 host in a prefix, and not just outside it', () => {
    expect(overlaps({ cidr: '10.20.0.0/16' }, { host: '10.20.255.255' })).toBe(true);
    expect(overlaps({ cidr: '10.20.0.0/16' }, { host: '10.21.0.0' })).toBe(false);
    expect(overlaps({ cidr: '10.20.0.0/16' }, { host: '10.19.255.255' })).toBe(false);
  });

  it('does not put a host name inside a prefix (names are not resolved)', () => {
    expect(overlaps({ cidr: '0.0.0.0/0' }, { host: 'db1.lab.example' })).toBe(false);
  });

  it('intersects nested prefixes and keeps disjoint ones apart', () => {
    expect(overlaps({ cidr: '10.20.0.0/16' }, { cidr: '10.20.128.0/17' })).toBe(true);
    expect(overlaps({ cidr: '10.20.128.0/17' }, { cidr: '10.0.0.0/8' })).toBe(true);
    expect(overlaps({ cidr: '10.20.0.0/17' }, { cidr: '10.20.128.0/17' })).toBe(false);
    expect(overlaps({ cidr: '0.0.0.0/0' }, { cidr: '192.0.2.7/32' })).toBe(true);
    expect(overlaps({ cidr: '192.0.2.6/32' }, { cidr: '192.0.2.7/32' })).toBe(false);
  });

  it('handles IPv6 prefixes, compressed forms and hosts', () => {
    expect(overlaps({ cidr: '2001:db8::/32' }, { cidr: '2001:db8:ab00::/40' })).toBe(true);
    expect(overlaps({ cidr: '2001:db8::/33' }, { cidr: '2001:db8:8000::/33' })).toBe(false);
    expect(overlaps({ cidr: '2001:db8::/32' }, { host: '2001:DB8:0:0:0:0:0:1' })).toBe(true);
    expect(overlaps({ cidr: '2001:db8::/32' }, { host: '2001:db9::1' })).toBe(false);
    expect(overlaps({ host: '::1' }, { host: '0:0:0:0:0:0:0:1' })).toBe(true);
    expect(overlaps({ host: '[fe80::1]' }, { cidr: 'fe80::/10' })).toBe(true);
    expect(overlaps({ cidr: '::/0' }, { cidr: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128' })).toBe(true);
  });

  it('treats an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(overlaps({ host: '::ffff:10.20.1.2' }, { cidr: '10.20.0.0/16' })).toBe(true);
    expect(overlaps({ host: '::ffff:a14:102' }, { host: '10.20.1.2' })).toBe(true);
    expect(overlaps({ cidr: '2001:db8::/32' }, { cidr: '10.0.0.0/8' })).toBe(false);
  });
});

describe('findConflicts', () => {
  it('lists the conflicting claims with their holders and the shared time', () => {
    const existing = [
      claim('blue', { cidr: '10.20.0.0/16' }, DAY_1, DAY_3),
      claim('green', { cidr: '10.30.0.0/16' }, DAY_1, DAY_3),
      claim('red', { cidr: '10.20.0.0/16' }, DAY_1, DAY_3),
      claim('gold', { host: '10.20.5.5' }, DAY_1, DAY_2),
    ];
    const conflicts = findConflicts(
      claim('red', { cidr: '10.20.0.0/20' }, '2030-01-01T12:00:00Z', DAY_3),
      existing,
    );
    expect(conflicts).toEqual([
      {
        index: 0,
        holder: 'blue',
        claim: existing[0],
        overlap: { from: '2030-01-01T12:00:00.000Z', to: '2030-01-03T00:00:00.000Z' },
      },
      {
        index: 3,
        holder: 'gold',
        claim: existing[3],
        overlap: { from: '2030-01-01T12:00:00.000Z', to: '2030-01-02T00:00:00.000Z' },
      },
    ]);
  });
});

describe('validateScanClaim', () => {
  const bad: Array<[string, ScanClaim]> = [
    ['a bad purl', claim('red', { purl: 'lodash' })],
    ['a purl with a version', claim('red', { purl: 'pkg:npm/lodash@4.17.20' })],
    ['a bad range', claim('red', { purl: 'pkg:npm/lodash', range: 'newest' })],
    ['an empty range', claim('red', { purl: 'pkg:npm/lodash', range: '' })],
    ['a range matching nothing', claim('red', { purl: 'pkg:npm/lodash', range: '>=2.0.0 <1.0.0' })],
    ['host bits set', claim('red', { cidr: '10.20.1.0/16' })],
    ['a prefix too long', claim('red', { cidr: '10.0.0.0/33' })],
    ['an IPv6 prefix too long', claim('red', { cidr: '2001:db8::/129' })],
    ['no prefix length', claim('red', { cidr: '10.0.0.0' })],
    ['an octet over 255', claim('red', { cidr: '10.256.0.0/16' })],
    ['a leading-zero octet', claim('red', { host: '010.0.0.1' })],
    ['two "::"', claim('red', { host: '2001::db8::1' })],
    ['nine IPv6 groups', claim('red', { cidr: '1:2:3:4:5:6:7:8:9/128' })],
    ['a bad host name', claim('red', { host: 'db 1.lab' })],
    ['from equal to to', claim('red', { host: 'a.example' }, DAY_1, DAY_1)],
    ['from after to', claim('red', { host: 'a.example' }, DAY_2, DAY_1)],
    ['a time without zone', claim('red', { host: 'a.example' }, '2030-01-01T00:00:00', DAY_2)],
    ['an impossible date', claim('red', { host: 'a.example' }, '2030-02-30T00:00:00Z', DAY_2)],
    ['an empty participant', claim(' ', { host: 'a.example' })],
  ];
  for (const [what, value] of bad) {
    it(`rejects ${what} with E_USAGE`, () => {
      expect(codeOf(() => validateScanClaim(value))).toBe('E_USAGE');
    });
  }

  it('rejects a scope with two kinds', () => {
    const scope = { host: 'a.example', cidr: '10.0.0.0/8' } as unknown as ClaimScope;
    expect(codeOf(() => validateScanClaim(claim('red', scope)))).toBe('E_USAGE');
  });

  it('accepts valid claims and validates existing claims in findConflicts', () => {
    expect(codeOf(() => validateScanClaim(claim('red', { cidr: '::ffff:10.0.0.0/104' })))).toBeUndefined();
    expect(
      codeOf(() => findConflicts(claim('red', { host: 'a.example' }), [claim('b', { cidr: 'x/8' })])),
    ).toBe('E_USAGE');
  });
});
