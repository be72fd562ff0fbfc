/**
 * Just enough GoogleSQL lexing to edit statement text safely: strings,
 * backquoted identifiers and comments are skipped, so a `;` or a table name
 * inside a literal is never touched. Statement boundaries and table names
 * come from ZetaSQL's own parser (zetasql.ts); this file only finds where a
 * table path is written so it can be rewritten to the one flat name the
 * evaluator's catalog holds, and removes JSON_SET's `create_if_missing => TRUE`,
 * which this ZetaSQL release predates.
 */

export type Token = { kind: 'ident' | 'quoted' | 'string' | 'number' | 'param' | 'punct'; text: string; value: string; start: number; end: number };

const PUNCT = ['=>', '>=', '<=', '<>', '!=', '||', '<<', '>>'];

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    const start = i;
    const prefix = /^(?:rb|br|r|b)(?=['"])/i.exec(sql.slice(i, i + 3));
    if (c === "'" || c === '"' || prefix) {
      const raw = prefix ? /r/i.test(prefix[0]) : false;
      i += prefix ? prefix[0].length : 0;
      const q = sql[i]!;
      const triple = sql.startsWith(q.repeat(3), i);
      const close = triple ? q.repeat(3) : q;
      i += close.length;
      while (i < n && !sql.startsWith(close, i)) i += !raw && sql[i] === '\\' ? 2 : 1;
      i = Math.min(n, i + close.length);
      const text = sql.slice(start, i);
      out.push({ kind: 'string', text, value: text.slice((prefix?.[0].length ?? 0) + close.length, text.length - close.length), start, end: i });
      continue;
    }
    if (c === '`') {
      i++;
      let value = '';
      while (i < n && sql[i] !== '`') {
        if (sql[i] === '\\' && i + 1 < n) i++;
        value += sql[i++];
      }
      i++;
      out.push({ kind: 'quoted', text: sql.slice(start, i), value, start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_]/.test(sql[i]!)) i++;
      const text = sql.slice(start, i);
      out.push({ kind: 'ident', text, value: text, start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i]!)) i += /[eE]/.test(sql[i]!) && /[+-]/.test(sql[i + 1] ?? '') ? 2 : 1;
      out.push({ kind: 'number', text: sql.slice(start, i), value: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === '@') {
      i++;
      while (i < n && /[@A-Za-z0-9_]/.test(sql[i]!)) i++;
      out.push({ kind: 'param', text: sql.slice(start, i), value: sql.slice(start + 1, i), start, end: i });
      continue;
    }
    const op = PUNCT.find((p) => sql.startsWith(p, i)) ?? c;
    i += op.length;
    out.push({ kind: 'punct', text: op, value: op, start, end: i });
  }
  return out;
}

export type PathRef = { segments: string[]; start: number; end: number; written: number };

/** Every dotted name in the text (`a.b.c`, `` `p.d.t` ``, `` `p`.d.t ``), with its segments split at every dot. */
export function paths(tokens: readonly Token[]): PathRef[] {
  const out: PathRef[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' && t.kind !== 'quoted') continue;
    if (i > 0 && tokens[i - 1]!.text === '.' && tokens[i - 1]!.end === t.start) continue;
    const parts = [t];
    let j = i;
    while (tokens[j + 1]?.text === '.' && (tokens[j + 2]?.kind === 'ident' || tokens[j + 2]?.kind === 'quoted')) {
      parts.push(tokens[j + 2]!);
      j += 2;
    }
    out.push({ segments: parts.flatMap((p) => p.value.split('.')), start: t.start, end: parts[parts.length - 1]!.end, written: parts.length });
    i = j;
  }
  return out;
}

export type Edit = { start: number; end: number; text: string };

export function applyEdits(sql: string, edits: readonly Edit[]): string {
  let out = '';
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += sql.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + sql.slice(at);
}

/** An offset in the edited text back to the original (inside a replacement: its start). */
export function originalOffset(offset: number, edits: readonly Edit[]): number {
  let delta = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    const editedStart = e.start + delta;
    if (offset < editedStart) break;
    if (offset < editedStart + e.text.length) return e.start;
    delta += e.text.length - (e.end - e.start);
  }
  return offset - delta;
}

/**
 * `create_if_missing => TRUE` removed (this ZetaSQL's JSON_SET predates the
 * argument and always creates missing members, which is what TRUE means).
 * FALSE, or anything not a literal, cannot be honoured: the caller refuses.
 */
export function jsonSetEdits(tokens: readonly Token[]): { edits: Edit[]; unsupported?: string } {
  const edits: Edit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.kind !== 'ident' || tokens[i]!.value.toLowerCase() !== 'create_if_missing' || tokens[i + 1]?.text !== '=>') continue;
    const value = tokens[i + 2];
    const after = tokens[i + 3];
    if (value?.kind !== 'ident' || value.value.toUpperCase() !== 'TRUE' || (after && after.text !== ')')) {
      return { edits, unsupported: `create_if_missing => ${value?.text ?? ''}` };
    }
    const comma = tokens[i - 1]?.text === ',' ? tokens[i - 1]! : tokens[i]!;
    edits.push({ start: comma.start, end: value.end, text: '' });
  }
  return { edits };
}

/** 1-based line and column of an offset, the way BigQuery prints `at [line:column]`. */
export function lineColumn(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return [line, offset - before.lastIndexOf('\n')];
}

export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  return offset + column - 1;
}

/** The index of the first top-level (unparenthesised) token after `from` that is the keyword `word`. */
export function topLevelKeyword(tokens: readonly Token[], word: string, from = 0): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.kind === 'ident' && t.value.toUpperCase() === word) return i;
  }
  return -1;
}
