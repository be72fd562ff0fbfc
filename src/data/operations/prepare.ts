/** Turns the rows an operation decided on into a sealed Plan with its preconditions. */
import type { StageConfig } from '../config.js';
import { refused } from '../errors.js';
import type { Edit } from '../json/edit.js';
import type { ExceptionRow, ExclusionRow } from '../model.js';
import { sealPlanAsync, type Change, type Plan, type PlanKind } from '../plan.js';
import { addDays, formatTimestamp, parseTimestamp, startOfDay } from '../timestamp.js';
import type { RawEventState } from '../warehouse.js';
import type { Context } from './context.js';
import { summarizeState } from './state.js';
import { forEachInSlices, sortInSlices } from '../slices.js';

export type PlanRows = {
  kind: PlanKind;
  stage: StageConfig;
  description: string;
  exclusions: ExclusionRow[];
  exceptions: ExceptionRow[];
  changes?: Change[];
  edits?: Edit[];
  skipped?: Plan['skipped'];
  removals?: Plan['removals'];
  /** State already read by the operation over [from, until); read here when absent. */
  state?: { raw: RawEventState; from: string; until: string };
};

/** The whole UTC days that contain every affected event: the range preconditions are read over. */
export function dayRange(createdAts: readonly string[]): { from: string; until: string } {
  // Canonical timestamps (fixed width, zero-padded) order as text: only the two ends are parsed.
  let lo = createdAts[0]!, hi = createdAts[0]!;
  for (const t of createdAts) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return { from: formatTimestamp(startOfDay(parseTimestamp(lo))), until: formatTimestamp(addDays(startOfDay(parseTimestamp(hi)), 1)) };
}

export async function preparePlan(ctx: Context, rows: PlanRows): Promise<Plan> {
  const affected = [...rows.exclusions, ...rows.exceptions, ...(rows.removals?.exclusions ?? []), ...(rows.removals?.exceptions ?? [])];
  if (affected.length === 0) {
    const why = rows.skipped?.length ? `: ${rows.skipped[0]!.reason}${rows.skipped.length > 1 ? ` (and ${rows.skipped.length - 1} more)` : ''}` : '';
    throw refused(`nothing to do for ${rows.stage.name}${why}`);
  }
  // 200,000 affected rows: the id set and the day range are built in slices, like every loop over a plan.
  const ids = new Set<string>();
  let lo = affected[0]!.event_created_at, hi = lo;
  await forEachInSlices(affected, (r) => {
    ids.add(r.event_id);
    if (r.event_created_at < lo) lo = r.event_created_at;
    if (r.event_created_at > hi) hi = r.event_created_at;
  });
  const eventIds = await sortInSlices([...ids], (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const range = rows.state ?? { ...dayRange([lo, hi]), raw: undefined };
  const raw = rows.state?.raw ?? (await ctx.warehouse.readState(eventIds, range.from, range.until));
  const state = await summarizeState(raw);
  return sealPlanAsync({
    kind: rows.kind,
    stage: rows.stage.name,
    event_name: rows.stage.event_name,
    created_at: formatTimestamp(ctx.now()),
    operator: ctx.operator,
    description: rows.description,
    warehouse: ctx.warehouse.label,
    edits: rows.edits ?? [],
    exclusions: rows.exclusions,
    exceptions: rows.exceptions,
    changes: rows.changes ?? [],
    skipped: rows.skipped ?? [],
    removals: rows.removals ?? { exclusions: [], exceptions: [] },
    // The fingerprint covers exactly the ids and range read here; a state the operation read itself may cover others.
    preconditions: { event_ids: eventIds, from: range.from, until: range.until, state, ...(rows.state || !raw.fingerprint ? {} : { fingerprint: raw.fingerprint }) },
  });
}
