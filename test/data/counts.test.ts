import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/data/counts.js';

describe('thousands', () => {
  it('groups integers as en-US does, signs and all, and leaves fractions to the locale', () => {
    for (const n of [0, 7, 999, 1000, -1000, 12345, 981665, -1234567, 1000000, Number.MAX_SAFE_INTEGER, 12.5, -1234.75]) {
      expect(thousands(n)).toBe(n.toLocaleString('en-US'));
    }
    expect(thousands(981665)).toBe('981,665');
  });
});
