/**
 * An update's edits as the warehouse runs them.
 *
 * The operator's edits (--set, --remove, --replace, in the order typed) are checked once, here, into an
 * EditProgram: an optional replacement document every event starts from, then edits on paths that are
 * independent of each other (no path is another's prefix), so each can be checked against the document as
 * it was. Both engines render a program as SQL: BigQuery with its own JSON_SET / JSON_REMOVE, DuckDB with
 * json_merge_patch where that gives JSON_SET's result, and with evfix_edit (this file, registered on the
 * connection) where it does not. The semantics are edit.ts's; `runProgram` is what evfix_edit runs and what
 * the review sample is computed with, and property tests hold every rendering equal to it.
 *
 * The same program says, per edit, when JSON_SET would silently do nothing to a document (a path through a
 * scalar, a key into an array, an index into an object) and when JSON_REMOVE would (the path is not there):
 * the engines count those events at plan time, and evfix refuses them or leaves them out.
 */
import { EvfixError, inputError } from '../errors.js';
import { jsonRemove, jsonSet, type Edit } from './edit.js';
import { formatPath, parsePath, type JsonPath } from './path.js';
import { isObject, jsonEquals, jsonType, parseJson, stringifyJson, type Json } from './value.js';

/** Where a set's value comes from: one JSON value for every event, or a column of the selection (one per event). */
export type ValueSource = { kind: 'constant'; json: string } | { kind: 'column'; column: string };

export type ProgramEdit = { op: 'set'; path: JsonPath; text: string; source: ValueSource } | { op: 'remove'; path: JsonPath; text: string };

export type EditProgram = {
  /** The replacement document (compact JSON text) every event starts from, when the operator gave one. */
  base?: string;
  edits: ProgramEdit[];
};

/** A proper prefix of an edit's path and the container the next segment needs there (or null, or nothing). */
export type PrefixNeed = { path: JsonPath; text: string; needs: 'object' | 'array' };

/** What must hold of a document for the edit to change it as asked. */
export type EditChecks = { prefixes: PrefixNeed[]; mustExist: boolean };

const isPrefix = (a: JsonPath, b: JsonPath) =>
  a.length <= b.length &&
  a.every((s, i) => {
    const t = b[i]!;
    return s.kind === t.kind && (s.kind === 'key' ? s.key === (t as typeof s).key : s.index === (t as typeof s).index);
  });

/**
 * Checks the edits as typed and returns the program the engines run. Edits apply in the order given; a
 * replacement must come first (anything before it would be thrown away), event_data stays a JSON object, and
 * two edits may not touch the same path or one inside the other (say it as one value instead).
 */
export function compileEdits(edits: readonly Edit[]): EditProgram {
  if (edits.length === 0) throw inputError('edit', 'give at least one change (--set PATH=JSON, --remove PATH or --replace FILE)');
  let base: Json | undefined;
  const out: ProgramEdit[] = [];
  for (const edit of edits) {
    if (edit.op === 'replace' || (edit.op === 'set' && parsePath(edit.path, 'set path').length === 0)) {
      const field = edit.op === 'replace' ? 'replace' : 'set';
      if (base !== undefined) throw inputError(field, 'a second replacement of the whole document; give one --replace (or set $) at most');
      if (out.length) throw inputError(field, `comes after ${describe(out[0]!)}, which it would throw away; put --replace first`);
      const doc = parseJson(edit.op === 'replace' ? edit.document : edit.value, 'replacement document');
      if (!isObject(doc)) throw inputError(field, `the replacement is ${article(jsonType(doc))}; event_data must stay a JSON object`);
      base = doc;
      continue;
    }
    const field = edit.op === 'remove' ? 'remove' : 'set';
    const path = parsePath(edit.path, `${field} path`);
    const text = formatPath(path);
    if (path.length === 0) {
      if (edit.op === 'remove') throw inputError('remove', 'remove $ would delete the whole document; event_data must stay a JSON object');
      throw inputError('set', 'set $ from a column would replace the whole document with one value; set a path inside it');
    }
    for (const other of out) {
      if (isPrefix(other.path, path) || isPrefix(path, other.path)) {
        throw inputError(
          field,
          `${text} and ${other.text} (change ${out.indexOf(other) + 1}) touch the same value; say it as one change (e.g. set the outer path to the whole new value)`,
        );
      }
    }
    if (edit.op === 'remove') {
      out.push({ op: 'remove', path, text });
    } else if (edit.op === 'set-from') {
      out.push({ op: 'set', path, text, source: { kind: 'column', column: edit.column } });
    } else {
      const value = parseJson(edit.value!, `value for ${text}`);
      out.push({ op: 'set', path, text, source: { kind: 'constant', json: stringifyJson(value) } });
    }
  }
  if (base === undefined) return { edits: out };
  // Constant edits on a known document are done now, so the engines start from the finished replacement.
  let doc: Json = base;
  const rest: ProgramEdit[] = [];
  for (const edit of out) {
    if (edit.op === 'set' && edit.source.kind === 'column') {
      rest.push(edit);
      continue;
    }
    try {
      doc = applyProgramEdit(doc, edit, {});
    } catch (error) {
      throw new EvfixError('input', `on the replacement document: ${(error as Error).message}`, edit.op);
    }
  }
  for (const edit of rest) {
    const problem = problemOf(doc, edit);
    if (problem) throw inputError('set', `on the replacement document: ${problem}`);
  }
  return { base: stringifyJson(doc), edits: rest };
}

/** What each edit needs of a document (see EditChecks). */
export function checksOf(edit: ProgramEdit): EditChecks {
  const prefixes: PrefixNeed[] = [];
  for (let i = 0; i < edit.path.length; i++) {
    const sub = edit.path.slice(0, i);
    prefixes.push({ path: sub, text: formatPath(sub) || '$', needs: edit.path[i]!.kind === 'key' ? 'object' : 'array' });
  }
  return { prefixes, mustExist: edit.op === 'remove' };
}

/**
 * Why JSON_SET / JSON_REMOVE would leave `doc` unchanged for edit `i`, as a code the engines' SQL produces
 * alike (see describeProblem), or undefined when the edit applies: `e<i>q<j>:<type>` when prefix j of the path
 * holds the wrong kind of value, `e<i>missing` when a removed path is not there.
 */
export function problemCode(doc: Json, edit: ProgramEdit, i: number): string | undefined {
  let node: Json | undefined = doc;
  const { prefixes, mustExist } = checksOf(edit);
  for (let j = 0; j < prefixes.length; j++) {
    const p = prefixes[j]!;
    if (node === undefined || node === null) return mustExist ? `e${i}missing` : undefined;
    if (p.needs === 'object' ? !isObject(node) : !Array.isArray(node)) return `e${i}q${j}:${jsonType(node)}`;
    const seg = edit.path[j]!;
    node = seg.kind === 'key' ? (Object.hasOwn(node as object, seg.key) ? (node as Record<string, Json>)[seg.key] : undefined) : (node as Json[])[seg.index];
  }
  if (mustExist && node === undefined) return `e${i}missing`;
  return undefined;
}

/** The engines' names for JSON types (DuckDB's json_type, BigQuery's JSON_TYPE) in the operator's words. */
const TYPE_WORDS: Record<string, string> = {
  OBJECT: 'object',
  ARRAY: 'array',
  VARCHAR: 'string',
  BOOLEAN: 'boolean',
  NULL: 'null',
  BIGINT: 'number',
  UBIGINT: 'number',
  DOUBLE: 'number',
  HUGEINT: 'number',
  object: 'object',
  array: 'array',
  string: 'string',
  boolean: 'boolean',
  null: 'null',
  number: 'number',
};

/** A problem code (problemCode's, or an engine's) in words, naming the path and what was found there. */
export function describeProblem(program: EditProgram, code: string): string {
  if (code.startsWith('root:')) return `event_data is ${article(TYPE_WORDS[code.slice(5)] ?? code.slice(5).toLowerCase())}, not a JSON object`;
  const m = /^e(\d+)(?:q(\d+):(.*)|(missing))$/.exec(code);
  const edit = m ? program.edits[Number(m[1])] : undefined;
  if (!m || !edit) return `cannot be changed as asked (${code})`;
  if (m[4]) return `${edit.text} is not there to remove`;
  const p = checksOf(edit).prefixes[Number(m[2])]!;
  return `${edit.op} ${edit.text}: ${p.text} is ${article(TYPE_WORDS[m[3]!] ?? m[3]!.toLowerCase())}, not ${article(p.needs)}`;
}

/** problemCode in words, for one edit alone (the replacement document's checks). */
export function problemOf(doc: Json, edit: ProgramEdit): string | undefined {
  const code = problemCode(doc, edit, 0);
  return code === undefined ? undefined : describeProblem({ edits: [edit] }, code);
}

/** One edit, with edit.ts's semantics (jsonSet creates what is missing, as create_if_missing => TRUE). */
function applyProgramEdit(doc: Json, edit: ProgramEdit, values: Readonly<Record<string, Json>>): Json {
  if (edit.op === 'remove') return jsonRemove(doc, edit.text);
  const value = edit.source.kind === 'constant' ? parseJson(edit.source.json) : values[edit.source.column];
  if (value === undefined) throw inputError('set', `${edit.text}: no value in column ${(edit.source as { column: string }).column}`);
  return jsonSet(doc, edit.text, value, true);
}

export type ProgramResult = { after: Json; changed: boolean } | { problem: string };

/**
 * The program run on one document: what evfix_edit computes in DuckDB, and the after-document of every event
 * the operator reviews. `values` holds the event's per-row values by column name. A problem is its code
 * (see problemCode; describeProblem words it).
 */
export function runProgram(program: EditProgram, doc: Json, values: Readonly<Record<string, Json>> = {}): ProgramResult {
  if (!isObject(doc)) return { problem: `root:${jsonType(doc)}` };
  for (let i = 0; i < program.edits.length; i++) {
    const code = problemCode(doc, program.edits[i]!, i);
    if (code) return { problem: code };
  }
  let after: Json = program.base === undefined ? doc : parseJson(program.base);
  for (const edit of program.edits) after = applyProgramEdit(after, edit, values);
  return { after, changed: !jsonEquals(doc, after) };
}

/** The columns a program reads values from, in order of first use. */
export const programColumns = (program: EditProgram): string[] => [
  ...new Set(program.edits.flatMap((e) => (e.op === 'set' && e.source.kind === 'column' ? [e.source.column] : []))),
];

/**
 * Whether json_merge_patch gives exactly JSON_SET's result for this program on every document the checks let
 * through: key paths only (merge patch has no array indices), and set values that are strings, numbers or
 * booleans (a patch merges an object value into what is there, and a null removes the key). Removes are
 * patches of null. Anything else runs through evfix_edit.
 */
export function mergePatchable(program: EditProgram, columnTypes: Readonly<Record<string, 'string' | 'number' | 'boolean' | 'json'>> = {}): boolean {
  return program.edits.every((e) => {
    if (e.path.some((s) => s.kind === 'index')) return false;
    if (e.op === 'remove') return true;
    if (e.source.kind === 'column') return columnTypes[e.source.column] !== undefined && columnTypes[e.source.column] !== 'json';
    const v = parseJson(e.source.json);
    return typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' || jsonType(v) === 'number';
  });
}

/** A program's description for the plan, the confirm screen and help texts. */
export function describeProgram(program: EditProgram): string[] {
  return [...(program.base !== undefined ? ['replace the whole document'] : []), ...program.edits.map(describe)];
}

function describe(edit: ProgramEdit): string {
  if (edit.op === 'remove') return `remove ${edit.text}`;
  return edit.source.kind === 'constant' ? `set ${edit.text} = ${edit.source.json}` : `set ${edit.text} = each event's ${edit.source.column}`;
}

function article(type: string) {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The program as plain JSON for evfix_edit's argument, and back. */
export const programText = (program: EditProgram) => JSON.stringify(program);
export const programFromText = (text: string): EditProgram => JSON.parse(text) as EditProgram;
