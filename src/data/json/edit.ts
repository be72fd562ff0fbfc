/**
 * Edits of event_data with BigQuery's JSON_SET / JSON_REMOVE semantics, computed
 * here so the operator sees the exact document that will be written.
 *
 * JSON_SET(doc, path, value, create_if_missing => c):
 * - an existing value at the path is replaced;
 * - a missing key or an array index past the end is created when c is true
 *   (arrays are padded with nulls; the rest of the path is created as objects
 *   for keys and arrays for indices), and ignored when c is false;
 * - a JSON null on the way is replaced by the containers the path needs (c true);
 * - a scalar on the way, a key into an array or an index into an object is a
 *   type mismatch, which BigQuery ignores silently.
 * Where BigQuery would silently leave the document unchanged, evfix refuses the
 * edit instead: an operator who asked for a change must get it or be told why.
 */
import { EvfixError, inputError } from '../errors.js';
import { firstOutsideQuotes, formatPath, parsePath, type JsonPath, type PathSegment } from './path.js';
import { isObject, JsonNumber, jsonType, newObject, parseJson, stringifyJson, type Json, type JsonObject } from './value.js';
import * as z from 'zod';
import { differingPaths } from './diff.js';

export const EditSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), path: z.string(), value: z.string(), createIfMissing: z.boolean().default(true) }),
  z.object({ op: z.literal('remove'), path: z.string() }),
  /** Set PATH to each event's value in a column of the selection (a file's or a table's): `--set PATH=@column`. */
  z.object({ op: z.literal('set-from'), path: z.string(), column: z.string() }),
  z.object({ op: z.literal('replace'), document: z.string() }),
]);
/** An edit as a plan stores it: paths and values as text, so plans stay plain JSON. */
export type Edit = z.infer<typeof EditSchema>;

/** A deep copy to edit, keys in their order; numbers kept as text are immutable and shared. */
function clone(v: Json): Json {
  if (v === null || typeof v !== 'object' || v instanceof JsonNumber) return v;
  if (Array.isArray(v)) return v.map(clone);
  const out = newObject();
  for (const k of Object.keys(v)) out[k] = clone(v[k]!);
  return out;
}

function container(seg: PathSegment): Json {
  return seg.kind === 'key' ? newObject() : [];
}

function build(rest: JsonPath, value: Json): Json {
  let out = value;
  for (let i = rest.length - 1; i >= 0; i--) {
    const seg = rest[i] as PathSegment;
    const c = container(seg);
    if (seg.kind === 'key') (c as JsonObject)[seg.key] = out;
    else {
      (c as Json[])[seg.index] = out;
      fillHoles(c as Json[]);
    }
    out = c;
  }
  return out;
}

function fillHoles(arr: Json[]) {
  for (let i = 0; i < arr.length; i++) if (arr[i] === undefined) arr[i] = null;
}

export function jsonSet(doc: Json, pathText: string, value: Json, createIfMissing = true): Json {
  const path = parsePath(pathText);
  if (path.length === 0) return clone(value);
  const root = clone(doc);
  const where = (i: number) => formatPath(path.slice(0, i)) || '$';
  const refuse = (why: string): never => {
    throw new EvfixError('input', `set ${pathText}: ${why}; JSON_SET would leave the document unchanged`, 'path');
  };
  if (root === null) {
    if (!createIfMissing) refuse('the document is null and create_if_missing is false');
    return build(path, value);
  }
  let node: Json = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as PathSegment;
    const last = i === path.length - 1;
    if (seg.kind === 'key') {
      if (!isObject(node)) return refuse(`${where(i)} is ${article(jsonType(node))}, not an object`);
      const exists = Object.hasOwn(node, seg.key);
      const child: Json | undefined = exists ? node[seg.key] : undefined;
      if (last) {
        if (!exists && !createIfMissing) refuse(`${formatPath(path)} does not exist and create_if_missing is false`);
        node[seg.key] = value;
        return root;
      }
      if (!exists || child === null) {
        if (!createIfMissing) refuse(`${where(i + 1)} does not exist and create_if_missing is false`);
        node[seg.key] = build(path.slice(i + 1), value);
        return root;
      }
      node = child as Json;
    } else {
      if (!Array.isArray(node)) return refuse(`${where(i)} is ${article(jsonType(node))}, not an array`);
      const exists = seg.index < node.length;
      if (!exists && !createIfMissing) refuse(`${where(i + 1)} is past the end of the array and create_if_missing is false`);
      if (last) {
        node[seg.index] = value;
        fillHoles(node);
        return root;
      }
      const child: Json | undefined = node[seg.index];
      if (!exists || child === null) {
        node[seg.index] = build(path.slice(i + 1), value);
        fillHoles(node);
        return root;
      }
      node = child as Json;
    }
  }
  return root;
}

/** JSON_REMOVE, except that removing a path that is not there is refused rather than ignored. */
export function jsonRemove(doc: Json, pathText: string): Json {
  const path = parsePath(pathText);
  if (path.length === 0) throw inputError('path', 'remove $ would delete the whole document; use a replacement document instead');
  const root = clone(doc);
  let node: Json = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as PathSegment;
    const last = i === path.length - 1;
    const missing = () => new EvfixError('input', `remove ${pathText}: ${formatPath(path.slice(0, i + 1))} does not exist`, 'path');
    if (seg.kind === 'key') {
      if (!isObject(node) || !Object.hasOwn(node, seg.key)) throw missing();
      if (last) {
        delete node[seg.key];
        return root;
      }
      node = node[seg.key] as Json;
    } else {
      if (!Array.isArray(node) || seg.index >= node.length) throw missing();
      if (last) {
        node.splice(seg.index, 1);
        return root;
      }
      node = node[seg.index] as Json;
    }
  }
  return root;
}

/** The value at a path, or undefined where the path does not exist. */
export function valueAtPath(doc: Json, pathText: string): Json | undefined {
  let node: Json | undefined = doc;
  for (const seg of parsePath(pathText)) {
    if (seg.kind === 'key') node = isObject(node) && Object.hasOwn(node, seg.key) ? node[seg.key] : undefined;
    else node = Array.isArray(node) ? node[seg.index] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function article(type: string) {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Applies edits left to right, as JSON_SET applies its path/value pairs. */
export function applyEdits(doc: Json, edits: readonly Edit[]): Json {
  let out = doc;
  for (const edit of edits) {
    if (edit.op === 'set') out = jsonSet(out, edit.path, parseJson(edit.value, `value for ${edit.path}`), edit.createIfMissing);
    else if (edit.op === 'remove') out = jsonRemove(out, edit.path);
    else if (edit.op === 'set-from') throw inputError('set', `${edit.path}: takes its value from column ${edit.column}, which only a selection has`);
    else out = parseJson(edit.document, 'replacement document');
  }
  return out;
}

/** Parses the CLI's `PATH=JSON` form, e.g. `$.Status="Failed"` or `$.amount=12.5`. */
export function parseSetArgument(text: string): Edit {
  const eq = findAssignment(text);
  if (eq < 0) throw new EvfixError('usage', `--set ${text}: expected PATH=JSON, e.g. '$.Status="Failed"'`, 'set');
  const path = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  parsePath(path, '--set path');
  // `@column`: each event's value in a column of --from-file or --from-table.
  const column = /^@([A-Za-z_][A-Za-z0-9_$.:]*)$/.exec(value);
  if (column) return { op: 'set-from', path, column: column[1]! };
  try {
    parseJson(value, `--set value for ${path}`);
  } catch (error) {
    const hint = /^[A-Za-z]/.test(value) && !/^(true|false|null)$/.test(value) ? ` (strings need quotes: ${path}="${value}")` : '';
    throw new EvfixError('input', `${(error as Error).message}${hint}`, 'set');
  }
  return { op: 'set', path, value, createIfMissing: true };
}

/** The first "=" that is not inside a quoted key of the path. */
const findAssignment = (text: string): number => firstOutsideQuotes(text, (i) => (text[i] === '=' ? true : undefined))?.at ?? -1;

export function describeEdit(edit: Edit): string {
  if (edit.op === 'set') return `set ${edit.path} = ${edit.value}`;
  if (edit.op === 'remove') return `remove ${edit.path}`;
  if (edit.op === 'set-from') return `set ${edit.path} = each event's ${edit.column}`;
  return 'replace the whole document';
}

/**
 * The set/remove edits that turn `before` into `after`, so a document edited
 * by hand for one event can be applied to several (each keeps its own other values).
 */
export function editsBetween(before: Json, after: Json): Edit[] {
  if (!isObject(before) || !isObject(after)) return [{ op: 'replace', document: stringifyJson(after) }];
  return differingPaths(before, after).map((path): Edit => {
    const value = valueAtPath(after, path);
    return value === undefined ? { op: 'remove', path } : { op: 'set', path, value: stringifyJson(value), createIfMissing: true };
  });
}
