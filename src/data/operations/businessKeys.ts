/**
 * Business-key duplicates: different event_ids carrying the same business key
 * (e.g. the same $.transaction_id), among the events the stage table shows.
 */
import type { StageConfig } from '../config.js';
import { differingPathsAmong } from '../json/diff.js';
import { normalizePath } from '../json/path.js';
import { parseJson } from '../json/value.js';
import type { EffectiveEvent } from '../model.js';
import { lookbackStart, type Context } from './context.js';

export type BusinessKeyGroup = {
  key: string;
  events: EffectiveEvent[];
  /** event_data paths on which the group's events disagree. */
  differences: string[];
};

export async function findBusinessKeyDuplicates(ctx: Context, stage: StageConfig, pathText: string, lookbackDays?: number): Promise<BusinessKeyGroup[]> {
  const path = normalizePath(pathText, 'business key path');
  const rows = await ctx.engine.businessKeyRows(stage, path, lookbackStart(ctx, lookbackDays));
  const groups = new Map<string, EffectiveEvent[]>();
  for (const { business_key, ...event } of rows) {
    const list = groups.get(business_key);
    if (list) list.push(event);
    else groups.set(business_key, [event]);
  }
  return [...groups.entries()].map(([key, events]) => ({
    key,
    events,
    differences: differingPathsAmong(events.map((e) => parseJson(e.event_data, 'event_data'))),
  }));
}
