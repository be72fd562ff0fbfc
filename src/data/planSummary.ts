/** What a plan does, in the numbers an operator checks before writing: shared by the CLI and the confirm screen. */
import type { Config } from './config.js';
import { describeEdit } from './json/edit.js';
import type { Plan } from './plan.js';
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

export function summarizePlan(ctx: Context, plan: Plan): PlanSummary {
  const tables = (c: Config) => c.tables;
  const all = [...plan.exclusions, ...plan.exceptions, ...plan.removals.exclusions, ...plan.removals.exceptions];
  // Canonical timestamps order as text: one pass, not a sort of every row (the confirm screen computes this).
  let firstCreated = all[0]?.event_created_at ?? '', lastCreated = firstCreated;
  for (const r of all) {
    if (r.event_created_at < firstCreated) firstCreated = r.event_created_at;
    if (r.event_created_at > lastCreated) lastCreated = r.event_created_at;
  }
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
    events: new Set(all.map((r) => r.event_id)).size,
    firstCreated,
    lastCreated,
    edits: plan.edits.map(describeEdit),
    skipped: plan.skipped.length,
    rerun: rerunFor(ctx, plan),
  };
}
