import { describe, expect, it } from 'vitest';
import { kleeneAnd, kleeneOr, type Decision } from '../../../src/aggregate/kleene.js';

const T: Decision = 'covered';
const F: Decision = 'not-covered';
const U: Decision = 'inconclusive';
const all = [T, U, F] as const;

/** Kleene's strong logic as min/max over F = 0 < U = 1/2 < T = 1: an independent encoding. */
const rank = (d: Decision): number => (d === T ? 1 : d === U ? 0.5 : 0);

describe('kleeneOr', () => {
  it('follows the truth table', () => {
    // prettier-ignore
    const table: [Decision, Decision, Decision][] = [
      [T, T, T], [T, U, T], [T, F, T],
      [U, T, T], [U, U, U], [U, F, U],
      [F, T, T], [F, U, U], [F, F, F],
    ];
    for (const [a, b, expected] of table) expect(kleeneOr(a, b)).toBe(expected);
  });

  it('is the maximum under F < U < T, for any number of operands; not-covered for none', () => {
    for (const a of all)
      for (const b of all)
        for (const c of all) {
          expect(rank(kleeneOr(a, b, c))).toBe(Math.max(rank(a), rank(b), rank(c)));
        }
    expect(kleeneOr()).toBe(F);
  });
});

describe('kleeneAnd', () => {
  it('follows the truth table', () => {
    // prettier-ignore
    const table: [Decision, Decision, Decision][] = [
      [T, T, T], [T, U, U], [T, F, F],
      [U, T, U], [U, U, U], [U, F, F],
      [F, T, F], [F, U, F], [F, F, F],
    ];
    for (const [a, b, expected] of table) expect(kleeneAnd(a, b)).toBe(expected);
  });

  it('is the minimum under F < U < T, for any number of operands; covered for none', () => {
    for (const a of all)
      for (const b of all)
        for (const c of all) {
          expect(rank(kleeneAnd(a, b, c))).toBe(Math.min(rank(a), rank(b), rank(c)));
        }
    expect(kleeneAnd()).toBe(T);
  });
});
