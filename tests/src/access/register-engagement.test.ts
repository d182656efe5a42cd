import { describe, expect, it } from 'vitest';
import { MAX_WINDOW_DAYS, checkEngagement } from '../../../src/access/register-engagement.js';
import { codeOf, makeEngagement } from './access-fixtures.js';

const request = (startDate: string, releaseDate: string, model = 'm1', developer = 'acme') => ({
  developer,
  model,
  startDate,
  releaseDate,
});

describe('checkEngagement', () => {
  it('accepts a window of exactly 30 days, and a one-day window', () => {
    expect(MAX_WINDOW_DAYS).toBe(30);
    expect(codeOf(() => checkEngagement(request('2025-06-01', '2025-07-01'), [], true))).toBeUndefined();
    expect(codeOf(() => checkEngagement(request('2025-06-01', '2025-06-01'), [], true))).toBeUndefined();
  });

  it('refuses 31 days with E_WINDOW_TOO_LONG (also across a leap day)', () => {
    expect(codeOf(() => checkEngagement(request('2025-06-01', '2025-07-02'), [], true))).toBe(
      'E_WINDOW_TOO_LONG',
    );
    // 2024-02-01 + 30 days = 2024-03-02 (leap year): 03-02 is allowed, 03-03 is not.
    expect(codeOf(() => checkEngagement(request('2024-02-01', '2024-03-02'), [], true))).toBeUndefined();
    expect(codeOf(() => checkEngagement(request('2024-02-01', '2024-03-03'), [], true))).toBe(
      'E_WINDOW_TOO_LONG',
    );
  });

  it('refuses a start after the release with E_WINDOW_ORDER', () => {
    expect(codeOf(() => checkEngagement(request('2025-06-02', '2025-06-01'), [], true))).toBe(
      'E_WINDOW_ORDER',
    );
  });

  it.each([
    ['2025-6-01', '2025-06-30'],
    ['2025-06-01', '30/06/2025'],
    ['2025-02-30', '2025-03-10'],
    ['2025-06-01', '2025-13-01'],
    ['2025-06-01T00:00:00Z', '2025-06-30'],
    ['', '2025-06-30'],
  ])('refuses %s..%s with E_USAGE (not a real YYYY-MM-DD date)', (start, release) => {
    expect(codeOf(() => checkEngagement(request(start, release), [], true))).toBe('E_USAGE');
  });

  it('refuses an empty model or developer with E_USAGE', () => {
    expect(codeOf(() => checkEngagement(request('2025-06-01', '2025-06-02', ' '), [], true))).toBe('E_USAGE');
    expect(codeOf(() => checkEngagement(request('2025-06-01', '2025-06-02', 'm1', ''), [], true))).toBe(
      'E_USAGE',
    );
  });

  it('refuses a developer the keyring does not hold with E_UNKNOWN_KEY', () => {
    expect(codeOf(() => checkEngagement(request('2025-06-01', '2025-06-30'), [], false))).toBe(
      'E_UNKNOWN_KEY',
    );
  });

  it('checks the window before the key: a bad window is reported first', () => {
    expect(codeOf(() => checkEngagement(request('2025-06-01', '2025-08-01'), [], false))).toBe(
      'E_WINDOW_TOO_LONG',
    );
  });

  it('refuses an overlap with another engagement of the same model (inclusive ends), naming it', () => {
    const existing = [makeEngagement({ id: 'eng-old', startDate: '2025-06-01', releaseDate: '2025-06-10' })];
    let details: unknown;
    try {
      checkEngagement(request('2025-06-10', '2025-06-20'), existing, true);
    } catch (error) {
      details = (error as { code: string; details: unknown }).details;
      expect((error as { code: string }).code).toBe('E_WINDOW_OVERLAP');
      expect((error as Error).message).toContain('eng-old');
    }
    expect(details).toEqual({ engagementId: 'eng-old' });
    expect(codeOf(() => checkEngagement(request('2025-05-20', '2025-06-01'), existing, true))).toBe(
      'E_WINDOW_OVERLAP',
    );
    expect(codeOf(() => checkEngagement(request('2025-06-03', '2025-06-05'), existing, true))).toBe(
      'E_WINDOW_OVERLAP',
    );
    // Another developer's engagement of the same model still overlaps: one model, one window at a time.
    expect(
      codeOf(() => checkEngagement(request('2025-06-05', '2025-06-08', 'm1', 'globex'), existing, true)),
    ).toBe('E_WINDOW_OVERLAP');
  });

  it('accepts adjacent windows and overlapping windows of another model', () => {
    const existing = [makeEngagement({ startDate: '2025-06-01', releaseDate: '2025-06-10' })];
    expect(
      codeOf(() => checkEngagement(request('2025-06-11', '2025-06-20'), existing, true)),
    ).toBeUndefined();
    expect(
      codeOf(() => checkEngagement(request('2025-05-20', '2025-05-31'), existing, true)),
    ).toBeUndefined();
    expect(
      codeOf(() => checkEngagement(request('2025-06-01', '2025-06-10', 'm2'), existing, true)),
    ).toBeUndefined();
  });
});
