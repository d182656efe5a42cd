import { describe, expect, it } from 'vitest';
import { AimdLimiter } from '../../../src/endpoint/aimd.js';

describe('AimdLimiter', () => {
  it('starts at max', () => {
    expect(new AimdLimiter({ max: 32, cooldownMs: 1000 }).limit).toBe(32);
  });

  it('halves once for a burst of 429s within the cooldown', () => {
    const limiter = new AimdLimiter({ max: 64, cooldownMs: 1000 });
    expect(limiter.onRateLimited(10_000)).toBe(true);
    for (let i = 0; i < 63; i++) expect(limiter.onRateLimited(10_000 + i)).toBe(false);
    expect(limiter.limit).toBe(32);
  });

  it('keeps dropping under sustained 429s, one step per cooldown, never below min', () => {
    const limiter = new AimdLimiter({ max: 64, min: 2, cooldownMs: 1000 });
    const seen: number[] = [];
    for (let t = 0; t < 10_000; t += 250) {
      limiter.onRateLimited(t);
      seen.push(limiter.limit);
    }
    expect(seen.slice(0, 9)).toEqual([32, 32, 32, 32, 16, 16, 16, 16, 8]);
    expect(limiter.limit).toBe(2);
  });

  it('uses the decrease factor and rounds down, not below 1', () => {
    const limiter = new AimdLimiter({ max: 10, decreaseFactor: 0.7, cooldownMs: 0 });
    limiter.onRateLimited(0);
    expect(limiter.limit).toBe(7);
    for (let t = 1; t < 20; t++) limiter.onRateLimited(t);
    expect(limiter.limit).toBe(1);
  });

  it('recovers additively: +1 after `limit` consecutive successes, up to max', () => {
    const limiter = new AimdLimiter({ max: 8, cooldownMs: 0 });
    limiter.onRateLimited(0);
    expect(limiter.limit).toBe(4);
    for (let i = 0; i < 3; i++) limiter.onSuccess();
    expect(limiter.limit).toBe(4);
    limiter.onSuccess();
    expect(limiter.limit).toBe(5);
    for (let i = 0; i < 5; i++) limiter.onSuccess();
    expect(limiter.limit).toBe(6);
    for (let i = 0; i < 1000; i++) limiter.onSuccess();
    expect(limiter.limit).toBe(8);
  });

  it('restarts the success count after a 429, even one ignored in the cooldown', () => {
    const limiter = new AimdLimiter({ max: 8, cooldownMs: 1000 });
    limiter.onRateLimited(0);
    for (let i = 0; i < 3; i++) limiter.onSuccess();
    expect(limiter.onRateLimited(500)).toBe(false);
    for (let i = 0; i < 3; i++) limiter.onSuccess();
    expect(limiter.limit).toBe(4);
  });

  it('rejects invalid options with E_USAGE', () => {
    for (const options of [
      { max: 0, cooldownMs: 0 },
      { max: 2.5, cooldownMs: 0 },
      { max: 4, min: 5, cooldownMs: 0 },
      { max: 4, decreaseFactor: 1, cooldownMs: 0 },
      { max: 4, cooldownMs: -1 },
    ]) {
      expect(() => new AimdLimiter(options)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
  });
});
