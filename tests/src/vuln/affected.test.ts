import { describe, expect, it } from 'vitest';
import {
  findAffectedItems,
  findAffectedParticipants,
  isVersionAffected,
  type InventoryItem,
} from '../../../src/vuln/affected.js';
import { canonicalPurl, splitVersionedPurl } from '../../../src/vuln/purl.js';
import type { AffectedRange, Finding } from '../../../src/vuln/finding.js';
import { errorOf } from '../../helpers/error-of.js';

/** A package finding with the given ranges and listed versions. */
function finding(ranges: AffectedRange[], versions?: string[], purl = 'pkg:npm/%40acme/widget'): Finding {
  return {
    source: 'osv',
    sourceId: 'OSV-2099-1',
    title: 'Widget overflow',
    details: '',
    package: { purl, ecosystem: 'npm', name: '@acme/widget' },
    ranges,
    ...(versions === undefined ? {} : { versions }),
    cwe: [],
    cvssVector: null,
    evidence: {},
    aliases: [],
  };
}

const semverRange = (bounds: Omit<AffectedRange, 'type'>): AffectedRange => ({ type: 'SEMVER', ...bounds });

describe('splitVersionedPurl', () => {
  it('splits a scoped npm purl, keeping the percent-encoded scope', () => {
    expect(splitVersionedPurl('pkg:npm/%40acme/widget@1.4.2', '--purl')).toEqual({
      purl: 'pkg:npm/%40acme/widget',
      version: '1.4.2',
    });
  });

  it('encodes an unencoded @ scope the canonical way', () => {
    expect(splitVersionedPurl('pkg:npm/@acme/widget@1.4.2', '--purl').purl).toBe('pkg:npm/%40acme/widget');
  });

  it('decodes a percent-encoded version', () => {
    expect(splitVersionedPurl('pkg:maven/org.acme/core@1.0%2Bbuild.7', '--purl')).toEqual({
      purl: 'pkg:maven/org.acme/core',
      version: '1.0+build.7',
    });
  });

  it('drops qualifiers and subpath', () => {
    expect(splitVersionedPurl('pkg:npm/%40acme/widget@2.0.0?arch=x64&os=linux#lib/index.js', 'item')).toEqual(
      { purl: 'pkg:npm/%40acme/widget', version: '2.0.0' },
    );
  });

  it('normalises the name as packageurl-js does (PyPI lower-case, _ to -)', () => {
    expect(splitVersionedPurl('pkg:pypi/Django_Rest@3.1', 'item').purl).toBe('pkg:pypi/django-rest');
  });

  it('gives an undefined version when there is none, or it is empty', () => {
    expect(splitVersionedPurl('pkg:npm/lodash', 'item').version).toBeUndefined();
    expect(splitVersionedPurl('pkg:npm/lodash', 'item').purl).toBe('pkg:npm/lodash');
    expect(splitVersionedPurl('pkg:npm/lodash@', 'item').version).toBeUndefined();
  });

  it('refuses text that is not a purl with E_USAGE naming the field and the text', () => {
    for (const text of ['lodash@4.17.21', '', 'pkg:', 'https://example.invalid/x']) {
      const error = errorOf(() => splitVersionedPurl(text, '--purl'));
      expect(error?.code).toBe('E_USAGE');
      expect(error?.message.startsWith('--purl: ')).toBe(true);
      expect(error?.message).toContain(JSON.stringify(text));
    }
  });
});

describe('canonicalPurl', () => {
  it('keeps type, namespace and name only', () => {
    expect(canonicalPurl('pkg:generic/tool@1.0?ecosystem=Debian#x')).toBe('pkg:generic/tool');
    expect(canonicalPurl('pkg:golang/github.com/acme/tunnelkit@v1.2.0')).toBe(
      'pkg:golang/github.com/acme/tunnelkit',
    );
  });
});

describe('isVersionAffected', () => {
  const fixed = finding([semverRange({ introduced: '1.2.0', fixed: '1.4.0' })]);

  it('includes introduced and excludes fixed', () => {
    expect(isVersionAffected(fixed, '1.1.9')).toBe(false);
    expect(isVersionAffected(fixed, '1.2.0')).toBe(true);
    expect(isVersionAffected(fixed, '1.3.99')).toBe(true);
    expect(isVersionAffected(fixed, '1.4.0')).toBe(false);
    expect(isVersionAffected(fixed, '1.4.1')).toBe(false);
  });

  it('counts a prerelease of the fixed version as affected and one of introduced as not', () => {
    expect(isVersionAffected(fixed, '1.4.0-rc.1')).toBe(true);
    expect(isVersionAffected(fixed, '1.2.0-beta.1')).toBe(false);
  });

  it('includes lastAffected', () => {
    const last = finding([semverRange({ introduced: '1.0.0', lastAffected: '1.8.2' })]);
    expect(isVersionAffected(last, '1.8.2')).toBe(true);
    expect(isVersionAffected(last, '1.8.3')).toBe(false);
    expect(isVersionAffected(last, '0.9.9')).toBe(false);
  });

  it('reads an introduced of "0" or none as from the first version', () => {
    for (const range of [semverRange({ introduced: '0', fixed: '2.0.0' }), semverRange({ fixed: '2.0.0' })]) {
      const f = finding([range]);
      expect(isVersionAffected(f, '0.0.0')).toBe(true);
      expect(isVersionAffected(f, '0.0.1-alpha')).toBe(true);
      expect(isVersionAffected(f, '1.9.9')).toBe(true);
      expect(isVersionAffected(f, '2.0.0')).toBe(false);
    }
  });

  it('reads a range with neither fixed nor lastAffected as every version from introduced on', () => {
    const open = finding([semverRange({ introduced: '3.0.0' })]);
    expect(isVersionAffected(open, '2.99.99')).toBe(false);
    expect(isVersionAffected(open, '3.0.0')).toBe(true);
    expect(isVersionAffected(open, '999.0.0')).toBe(true);
  });

  it('matches any one of several ranges and nothing in the gaps', () => {
    const f = finding([
      semverRange({ introduced: '0', fixed: '1.2.0' }),
      semverRange({ introduced: '1.5.0', lastAffected: '1.8.2' }),
    ]);
    expect(isVersionAffected(f, '1.1.0')).toBe(true);
    expect(isVersionAffected(f, '1.2.0')).toBe(false);
    expect(isVersionAffected(f, '1.4.9')).toBe(false);
    expect(isVersionAffected(f, '1.5.0')).toBe(true);
    expect(isVersionAffected(f, '1.8.2')).toBe(true);
    expect(isVersionAffected(f, '1.9.0')).toBe(false);
  });

  it('matches a listed version exactly, even outside every range and when not SemVer', () => {
    const f = finding([semverRange({ introduced: '2.0.0', fixed: '2.1.0' })], ['1.0', '1.5.0-weird+x']);
    expect(isVersionAffected(f, '1.0')).toBe(true);
    expect(isVersionAffected(f, '1.5.0-weird+x')).toBe(true);
    expect(isVersionAffected(f, '1.0.0')).toBe(false);
  });

  it('matches nothing with no ranges and no listed versions', () => {
    expect(isVersionAffected(finding([]), '1.0.0')).toBe(false);
  });

  it('cleans v-prefixed versions and bounds', () => {
    const f = finding([semverRange({ introduced: 'v1.0.0', fixed: 'v2.4.1' })]);
    expect(isVersionAffected(f, 'v1.2.3')).toBe(true);
    expect(isVersionAffected(f, '1.2.3')).toBe(true);
    expect(isVersionAffected(f, 'v2.4.1')).toBe(false);
    expect(isVersionAffected(f, '=2.4.0')).toBe(true);
  });

  it('never matches a version that is not SemVer through a range', () => {
    const f = finding([semverRange({ introduced: '0' })]);
    expect(isVersionAffected(f, '1.0')).toBe(false);
    expect(isVersionAffected(f, 'latest')).toBe(false);
  });

  it('compares ECOSYSTEM ranges with SemVer bounds as SemVer', () => {
    const f = finding([{ type: 'ECOSYSTEM', introduced: '1.0.0', fixed: '1.4.2' }]);
    expect(isVersionAffected(f, '1.4.1')).toBe(true);
    expect(isVersionAffected(f, '1.4.2')).toBe(false);
  });

  it('matches an ECOSYSTEM range with non-SemVer bounds only through listed versions', () => {
    const ranges: AffectedRange[] = [{ type: 'ECOSYSTEM', introduced: '1.0', fixed: '1.4.post1' }];
    expect(isVersionAffected(finding(ranges), '1.2.0')).toBe(false);
    expect(isVersionAffected(finding(ranges, ['1.2']), '1.2')).toBe(true);
    expect(isVersionAffected(finding(ranges, ['1.2']), '1.2.0')).toBe(false);
    // One non-SemVer bound is enough to set the range aside.
    const lastOnly: AffectedRange[] = [{ type: 'ECOSYSTEM', introduced: '1.0.0', lastAffected: '1:2.0-3' }];
    expect(isVersionAffected(finding(lastOnly), '1.5.0')).toBe(false);
  });

  it('never matches a GIT range by range, even with SemVer-looking bounds', () => {
    const git: AffectedRange[] = [
      { type: 'GIT', introduced: '1.0.0', fixed: '2.0.0', repo: 'https://example.invalid/acme/widget' },
    ];
    expect(isVersionAffected(finding(git), '1.5.0')).toBe(false);
    expect(isVersionAffected(finding(git, ['1.5.0']), '1.5.0')).toBe(true);
  });
});

describe('findAffectedItems and findAffectedParticipants', () => {
  const widget = finding([semverRange({ introduced: '1.0.0', fixed: '1.4.0' })]);
  const inventory: InventoryItem[] = [
    { participant: 'zeta-water', purl: 'pkg:npm/%40acme/widget', version: '1.3.0' },
    { participant: 'alpha-grid', purl: 'pkg:npm/%40acme/widget', version: '1.0.0' },
    { participant: 'alpha-grid', purl: 'pkg:npm/%40acme/widget', version: '1.1.0' },
    { participant: 'beta-bank', purl: 'pkg:npm/%40acme/widget', version: '1.4.0' },
    { participant: 'gamma-health', purl: 'pkg:npm/%40other/widget', version: '1.3.0' },
    { participant: 'delta-rail', purl: 'pkg:npm/widget', version: '1.3.0' },
    { participant: 'eps-telco', purl: 'pkg:pypi/widget', version: '1.3.0' },
  ];

  it('returns the inventory items running an affected version of the same package', () => {
    expect(findAffectedItems(widget, inventory)).toEqual([
      { participant: 'zeta-water', purl: 'pkg:npm/%40acme/widget', version: '1.3.0' },
      { participant: 'alpha-grid', purl: 'pkg:npm/%40acme/widget', version: '1.0.0' },
      { participant: 'alpha-grid', purl: 'pkg:npm/%40acme/widget', version: '1.1.0' },
    ]);
  });

  it('matches by canonical purl, ignoring qualifiers and subpath on the finding', () => {
    const qualified = finding(widget.ranges, undefined, 'pkg:npm/%40acme/widget?repository_url=x#lib');
    expect(findAffectedItems(qualified, inventory).map((i) => i.participant)).toEqual([
      'zeta-water',
      'alpha-grid',
      'alpha-grid',
    ]);
    const generic = finding(
      [semverRange({ introduced: '0' })],
      undefined,
      'pkg:generic/acme-tool?ecosystem=Debian%3A12',
    );
    expect(
      findAffectedItems(generic, [{ participant: 'p', purl: 'pkg:generic/acme-tool', version: '1.0.0' }]),
    ).toHaveLength(1);
  });

  it('gives participants sorted and without duplicates, named ones added', () => {
    expect(findAffectedParticipants(widget, inventory)).toEqual(['alpha-grid', 'zeta-water']);
    expect(findAffectedParticipants(widget, inventory, ['zeta-water', 'omega-gov', 'beta-bank'])).toEqual([
      'alpha-grid',
      'beta-bank',
      'omega-gov',
      'zeta-water',
    ]);
  });

  it('gives nothing for an empty inventory unless participants are named', () => {
    expect(findAffectedParticipants(widget, [])).toEqual([]);
    expect(findAffectedParticipants(widget, [], ['b', 'a', 'b'])).toEqual(['a', 'b']);
  });

  it('matches no inventory item for a code finding (no package): only the named participants', () => {
    const code: Finding = { ...widget, source: 'sarif', sourceId: 'js/sql-injection' };
    delete code.package;
    code.evidence = { location: { uri: 'src/db/query.js', startLine: 42 } };
    expect(findAffectedItems(code, inventory)).toEqual([]);
    expect(findAffectedParticipants(code, inventory, ['omega-gov'])).toEqual(['omega-gov']);
  });

  it('matches nothing when the finding purl is one packageurl-js refuses', () => {
    const bad = finding(widget.ranges, undefined, 'not a purl');
    expect(findAffectedItems(bad, inventory)).toEqual([]);
  });
});

describe('isVersionAffected: prereleases', () => {
  it('counts prereleases of 0.0.0 as after introduced "0"', () => {
    const finding = {
      source: 'osv',
      sourceId: 'OSV-2099-1',
      title: 't',
      details: '',
      ranges: [{ type: 'SEMVER', introduced: '0', fixed: '1.0.0' }],
      cwe: [],
      cvssVector: null,
      evidence: {},
      aliases: [],
    } as const satisfies Finding;
    expect(isVersionAffected(finding, '0.0.0-alpha')).toBe(true);
    expect(isVersionAffected(finding, '1.0.0-rc.1')).toBe(true);
    expect(isVersionAffected(finding, '1.0.0')).toBe(false);
  });
});
