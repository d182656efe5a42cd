/**
 * Policy diffs for review: field by field, defaults applied on both sides, owners compared as a set.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy.js';
import { diffPolicies, formatPolicyDiff } from '../../../src/policy/diff-policy.js';
import type { Policy } from '../../../src/schema/policy.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const active: Policy = {
  id: 'lab-cyber',
  version: 1,
  metric: 'mean',
  cutoff: 0.6,
  basis: 'lower',
  categories: { exploitation: { cutoff: 0.5 }, recon: { cutoff: 0.7, basis: 'point' } },
  rule: 'any',
  owners: [A, B],
};

describe('diffPolicies', () => {
  it('finds no change between a policy and itself with the defaults written out and keys reordered', () => {
    const spelt: Policy = {
      owners: [B, A],
      rule: 'any',
      categories: { recon: { basis: 'point', cutoff: 0.7 }, exploitation: { cutoff: 0.5, basis: 'lower' } },
      maxErrorRate: 0,
      confidence: 0.95,
      basis: 'lower',
      cutoff: 0.6,
      metric: 'mean',
      version: 1,
      id: 'lab-cyber',
    };
    expect(diffPolicies(active, spelt)).toEqual([]);
  });

  it('lists changed top-level fields in the schema order', () => {
    const proposed: Policy = { ...active, version: 2, cutoff: 0.55, confidence: 0.9, basis: 'point' };
    expect(diffPolicies(active, proposed)).toEqual([
      { path: '/version', before: 1, after: 2 },
      { path: '/cutoff', before: 0.6, after: 0.55 },
      { path: '/basis', before: 'lower', after: 'point' },
      { path: '/confidence', before: 0.95, after: 0.9 },
      // exploitation inherited the policy basis, so it changes with it; recon named its own.
      { path: '/categories/exploitation/basis', before: 'lower', after: 'point' },
    ]);
  });

  it('diffs categories per category and field, with added and removed ones whole', () => {
    const proposed: Policy = {
      ...active,
      categories: { exploitation: { cutoff: 0.45 }, 'web/sqli': { cutoff: 0.5 } },
    };
    expect(diffPolicies(active, proposed)).toEqual([
      { path: '/categories/exploitation/cutoff', before: 0.5, after: 0.45 },
      { path: '/categories/recon', before: { cutoff: 0.7, basis: 'point' }, after: undefined },
      { path: '/categories/web~1sqli', before: undefined, after: { cutoff: 0.5, basis: 'lower' } },
    ]);
  });

  it('compares owners as a set and reports threshold and description as they appear', () => {
    const proposed: Policy = { ...active, owners: [C, A], threshold: 2, description: 'two owners now' };
    expect(diffPolicies(active, proposed)).toEqual([
      { path: '/description', before: undefined, after: 'two owners now' },
      { path: '/owners', before: [A, B], after: [A, C] },
      { path: '/threshold', before: undefined, after: 2 },
    ]);
  });

  it('diffs the built-in default against a first policy', () => {
    const first: Policy = { id: 'lab-cyber', version: 1, metric: 'mean', cutoff: 0.6, basis: 'lower' };
    expect(diffPolicies(DEFAULT_POLICY, first).map((c) => c.path)).toEqual([
      '/id',
      '/description',
      '/maxErrorRate',
    ]);
  });
});

describe('formatPolicyDiff', () => {
  it('writes one line per change, values as JSON', () => {
    const proposed: Policy = {
      ...active,
      cutoff: 0.55,
      rule: 'all',
      owners: [A, C],
      categories: { exploitation: { cutoff: 0.5 } },
    };
    expect(formatPolicyDiff(diffPolicies(active, proposed))).toEqual([
      '/cutoff: 0.6 -> 0.55',
      '/categories/recon: {"basis":"point","cutoff":0.7} -> (absent)',
      '/rule: "any" -> "all"',
      `/owners: ["${A}", "${B}"] -> ["${A}", "${C}"] (added ${C}; removed ${B})`,
    ]);
  });

  it('writes nothing for no change', () => {
    expect(formatPolicyDiff(diffPolicies(active, active))).toEqual([]);
  });
});
