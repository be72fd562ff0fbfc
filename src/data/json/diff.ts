/**
 * What differs between two event_data documents: as JSON paths (to flag how
 * duplicate copies differ) and as a line diff of the pretty-printed documents
 * (the before/after an operator reviews).
 */
import { formatPath, type JsonPath } from './path.js';
import { canonicalJson, isObject, jsonEquals, prettyJson, type Json } from './value.js';

/** Paths whose values differ, at the deepest level where both sides are containers of one kind. */
export function differingPaths(a: Json, b: Json, prefix: JsonPath = []): string[] {
  if (jsonEquals(a, b)) return [];
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) =>
      key in a && key in b
        ? differingPaths(a[key] as Json, b[key] as Json, [...prefix, { kind: 'key', key }])
        : [formatPath([...prefix, { kind: 'key', key }])],
    );
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, index) => differingPaths(x, b[index] as Json, [...prefix, { kind: 'index', index }]));
  }
  return [formatPath(prefix)];
}

/** Paths on which any of several documents disagree. */
export function differingPathsAmong(docs: readonly Json[]): string[] {
  const first = docs[0];
  if (first === undefined) return [];
  const all = new Set<string>();
  for (const other of docs.slice(1)) for (const p of differingPaths(first, other)) all.add(p);
  return [...all].sort();
}

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

/** A line diff (longest common subsequence) of the pretty-printed documents. */
export function lineDiff(before: Json, after: Json): DiffLine[] {
  const a = prettyJson(before).split('\n');
  const b = prettyJson(after).split('\n');
  const n = a.length,
    m = b.length;
  // Event documents are small (tens of lines), so the quadratic table is cheap.
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0,
    j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i++]! });
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  while (i < n) out.push({ op: '-', text: a[i++]! });
  while (j < m) out.push({ op: '+', text: b[j++]! });
  return out;
}

/** Leaf values by path, in document order: how duplicate copies are shown side by side. */
export function flattenJson(value: Json, prefix: JsonPath = [], out: [string, string][] = []): [string, string][] {
  if (isObject(value) && Object.keys(value).length) {
    for (const key of Object.keys(value)) flattenJson(value[key] as Json, [...prefix, { kind: 'key', key }], out);
  } else if (Array.isArray(value) && value.length) {
    value.forEach((item, index) => {
      flattenJson(item, [...prefix, { kind: 'index', index }], out);
    });
  } else {
    out.push([formatPath(prefix), canonicalJson(value)]);
  }
  return out;
}
