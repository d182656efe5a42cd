import { describe, expect, it } from 'vitest';
import { addDays, dayNumber, isCalendarDate, utcDateOf } from '../../../src/access/day-number.js';

describe('dayNumber', () => {
  it('counts days since 1970-01-01 and refuses dates that roll over', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1970-01-31')).toBe(30);
    expect(dayNumber('2024-02-29')).toBeDefined();
    expect(dayNumber('2025-02-29')).toBeUndefined();
    expect(dayNumber('2025-04-31')).toBeUndefined();
    expect(isCalendarDate('2025-00-10')).toBe(false);
    expect(isCalendarDate(' 2025-01-10')).toBe(false);
  });

  it('adds days across months and years, and takes the UTC date of a timestamp', () => {
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(utcDateOf('2025-06-01T23:30:00-02:00')).toBe('2025-06-02');
    expect(utcDateOf(new Date(Date.UTC(2025, 5, 1, 0, 0, 1)))).toBe('2025-06-01');
  });
});
