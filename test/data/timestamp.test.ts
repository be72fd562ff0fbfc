import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalTimestamp, daysBetween, formatTimestamp, parseTimestamp } from '../../src/data/timestamp.js';

describe('timestamps', () => {
  it('keeps microseconds exactly', () => {
    expect(canonicalTimestamp('2024-02-03 15:38:21.224000')).toBe('2024-02-03 15:38:21.224000');
    expect(canonicalTimestamp('2024-02-03 15:38:21.224001')).toBe('2024-02-03 15:38:21.224001');
    expect(canonicalTimestamp('2024-02-03T15:38:21.2Z')).toBe('2024-02-03 15:38:21.200000');
    expect(canonicalTimestamp('2024-02-03')).toBe('2024-02-03 00:00:00.000000');
  });

  it('converts offsets to UTC and handles dates before 1970', () => {
    expect(canonicalTimestamp('2024-02-03 01:00:00+02:00')).toBe('2024-02-02 23:00:00.000000');
    expect(canonicalTimestamp('1969-12-31 23:59:59.999999')).toBe('1969-12-31 23:59:59.999999');
    expect(parseTimestamp('1969-12-31 23:59:59.999999')).toBe(-1n);
    expect(canonicalTimestamp('0001-01-01 00:00:00')).toBe('0001-01-01 00:00:00.000000');
  });

  it.each([
    ['2024-02-30 00:00:00', 'not a calendar date'],
    ['2024-02-03 24:00:00', 'out of range'],
    ['2024-02-03 15:38:21.1234567', '7 fractional digits'],
    ['yesterday', 'not a timestamp'],
    ['2024-02-03 15:38:21+15:00', 'invalid UTC offset'],
  ])('refuses %s', (text, message) => {
    expect(() => parseTimestamp(text, 'event_created_at')).toThrow(message);
    expect(() => parseTimestamp(text, 'event_created_at')).toThrow(/^event_created_at: /);
  });

  it('round-trips every microsecond value through text', () => {
    const min = parseTimestamp('0001-01-01 00:00:00');
    const max = parseTimestamp('9999-12-31 23:59:59.999999');
    fc.assert(
      fc.property(fc.bigInt({ min, max }), (micros) => {
        expect(parseTimestamp(formatTimestamp(micros))).toBe(micros);
      }),
    );
  });

  it('counts whole UTC days', () => {
    expect(daysBetween(parseTimestamp('2026-03-01 23:59:59'), parseTimestamp('2026-03-15 00:00:01'))).toBe(14);
  });
});
