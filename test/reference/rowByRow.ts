/**
 * A row-by-row model of evfix's operations: the oracle the set-based engine (src/data/duckdb/*) is held to.
 *
 * It works the way evfix did before plans ran in the warehouse (git show df1fefc:src/data/operations/update.ts,
 * dedupe.ts, exclude.ts, revert.ts): the three tables' rows are read into JS with plain SELECTs, the stage rules
 * are applied event by event, documents are edited with edit.ts (applyEdits: BigQuery's JSON_SET / JSON_REMOVE),
 * and the rows an operation must write (or delete) come out as plain objects. Nothing here is fast or clever;
 * every rule is a loop over the rows that says what it does. Nothing from the engine (no SQL, no editProgram)
 * is used, so the two can disagree.
 *
 * The stage rules (create_stage_table), for event E in the window [from, until) and the horizon H:
 *  - an original shows unless its (event_id, event_created_at) is excluded, or its event_id has an exception of
 *    E created since H;
 *  - per event_id, the latest exception of E created since H (by exception_added_timestamp, then the later
 *    event_ingested_at, NULL the earliest) shows if it was created in the window.
 * An event is an event_id. Its version (what an update reads and edits) is its latest exception if it shows,
 * else the first of its shown originals in ingestion order: event_ingested_at (unknown last), then
 * event_created_at, then the event_data text (UTF-8 bytes).
 */
import { applyEdits, type Edit } from '../../src/data/json/edit.js';
import { parsePath } from '../../src/data/json/path.js';
import { canonicalJson, isObject, JsonNumber, jsonEquals, parseJson, stringifyJson, type Json } from '../../src/data/json/value.js';
import type { Condition } from '../../src/data/selection.js';
import { addDays, formatTimestamp, parseTimestamp, startOfDay } from '../../src/data/timestamp.js';

export type RefEvent = {
  event_created_at: string;
  event_id: string;
  event_name: string;
  user_id: string | null;
  event_external_reference_id: string | null;
  event_advisor_id: string | null;
  /** The stored text; null for SQL NULL. */
  event_data: string | null;
  event_ingested_at: string | null;
};
export type RefException = RefEvent & { exception_added_timestamp: string; exception_description: string; is_event_update: boolean };
export type RefExclusion = {
  event_created_at: string;
  event_id: string;
  event_name: string | null;
  exclusion_added_timestamp: string;
  exclusion_description: string;
};
export type Tables = { events: RefEvent[]; exceptions: RefException[]; exclusions: RefExclusion[] };

/** A row an operation writes; its added timestamp is the apply's and is not modelled. */
export type ExceptionWrite = Omit<RefException, 'exception_added_timestamp'>;
export type ExclusionWrite = Omit<RefExclusion, 'exclusion_added_timestamp'>;

export type Window = { from: string; until: string };

/** Why an operation must be refused (before or at apply), as the reference sees it. */
export type Refusal =
  | 'missing-key' // a named key is not an event the selection holds
  | 'no-match' // the selection holds no event
  | 'problems' // some selected events cannot be changed as asked, and the plan refuses them
  | 'nothing-to-write' // update: every selected event is already as asked (or left out as one that cannot change)
  | 'no-duplicates' // dedupe: no unresolved group (or a named id has none)
  | 'bad-choice' // dedupe: a chosen copy that does not exist
  | 'no-originals' // exclude: a named id has no original in the window
  | 'other-event' // exclude: a named id is another event's
  | 'has-exception' // exclude: a named id has exception rows
  | 'nothing-to-exclude' // exclude: every named original is excluded already
  | 'nothing-to-revert'; // revert: none of the rows the plan wrote is there

export type Change = { event_id: string; event_created_at: string; before: string | null; after: string };

export type Outcome =
  | { refused: Refusal; detail: string }
  | {
      exceptions: ExceptionWrite[];
      exclusions: ExclusionWrite[];
      deleted: { exceptions: RefException[]; exclusions: RefExclusion[] };
      /** update: the selected events, those already as asked, those the edits cannot change (by event_id). */
      selected: number;
      unchanged: number;
      problems: { event_id: string; reason: string }[];
      /** update: every event written, its document before and after (compact JSON). */
      changes: Change[];
      /** exclude: named ids whose originals are all excluded already. */
      skipped: number;
    };

export const FAR_FUTURE = '9999-12-31 23:59:59.999999';

/** The horizon for a window starting at `from`: exceptions this far back decide an event's version. */
export const horizonOf = (from: string, days = 365) => formatTimestamp(startOfDay(addDays(parseTimestamp(from), -days)));

// Reading the tables ---------------------------------------------------------------------------------------------

const TS = (c: string) => `strftime(${c}, '%Y-%m-%d %H:%M:%S.%f') AS ${c}`;
const EVENT_SELECT = `${TS('event_created_at')}, event_id, event_name, user_id, event_external_reference_id, event_advisor_id,
  CAST(event_data AS VARCHAR) AS event_data, ${TS('event_ingested_at')}`;

export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
const eventOf = (r: Record<string, unknown>): RefEvent => ({
  event_created_at: String(r.event_created_at),
  event_id: String(r.event_id),
  event_name: String(r.event_name),
  user_id: text(r.user_id),
  event_external_reference_id: text(r.event_external_reference_id),
  event_advisor_id: text(r.event_advisor_id),
  event_data: text(r.event_data),
  event_ingested_at: text(r.event_ingested_at),
});

/** The three tables, every row, with plain SELECTs. */
export async function readTables(
  query: Query,
  names = { events: 'kinesis.backend_events', exceptions: 's3.backend_events_exceptions', exclusions: 's3.backend_events_exclusions' },
): Promise<Tables> {
  const events = (await query(`SELECT ${EVENT_SELECT} FROM ${names.events}`)).map(eventOf);
  const exceptions = (
    await query(`SELECT ${EVENT_SELECT}, ${TS('exception_added_timestamp')}, exception_description, is_event_update FROM ${names.exceptions}`)
  ).map((r) => ({
    ...eventOf(r),
    exception_added_timestamp: String(r.exception_added_timestamp),
    exception_description: String(r.exception_description),
    is_event_update: Boolean(r.is_event_update),
  }));
  const exclusions = (
    await query(`SELECT ${TS('event_created_at')}, event_id, event_name, ${TS('exclusion_added_timestamp')}, exclusion_description FROM ${names.exclusions}`)
  ).map((r) => ({
    event_created_at: String(r.event_created_at),
    event_id: String(r.event_id),
    event_name: text(r.event_name),
    exclusion_added_timestamp: String(r.exclusion_added_timestamp),
    exclusion_description: String(r.exclusion_description),
  }));
  return { events, exceptions, exclusions };
}

// The stage rules ------------------------------------------------------------------------------------------------

const inWindow = (at: string, w: Window) => at >= w.from && at < w.until;
const keyText = (id: string, created: string) => `${id}@${created}`;

function utf8Compare(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1; // NULLs last
  if (b === null) return -1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Ingestion order of copies: event_ingested_at (unknown last), event_created_at, the event_data text. */
export function copyOrder(a: RefEvent, b: RefEvent): number {
  if (a.event_ingested_at !== b.event_ingested_at) {
    if (a.event_ingested_at === null) return 1;
    if (b.event_ingested_at === null) return -1;
    return a.event_ingested_at < b.event_ingested_at ? -1 : 1;
  }
  if (a.event_created_at !== b.event_created_at) return a.event_created_at < b.event_created_at ? -1 : 1;
  return utf8Compare(a.event_data, b.event_data);
}

/** Whether exception `a` is later than `b`: added later, or added together and ingested later (NULL earliest). */
function laterException(a: RefException, b: RefException): boolean {
  if (a.exception_added_timestamp !== b.exception_added_timestamp) return a.exception_added_timestamp > b.exception_added_timestamp;
  if (a.event_ingested_at === b.event_ingested_at) return false;
  if (a.event_ingested_at === null) return false;
  if (b.event_ingested_at === null) return true;
  return a.event_ingested_at > b.event_ingested_at;
}

/** The event_ids that have an exception of `eventName` created since the horizon. */
function correctedIds(t: Tables, eventName: string, horizon: string): Set<string> {
  const ids = new Set<string>();
  for (const c of t.exceptions) if (c.event_name === eventName && c.event_created_at >= horizon) ids.add(c.event_id);
  return ids;
}

function excludedKeys(t: Tables): Set<string> {
  const keys = new Set<string>();
  for (const x of t.exclusions) keys.add(keyText(x.event_id, x.event_created_at));
  return keys;
}

/** Originals of `eventName` created in the window that no exclusion and no exception resolves. */
export function unresolvedOriginals(t: Tables, eventName: string, w: Window, horizon: string): RefEvent[] {
  const corrected = correctedIds(t, eventName, horizon);
  const excluded = excludedKeys(t);
  const out: RefEvent[] = [];
  for (const e of t.events) {
    if (e.event_name !== eventName || !inWindow(e.event_created_at, w)) continue;
    if (excluded.has(keyText(e.event_id, e.event_created_at))) continue;
    if (corrected.has(e.event_id)) continue;
    out.push(e);
  }
  return out;
}

/** Per event_id, its latest exception of `eventName` since the horizon, kept if it was created in the window. */
export function latestExceptions(t: Tables, eventName: string, w: Window, horizon: string): RefException[] {
  const latest = new Map<string, RefException>();
  for (const c of t.exceptions) {
    if (c.event_name !== eventName || c.event_created_at < horizon) continue;
    const current = latest.get(c.event_id);
    if (!current || laterException(c, current)) latest.set(c.event_id, c);
  }
  return [...latest.values()].filter((c) => inWindow(c.event_created_at, w));
}

export type Version = RefEvent & { source: 'original' | 'exception' };

/** One version per event_id: what an update reads, edits and writes from. */
export function eventVersions(t: Tables, eventName: string, w: Window, horizon = horizonOf(w.from)): Version[] {
  const out: Version[] = [];
  for (const c of latestExceptions(t, eventName, w, horizon)) {
    const { exception_added_timestamp: _a, exception_description: _d, is_event_update: _u, ...row } = c;
    out.push({ ...row, source: 'exception' });
  }
  const byId = new Map<string, RefEvent[]>();
  for (const e of unresolvedOriginals(t, eventName, w, horizon)) {
    const list = byId.get(e.event_id) ?? [];
    list.push(e);
    byId.set(e.event_id, list);
  }
  for (const copies of byId.values()) {
    const first = [...copies].sort(copyOrder)[0]!;
    out.push({ ...first, source: 'original' });
  }
  return out;
}

// Conditions -------------------------------------------------------------------------------------------------------

function isNumber(v: Json | undefined): v is number | JsonNumber {
  return typeof v === 'number' || v instanceof JsonNumber;
}

const numberText = (v: number | JsonNumber) => (v instanceof JsonNumber ? v.text : JSON.stringify(v));

/** Two JSON numbers are equal when their values are: integers exactly (as BigInt), the others as doubles. */
function numbersEqual(a: number | JsonNumber, b: number | JsonNumber): boolean {
  const x = numberText(a),
    y = numberText(b);
  if (/^-?\d+$/.test(x) && /^-?\d+$/.test(y)) return BigInt(x) === BigInt(y);
  return Number(x) === Number(y);
}

/** A scalar condition value equals the document's value: same JSON type, same value ("1" is not 1). */
function scalarEquals(at: Json | undefined, want: Json): boolean {
  if (at === undefined) return false;
  if (isNumber(at) && isNumber(want)) return numbersEqual(at, want);
  if (typeof at === 'string' && typeof want === 'string') return at === want;
  if (typeof at === 'boolean' && typeof want === 'boolean') return at === want;
  return false;
}

/**
 * The value a condition reads at a path, as BigQuery's JSONPath reads it (JSON_QUERY, JSON_TYPE): a step that
 * does not fit is no value, except that `[0]` of an object reads its key "0" and `."0"` of an array its first
 * element (ZetaSQL's reference evaluator does both; test/bigquery/jsonSetSemantics.test.ts holds this reader to
 * it). JSON_SET and JSON_REMOVE are strict about the kind of each step (edit.ts); reading is not.
 */
export function readPath(doc: Json, path: string): Json | undefined {
  let node: Json | undefined = doc;
  for (const seg of parsePath(path)) {
    if (Array.isArray(node)) {
      const index = seg.kind === 'index' ? seg.index : /^(0|[1-9]\d*)$/.test(seg.key) ? Number(seg.key) : undefined;
      node = index === undefined ? undefined : node[index];
    } else if (isObject(node)) {
      const key = seg.kind === 'key' ? seg.key : String(seg.index);
      node = Object.hasOwn(node, key) ? node[key] : undefined;
    } else node = undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Whether the version matches one condition (a missing or unreadable document has no paths). */
export function matchesCondition(v: RefEvent, c: Condition): boolean {
  if (c.on === 'column') {
    const value = v[c.column];
    switch (c.op) {
      case 'null':
        return value === null;
      case '=':
        return value !== null && value === c.values[0];
      case '!=':
        return value !== c.values[0]; // IS DISTINCT FROM: NULL differs from any value
      case 'in':
        return value !== null && c.values.includes(value);
      default: {
        if (value === null) return false;
        const x = value,
          y = c.values[0]!;
        return c.op === '<' ? x < y : c.op === '<=' ? x <= y : c.op === '>' ? x > y : x >= y;
      }
    }
  }
  let doc: Json | undefined;
  try {
    doc = v.event_data === null ? undefined : parseJson(v.event_data);
  } catch {
    doc = undefined;
  }
  const at = doc === undefined ? undefined : readPath(doc, c.path);
  switch (c.op) {
    case 'missing':
      return at === undefined;
    case 'exists':
      return at !== undefined;
    case 'null':
      return at === null;
    case '=':
      return scalarEquals(at, parseJson(c.values[0]!));
    case '!=':
      return !scalarEquals(at, parseJson(c.values[0]!));
    case 'in':
      return c.values.some((x) => scalarEquals(at, parseJson(x)));
    default: {
      if (!isNumber(at)) return false;
      const x = Number(numberText(at)),
        y = Number(c.values[0]);
      return c.op === '<' ? x < y : c.op === '<=' ? x <= y : c.op === '>' ? x > y : x >= y;
    }
  }
}

// Operations -------------------------------------------------------------------------------------------------------

export type KeyRef = { event_id: string; event_created_at: string; values?: Record<string, string> };

export type UpdateOp = {
  kind: 'update';
  eventName: string;
  window: Window;
  conditions: Condition[];
  /** Keys named (typed or from a file), each with its per-row values (JSON text by column). */
  keys?: KeyRef[];
  /** The edits in the order they apply; `set-from` takes the key's value of its column. */
  edits: Edit[];
  description: string;
  onProblem: 'refuse' | 'skip';
  /** The outcome even when it writes nothing (for the counts a plan that refuses its problems shows). */
  counting?: true;
};
export type DedupeOp = {
  kind: 'dedupe';
  eventName: string;
  window: Window;
  ids?: string[];
  keep: 'earliest' | 'latest';
  choices: [string, number][];
  description: string;
};
export type ExcludeOp = { kind: 'exclude'; eventName: string; window: Window; ids: string[]; description: string };
/** Revert: the rows an applied plan wrote, found by the time and description they carry, of its event, in its window. */
export type RevertOp = { kind: 'revert'; eventName: string; window: Window; appliedAt: string; description: string };
export type Operation = UpdateOp | DedupeOp | ExcludeOp | RevertOp;

const ok = (partial: Partial<Extract<Outcome, { exceptions: unknown }>>): Outcome => ({
  exceptions: [],
  exclusions: [],
  deleted: { exceptions: [], exclusions: [] },
  selected: 0,
  unchanged: 0,
  problems: [],
  changes: [],
  skipped: 0,
  ...partial,
});

export function runOperation(t: Tables, op: Operation): Outcome {
  switch (op.kind) {
    case 'update':
      return update(t, op);
    case 'dedupe':
      return dedupe(t, op);
    case 'exclude':
      return exclude(t, op);
    case 'revert':
      return revert(t, op);
  }
}

/** The edits for one event: each set-from becomes a set of the event's value in its column. */
function editsFor(edits: readonly Edit[], values: Record<string, string> | undefined): Edit[] {
  return edits.map((e): Edit => {
    if (e.op !== 'set-from') return e;
    const value = values?.[e.column];
    if (value === undefined) throw new Error(`reference: no value for column ${e.column}`);
    return { op: 'set', path: e.path, value, createIfMissing: true };
  });
}

/**
 * The edits applied to one document, as JSON_SET / JSON_REMOVE apply them (edit.ts). `problem` where they
 * would leave the document unchanged: a path through a scalar, a key into an array, an index into an object,
 * a remove of what is not there, or a document that is SQL NULL (JSON_SET(NULL, ...) is NULL).
 */
export function editDocument(docText: string | null, edits: readonly Edit[]): { after: Json; changed: boolean } | { problem: string } {
  const replaced = edits[0]?.op === 'replace' || (edits[0]?.op === 'set' && edits[0].path.trim() === '$');
  if (docText === null && !replaced) return { problem: 'event_data is NULL' };
  const before = docText === null ? null : parseJson(docText);
  try {
    const after = applyEdits(before, edits);
    return { after, changed: !jsonEquals(before, after) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

function update(t: Tables, op: UpdateOp): Outcome {
  const versions = eventVersions(t, op.eventName, op.window);
  const keyed = op.keys ? new Map(op.keys.map((k) => [keyText(k.event_id, k.event_created_at), k])) : undefined;
  const selected: { version: Version; key?: KeyRef }[] = [];
  for (const v of versions) {
    const key = keyed?.get(keyText(v.event_id, v.event_created_at));
    if (keyed && !key) continue;
    if (!op.conditions.every((c) => matchesCondition(v, c))) continue;
    selected.push({ version: v, key });
  }
  if (keyed) {
    const found = new Set(selected.map((s) => keyText(s.version.event_id, s.version.event_created_at)));
    const missing = [...keyed.keys()].filter((k) => !found.has(k)).sort();
    if (missing.length) return { refused: 'missing-key', detail: `not selected: ${missing.join(', ')}` };
  }
  if (selected.length === 0) return { refused: 'no-match', detail: 'no event matches the selection' };

  const exceptions: ExceptionWrite[] = [];
  const changes: Change[] = [];
  const problems: { event_id: string; reason: string }[] = [];
  let unchanged = 0;
  for (const { version, key } of selected) {
    const result = editDocument(version.event_data, editsFor(op.edits, key?.values));
    if ('problem' in result) {
      problems.push({ event_id: version.event_id, reason: result.problem });
      continue;
    }
    if (!result.changed) {
      unchanged++;
      continue;
    }
    const { source: _source, ...row } = version;
    const after = stringifyJson(result.after);
    exceptions.push({ ...row, event_data: after, exception_description: op.description, is_event_update: true });
    changes.push({ event_id: version.event_id, event_created_at: version.event_created_at, before: version.event_data, after });
  }
  if (problems.length && op.onProblem === 'refuse') {
    return { refused: 'problems', detail: problems.map((p) => `${p.event_id}: ${p.reason}`).join('; ') };
  }
  if (exceptions.length === 0 && !op.counting) {
    return { refused: 'nothing-to-write', detail: `${unchanged} already as asked, ${problems.length} that cannot change left out` };
  }
  return ok({ exceptions, changes, problems, unchanged, selected: selected.length });
}

function dedupe(t: Tables, op: DedupeOp): Outcome {
  const horizon = horizonOf(op.window.from);
  const groups = new Map<string, RefEvent[]>();
  for (const e of unresolvedOriginals(t, op.eventName, op.window, horizon)) {
    const list = groups.get(e.event_id) ?? [];
    list.push(e);
    groups.set(e.event_id, list);
  }
  for (const [id, copies] of groups) if (copies.length < 2) groups.delete(id);
  let ids = [...groups.keys()].sort();
  if (op.ids) {
    const missing = op.ids.filter((id) => !groups.has(id));
    if (missing.length) return { refused: 'no-duplicates', detail: `${missing[0]} has no unresolved duplicates` };
    ids = [...new Set(op.ids)].sort();
  }
  for (const [id, index] of op.choices) {
    const copies = ids.includes(id) ? groups.get(id) : undefined;
    if (!copies || index >= copies.length) return { refused: 'bad-choice', detail: `group ${id} has no copy ${index + 1}` };
  }
  if (ids.length === 0) return { refused: 'no-duplicates', detail: 'no unresolved duplicate group' };
  const exclusions: ExclusionWrite[] = [];
  const exceptions: ExceptionWrite[] = [];
  for (const id of ids) {
    const copies = [...groups.get(id)!].sort(copyOrder);
    const seen = new Set<string>();
    for (const copy of copies) {
      if (seen.has(copy.event_created_at)) continue;
      seen.add(copy.event_created_at);
      exclusions.push({ event_created_at: copy.event_created_at, event_id: id, event_name: copy.event_name, exclusion_description: op.description });
    }
    const chosen = op.choices.find(([c]) => c === id);
    const index = chosen ? chosen[1] : op.keep === 'latest' ? copies.length - 1 : 0;
    exceptions.push({ ...copies[index]!, exception_description: op.description, is_event_update: false });
  }
  return ok({ exceptions, exclusions, selected: ids.reduce((n, id) => n + groups.get(id)!.length, 0) });
}

function exclude(t: Tables, op: ExcludeOp): Outcome {
  const horizon = horizonOf(op.window.from);
  const excluded = new Set<string>();
  for (const x of t.exclusions) if (inWindow(x.event_created_at, op.window)) excluded.add(keyText(x.event_id, x.event_created_at));
  const ids = [...new Set(op.ids)].sort();
  const exclusions: ExclusionWrite[] = [];
  let skipped = 0;
  for (const id of ids) {
    const originals = t.events.filter((e) => e.event_id === id && inWindow(e.event_created_at, op.window));
    if (originals.length === 0) return { refused: 'no-originals', detail: `${id} has no original rows in the window` };
    const ofStage = originals.filter((e) => e.event_name === op.eventName);
    if (ofStage.length === 0) return { refused: 'other-event', detail: `${id} is a ${originals[0]!.event_name} event` };
    if (t.exceptions.some((c) => c.event_id === id && c.event_created_at >= horizon)) return { refused: 'has-exception', detail: `${id} has an exception row` };
    if (ofStage.every((e) => excluded.has(keyText(e.event_id, e.event_created_at)))) skipped++;
    const seen = new Set<string>();
    for (const e of ofStage) {
      const k = keyText(e.event_id, e.event_created_at);
      if (seen.has(k) || excluded.has(k)) continue;
      seen.add(k);
      exclusions.push({ event_created_at: e.event_created_at, event_id: id, event_name: e.event_name, exclusion_description: op.description });
    }
  }
  if (exclusions.length === 0) return { refused: 'nothing-to-exclude', detail: 'every named original is excluded already' };
  return ok({ exclusions, skipped });
}

function revert(t: Tables, op: RevertOp): Outcome {
  const exceptions = t.exceptions.filter(
    (c) =>
      c.exception_added_timestamp === op.appliedAt &&
      c.exception_description === op.description &&
      c.event_name === op.eventName &&
      inWindow(c.event_created_at, op.window),
  );
  const exclusions = t.exclusions.filter(
    (x) =>
      x.exclusion_added_timestamp === op.appliedAt &&
      x.exclusion_description === op.description &&
      x.event_name === op.eventName &&
      inWindow(x.event_created_at, op.window),
  );
  if (exceptions.length + exclusions.length === 0) return { refused: 'nothing-to-revert', detail: "no row carries the plan's time and description" };
  return ok({ deleted: { exceptions, exclusions } });
}

// Comparing rows ---------------------------------------------------------------------------------------------------

/** event_data as canonical JSON (sorted keys), or the text as stored when it does not parse, or null. */
export function canonicalData(textValue: string | null): string | null {
  if (textValue === null) return null;
  try {
    return canonicalJson(parseJson(textValue));
  } catch {
    return `unparsable:${textValue}`;
  }
}

/** A row as one comparable line: its columns in order, event_data canonical, the added timestamp left out. */
export function exceptionLine(r: ExceptionWrite): string {
  return JSON.stringify([
    r.event_created_at,
    r.event_id,
    r.event_name,
    r.user_id,
    r.event_external_reference_id,
    r.event_advisor_id,
    canonicalData(r.event_data),
    r.event_ingested_at,
    r.exception_description,
    r.is_event_update,
  ]);
}
export function exclusionLine(r: ExclusionWrite): string {
  return JSON.stringify([r.event_created_at, r.event_id, r.event_name, r.exclusion_description]);
}

/** The rows of `after` that `before` does not have, and the other way round (as multisets of whole rows). */
export function tableDiff<R>(before: readonly R[], after: readonly R[], line: (r: R) => string): { added: R[]; removed: R[] } {
  const count = new Map<string, number>();
  for (const r of before) count.set(line(r), (count.get(line(r)) ?? 0) + 1);
  const added: R[] = [];
  for (const r of after) {
    const n = count.get(line(r)) ?? 0;
    if (n > 0) count.set(line(r), n - 1);
    else added.push(r);
  }
  const left = new Map<string, number>();
  for (const r of after) left.set(line(r), (left.get(line(r)) ?? 0) + 1);
  const removed: R[] = [];
  for (const r of before) {
    const n = left.get(line(r)) ?? 0;
    if (n > 0) left.set(line(r), n - 1);
    else removed.push(r);
  }
  return { added, removed };
}

/** Full lines (added timestamps included) for whole-row diffs of the tables. */
export const storedExceptionLine = (r: RefException) => JSON.stringify([exceptionLine(r), r.exception_added_timestamp]);
export const storedExclusionLine = (r: RefExclusion) => JSON.stringify([exclusionLine(r), r.exclusion_added_timestamp]);
