/** What a plan does, in the numbers an operator checks before writing: shared by the CLI and the confirm screen. */
import type { Config } from './config.js';
import { describeEdit } from './json/edit.js';
import { planExtent, type Plan } from './plan.js';
import { rerunFor, type StageRerun } from './operations/apply.js';
import type { Context } from './operations/context.js';

export type PlanSummary = {
  id: string;
  kind: Plan['kind'];
  stage: string;
  rows: { table: string; count: number; note: string }[];
  events: number;
  firstCreated: string;
  lastCreated: string;
  edits: string[];
  skipped: number;
  rerun: StageRerun;
};

export async function summarizePlan(ctx: Context, plan: Plan): Promise<PlanSummary> {
  const tables = (c: Config) => c.tables;
  const extent = await planExtent(plan);
  const rows = [];
  if (plan.exclusions.length) rows.push({ table: tables(ctx.config).exclusions, count: plan.exclusions.length, note: 'exclusions' });
  if (plan.exceptions.length) {
    const update = plan.exceptions.some((r) => r.is_event_update);
    rows.push({ table: tables(ctx.config).exceptions, count: plan.exceptions.length, note: `exceptions, is_event_update = ${update}` });
  }
  if (plan.removals.exclusions.length) rows.push({ table: tables(ctx.config).exclusions, count: -plan.removals.exclusions.length, note: 'deleted' });
  if (plan.removals.exceptions.length) rows.push({ table: tables(ctx.config).exceptions, count: -plan.removals.exceptions.length, note: 'deleted' });
  return {
    id: plan.id,
    kind: plan.kind,
    stage: plan.stage,
    rows,
    // The events whose rows the plan re-checks: exactly those its rows touch (see preparePlan).
    events: plan.preconditions.event_ids.length,
    firstCreated: extent.oldest,
    lastCreated: extent.newest,
    edits: plan.edits.map(describeEdit),
    skipped: plan.skipped.length,
    rerun: await rerunFor(ctx, plan),
  };
}
