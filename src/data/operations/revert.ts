/**
 * Revert: a plan that deletes exactly the rows an earlier plan wrote, matched
 * by key, description and the timestamp they were written at. It is shown,
 * confirmed and applied like any other plan, and needs a rerun the same way.
 */
import { findStage } from '../config.js';
import { refused } from '../errors.js';
import type { Journal } from '../journal.js';
import type { Plan } from '../plan.js';
import type { Context } from './context.js';
import { preparePlan } from './prepare.js';

export async function buildRevertPlan(ctx: Context, journal: Journal, planId: string): Promise<Plan> {
  const entry = journal.read().find((e) => e.plan_id === planId && e.result === 'applied');
  if (!entry?.applied_at) throw refused(`plan ${planId} has no applied entry in the journal; only applied plans can be reverted`);
  const original = journal.loadPlan(planId);
  if (original.kind === 'revert') throw refused(`plan ${planId} is itself a revert; apply the original plan again instead`);
  const at = entry.applied_at;
  const description = `Revert of plan ${planId}: ${original.description}`.slice(0, 10_000);
  return preparePlan(ctx, {
    kind: 'revert',
    stage: findStage(ctx.config, original.stage),
    description,
    exclusions: [],
    exceptions: [],
    removals: {
      exclusions: original.exclusions.map((r) => ({ ...r, exclusion_added_timestamp: at })),
      exceptions: original.exceptions.map((r) => ({ ...r, exception_added_timestamp: at })),
    },
  });
}
