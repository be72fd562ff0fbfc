import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { differingPaths, lineDiff } from '../../src/data/json/diff.js';
import { applyEdits, jsonRemove, jsonSet, parseSetArgument, valueAtPath } from '../../src/data/json/edit.js';
import { formatPath, parsePath } from '../../src/data/json/path.js';
import { canonicalJson, jsonEquals, JsonNumber, parseJson, stringifyJson, type Json } from '../../src/data/json/value.js';

const doc = (text: string) => parseJson(text);
const set = (d: string, path: string, value: string, create = true) => stringifyJson(jsonSet(doc(d), path, doc(value), create));

describe('lossless JSON', () => {
  it('keeps integers beyond 2^53 exactly', () => {
    const text = '{"amount":12345678901234567890,"small":1,"neg":-98765432109876543210}';
    expect(stringifyJson(parseJson(text))).toBe(text);
    expect((parseJson(text) as Record<string, Json>).amount).toBeInstanceOf(JsonNumber);
  });

  it('treats __proto__ as ordinary data', () => {
    expect(stringifyJson(parseJson('{"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1}}');
  });

  it.each([
    ['{"a":1', 'expected "," or "}", but the text ended'],
    ['{"a":"x\u0001"}', 'control character'],
    ['[1,]', 'unexpected'],
    ['{"a":1} x', 'after the value'],
    ['"x', 'unterminated'],
    ['['.repeat(600) + ']'.repeat(600), 'nested deeper than 500'],
  ])('refuses %s', (text, message) => {
    expect(() => parseJson(text, 'event_data')).toThrow(message);
  });

  it('round-trips any JSON value, canonically equal', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(canonicalJson(parseJson(stringifyJson(parseJson(text))))).toBe(canonicalJson(parseJson(text)));
        expect(JSON.parse(stringifyJson(parseJson(text)))).toEqual(JSON.parse(text));
      }),
    );
  });

  it('reads any string back exactly, escaped as JSON.stringify does or every unit as \\u', () => {
    const allEscaped = (s: string) => `"${[...Array(s.length).keys()].map((i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`;
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (s, key) => {
        expect(parseJson(JSON.stringify(s))).toBe(s);
        expect(parseJson(allEscaped(s))).toBe(s);
        expect(stringifyJson(parseJson(JSON.stringify({ [key]: s, z: `${s}\\"${s}` })))).toBe(JSON.stringify({ [key]: s, z: `${s}\\"${s}` }));
      }),
    );
  });

  it('equality is canonical: key order and number spelling aside, as canonicalJson compares', () => {
    // A small vocabulary, so that equal documents written differently come up often.
    const numbers = fc.constantFrom('1', '1.0', '10e-1', '-0', '0', '9007199254740992', '9007199254740992.0', '12345678901234567890', '"1"');
    const doc: fc.Arbitrary<string> = fc.letrec<{ doc: string }>((tie) => ({
      doc: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        numbers,
        fc.constantFrom('null', 'true', '"x"', '[]', '{}'),
        fc.array(tie('doc'), { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`),
        fc
          .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c'), tie('doc')), { selector: ([k]) => k, maxLength: 3 })
          .map((kv) => `{${kv.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
      ),
    })).doc;
    fc.assert(
      fc.property(doc, doc, (x, y) => {
        const a = parseJson(x),
          b = parseJson(y);
        expect(jsonEquals(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(jsonEquals(a, parseJson(stringifyJson(a)))).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(jsonEquals(parseJson('{"a":1,"b":[1.0]}'), parseJson('{"b":[1],"a":1.0}'))).toBe(true);
    expect(jsonEquals(parseJson('9007199254740992'), parseJson('9007199254740992.0'))).toBe(true);
    expect(jsonEquals(parseJson('{"a":1}'), parseJson('{"a":1,"b":1}'))).toBe(false);
  });

  it('round-trips big integers as text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
        const text = `{"n":${n}}`;
        expect(stringifyJson(parseJson(text))).toBe(text);
      }),
    );
  });
});

describe('JSON paths', () => {
  it('parses the forms BigQuery accepts', () => {
    expect(parsePath('$')).toEqual([]);
    expect(parsePath('$.a.b[2]')).toEqual([
      { kind: 'key', key: 'a' },
      { kind: 'key', key: 'b' },
      { kind: 'index', index: 2 },
    ]);
    expect(parsePath('$."a.b"')).toEqual([{ kind: 'key', key: 'a.b' }]);
    expect(parsePath("$['it''s']".replace("''", "\\'"))).toEqual([{ kind: 'key', key: "it's" }]);
    expect(parsePath('$.naïve')).toEqual([{ kind: 'key', key: 'naïve' }]);
  });

  it.each(['Status', '$.', '$..a', '$[x]', '$.a[', '$."unterminated', '$ .a', '$.a b'])('refuses %s', (text) => {
    expect(() => parsePath(text, '--set path')).toThrow(/^--set path: ".*" is not a JSON path/);
  });

  it.each([
    ['$."a\\"b"', 'a"b', 'double quote'],
    ['$.x."a\\\\b"', 'a\\b', 'backslash'],
    ["$['a\"b']", 'a"b', 'double quote'],
    ['$["c\\\\"]', 'c\\', 'backslash'],
  ])('refuses %s: BigQuery keeps the backslash, so the key would differ between engines', (text, key, what) => {
    expect(() => parsePath(text, '--set path')).toThrow(
      `--set path: "${text}" is not a JSON path: the key ${JSON.stringify(key)} holds a ${what}, which BigQuery's JSON paths do not unescape (it would edit another key than the one shown); evfix does not edit or select through such keys`,
    );
  });

  it('formats and parses back any key without a double quote or a backslash', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc
              .string({ minLength: 1 })
              .filter((key) => !/["\\]/.test(key))
              .map((key) => ({ kind: 'key' as const, key })),
            fc.nat(1000).map((index) => ({ kind: 'index' as const, index })),
          ),
        ),
        (path) => {
          expect(parsePath(formatPath(path))).toEqual(path);
        },
      ),
    );
  });
});

describe('JSON_SET semantics', () => {
  it('replaces and creates, as in the manual fix', () => {
    expect(set('{"Status":"Pending","a":1}', '$.Status', '"Failed"')).toBe('{"Status":"Failed","a":1}');
    expect(set('{"a":1}', '$.Status', '"Failed"')).toBe('{"a":1,"Status":"Failed"}');
  });

  it('creates the rest of a missing path: objects for keys, null-padded arrays for indices', () => {
    expect(set('{}', '$.a.b', '1')).toBe('{"a":{"b":1}}');
    expect(set('{}', '$.a[2].b', '1')).toBe('{"a":[null,null,{"b":1}]}');
    expect(set('{"a":[1]}', '$.a[3]', '100')).toBe('{"a":[1,null,null,100]}');
    expect(set('{"a":null}', '$.a.b', 'true')).toBe('{"a":{"b":true}}');
    expect(set('null', '$.a', '1')).toBe('{"a":1}');
  });

  it('replaces the whole document at $', () => {
    expect(set('{"a":1}', '$', '[1]')).toBe('[1]');
  });

  it('refuses what JSON_SET would silently ignore', () => {
    expect(() => set('{"a":1}', '$.a.b', '2')).toThrow('$.a is a number, not an object');
    expect(() => set('{"a":[1]}', '$.a.b', '2')).toThrow('$.a is an array, not an object');
    expect(() => set('{"a":{}}', '$.a[0]', '2')).toThrow('$.a is an object, not an array');
    expect(() => set('{"a":1}', '$.b', '2', false)).toThrow('does not exist and create_if_missing is false');
    expect(() => set('{"a":[]}', '$.a[0]', '2', false)).toThrow('past the end');
  });

  it('applies edits left to right', () => {
    const after = applyEdits(doc('{"a":1}'), [
      { op: 'set', path: '$.b', value: '{"c":1}', createIfMissing: true },
      { op: 'set', path: '$.b.c', value: '2', createIfMissing: true },
      { op: 'remove', path: '$.a' },
    ]);
    expect(stringifyJson(after)).toBe('{"b":{"c":2}}');
  });

  it('refuses to remove what is not there, or the whole document', () => {
    expect(() => jsonRemove(doc('{"a":1}'), '$.b')).toThrow('$.b does not exist');
    expect(() => jsonRemove(doc('{"a":1}'), '$')).toThrow('whole document');
  });

  it('parses --set arguments and explains unquoted strings', () => {
    expect(parseSetArgument('$.Status="Failed"')).toEqual({ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true });
    expect(parseSetArgument('$."a=b"=1').path).toBe('$."a=b"');
    expect(() => parseSetArgument('$.Status=Failed')).toThrow('strings need quotes: $.Status="Failed"');
    expect(() => parseSetArgument('$.Status')).toThrow('expected PATH=JSON');
  });

  const objects = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });
  // Keys evfix can name in a path: without a double quote or a backslash (refused: see JSON paths above).
  const pathKey = fc.string({ minLength: 1, maxLength: 6 }).filter((key) => !/["\\]/.test(key));
  const keyPaths = fc.array(pathKey, { minLength: 1, maxLength: 3 });

  it('property: after a set, the value is at the path (or the set was refused)', () => {
    fc.assert(
      fc.property(objects, keyPaths, fc.jsonValue({ maxDepth: 2 }), (object, keys, value) => {
        const path = formatPath(keys.map((key) => ({ kind: 'key', key })));
        const before = parseJson(JSON.stringify(object));
        const v = parseJson(JSON.stringify(value));
        let after: Json;
        try {
          after = jsonSet(before, path, v);
        } catch (error) {
          // Refused only when something on the way is a scalar or an array.
          expect((error as Error).message).toMatch(/is (a|an) (number|string|boolean|array)/);
          return;
        }
        expect(canonicalJson(valueAtPath(after, path)!)).toBe(canonicalJson(v));
      }),
    );
  });

  it('property: a set leaves every other top-level key untouched and the input unchanged', () => {
    fc.assert(
      fc.property(objects, pathKey, fc.jsonValue({ maxDepth: 2 }), (object, key, value) => {
        const before = parseJson(JSON.stringify(object));
        const snapshot = canonicalJson(before);
        const after = jsonSet(before, formatPath([{ kind: 'key', key }]), parseJson(JSON.stringify(value))) as Record<string, Json>;
        expect(canonicalJson(before)).toBe(snapshot);
        for (const other of Object.keys(object)) {
          if (other !== key) expect(canonicalJson(after[other]!)).toBe(canonicalJson((before as Record<string, Json>)[other]!));
        }
      }),
    );
  });

  it('property: create_if_missing = false never adds a key', () => {
    fc.assert(
      fc.property(objects, pathKey, (object, key) => {
        const before = parseJson(JSON.stringify(object));
        const path = formatPath([{ kind: 'key', key }]);
        if (key in object) expect(valueAtPath(jsonSet(before, path, 1, false), path)).toBe(1);
        else expect(() => jsonSet(before, path, 1, false)).toThrow('create_if_missing is false');
      }),
    );
  });

  it('property: remove after set restores a document without the key', () => {
    fc.assert(
      fc.property(objects, pathKey, (object, key) => {
        fc.pre(!(key in object));
        const before = parseJson(JSON.stringify(object));
        const path = formatPath([{ kind: 'key', key }]);
        expect(canonicalJson(jsonRemove(jsonSet(before, path, 'x'), path))).toBe(canonicalJson(before));
      }),
    );
  });
});

describe('diffs', () => {
  it('names the differing paths', () => {
    expect(differingPaths(doc('{"a":1,"b":{"c":[1,2]}}'), doc('{"a":1,"b":{"c":[1,3]},"d":0}'))).toEqual(['$.b.c[1]', '$.d']);
    expect(differingPaths(doc('{"a":1,"b":2}'), doc('{"b":2,"a":1}'))).toEqual([]);
  });

  it('shows a line diff of before and after', () => {
    const diff = lineDiff(doc('{"Status":"Pending","a":1}'), doc('{"Status":"Failed","a":1}'));
    expect(diff.filter((d) => d.op !== ' ')).toEqual([
      { op: '-', text: '  "Status": "Pending",' },
      { op: '+', text: '  "Status": "Failed",' },
    ]);
  });
});
