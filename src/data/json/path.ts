/**
 * JSON paths in BigQuery's JSONPath form: `$`, `.key`, `."key with dots"`,
 * `['key']` and `[0]`. evfix parses them itself so that a typo is reported
 * before anything is planned, and so that the same path means the same thing
 * on DuckDB and on BigQuery.
 *
 * A key holding a double quote or a backslash is refused: BigQuery's JSON_SET
 * and JSON_REMOVE take the text between a key's quotes as it stands, so
 * `$."a\"b"` names the key `a\"b` there (backslash kept; ZetaSQL's reference
 * evaluator agrees), while `$."a\\b"` names `a\\b`. No spelling of such a key
 * means the same on both engines, and an edit through it would write another
 * key than the one the plan shows.
 */
import { inputError } from '../errors.js';

export type PathSegment = { kind: 'key'; key: string } | { kind: 'index'; index: number };
export type JsonPath = PathSegment[];

const PLAIN_KEY = /[A-Za-z0-9_\-\u0080-\uFFFF]/u;

export function parsePath(text: string, field = 'path'): JsonPath {
  const fail = (why: string): never => {
    throw inputError(field, `"${text}" is not a JSON path: ${why} (examples: $.Status, $.flags.manual, $.items[0], $."key.with.dots")`);
  };
  if (!text.startsWith('$')) fail('it must start with $');
  const segments: JsonPath = [];
  let pos = 1;
  while (pos < text.length) {
    const ch = text[pos];
    if (ch === '.') {
      pos++;
      if (text[pos] === '"') {
        const [key, end] = quoted(text, pos, '"', fail);
        segments.push({ kind: 'key', key: portable(key, fail) });
        pos = end;
      } else {
        const start = pos;
        while (pos < text.length && PLAIN_KEY.test(text[pos] as string)) pos++;
        if (pos === start) fail(`expected a key after "." at character ${pos + 1}`);
        segments.push({ kind: 'key', key: text.slice(start, pos) });
      }
    } else if (ch === '[') {
      pos++;
      const q = text[pos];
      if (q === '"' || q === "'") {
        const [key, end] = quoted(text, pos, q, fail);
        pos = end;
        segments.push({ kind: 'key', key: portable(key, fail) });
      } else {
        const digits = /^\d+/.exec(text.slice(pos));
        if (!digits) fail(`expected an array index or a quoted key at character ${pos + 1}`);
        const index = Number(digits![0]);
        if (!Number.isSafeInteger(index) || index > 1_000_000) fail(`array index ${digits![0]} is too large`);
        segments.push({ kind: 'index', index });
        pos += digits![0].length;
      }
      if (text[pos] !== ']') fail(`expected "]" at character ${pos + 1}`);
      pos++;
    } else {
      fail(`unexpected ${JSON.stringify(ch)} at character ${pos + 1}`);
    }
  }
  return segments;
}

/** A quoted key both engines read alike: without a double quote or a backslash (see the header). */
function portable(key: string, fail: (why: string) => never): string {
  if (/["\\]/.test(key)) {
    fail(
      `the key ${JSON.stringify(key)} holds a ${key.includes('"') ? 'double quote' : 'backslash'}, which BigQuery's JSON paths do not unescape ` +
        `(it would edit another key than the one shown); evfix does not edit or select through such keys`,
    );
  }
  return key;
}

function quoted(text: string, pos: number, q: string, fail: (why: string) => never): [string, number] {
  let out = '';
  let i = pos + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      out += text[i + 1];
      i += 2;
    } else if (ch === q) {
      if (out === '') fail('empty key');
      return [out, i + 1];
    } else {
      out += ch;
      i++;
    }
  }
  return fail('unterminated quoted key');
}

/** Renders a path in the form BigQuery's JSON functions accept. */
export function formatPath(path: JsonPath): string {
  return (
    '$' +
    path
      .map((s) =>
        s.kind === 'index' ? `[${s.index}]` : /^[A-Za-z0-9_]+$/.test(s.key) ? `.${s.key}` : `."${s.key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
      )
      .join('')
  );
}

export const normalizePath = (text: string, field?: string) => formatPath(parsePath(text, field));

/**
 * The first position outside quotes (a quoted path key, a JSON string; backslash escapes inside) where `at`
 * finds something, and what it found: how `PATH=VALUE` and `PATH OP VALUE` are split where keys may hold
 * "=" or "<".
 */
export function firstOutsideQuotes<T>(text: string, at: (i: number) => T | undefined): { at: number; found: T } | undefined {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else {
      const found = at(i);
      if (found !== undefined) return { at: i, found };
    }
  }
  return undefined;
}
