/**
 * Stage rerun: rebuild a stage table's window with the create_stage_table
 * semantics, as dbt's incremental model does with `current_date_offset`.
 */
import type { StageConfig } from '../config.js';
import { inputError, refused } from '../errors.js';
import { addDays, formatTimestamp, parseTimestamp, startOfDay } from '../timestamp.js';
import type { Context } from './context.js';

export type RerunWindow = { offset?: number; since?: string };

/** The window's first instant: midnight UTC of `current_date - offset`, or of the since-date. */
export function rerunStart(ctx: Context, window: RerunWindow): string {
  if (window.offset !== undefined && window.since !== undefined) throw inputError('offset', 'give --offset or --since, not both');
  if (window.since !== undefined) return formatTimestamp(startOfDay(parseTimestamp(window.since, 'since')));
  const offset = window.offset ?? ctx.config.lookback_days;
  if (!Number.isInteger(offset) || offset < 0 || offset > 36500) throw inputError('offset', `${offset} is not a whole number of days (0 or more)`);
  return formatTimestamp(startOfDay(addDays(ctx.now(), -offset)));
}

export async function rerunStage(ctx: Context, stage: StageConfig, window: RerunWindow) {
  if (ctx.config.read_only) throw refused('evfix is in read-only mode; the stage table was not rebuilt');
  const since = rerunStart(ctx, window);
  const counts = await ctx.warehouse.rerunStage(stage, since);
  return { stage: stage.name, since, ...counts };
}
