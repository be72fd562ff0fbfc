/**
 * A plan as the screens hold it: its envelope and counts at hand, its rows
 * asked for when shown. The rows of a 100,000-row plan stay where the plan
 * was made (a worker thread, see workerPlans), so the thread that draws the
 * screen never holds them, nor collects the garbage of making them. What is
 * written is still the plan, whole: `apply` writes the plan this refers to.
 */
import type { Journal } from '../journal.js';
import { applyPlan, type ApplyResult } from '../operations/apply.js';
import type { Context } from '../operations/context.js';
import { redescribe } from '../operations/redescribe.js';
import type { Change, Plan } from '../plan.js';
import { summarizePlan, type PlanSummary } from '../planSummary.js';

export type PlanInfo = Pick<Plan, 'id' | 'kind' | 'stage' | 'event_name' | 'created_at' | 'operator' | 'description' | 'warehouse'> & {
  /** Rows the plan writes (exclusions and exceptions) and deletes. */
  rows: number;
  changes: number;
  skipped: number;
};

export interface PlanRef {
  readonly info: PlanInfo;
  /** The change at `index` (0-based) in the plan's order; undefined past the end. */
  change(index: number): Promise<Change | undefined>;
  summary(): Promise<PlanSummary>;
  /** The SQL apply runs, formatted for operators to read. */
  applySql(): Promise<string>;
  /** The same plan with the operator's description on every row: a new plan, with a new id. */
  redescribe(text: string): Promise<PlanRef>;
  /** Writes the plan (see operations/apply.ts), journaled when there is a journal. */
  apply(): Promise<ApplyResult>;
}

export function planInfo(plan: Plan): PlanInfo {
  return {
    id: plan.id,
    kind: plan.kind,
    stage: plan.stage,
    event_name: plan.event_name,
    created_at: plan.created_at,
    operator: plan.operator,
    description: plan.description,
    warehouse: plan.warehouse,
    rows: plan.exclusions.length + plan.exceptions.length + plan.removals.exclusions.length + plan.removals.exceptions.length,
    changes: plan.changes.length,
    skipped: plan.skipped.length,
  };
}

/** A plan held on this thread. Without a journal (the benchmarks) nothing is journaled. */
export function localPlanRef(ctx: Context, journal: Journal | undefined, plan: Plan): PlanRef {
  return {
    info: planInfo(plan),
    change: async (index) => plan.changes[index],
    summary: () => summarizePlan(ctx, plan),
    applySql: async () => ctx.warehouse.applySql(plan),
    redescribe: async (text) => localPlanRef(ctx, journal, await redescribe(plan, text)),
    apply: () => applyPlan(ctx, plan, journal),
  };
}
