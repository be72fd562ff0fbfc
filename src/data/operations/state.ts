/**
 * Preconditions: the state of a plan's events when it was made, and the
 * decision apply takes when it reads that state again inside its transaction.
 */
import { canonicalJson, parseJson } from '../json/value.js';
import type { EventRow, ExceptionRow, ExclusionRow, StoredException, StoredExclusion } from '../model.js';
import { digest, type EventState, type Plan, type RowRef } from '../plan.js';
import type { ApplyDecision, RawEventState } from '../warehouse.js';
import { forEachInSlices, mapInSlices, sortInSlices } from '../slices.js';

/** Canonical event_data, remembered per text: copies of one event share their text, and parsing is the cost. */
const canonical = new Map<string, string>();
const data = (text: string) => {
  let c = canonical.get(text);
  if (c === undefined) {
    c = canonicalJson(parseJson(text, 'event_data'));
    if (canonical.size > 50_000) canonical.clear();
    canonical.set(text, c);
  }
  return c;
};

const sourceDigest = (r: EventRow) =>
  digest(JSON.stringify([r.event_name, r.user_id, r.event_external_reference_id, r.event_advisor_id, data(r.event_data)]));
const exceptionDigest = (r: ExceptionRow) =>
  digest(JSON.stringify([sourceDigest(r), r.exception_description, r.is_event_update, r.event_ingested_at]));
const exclusionDigest = (r: ExclusionRow) => digest(JSON.stringify([r.event_name, r.exclusion_description]));

const ref = (r: { event_id: string; event_created_at: string }, at: string | null, d: string): RowRef => ({
  event_id: r.event_id,
  event_created_at: r.event_created_at,
  at,
  digest: d,
});

const refKey = (r: RowRef) => `${r.event_id}|${r.event_created_at}|${r.at}|${r.digest}`;

/**
 * Field by field, the order of `refKey` (whose fields never hold its separator: ids are UUIDs, the rest
 * timestamps and hex digests). Comparing in place builds no key per row: 100,000 rows of new strings are
 * what fill the young generation and bring the garbage collector's pauses.
 */
const byRef = (a: RowRef, b: RowRef) =>
  cmp(a.event_id, b.event_id) || cmp(a.event_created_at, b.event_created_at) || cmp(String(a.at), String(b.at)) || cmp(a.digest, b.digest);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const sortRefs = (refs: RowRef[]): Promise<RowRef[]> => sortInSlices(refs, byRef);

/** The state of a plan's events as fingerprints: sorted for the plan, in read order for a comparison. */
export async function summarizeState(raw: RawEventState, options: { sorted?: boolean } = {}): Promise<EventState> {
  const order = options.sorted === false ? async (refs: RowRef[]) => refs : sortRefs;
  return {
    sources: await order(await mapInSlices(raw.sources, (r) => ref(r, r.event_ingested_at, sourceDigest(r)))),
    exceptions: await order(await mapInSlices(raw.exceptions, (r) => ref(r, r.exception_added_timestamp, exceptionDigest(r)))),
    exclusions: await order(await mapInSlices(raw.exclusions, (r) => ref(r, r.exclusion_added_timestamp, exclusionDigest(r)))),
  };
}

/** Rows in `now` that are not in `then` (multiset difference), and rows of `then` gone from `now`. */
async function compare(then: RowRef[], now: RowRef[]) {
  const remaining = new Map<string, number>();
  await forEachInSlices(then, (r) => {
    const k = refKey(r);
    remaining.set(k, (remaining.get(k) ?? 0) + 1);
  });
  const added: RowRef[] = [];
  await forEachInSlices(now, (r) => {
    const k = refKey(r);
    const left = remaining.get(k) ?? 0;
    if (left > 0) remaining.set(k, left - 1);
    else added.push(r);
  });
  const removed: RowRef[] = [];
  await forEachInSlices(then, (r) => {
    const k = refKey(r);
    const left = remaining.get(k) ?? 0;
    if (left > 0) {
      remaining.set(k, left - 1);
      removed.push(r);
    }
  });
  return { added, removed };
}

/** True when `rows` are exactly the plan's rows (by key and content), whatever their timestamps. */
function sameRows(rows: RowRef[], planned: { event_id: string; event_created_at: string; digest: string }[]) {
  const key = (r: { event_id: string; event_created_at: string; digest: string }) => `${r.event_id}|${r.event_created_at}|${r.digest}`;
  return rows.map(key).sort().join('\n') === planned.map(key).sort().join('\n');
}

const describeRef = (r: RowRef) => `event ${r.event_id} at ${r.event_created_at}`;

/**
 * Compares the state read inside apply's transaction with the plan's
 * preconditions: unchanged means write; changed by exactly this plan's rows
 * means it was applied before; anything else means another write came first
 * and the plan is stale.
 */
export async function decideApply(plan: Plan, raw: RawEventState): Promise<ApplyDecision> {
  const now = await summarizeState(raw, { sorted: false });
  const then = plan.preconditions.state;
  const sources = await compare(then.sources, now.sources);
  const exceptions = await compare(then.exceptions, now.exceptions);
  const exclusions = await compare(then.exclusions, now.exclusions);
  const stale = (what: string) => ({
    action: 'refuse' as const,
    message: `plan ${plan.id} is stale: ${what} since it was made at ${plan.created_at}. Nothing was written; make a new plan.`,
  });
  if (sources.added.length || sources.removed.length) {
    const r = (sources.removed[0] ?? sources.added[0])!;
    return stale(`the original rows of ${describeRef(r)} changed`);
  }
  if (exceptions.removed.length || exclusions.removed.length) {
    // A revert removes rows: if exactly its rows are gone and nothing else changed, it was applied before.
    const removalExceptions = plan.removals.exceptions.map((r) => ref(r, r.exception_added_timestamp, exceptionDigest(r)));
    const removalExclusions = plan.removals.exclusions.map((r) => ref(r, r.exclusion_added_timestamp, exclusionDigest(r)));
    const same = (a: RowRef[], b: RowRef[]) => a.map(refKey).sort().join('\n') === b.map(refKey).sort().join('\n');
    if (!exceptions.added.length && !exclusions.added.length && same(exceptions.removed, removalExceptions) && same(exclusions.removed, removalExclusions)) {
      return { action: 'already-applied', message: `plan ${plan.id} was already applied; nothing was written this time` };
    }
    if (exceptions.removed.length) return stale(`an exception row of ${describeRef(exceptions.removed[0]!)} was removed`);
    return stale(`an exclusion row of ${describeRef(exclusions.removed[0]!)} was removed`);
  }
  if (!exceptions.added.length && !exclusions.added.length) return { action: 'write' };
  const plannedExceptions = await mapInSlices(plan.exceptions, (r) => ({ ...r, digest: exceptionDigest(r) }));
  const plannedExclusions = await mapInSlices(plan.exclusions, (r) => ({ ...r, digest: exclusionDigest(r) }));
  if (sameRows(exceptions.added, plannedExceptions) && sameRows(exclusions.added, plannedExclusions)) {
    return { action: 'already-applied', message: `plan ${plan.id} was already applied; nothing was written this time` };
  }
  const r = (exclusions.added[0] ?? exceptions.added[0])!;
  return stale(`another ${exclusions.added.length ? 'exclusion' : 'exception'} was written for ${describeRef(r)}`);
}

/** When an applied plan's rows were written: the added timestamp of a stored row that is one of the plan's. */
export function appliedAtOf(plan: Plan, raw: RawEventState): string | undefined {
  const wanted = new Set(plan.exceptions.map((r) => `${r.event_id}|${r.event_created_at}|${exceptionDigest(r)}`));
  const row = raw.exceptions.find((r) => wanted.has(`${r.event_id}|${r.event_created_at}|${exceptionDigest(r)}`));
  if (row) return row.exception_added_timestamp;
  const excl = new Set(plan.exclusions.map((r) => `${r.event_id}|${r.event_created_at}|${exclusionDigest(r)}`));
  return raw.exclusions.find((r) => excl.has(`${r.event_id}|${r.event_created_at}|${exclusionDigest(r)}`))?.exclusion_added_timestamp;
}
