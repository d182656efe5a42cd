import { describe, expect, it } from 'vitest';
import {
  ADVISORY_PREDICATE_TYPE,
  checkAdvisoryPredicate,
  isEmbargoed,
  type AdvisoryPredicate,
} from '../../../src/vuln/advisory.js';
import { errorOf } from '../../helpers/error-of.js';

const KEY_ID = 'ab'.repeat(32);

function advisory(): AdvisoryPredicate {
  return {
    advisoryId: 'ADV-RLV-2026-1-alpha-grid-1',
    findingId: 'RLV-2026-1',
    participant: 'alpha-grid',
    recipients: [KEY_ID],
    operator: 'clearinghouse-op',
    issuedAt: '2026-05-01T00:00:00Z',
    embargoUntil: '2026-06-01T00:00:00Z',
    decision: {
      ssvc: 'act',
      explanation: 'act: exploitation active > ... => act (CISA SSVC); CVSS 3.1 base 9.8 (Critical)',
      cvss: { base: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
    },
    osv: { id: 'RLV-2026-1', schema_version: '1.6.0', summary: 'extra OSV fields are allowed' } as {
      id: string;
    },
    affectedVersions: ['1.3.0'],
    patch: {
      name: 'fix.patch',
      sha256: 'cd'.repeat(32),
      size: 12,
      contentBase64: Buffer.from('--- a\n+++ b\n').toString('base64'),
    },
  };
}

/** A copy of the valid advisory with `change` applied. */
function mutated(change: (value: Record<string, unknown>) => void): unknown {
  const value = structuredClone(advisory()) as unknown as Record<string, unknown>;
  change(value);
  return value;
}

describe('checkAdvisoryPredicate', () => {
  it('has a versioned urn predicate type', () => {
    expect(ADVISORY_PREDICATE_TYPE).toBe('urn:redline:predicate:vuln-advisory:v1');
  });

  it('returns a valid advisory unchanged', () => {
    const value = advisory();
    expect(checkAdvisoryPredicate(value, 'adv.sealed')).toBe(value);
  });

  it('accepts an advisory without a patch or CVSS score, and with no affected versions', () => {
    const value = mutated((v) => {
      v.patch = null;
      (v.decision as Record<string, unknown>).cvss = null;
      v.affectedVersions = [];
    });
    expect(errorOf(() => checkAdvisoryPredicate(value, 'adv.sealed'))).toBeUndefined();
  });

  it.each([
    ['/findingId', (v: Record<string, unknown>) => (v.findingId = '')],
    ['/recipients', (v: Record<string, unknown>) => (v.recipients = [])],
    ['/recipients', (v: Record<string, unknown>) => (v.recipients = [KEY_ID, 'cd'.repeat(32)])],
    ['/recipients/0', (v: Record<string, unknown>) => (v.recipients = ['AB'.repeat(32)])],
    ['/patch/sha256', (v: Record<string, unknown>) => ((v.patch as Record<string, unknown>).sha256 = 'xyz')],
    ['/patch/size', (v: Record<string, unknown>) => ((v.patch as Record<string, unknown>).size = 1.5)],
    ['/decision/cvss', (v: Record<string, unknown>) => ((v.decision as Record<string, unknown>).cvss = 9.8)],
    ['/affectedVersions/0', (v: Record<string, unknown>) => (v.affectedVersions = [1])],
    ['/osv: ', (v: Record<string, unknown>) => (v.osv = {})], // a missing field is named at its parent
  ])('refuses a bad field with E_MALFORMED naming %s', (pointer, change) => {
    const error = errorOf(() => checkAdvisoryPredicate(mutated(change), 'adv.sealed'));
    expect(error?.code).toBe('E_MALFORMED');
    expect(error?.message.startsWith('adv.sealed: not a valid advisory: ')).toBe(true);
    expect(error?.message).toContain(pointer);
  });

  it('refuses a missing field', () => {
    const error = errorOf(() =>
      checkAdvisoryPredicate(
        mutated((v) => delete v.embargoUntil),
        'adv.sealed',
      ),
    );
    expect(error?.code).toBe('E_MALFORMED');
    expect(error?.message).toContain('embargoUntil');
  });

  it('refuses an unknown field (the predicate is closed)', () => {
    const error = errorOf(() =>
      checkAdvisoryPredicate(
        mutated((v) => (v.otherParticipants = ['beta-bank'])),
        'adv.sealed',
      ),
    );
    expect(error?.code).toBe('E_MALFORMED');
    expect(error?.message).toContain('otherParticipants');
  });

  it('refuses a value that is not an object, pointing at the root', () => {
    for (const value of [null, 'advisory', [advisory()], 42]) {
      const error = errorOf(() => checkAdvisoryPredicate(value, 'adv.sealed'));
      expect(error?.code).toBe('E_MALFORMED');
      expect(error?.message).toContain('not a valid advisory: /');
    }
  });
});

describe('isEmbargoed', () => {
  const until = '2026-06-01T12:00:00Z';
  const at = Date.parse(until);

  it('holds before the instant', () => {
    expect(isEmbargoed(until, new Date(at - 1))).toBe(true);
    expect(isEmbargoed(until, new Date('2020-01-01T00:00:00Z'))).toBe(true);
  });

  it('ends at the instant and stays ended after it', () => {
    expect(isEmbargoed(until, new Date(at))).toBe(false);
    expect(isEmbargoed(until, new Date(at + 1))).toBe(false);
  });

  it('compares instants, not text, across time zones', () => {
    const sameInstant = '2026-06-01T14:00:00+02:00';
    expect(isEmbargoed(sameInstant, new Date(at - 1))).toBe(true);
    expect(isEmbargoed(sameInstant, new Date(at))).toBe(false);
  });
});
