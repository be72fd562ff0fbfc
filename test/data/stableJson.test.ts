import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stable } from '../../src/data/plan.js';

/**
 * What plan ids were always hashed from: JSON.stringify, every object replaced by a copy with its keys sorted.
 * The copy has no prototype, so that a key named __proto__ is data like any other (a plain copy dropped it).
 */
const reference = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });

describe('stable JSON (what plan ids hash)', () => {
  it('is the text the sorting replacer gives, for any plain value', () => {
    // Array-index keys (which objects list first) and keys holding the cache's joining character included.
    const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '9', '10', '01', '4294967294', '4294967295', 'a\u0000', '\u0000b', 'a', 'b'));
    const values = fc.anything({ key, withNullPrototype: true, withDate: true, withSparseArray: true, withBigInt: false, withBoxedValues: false, withMap: false, withSet: false, withTypedArray: false, withObjectString: false });
    fc.assert(fc.property(values, (v) => {
      expect(stable(v)).toBe(reference(v));
    }), { numRuns: 1000 });
  });

  it('does not take one key list for another that joins alike', () => {
    expect(stable({ a: 1, '\u0000b': 2 })).toBe(reference({ a: 1, '\u0000b': 2 }));
    expect(stable({ 'a\u0000': 1, b: 2 })).toBe(reference({ 'a\u0000': 1, b: 2 }));
    expect(stable({ b: 1, a: { d: undefined, c: [undefined, 2] } })).toBe('{"a":{"c":[null,2]},"b":1}');
    expect(stable(JSON.parse('{"b":2,"__proto__":1}'))).toBe('{"__proto__":1,"b":2}');
    // Rows one after another: the order just used is checked, never assumed.
    expect([{ b: 1, a: 2 }, { a: 1, c: 2 }, { c: 1, a: 2, b: 3 }, { a: 1 }].map(stable)).toEqual(['{"a":2,"b":1}', '{"a":1,"c":2}', '{"a":2,"b":3,"c":1}', '{"a":1}']);
  });
});
