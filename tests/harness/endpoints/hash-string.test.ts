import { describe, expect, it } from 'vitest';
import { hashString, mixHash, unitFromHash } from '../../../harness/endpoints/hash-string.js';

describe('hashString', () => {
  it('is deterministic and depends on the text and the seed', () => {
    expect(hashString('prompt', 1)).toBe(hashString('prompt', 1));
    expect(hashString('prompt', 1)).not.toBe(hashString('prompt', 2));
    expect(hashString('prompt', 1)).not.toBe(hashString('prompt.', 1));
  });

  it('spreads counters uniformly over [0, 1)', () => {
    const root = hashString('a prompt', 0);
    const buckets = new Array<number>(10).fill(0);
    for (let k = 0; k < 10_000; k++) {
      const u = unitFromHash(mixHash(root, k));
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      buckets[Math.floor(u * 10)]! += 1;
    }
    for (const count of buckets) {
      expect(count).toBeGreaterThan(900);
      expect(count).toBeLessThan(1100);
    }
  });
});
