/**
 * Files of event keys (update --from-file): CSV with a header row, JSON lines, or a JSON array, each entry an
 * event_id and event_created_at, and optionally values to set per event: a column named by a path ($.Status)
 * sets that path; a named column (status) is set where `--set PATH=@status` says. CSV values are JSON text; a
 * header suffix `:string` takes a column's values as plain text instead ($.Status:string).
 *
 * CSV and JSON lines are read line by line and checked as they come, so a file of a million keys never sits in
 * memory whole. A small file's keys go into the plan itself; a large one is named in the plan with its digest
 * and read again when the plan is applied (a changed file is refused).
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { KeyFeed } from '../engine.js';
import { EvfixError, inputError } from '../errors.js';
import { formatPath, parsePath } from '../json/path.js';
import { jsonType, parseJson, stringifyJson, type Json } from '../json/value.js';
import { parseEventId } from '../model.js';
import { readText } from '../files.js';
import type { KeyRow, KeySource, ValueColumn, ValueType } from '../selection.js';
import { addDays, canonicalTimestamp, formatTimestamp, parseTimestamp, startOfDay } from '../timestamp.js';

/** Keys up to this many go into the plan; more are read from the file again at apply. */
export const INLINE_KEYS = 1_000;
const BATCH = 5_000;

export type KeyFileColumns = {
  /** Value columns, with their type. */
  columns: ValueColumn[];
  /** Path columns ($.Status): each is a set of its path from its own values. */
  pathColumns: { column: string; path: string }[];
};

export type ReadKeys = { source: KeySource; feed?: KeyFeed; window: { from: string; until: string }; columns: KeyFileColumns };

/** `key`: the header as written in the file (an entry's fields are found by it), `name` without its `:type`. */
type Header = { key: string; name: string; type: ValueType; path?: string };

function parseHeader(raw: string, file: string): Header {
  const text = raw.trim();
  const typed = /^(.*?):(string|json|number|boolean)$/.exec(text);
  const name = typed ? typed[1]!.trim() : text;
  const type = (typed?.[2] as ValueType | undefined) ?? 'json';
  if (name.startsWith('$')) return { key: text, name, type, path: formatPath(parsePath(name, `${file}: column ${name}`)) };
  return { key: text, name, type };
}

/** One entry's value of a value column as JSON text, by the column's type. */
function valueText(raw: Json | undefined, column: Header, where: string, csv: boolean): string {
  if (raw === undefined || raw === null || raw === '') throw inputError(column.name, `${where}: ${column.name} has no value`);
  if (!csv) {
    if (column.type === 'string' && typeof raw !== 'string') throw inputError(column.name, `${where}: ${column.name} must be text`);
    return stringifyJson(raw);
  }
  const text = String(raw);
  if (column.type === 'string') return JSON.stringify(text);
  let value: Json;
  try {
    value = parseJson(text, column.name);
  } catch {
    const hint = column.type === 'json' ? ` (write "${text}" with quotes for text, or name the column ${column.name}:string)` : '';
    throw inputError(column.name, `${where}: ${column.name} is ${JSON.stringify(text)}, not JSON${hint}`);
  }
  if (column.type !== 'json' && jsonType(value) !== column.type)
    throw inputError(column.name, `${where}: ${column.name} is ${JSON.stringify(text)}, not a ${column.type}`);
  return stringifyJson(value);
}

/** One CSV line split into fields (quotes as RFC 4180; a field cannot hold a line break in a key file). */
function csvFields(line: string, where: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  if (quoted) throw new EvfixError('input', `${where}: unterminated quoted field (a key file's fields cannot span lines)`, 'from-file');
  out.push(field);
  return out;
}

type Entry = { line: number; fields: Record<string, Json> };

/** The file's entries, in order, without holding them all (CSV and JSON lines; a JSON array is read whole). */
async function* entries(file: string): AsyncGenerator<Entry & { csv: boolean; header?: Header[] }> {
  const head = readHead(file);
  if (head.startsWith('[')) {
    const parsed = parseJson(readText(file, 'key file'), file);
    if (!Array.isArray(parsed)) throw new EvfixError('input', `${file}: expected a JSON array of objects`, 'from-file');
    for (let i = 0; i < parsed.length; i++) yield { line: i + 1, fields: objectAt(parsed[i]!, file, i + 1), csv: false };
    return;
  }
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let header: Header[] | undefined;
  const jsonLines = head.startsWith('{');
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    if (line.includes('\uFFFD')) throw new EvfixError('input', `${file}: line ${n} is not valid UTF-8`, 'from-file');
    if (jsonLines) {
      yield { line: n, fields: objectAt(parseJson(line, `${file}: line ${n}`), file, n), csv: false };
      continue;
    }
    const fields = csvFields(line, `${file}: line ${n}`);
    if (!header) {
      header = fields.map((f) => parseHeader(f, file));
      continue;
    }
    if (fields.length !== header.length)
      throw new EvfixError('input', `${file}: line ${n}: ${fields.length} fields, the header has ${header.length}`, 'from-file');
    yield { line: n, fields: Object.fromEntries(header.map((h, i) => [h.name, fields[i]!])), csv: true, header };
  }
}

/** The file's first non-blank character: `[` for a JSON array, `{` for JSON lines, else CSV. */
function readHead(file: string): string {
  let fd: number;
  try {
    if (statSync(file).isDirectory()) return readText(file, 'key file');
    fd = openSync(file, 'r');
  } catch {
    return readText(file, 'key file');
  }
  try {
    const buffer = Buffer.alloc(4096);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8').trimStart().slice(0, 1);
  } finally {
    closeSync(fd);
  }
}

function objectAt(value: Json, file: string, line: number): Record<string, Json> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new EvfixError('input', `${file}: entry ${line} is not an object`, 'from-file');
  return value as Record<string, Json>;
}

/**
 * Reads and checks a key file once: its value columns, the window its keys span, its digest and size. `named`
 * are the columns `--set PATH=@column` names; any other non-path column is refused.
 */
export async function readKeyFile(file: string, named: readonly string[]): Promise<ReadKeys> {
  const hash = createHash('sha256');
  const inline: KeyRow[] = [];
  let count = 0;
  let lo = '',
    hi = '';
  let headers: Header[] | undefined;
  const seen = new Set<string>();
  for await (const entry of entries(file)) {
    const where = `${file}: ${entry.csv ? 'line' : 'entry'} ${entry.line}`;
    headers ??= entry.header ?? Object.keys(entry.fields).map((k) => parseHeader(k, file));
    const key = checkEntry(entry, headers, named, where);
    const text = `${key.event_id}|${key.event_created_at}`;
    if (seen.size < 2_000_000) {
      if (seen.has(text)) throw inputError('from-file', `${where}: event ${key.event_id} at ${key.event_created_at} is listed twice`);
      seen.add(text);
    }
    hash.update(`${JSON.stringify(key)}\n`);
    if (count < INLINE_KEYS) inline.push(key);
    count++;
    if (!lo || key.event_created_at < lo) lo = key.event_created_at;
    if (!hi || key.event_created_at > hi) hi = key.event_created_at;
  }
  if (count === 0) throw inputError('from-file', `${file} lists no events`);
  const cols = (headers ?? []).filter((h) => h.name !== 'event_id' && h.name !== 'event_created_at');
  const columns: KeyFileColumns = {
    columns: cols.map((h) => ({ name: h.name, type: h.type })),
    pathColumns: cols.filter((h) => h.path).map((h) => ({ column: h.name, path: h.path! })),
  };
  const window = dayWindow(lo, hi);
  const digest = hash.digest('hex');
  if (count <= INLINE_KEYS) return { source: { kind: 'keys', rows: inline, columns: columns.columns }, window, columns };
  const source: KeySource = { kind: 'file', file, sha256: digest, rows: count, columns: columns.columns };
  return { source, window, columns, feed: keyFeed(file, named, digest) };
}

function checkEntry(entry: Entry & { csv: boolean }, headers: Header[], named: readonly string[], where: string): KeyRow {
  const f = entry.fields;
  const id = f.event_id,
    at = f.event_created_at;
  if (typeof id !== 'string' || typeof at !== 'string') throw inputError('from-file', `${where} needs event_id and event_created_at as text`);
  const values: Record<string, string> = {};
  for (const h of headers) {
    if (h.name === 'event_id' || h.name === 'event_created_at') continue;
    if (!h.path && !named.includes(h.name)) {
      throw inputError(
        'from-file',
        `${where}: unknown column "${h.name}" (a column is event_id, event_created_at, a path such as $.Status, or a name used by --set PATH=@${h.name})`,
      );
    }
    values[h.name] = valueText(f[h.key] ?? f[h.name], h, where, entry.csv);
  }
  try {
    const key = { event_id: parseEventId(id), event_created_at: canonicalTimestamp(at, 'event_created_at') };
    return Object.keys(values).length ? { ...key, values } : key;
  } catch (error) {
    throw new EvfixError('input', `${where}: ${(error as Error).message}`, (error as EvfixError).field);
  }
}

/** The keys of a file named by a plan, in batches, refused if the file no longer has the digest the plan recorded. */
export function keyFeed(file: string, named: readonly string[], sha256: string): KeyFeed {
  return async function* () {
    const hash = createHash('sha256');
    let batch: KeyRow[] = [];
    let headers: Header[] | undefined;
    for await (const entry of entries(file)) {
      const where = `${file}: ${entry.csv ? 'line' : 'entry'} ${entry.line}`;
      headers ??= entry.header ?? Object.keys(entry.fields).map((k) => parseHeader(k, file));
      const key = checkEntry(entry, headers, named, where);
      hash.update(`${JSON.stringify(key)}\n`);
      batch.push(key);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    // The last batch waits for the digest: a changed file ends the feed with an error inside apply's transaction,
    // before anything is written.
    if (hash.digest('hex') !== sha256)
      throw new EvfixError('refused', `${file} changed since the plan was made (its digest differs); make the plan again. Nothing was written`);
    if (batch.length) yield batch;
  };
}

/** The whole UTC days that contain every key: the window a key selection's reads and writes stay in. */
export function dayWindow(lo: string, hi: string): { from: string; until: string } {
  return { from: formatTimestamp(startOfDay(parseTimestamp(lo))), until: formatTimestamp(addDays(startOfDay(parseTimestamp(hi)), 1)) };
}
