import { describe, expect, it } from 'vitest';
import { formatAgainst } from '../../../src/aggregate/explain-comparison.js';

describe('formatAgainst', () => {
  it('rounds to 4 decimals when that keeps the side of the reference', () => {
    expect(formatAgainst(0.5712345, 0.6)).toBe('0.5712');
    expect(formatAgainst(0.75, 0.6)).toBe('0.75');
    expect(formatAgainst(0.6, 0.6)).toBe('0.6');
  });

  it('shows more digits when 4 decimals would put it on the wrong side or on the reference', () => {
    expect(formatAgainst(0.59996, 0.6)).toBe('0.59996');
    expect(formatAgainst(0.6000001, 0.6)).toBe('0.6000001');
    expect(formatAgainst(0.6 - 1e-12, 0.6)).toBe('0.599999999999');
  });
});
