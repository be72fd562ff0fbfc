/**
 * The Jinja that profiles.yml files use in practice, rendered as dbt renders
 * it, and nothing more: `{{ env_var('NAME') }}` / `{{ env_var("NAME", "default") }}`
 * piped through a few filters. evfix does not embed a Jinja engine; whatever
 * else appears in `{{ }}` or `{% %}` is refused with the file and line, so a
 * value evfix cannot render never silently becomes a project or a dataset.
 *
 * Followed from dbt-core 1.11 (v1.11.14) and dbt-common:
 * - env_var: core/dbt/context/secret.py (the profile context) and
 *   core/dbt/context/base.py: the variable's value if it is set (even empty),
 *   else the default if one is given, else EnvVarMissingError, whose message is
 *   "Env var required but not provided: 'NAME'" (core/dbt/exceptions.py).
 * - Profiles render with native types (core/dbt/config/renderer.py calls
 *   get_rendered(..., native=True)): dbt_common/clients/jinja.py
 *   quoted_native_concat keeps a lone `{{ env_var(...) }}` a string, turns
 *   `| as_number` / `| as_bool` through Python's literal_eval into a number or a
 *   bool (or fails: "Could not convert value 'x' into type 'number'"), keeps
 *   `| as_text` text, and joins several pieces (text around an expression) into
 *   one string.
 * - Jinja itself (templates are not created with keep_trailing_newline) drops
 *   one trailing newline, which is why `threads: |\n  {{ env_var('T', 4) }}`
 *   renders the number 4; `{{-` and `-}}` strip the whitespace beside them;
 *   `{# #}` is a comment.
 * - Filters are Jinja's builtins: trim, lower, upper, int (Python int(), else
 *   int(float()), else the default 0), default(value, boolean=false) (which,
 *   since env_var never returns undefined, only acts with boolean=true on an
 *   empty value, exactly as in dbt).
 */
import { EvfixError } from '../errors.js';

export type Rendered = string | number | boolean;

/** Where a template came from, for messages; `secret` fields never have their text shown. */
export type TemplateSite = { file: string; line: number; field: string; secret?: boolean };

export const RENDERABLE =
  "evfix renders {{ env_var('NAME') }} and {{ env_var('NAME', 'default') }} (either quote style, {{- -}} allowed), " +
  'optionally piped through trim, lower, upper, int, as_text, as_number, as_bool or default(value, true)';

export class TemplateError extends EvfixError {
  constructor(site: TemplateSite, message: string) {
    super('config', `${site.file}:${site.line}: ${site.field}: ${message}`, 'rerun.dbt');
  }
}

/** A value during evaluation; the marker is dbt's TextMarker / BoolMarker / NumberMarker. */
type Value = { v: Rendered; marker?: 'text' | 'bool' | 'number' };

/** Python's str() of a value, as Jinja joins and filters see it. */
const pyStr = (v: Rendered): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
const truthy = (v: Rendered): boolean => (typeof v === 'string' ? v.length > 0 : Boolean(v));

/** A Python int or float literal as ast.literal_eval reads it (with an optional sign), or undefined. */
function pythonNumber(text: string): number | undefined {
  const s = text.replace(/^[ \t]+/, '').replace(/\s+$/, '');
  const digits = '\\d(?:_?\\d)*';
  const int = `(?:[1-9](?:_?\\d)*|0(?:_?0)*|0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+)`;
  const exponent = `(?:[eE][+-]?${digits})`;
  const float = `(?:(?:${digits})?\\.${digits}${exponent}?|${digits}\\.${exponent}?|${digits}${exponent})`;
  const m = new RegExp(`^([+-]?)\\s*(${float}|${int})$`).exec(s);
  if (!m) return undefined;
  const body = m[2]!.replace(/_/g, '');
  const n = /^0[xob]/i.test(body) ? Number(body.toLowerCase()) : Number(body);
  return m[1] === '-' ? -n : n;
}

/** Jinja's `int` filter: int(value), else int(float(value)), else the default. */
function jinjaInt(v: Rendered, fallback: Rendered): Rendered {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = v.trim().replace(/_/g, '');
  if (/^[+-]?\d+$/.test(s)) return Number(s);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Math.trunc(Number(s));
  return fallback;
}

// ---- the expression inside {{ }} ----

type Token = { kind: 'name' | 'string' | 'number' | 'punct'; text: string; value?: string | number };

function tokenize(expr: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let out = '';
      let j = i + 1;
      for (; j < expr.length && expr[j] !== c; j++) {
        if (expr[j] === '\\' && j + 1 < expr.length) {
          const e = expr[++j]!;
          out += ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[e] ?? `\\${e}`;
        } else out += expr[j];
      }
      if (j >= expr.length) return undefined;
      tokens.push({ kind: 'string', text: expr.slice(i, j + 1), value: out });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(expr[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?/.exec(expr.slice(i))!;
      tokens.push({ kind: 'number', text: m[0], value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i))!;
      tokens.push({ kind: 'name', text: m[0] });
      i += m[0].length;
    } else if ('(),|'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else return undefined;
  }
  return tokens;
}

class Unsupported extends Error {}

function evaluate(expr: string, env: NodeJS.ProcessEnv, site: TemplateSite): Value {
  const tokens = tokenize(expr);
  if (!tokens || tokens.length === 0) throw new Unsupported();
  let at = 0;
  const peek = () => tokens[at];
  const take = (text?: string): Token => {
    const t = tokens[at];
    if (!t || (text !== undefined && t.text !== text)) throw new Unsupported();
    at++;
    return t;
  };
  /** A literal argument: a string, a number, or true/false. */
  const literal = (): Rendered => {
    const t = take();
    if (t.kind === 'string' || t.kind === 'number') return t.value!;
    if (t.kind === 'name' && /^(true|false|True|False)$/.test(t.text)) return /^[tT]/.test(t.text);
    throw new Unsupported();
  };
  const args = (): Rendered[] => {
    const out: Rendered[] = [];
    if (peek()?.text !== '(') return out;
    take('(');
    while (peek()?.text !== ')') {
      out.push(literal());
      if (peek()?.text === ',') take(',');
      else if (peek()?.text !== ')') throw new Unsupported();
    }
    take(')');
    return out;
  };

  let value: Value;
  const first = take();
  if (first.kind === 'name' && first.text === 'env_var') {
    const a = args();
    if (a.length < 1 || a.length > 2 || typeof a[0] !== 'string') throw new Unsupported();
    const name = a[0];
    const set = env[name];
    // dbt: a variable that is set wins, even when empty; else the default; else the error.
    if (set !== undefined) value = { v: set };
    else if (a.length === 2) value = { v: a[1]! };
    else throw new TemplateError(site, `Env var required but not provided: '${name}'`);
  } else if (first.kind === 'string' || first.kind === 'number') {
    value = { v: first.value! };
  } else throw new Unsupported();

  while (peek()) {
    take('|');
    const filter = take();
    if (filter.kind !== 'name') throw new Unsupported();
    const a = args();
    const arity = (max: number) => {
      if (a.length > max) throw new Unsupported();
    };
    switch (filter.text) {
      case 'trim':
        arity(0);
        value = { v: pyStr(value.v).trim() };
        break;
      case 'lower':
        arity(0);
        value = { v: pyStr(value.v).toLowerCase() };
        break;
      case 'upper':
        arity(0);
        value = { v: pyStr(value.v).toUpperCase() };
        break;
      case 'int':
        arity(1);
        value = { v: jinjaInt(value.v, a[0] ?? 0) };
        break;
      case 'as_text':
        arity(0);
        value = { v: pyStr(value.v), marker: 'text' };
        break;
      case 'as_number':
        arity(0);
        value = { v: pyStr(value.v), marker: 'number' };
        break;
      case 'as_bool':
        arity(0);
        value = { v: pyStr(value.v), marker: 'bool' };
        break;
      case 'default':
      case 'd':
        if (a.length < 1 || a.length > 2) throw new Unsupported();
        if (a[1] === true && !truthy(value.v)) value = { v: a[0]! };
        break;
      default:
        throw new Unsupported();
    }
  }
  return value;
}

/** dbt's quoted_native_concat: one piece keeps its type (markers converted), several join as text. */
function nativeResult(pieces: Value[], site: TemplateSite): Rendered {
  if (pieces.length === 0) return '';
  if (pieces.length > 1) return pieces.map((p) => pyStr(p.v)).join('');
  const only = pieces[0]!;
  if (!only.marker || only.marker === 'text') return only.v;
  const raw = String(only.v);
  const trimmed = raw.replace(/^[ \t]+/, '').replace(/\s+$/, '');
  if (only.marker === 'bool') {
    // literal_eval accepts Python's True and False only; "true" stays a string and dbt refuses it.
    if (trimmed === 'True' || trimmed === 'False') return trimmed === 'True';
    throw new TemplateError(site, `Could not convert value '${site.secret ? '(secret)' : raw}' into type 'bool'`);
  }
  const n = pythonNumber(raw);
  if (n === undefined) throw new TemplateError(site, `Could not convert value '${site.secret ? '(secret)' : raw}' into type 'number'`);
  return n;
}

const OPEN = /\{\{|\{%|\{#/g;

/** Renders one profile value. Strings without `{{`, `{%` or `{#` come back unchanged. */
export function renderTemplate(text: string, env: NodeJS.ProcessEnv, site: TemplateSite): Rendered {
  if (!/\{[{%#]/.test(text)) return text;
  // Jinja drops a single trailing newline (keep_trailing_newline is off).
  const source = text.replace(/\r?\n$/, '');
  type Piece = { data: string } | { tag: string; expr: string; comment: boolean; stripBefore: boolean; stripAfter: boolean };
  const raw: Piece[] = [];
  let pos = 0;
  const shownTag = (tag: string) => (site.secret ? '(a secret field: its text is not shown)' : tag.length > 60 ? `${tag.slice(0, 57)}...` : tag);
  for (;;) {
    OPEN.lastIndex = pos;
    const m = OPEN.exec(source);
    if (!m) {
      raw.push({ data: source.slice(pos) });
      break;
    }
    raw.push({ data: source.slice(pos, m.index) });
    const close = m[0] === '{{' ? '}}' : m[0] === '{%' ? '%}' : '#}';
    const end = source.indexOf(close, m.index + 2);
    const tag = source.slice(m.index, end < 0 ? source.length : end + 2);
    if (end < 0) throw new TemplateError(site, `unclosed ${m[0]} in ${shownTag(tag)}; ${RENDERABLE}`);
    if (m[0] === '{%') throw new TemplateError(site, `evfix cannot render ${shownTag(tag)}: no {% %} statements; ${RENDERABLE}`);
    let expr = source.slice(m.index + 2, end);
    const stripBefore = expr.startsWith('-');
    const stripAfter = expr.endsWith('-');
    if (stripBefore) expr = expr.slice(1);
    if (stripAfter) expr = expr.slice(0, -1);
    const comment = m[0] === '{#';
    if (!comment && expr.trim() === '') throw new TemplateError(site, `evfix cannot render an empty ${shownTag(tag)}; ${RENDERABLE}`);
    raw.push({ tag, expr, comment, stripBefore, stripAfter });
    pos = end + 2;
  }
  // Whitespace control: `{{-` strips the text before, `-}}` the text after.
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i]!;
    if ('tag' in p) {
      const before = raw[i - 1];
      const after = raw[i + 1];
      if (p.stripBefore && before && 'data' in before) before.data = before.data.replace(/\s+$/, '');
      if (p.stripAfter && after && 'data' in after) after.data = after.data.replace(/^\s+/, '');
    }
  }
  const pieces: Value[] = [];
  for (const p of raw) {
    if ('data' in p) {
      // Jinja emits no empty text pieces, so `{{- x -}}` with spaces around is still one piece.
      if (p.data !== '') pieces.push({ v: p.data });
    } else if (!p.comment) {
      try {
        pieces.push(evaluate(p.expr, env, site));
      } catch (error) {
        if (error instanceof Unsupported) throw new TemplateError(site, `evfix cannot render ${shownTag(p.tag)}; ${RENDERABLE}`);
        throw error;
      }
    }
  }
  return nativeResult(pieces, site);
}
