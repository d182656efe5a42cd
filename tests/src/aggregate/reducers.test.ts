import { describe, expect, it } from 'vitest';
import {
  checkReducerEpochs,
  formatReducer,
  parseReducer,
  passAtK,
  reduceEpochs,
} from '../../../src/aggregate/reducers.js';

/** All k-subsets of {0 .. n-1}. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

/** C(n, k) as a BigInt. */
function binomial(n: number, k: number): bigint {
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

describe('parseReducer', () => {
  it('reads mean, max, median, mode and pass@k', () => {
    expect(parseReducer('mean')).toEqual({ kind: 'mean' });
    expect(parseReducer('max')).toEqual({ kind: 'max' });
    expect(parseReducer('median')).toEqual({ kind: 'median' });
    expect(parseReducer('mode')).toEqual({ kind: 'mode' });
    expect(parseReducer('pass@3')).toEqual({ kind: 'pass@k', k: 3 });
    expect(parseReducer('pass@12')).toEqual({ kind: 'pass@k', k: 12 });
  });

  it.each([
    '',
    'Mean',
    'avg',
    'pass@0',
    'pass@',
    'pass@-1',
    'pass@1.5',
    'pass@03',
    'pass@k',
    ' mean',
    'pass@99999999999999999999',
  ])('rejects %j with E_USAGE', (text) => {
    expect(() => parseReducer(text)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('round-trips through formatReducer', () => {
    for (const text of ['mean', 'max', 'median', 'mode', 'pass@5'])
      expect(formatReducer(parseReducer(text))).toBe(text);
  });
});

describe('checkReducerEpochs', () => {
  it("rejects pass@k with more than the run's epochs, accepts k <= epochs and other reducers", () => {
    expect(() => checkReducerEpochs({ kind: 'pass@k', k: 3 }, 2)).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
    expect(() => checkReducerEpochs({ kind: 'pass@k', k: 3 }, 3)).not.toThrow();
    expect(() => checkReducerEpochs({ kind: 'max' }, 1)).not.toThrow();
  });
});

describe('reduceEpochs', () => {
  it('takes the mean, with a compensated sum', () => {
    expect(reduceEpochs([1, 0, 0.5], { kind: 'mean' })).toBe(0.5);
    expect(reduceEpochs(new Array<number>(10).fill(0.6), { kind: 'mean' })).toBe(0.6);
  });

  it('takes the max', () => {
    expect(reduceEpochs([0.2, 0.9, 0.4], { kind: 'max' })).toBe(0.9);
    expect(reduceEpochs([0, 0], { kind: 'max' })).toBe(0);
  });

  it('takes the median, averaging the middle pair of an even count', () => {
    expect(reduceEpochs([0.9, 0.1, 0.5], { kind: 'median' })).toBe(0.5);
    expect(reduceEpochs([1, 0, 0, 1], { kind: 'median' })).toBe(0.5);
    expect(reduceEpochs([0.2, 0.4, 1, 0.3], { kind: 'median' })).toBeCloseTo(0.35, 15);
  });

  it('takes the mode, breaking ties towards the smallest score whatever the order', () => {
    expect(reduceEpochs([1, 0, 1], { kind: 'mode' })).toBe(1);
    expect(reduceEpochs([1, 0, 0, 1], { kind: 'mode' })).toBe(0);
    expect(reduceEpochs([0, 1, 1, 0], { kind: 'mode' })).toBe(0);
    expect(reduceEpochs([0.5, 1, 0.5, 1, 0.2], { kind: 'mode' })).toBe(0.5);
  });

  it('computes pass@k counting scores >= 1 as correct', () => {
    // 3 epochs, 1 correct: pass@1 = 1/3, pass@2 = 1 - C(2,2)/C(3,2) = 2/3, pass@3 = 1.
    expect(reduceEpochs([0.99, 1, 0], { kind: 'pass@k', k: 1 })).toBeCloseTo(1 / 3, 15);
    expect(reduceEpochs([0.99, 1, 0], { kind: 'pass@k', k: 2 })).toBeCloseTo(2 / 3, 15);
    expect(reduceEpochs([0.99, 1, 0], { kind: 'pass@k', k: 3 })).toBe(1);
    expect(reduceEpochs([0, 0, 0], { kind: 'pass@k', k: 2 })).toBe(0);
  });

  it('rejects pass@k with fewer scored epochs than k, and no epochs at all, with E_USAGE', () => {
    expect(() => reduceEpochs([1, 0], { kind: 'pass@k', k: 3 })).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
    expect(() => reduceEpochs([], { kind: 'mean' })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('rejects scores outside [0, 1] with E_USAGE', () => {
    expect(() => reduceEpochs([0.5, 2], { kind: 'max' })).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
  });
});

describe('passAtK', () => {
  it('equals the share of k-subsets of attempts that hold a correct one (brute force, n <= 8)', () => {
    for (let n = 1; n <= 8; n++) {
      for (let c = 0; c <= n; c++) {
        // attempts 0 .. c-1 are the correct ones
        for (let k = 1; k <= n; k++) {
          const all = subsets(n, k);
          const hits = all.filter((s) => s.some((i) => i < c)).length;
          expect(passAtK(n, c, k)).toBeCloseTo(hits / all.length, 14);
        }
      }
    }
  });

  it('stays exact for large n where factorials overflow (checked against BigInt binomials)', () => {
    // 1 - C(190, 100) / C(200, 100)
    const exact = 1 - Number((binomial(190, 100) * 10n ** 18n) / binomial(200, 100)) / 1e18;
    expect(passAtK(200, 10, 100)).toBeCloseTo(exact, 14);
    expect(passAtK(200, 10, 100)).toBeCloseTo(0.9992289739372822, 14); // scipy/fractions
    expect(passAtK(1000, 1, 1)).toBeCloseTo(0.001, 15);
    expect(passAtK(10_000, 0, 50)).toBe(0);
  });

  it('is 1 when every k-subset must contain a correct attempt', () => {
    expect(passAtK(5, 4, 2)).toBe(1);
    expect(passAtK(5, 5, 1)).toBe(1);
  });

  it('rejects k > n, k < 1, c outside [0, n] and non-integers with E_USAGE', () => {
    for (const [n, c, k] of [
      [3, 1, 4],
      [3, 1, 0],
      [3, 4, 1],
      [3, -1, 1],
      [3.5, 1, 1],
    ] as const) {
      expect(() => passAtK(n, c, k)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
  });
});
