/** core/dates: the one set of YYYYMMDD helpers. */
import { describe, expect, it } from 'vitest';
import { compactDate, dashed, dateRange, dayNumber, isRealDate, shiftDate, toRealDate, todayIn, utcDate } from '../../core/dates';

describe('dates', () => {
  it('accepts only real calendar dates written YYYYMMDD', () => {
    expect(isRealDate('20251219')).toBe(true);
    expect(isRealDate('20240229')).toBe(true);
    for (const bad of ['20250230', '20250229', '20251301', '20251200', '20251232', '2025121', '2025-12-19', '', '2025121x', '202512190']) expect(isRealDate(bad), bad).toBe(false);
  });

  it('converts between YYYYMMDD and YYYY-MM-DD', () => {
    expect(dashed('20251219')).toBe('2025-12-19');
    expect(compactDate('2025-12-19')).toBe('20251219');
    expect(compactDate('2025-1219')).toBe('2025-1219');
    expect(toRealDate('2025-12-19')).toBe('20251219');
    expect(toRealDate('20251219')).toBe('20251219');
    expect(toRealDate('2025-02-30')).toBeNull();
    expect(toRealDate('19 Dec 2025')).toBeNull();
  });

  it('shifts across month, year and leap-day ends', () => {
    expect(shiftDate('20251231', 1)).toBe('20260101');
    expect(shiftDate('20260101', -1)).toBe('20251231');
    expect(shiftDate('20240228', 1)).toBe('20240229');
    expect(shiftDate('20250228', 1)).toBe('20250301');
    expect(shiftDate('20250301', -1)).toBe('20250228');
    expect(shiftDate('20251219', -30)).toBe('20251119');
    expect(shiftDate('20251219', 0)).toBe('20251219');
    expect(shiftDate('20251219', 365)).toBe('20261219');
  });

  it('ranges are inclusive and oldest first; empty when reversed', () => {
    expect(dateRange('20251230', '20260102')).toEqual(['20251230', '20251231', '20260101', '20260102']);
    expect(dateRange('20251219', '20251219')).toEqual(['20251219']);
    expect(dateRange('20251220', '20251219')).toEqual([]);
  });

  it('day numbers and UTC dates of instants', () => {
    expect(dayNumber('19700102')).toBe(1);
    expect(dayNumber('20260101') - dayNumber('20251231')).toBe(1);
    expect(utcDate(new Date('2025-12-19T23:59:59Z'))).toBe('20251219');
  });

  it('today in a time zone uses the injected instant', () => {
    const at = new Date('2025-12-19T03:00:00Z');
    expect(todayIn('America/Chicago', at)).toBe('20251218');
    expect(todayIn('UTC', at)).toBe('20251219');
    expect(todayIn('Asia/Tokyo', new Date('2025-12-31T16:00:00Z'))).toBe('20260101');
    expect(() => todayIn('Not/AZone', at)).toThrow(RangeError);
  });
});
