/**
 * remove_duplicates_by_event_id: for each chosen group, exclude every copy's
 * (event_id, event_created_at) and re-add one copy as an exception
 * (is_event_update = false), so the stage table shows the event once.
 */
import type { StageConfig } from '../config.js';
import { inputError, refused } from '../errors.js';
import type { ExceptionRow, ExclusionRow } from '../model.js';
import type { Plan } from '../plan.js';
import type { Context } from './context.js';
import { findEventIdDuplicates, type DuplicateGroup } from './duplicates.js';
import { preparePlan } from './prepare.js';
import { pacer } from '../slices.js';

export type DedupeOptions = {
  /** Only these groups; all unresolved groups in the lookback when absent. */
  eventIds?: readonly string[];
  keep?: 'earliest' | 'latest';
  /** Per group, the index (in ingestion order) of the copy to keep, overriding `keep`. */
  keepIndex?: ReadonlyMap<string, number>;
  lookbackDays?: number;
  description?: string;
  /** Groups already loaded by the caller (the TUI), to plan exactly what the operator saw. */
  groups?: readonly DuplicateGroup[];
};

export const DEFAULT_DEDUPE_DESCRIPTION = 'Duplicate copies of event_id excluded, one copy re-added (evfix dedupe)';

export async function buildDedupePlan(ctx: Context, stage: StageConfig, options: DedupeOptions = {}): Promise<Plan> {
  const description = options.description?.trim() || DEFAULT_DEDUPE_DESCRIPTION;
  const all = options.groups ?? (await findEventIdDuplicates(ctx, stage, options.lookbackDays));
  let groups = all;
  if (options.eventIds?.length) {
    const byId = new Map(all.map((g) => [g.event_id, g]));
    const missing = options.eventIds.filter((id) => !byId.has(id));
    if (missing.length) {
      throw inputError('event_id', `${missing[0]} has no unresolved duplicates in ${stage.name} within the lookback window${missing.length > 1 ? ` (nor do ${missing.length - 1} more)` : ''}`);
    }
    groups = [...new Set(options.eventIds)].map((id) => byId.get(id)!);
  }
  if (groups.length === 0) throw refused(`no unresolved event_id duplicates in ${stage.name} within the lookback window`);

  const exclusions: ExclusionRow[] = [];
  const exceptions: ExceptionRow[] = [];
  const pace = pacer();
  for (const group of groups) {
    if (pace.due()) await pace.rest();
    const seen = new Set<string>();
    for (const copy of group.copies) {
      if (seen.has(copy.event_created_at)) continue;
      seen.add(copy.event_created_at);
      exclusions.push({
        event_created_at: copy.event_created_at,
        event_id: copy.event_id,
        event_name: copy.event_name,
        exclusion_description: description,
      });
    }
    const index = options.keepIndex?.get(group.event_id) ?? (options.keep === 'latest' ? group.copies.length - 1 : 0);
    const kept = group.copies[index];
    if (!kept) throw inputError('keep', `group ${group.event_id} has ${group.copies.length} copies; there is no copy ${index + 1}`);
    exceptions.push({ ...kept, exception_description: description, is_event_update: false });
  }
  return preparePlan(ctx, { kind: 'dedupe', stage, description, exclusions, exceptions });
}
