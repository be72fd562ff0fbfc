/** The release bundle's string-width measures exactly as string-width does. */
import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import fastStringWidth, { ONE_COLUMN } from '../../src/components/fastStringWidth.js';

describe('fastStringWidth', () => {
  it('counts each of evfix’s own symbols as string-width does: one column', () => {
    const symbols = [...ONE_COLUMN.replace(' -~', '')];
    expect(symbols.length).toBeGreaterThan(5);
    for (const c of symbols) expect([c, stringWidth(c)]).toEqual([c, 1]);
  });

  it('agrees with string-width on any text, its fast path included', () => {
    const ours = fc.string({ unit: fc.constantFrom(...' az~·…—✓≠→µ↑←±'.split('')) });
    const any = fc.string({ unit: 'grapheme' });
    const ansi = fc.constantFrom('\u001b[31m·\u001b[39m', 'a\tb', '界', '👍🏽', 'é', '\u0301');
    fc.assert(
      fc.property(
        fc.oneof(
          ours,
          any,
          ansi,
          fc.tuple(ours, ansi).map(([a, b]) => a + b),
        ),
        (text) => {
          expect(fastStringWidth(text)).toBe(stringWidth(text));
        },
      ),
      { numRuns: 500 },
    );
  });
});
