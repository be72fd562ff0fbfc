/** Event lookup: every row the warehouse holds for an event_id, and the version the stage table shows. */
import type { EffectiveEvent, EventRow, StoredException, StoredExclusion } from '../model.js';
import type { Context } from './context.js';

export type EventLookup = {
  originals: EventRow[];
  exceptions: StoredException[];
  exclusions: StoredExclusion[];
  /** What create_stage_table yields for this event: its latest exception, else the non-excluded originals' first copy; null when excluded. */
  effective: EffectiveEvent | null;
};

export function effectiveOf(originals: EventRow[], exceptions: StoredException[], exclusions: StoredExclusion[]): EffectiveEvent | null {
  const latest = [...exceptions].sort(
    (a, b) =>
      b.exception_added_timestamp.localeCompare(a.exception_added_timestamp) ||
      (b.event_ingested_at ?? '').localeCompare(a.event_ingested_at ?? ''),
  )[0];
  if (latest) {
    const { exception_description: _d, is_event_update: _u, exception_added_timestamp: _t, ...row } = latest;
    return { ...row, source: 'exception' };
  }
  const excluded = new Set(exclusions.map((x) => x.event_created_at));
  const live = originals
    .filter((r) => !excluded.has(r.event_created_at))
    .sort((a, b) => (a.event_ingested_at ?? '').localeCompare(b.event_ingested_at ?? ''));
  return live[0] ? { ...live[0], source: 'original' } : null;
}

export async function lookupEvent(ctx: Context, eventId: string, createdAt?: string): Promise<EventLookup> {
  const raw = await ctx.warehouse.lookup(eventId, createdAt);
  return {
    originals: raw.sources,
    exceptions: raw.exceptions,
    exclusions: raw.exclusions,
    effective: effectiveOf(raw.sources, raw.exceptions, raw.exclusions),
  };
}
