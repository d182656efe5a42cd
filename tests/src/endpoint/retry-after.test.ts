import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseHttpDate, parseRetryAfter } from '../../../src/endpoint/retry-after.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0); // Sun, 01 Jun 2025 12:00:00 GMT

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter({ retryAfter: '120' }, NOW)).toBe(120_000);
    expect(parseRetryAfter({ retryAfter: ' 0 ' }, NOW)).toBe(0);
  });

  it('accepts fractional seconds, rounded up to a millisecond', () => {
    expect(parseRetryAfter({ retryAfter: '1.5' }, NOW)).toBe(1500);
    expect(parseRetryAfter({ retryAfter: '0.0001' }, NOW)).toBe(1);
  });

  it('prefers retry-after-ms over Retry-After', () => {
    expect(parseRetryAfter({ retryAfter: '60', retryAfterMs: '250' }, NOW)).toBe(250);
    expect(parseRetryAfter({ retryAfterMs: '20.4' }, NOW)).toBe(21);
  });

  it('falls back to Retry-After when retry-after-ms is garbage', () => {
    expect(parseRetryAfter({ retryAfter: '3', retryAfterMs: 'soon' }, NOW)).toBe(3000);
  });

  it('reads an IMF-fixdate relative to now', () => {
    expect(parseRetryAfter({ retryAfter: 'Sun, 01 Jun 2025 12:00:30 GMT' }, NOW)).toBe(30_000);
  });

  it('treats a date in the past as "retry now"', () => {
    expect(parseRetryAfter({ retryAfter: 'Sun, 01 Jun 2025 11:00:00 GMT' }, NOW)).toBe(0);
  });

  it('caps long waits at MAX_RETRY_AFTER_MS or the given maximum', () => {
    expect(parseRetryAfter({ retryAfter: '86400' }, NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter({ retryAfterMs: '99999999999999999999999' }, NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter({ retryAfter: 'Mon, 02 Jun 2025 12:00:00 GMT' }, NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter({ retryAfter: '10' }, NOW, 5000)).toBe(5000);
  });

  it.each([
    ['-5'],
    ['+5'],
    ['abc'],
    ['1e3'],
    ['0x10'],
    [''],
    ['  '],
    ['5 seconds'],
    ['Sun, 31 Feb 2025 12:00:00 GMT'],
  ])('returns undefined for %j', (value) => {
    expect(parseRetryAfter({ retryAfter: value, retryAfterMs: value }, NOW)).toBeUndefined();
  });

  it('returns undefined when both headers are absent', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
  });
});

describe('parseHttpDate', () => {
  const expected = Date.UTC(1994, 10, 6, 8, 49, 37);

  it('reads the three formats of RFC 9110', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(expected);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(expected);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW)).toBe(expected);
  });

  it('resolves a two-digit year to the most recent past year when it would be over 50 years ahead', () => {
    expect(parseHttpDate('Thursday, 01-Jan-70 00:00:00 GMT', NOW)).toBe(Date.UTC(2070, 0, 1));
    expect(parseHttpDate('Friday, 01-Jan-99 00:00:00 GMT', NOW)).toBe(Date.UTC(1999, 0, 1));
  });

  it('rejects impossible times and other formats', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 24:00:00 GMT', NOW)).toBeUndefined();
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 PST', NOW)).toBeUndefined();
    expect(parseHttpDate('1994-11-06T08:49:37Z', NOW)).toBeUndefined();
  });
});
