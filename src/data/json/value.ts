/**
 * event_data as a JSON value that survives a round trip exactly.
 *
 * JSON.parse turns 12345678901234567890 into 12345678901234567000, which would
 * make evfix write a changed amount that nobody asked for. Integer literals
 * beyond 2^53 are therefore kept as their text (JsonNumber). Objects have a null
 * prototype so that keys like `__proto__` are ordinary data, and keep their key
 * order for display; comparison is canonical (sorted keys), as BigQuery does not
 * keep key order either.
 */
import { inputError } from '../errors.js';

export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonObject = { [key: string]: Json };
export type Json = null | boolean | number | string | JsonNumber | Json[] | JsonObject;

/** BigQuery's limit on JSON nesting; deeper documents are refused, not crashed on. */
export const MAX_DEPTH = 500;

export const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);

export const newObject = (): JsonObject => Object.create(null) as JsonObject;

const LITERALS: [string, Json][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

const SIMPLE_ESCAPES: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
});

export function parseJson(text: string, field = 'JSON'): Json {
  let pos = 0;
  const fail = (what: string): never => {
    const ended = pos >= text.length ? ', but the text ended' : '';
    throw inputError(field, `invalid JSON at character ${pos + 1}: ${what}${ended}`);
  };
  const ws = () => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\n' || text[pos] === '\r' || text[pos] === '\t')) pos++;
  };
  const value = (depth: number): Json => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    ws();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const obj = newObject();
      ws();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a quoted key');
        const key = string();
        ws();
        if (text[pos] !== ':') fail('expected ":"');
        pos++;
        obj[key] = value(depth + 1);
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return obj;
        } else fail('expected "," or "}"');
      }
    }
    if (ch === '[') {
      pos++;
      const arr: Json[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return arr;
        } else fail('expected "," or "]"');
      }
    }
    if (ch === '"') return string();
    for (const [word, value] of LITERALS) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = pos;
    const num = NUMBER.exec(text);
    if (!num) return fail(ch === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(ch)}`);
    pos += num[0].length;
    const n = Number(num[0]);
    if (!num[1] && !num[2] && !Number.isSafeInteger(n)) return new JsonNumber(num[0]);
    if (!Number.isFinite(n)) fail(`number ${num[0]} is out of range`);
    return n;
  };
  // A string is copied out in runs between escapes, not character by character: a character at a time made a new
  // string per character, most of what parsing 100,000 documents allocated.
  const string = (): string => {
    const start = pos;
    pos++;
    let out = '';
    let run = pos;
    for (;;) {
      const code = text.charCodeAt(pos);
      if (Number.isNaN(code)) {
        pos = start;
        return fail('unterminated string');
      }
      if (code === 0x22) {
        out += text.slice(run, pos);
        pos++;
        return out;
      }
      if (code === 0x5c) {
        out += text.slice(run, pos);
        const esc = text[pos + 1];
        if (esc !== undefined && esc in SIMPLE_ESCAPES) {
          out += SIMPLE_ESCAPES[esc];
          pos += 2;
        } else if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else fail('invalid escape');
        run = pos;
      } else if (code < 0x20) {
        fail('control character in string (escape it as \\uXXXX)');
      } else {
        pos++;
      }
    }
  };
  const result = value(0);
  ws();
  if (pos < text.length) fail('unexpected text after the value');
  return result;
}

const quote = (s: string) => JSON.stringify(s);

function render(v: Json, indent: string | null, sortKeys: boolean, depth: string): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return JSON.stringify(v);
  if (typeof v === 'string') return quote(v);
  if (v instanceof JsonNumber) return v.text;
  const inner = indent === null ? '' : depth + indent;
  const nl = indent === null ? '' : '\n';
  const sep = indent === null ? ':' : ': ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => inner + render(x, indent, sortKeys, inner)).join(`,${nl}`)}${nl}${indent === null ? '' : depth}]`;
  }
  const keys = Object.keys(v);
  if (sortKeys) keys.sort();
  if (keys.length === 0) return '{}';
  return `{${nl}${keys.map((k) => inner + quote(k) + sep + render(v[k] as Json, indent, sortKeys, inner)).join(`,${nl}`)}${nl}${indent === null ? '' : depth}}`;
}

/** Compact text in the document's own key order: what evfix writes. */
export const stringifyJson = (v: Json) => render(v, null, false, '');
/** Two-space indented text for screens and diffs. */
export const prettyJson = (v: Json) => render(v, '  ', false, '');
/** Sorted-key compact text: two documents are equal when these are equal. */
export const canonicalJson = (v: Json) => render(v, null, true, '');

/**
 * canonicalJson(a) === canonicalJson(b), found by walking both documents instead of rendering them: an update
 * compares every event's document before and after, and rendering both made strings it threw away at once.
 */
export function jsonEquals(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a instanceof JsonNumber || b instanceof JsonNumber) {
    // The other may be a plain number: the two render alike only when their texts match.
    const text = (n: Json) => (n instanceof JsonNumber ? n.text : typeof n === 'number' ? JSON.stringify(n) : undefined);
    return text(a) !== undefined && text(a) === text(b);
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEquals(a[i]!, b[i]!)) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(b, k) || !jsonEquals(a[k]!, b[k]!)) return false;
  }
  return true;
}

export function jsonType(v: Json | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof JsonNumber || typeof v === 'number') return 'number';
  return typeof v;
}
