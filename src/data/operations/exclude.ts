/**
 * add_duplicates_to_exclusions: exclude every original copy of the chosen
 * event_ids, so the stage table stops showing them.
 */
import type { StageConfig } from '../config.js';
import { inputError, refused } from '../errors.js';
import { requireDescription, type ExclusionRow } from '../model.js';
import type { Plan } from '../plan.js';
import { lookbackStart, type Context } from './context.js';
import { preparePlan } from './prepare.js';

const FAR_FUTURE = '9999-12-31 23:59:59.999999';

export async function buildExclusionPlan(
  ctx: Context,
  stage: StageConfig,
  eventIds: readonly string[],
  description: string,
  lookbackDays?: number,
): Promise<Plan> {
  description = requireDescription(description);
  if (eventIds.length === 0) throw inputError('event_id', 'name at least one event to exclude');
  const ids = [...new Set(eventIds)].sort();
  const from = lookbackStart(ctx, lookbackDays);
  const raw = await ctx.warehouse.readState(ids, from, FAR_FUTURE);
  const excluded = new Set(raw.exclusions.map((x) => `${x.event_id}@${x.event_created_at}`));
  const exclusions: ExclusionRow[] = [];
  const skipped: Plan['skipped'] = [];
  for (const id of ids) {
    const originals = raw.sources.filter((r) => r.event_id === id);
    if (originals.length === 0) {
      throw inputError('event_id', `${id} has no original rows created since ${from.slice(0, 10)} (widen --lookback if it is older)`);
    }
    const ofStage = originals.filter((r) => r.event_name === stage.event_name);
    if (ofStage.length === 0) {
      throw inputError('event_id', `${id} is a ${originals[0]!.event_name} event, not ${stage.event_name} (stage ${stage.name})`);
    }
    if (raw.exceptions.some((r) => r.event_id === id)) {
      throw refused(`${id} has an exception row, and exclusions do not remove exception rows from ${stage.name}; nothing was planned`);
    }
    const seen = new Set<string>();
    for (const row of ofStage) {
      const key = `${row.event_id}@${row.event_created_at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (excluded.has(key)) {
        skipped.push({ event_id: id, event_created_at: row.event_created_at, reason: 'already excluded' });
        continue;
      }
      exclusions.push({ event_created_at: row.event_created_at, event_id: id, event_name: row.event_name, exclusion_description: description });
    }
  }
  return preparePlan(ctx, { kind: 'exclude', stage, description, exclusions, exceptions: [], skipped, state: { raw, from, until: FAR_FUTURE } });
}
