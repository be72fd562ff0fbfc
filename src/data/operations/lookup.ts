/** Event lookup: every row the warehouse holds for an event_id, and the version(s) the stage table shows. */
import type { EventRows } from '../engine.js';
import type { Context } from './context.js';

export type EventLookup = EventRows;

export function lookupEvent(ctx: Context, eventId: string, createdAt?: string): Promise<EventLookup> {
  return ctx.engine.lookup(eventId, createdAt);
}
