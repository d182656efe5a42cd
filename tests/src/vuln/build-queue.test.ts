import { describe, expect, it } from 'vitest';
import { buildQueue, type QueueSource } from '../../../src/vuln/build-queue.js';
import type { Finding } from '../../../src/vuln/finding.js';
import type { Triage } from '../../../src/vuln/triage.js';

const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8, automatable, total
const HIGH_PARTIAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'; // 7.5, automatable, partial

function finding(title: string, cvssVector: string | null): Finding {
  return {
    source: 'osv',
    sourceId: `OSV-2099-${title}`,
    title,
    details: '',
    package: { purl: 'pkg:npm/widget', ecosystem: 'npm', name: 'widget' },
    ranges: [{ type: 'SEMVER', introduced: '0', fixed: '2.0.0' }],
    cwe: [],
    cvssVector,
    evidence: {},
    aliases: [],
  };
}

function source(
  id: string,
  options: {
    vector?: string | null;
    triage?: Triage | null;
    reportedAt?: string;
    affected?: { participant: string; sector: string | null }[];
  } = {},
): QueueSource {
  return {
    id,
    state: 'triaged',
    reportedAt: options.reportedAt ?? '2026-03-01T00:00:00Z',
    finding: finding(id, options.vector === undefined ? CRITICAL : options.vector),
    triage: options.triage === undefined ? { exploitation: 'active' } : options.triage,
    affected: options.affected ?? [],
  };
}

const energy = [{ participant: 'alpha-grid', sector: 'energy' }];

describe('buildQueue', () => {
  it('gives an empty queue for no findings', () => {
    expect(buildQueue([])).toEqual([]);
  });

  it('orders by decision, then score (unscored last), then age, then id, ranking from 1', () => {
    const queue = buildQueue([
      source('track', { triage: null, vector: null }),
      source('attend-unscored', { vector: null, affected: energy }),
      source('attend-7.5', { vector: HIGH_PARTIAL }),
      source('attend-9.8-newer', { reportedAt: '2026-03-02T00:00:00Z' }),
      source('attend-9.8-older-b', { reportedAt: '2026-02-01T00:00:00Z' }),
      source('attend-9.8-older-a', { reportedAt: '2026-02-01T00:00:00Z' }),
      source('act', { affected: energy, reportedAt: '2026-04-01T00:00:00Z' }),
    ]);
    expect(queue.map((item) => [item.rank, item.id, item.decision, item.score])).toEqual([
      [1, 'act', 'act', 9.8],
      [2, 'attend-9.8-older-a', 'attend', 9.8],
      [3, 'attend-9.8-older-b', 'attend', 9.8],
      [4, 'attend-9.8-newer', 'attend', 9.8],
      [5, 'attend-7.5', 'attend', 7.5],
      [6, 'attend-unscored', 'attend', null],
      [7, 'track', 'track', null],
    ]);
  });

  it('does not depend on the input order', () => {
    const sources = [
      source('b', { vector: HIGH_PARTIAL }),
      source('a', { affected: energy }),
      source('c', { triage: null }),
    ];
    const forward = buildQueue(sources).map((item) => item.id);
    expect(buildQueue([...sources].reverse()).map((item) => item.id)).toEqual(forward);
    expect(forward).toEqual(['a', 'b', 'c']);
  });

  it('explains each item with its SSVC path and CVSS score', () => {
    const [item] = buildQueue([source('RLV-2026-1', { affected: energy })]);
    expect(item?.explanation).toContain(
      'exploitation active > automatable yes > technical impact total > mission & well-being high => act (CISA SSVC)',
    );
    expect(item?.explanation).toContain(`CVSS 3.1 base 9.8 (Critical) ${CRITICAL}`);
    expect(item?.explanation.startsWith('act: ')).toBe(true);
  });

  it('reports the item with its title, state, CVSS, SSVC inputs, sources and affected participants', () => {
    const [item] = buildQueue([
      source('RLV-2026-5', {
        vector: CRITICAL.replace('3.1', '3.0'),
        affected: [
          { participant: 'alpha-grid', sector: 'energy' },
          { participant: 'beta-unknown', sector: null },
        ],
      }),
    ]);
    expect(item).toMatchObject({
      rank: 1,
      id: 'RLV-2026-5',
      state: 'triaged',
      title: 'RLV-2026-5',
      reportedAt: '2026-03-01T00:00:00Z',
      decision: 'act',
      score: 9.8,
      cvss: { version: '3.0', severity: 'Critical', vector: CRITICAL.replace('3.1', '3.0') },
      ssvc: {
        exploitation: 'active',
        automatable: 'yes',
        technicalImpact: 'total',
        missionWellbeing: 'high',
      },
      affected: ['alpha-grid', 'beta-unknown'],
    });
    expect(item?.sources.exploitation).toBe('triage');
    expect(item?.sources.missionWellbeing).toContain('sectors: energy');
  });

  it('changes the decision with the sectors of the affected participants', () => {
    const [withEnergy] = buildQueue([source('x', { affected: energy })]);
    const [withNone] = buildQueue([source('x')]);
    const [withRetail] = buildQueue([source('x', { affected: [{ participant: 'shop', sector: 'retail' }] })]);
    const [withUnknownSector] = buildQueue([
      source('x', { affected: [{ participant: 'who', sector: null }] }),
    ]);
    expect(withEnergy?.decision).toBe('act');
    expect(withEnergy?.ssvc.missionWellbeing).toBe('high');
    expect(withNone?.decision).toBe('attend');
    expect(withNone?.ssvc.missionWellbeing).toBe('low');
    expect(withRetail?.decision).toBe('act'); // support + minimal -> medium; active/yes/total/medium -> act
    expect(withRetail?.ssvc.missionWellbeing).toBe('medium');
    expect(withUnknownSector?.decision).toBe('attend');
  });

  it('ranks a stored vector that no longer scores as unscored instead of throwing', () => {
    const queue = buildQueue([
      source('broken', { vector: 'CVSS:3.1/AV:N/AC:L', affected: energy }),
      source('fine', { vector: HIGH_PARTIAL }),
    ]);
    expect(queue.map((item) => [item.id, item.decision, item.score, item.cvss])).toEqual([
      ['fine', 'attend', 7.5, { version: '3.1', severity: 'High', vector: HIGH_PARTIAL }],
      ['broken', 'attend', null, null],
    ]);
    const broken = queue[1];
    expect(broken?.explanation).toContain('no CVSS score');
    // Without a usable vector the decision points fall back to their defaults.
    expect(broken?.sources.automatable).toBe('default (no CVSS vector)');
    expect(broken?.ssvc.automatable).toBe('no');
  });
});
