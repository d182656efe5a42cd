import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../src/endpoint/backoff.js';
import { MAX_RETRY_AFTER_MS } from '../../../src/endpoint/retry-after.js';

const options = { baseMs: 100, maxMs: 10_000 };
const fixed = (u: number) => () => u;

describe('backoffDelayMs', () => {
  it('draws uniformly under a ceiling that doubles per retry', () => {
    expect(backoffDelayMs(1, options, fixed(0.999999))).toBe(100);
    expect(backoffDelayMs(2, options, fixed(0.999999))).toBe(200);
    expect(backoffDelayMs(4, options, fixed(0.5))).toBe(400);
  });

  it('uses full jitter: the delay can be anywhere down to 0', () => {
    expect(backoffDelayMs(5, options, fixed(0))).toBe(0);
  });

  it('caps the ceiling at maxMs, even for huge attempt numbers', () => {
    expect(backoffDelayMs(20, options, fixed(0.999999))).toBe(10_000);
    expect(backoffDelayMs(5000, options, fixed(0.5))).toBe(5000);
  });

  it('treats attempts below 1 as the first retry', () => {
    expect(backoffDelayMs(0, options, fixed(0.999999))).toBe(100);
    expect(backoffDelayMs(Number.NaN, options, fixed(0.999999))).toBe(100);
  });

  it('never waits less than Retry-After, plus a spread of up to one base delay', () => {
    expect(backoffDelayMs(1, options, fixed(0), 2000)).toBe(2000);
    expect(backoffDelayMs(1, options, fixed(0.5), 2000)).toBe(2050);
    for (let attempt = 1; attempt < 12; attempt++) {
      for (const u of [0, 0.1, 0.5, 0.9, 0.999]) {
        expect(backoffDelayMs(attempt, options, fixed(u), 3000)).toBeGreaterThanOrEqual(3000);
      }
    }
  });

  it('honours Retry-After beyond maxMs, up to its own cap', () => {
    expect(backoffDelayMs(1, options, fixed(0), 60_000)).toBe(60_000);
    expect(backoffDelayMs(1, options, fixed(0), 10 * MAX_RETRY_AFTER_MS)).toBe(MAX_RETRY_AFTER_MS);
    expect(backoffDelayMs(1, { ...options, maxRetryAfterMs: 5000 }, fixed(0), 60_000)).toBe(5000);
  });

  it('ignores a zero or invalid Retry-After', () => {
    expect(backoffDelayMs(3, options, fixed(0.25), 0)).toBe(100);
    expect(backoffDelayMs(3, options, fixed(0.25), Number.NaN)).toBe(100);
  });

  it('spreads a burst of retries over the window', () => {
    let state = 1;
    const lcg = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    const delays = Array.from({ length: 1000 }, () => backoffDelayMs(3, options, lcg));
    expect(Math.min(...delays)).toBeLessThan(40);
    expect(Math.max(...delays)).toBeGreaterThan(360);
    expect(new Set(delays).size).toBeGreaterThan(200);
  });
});
