/**
 * Apply: the only place evfix writes. One transaction per plan, the plan's
 * preconditions re-checked inside it, the outcome journaled, and the stage
 * rerun the change needs returned.
 */
import { findStage } from '../config.js';
import { describeError, refused } from '../errors.js';
import type { Journal, JournalEntry } from '../journal.js';
import { applyJobId, planExtent, type Plan } from '../plan.js';
import { daysBetween, formatTimestamp, parseTimestamp } from '../timestamp.js';
import type { ApplyCounts } from '../warehouse.js';
import type { Context } from './context.js';
import { decideApply } from './state.js';

export type StageRerun = { stage: string; current_date_offset: number; since: string };

export type ApplyResult = {
  status: 'applied' | 'already-applied';
  plan_id: string;
  written: ApplyCounts;
  /** When the rows were written (their added timestamps); absent when nothing was written. */
  appliedAt?: string;
  message: string;
  rerun: StageRerun;
};

/** The rerun a plan needs: its stage, from the day of its oldest affected event. */
export async function rerunFor(ctx: Context, plan: Plan): Promise<StageRerun> {
  const { oldest } = await planExtent(plan);
  const offset = Math.max(0, daysBetween(parseTimestamp(oldest), ctx.now()));
  return { stage: plan.stage, current_date_offset: offset, since: `${oldest.slice(0, 10)} 00:00:00.000000` };
}

export async function applyPlan(ctx: Context, plan: Plan, journal?: Journal): Promise<ApplyResult> {
  if (ctx.config.read_only) throw refused('evfix is in read-only mode; nothing was written');
  findStage(ctx.config, plan.stage);
  if (plan.warehouse !== ctx.warehouse.label) {
    throw refused(`plan ${plan.id} was made on ${plan.warehouse}, not on ${ctx.warehouse.label}; nothing was written`);
  }
  // A plan sealed in this process knows its extent; one read from a file takes a pass over every row (45 ms at
  // 300,000 rows), which runs while the warehouse works, not before.
  const rerunning = rerunFor(ctx, plan);
  rerunning.catch(() => undefined);
  const base: Omit<JournalEntry, 'time' | 'result'> = {
    plan_id: plan.id,
    kind: plan.kind,
    stage: plan.stage,
    operator: ctx.operator,
    description: plan.description,
    warehouse: plan.warehouse,
  };
  const log = (entry: Partial<JournalEntry> & Pick<JournalEntry, 'result'>) =>
    journal?.append({ ...base, time: formatTimestamp(ctx.now()), ...entry });

  // The plan and the job id are kept before the write starts, so an interrupted apply can be reconciled on the next start.
  const jobId = ctx.warehouse.jobOutcome ? applyJobId(plan) : undefined;
  await journal?.savePlanAsync(plan);
  log({ result: 'started', pid: process.pid, ...(jobId ? { job_id: jobId } : {}) });
  let outcome;
  try {
    outcome = await ctx.warehouse.applyPlan(plan, (state) => decideApply(plan, state), { jobId });
  } catch (error) {
    log({ result: 'failed', message: describeError(error) });
    throw error;
  }
  if (outcome.status === 'refused') {
    log({ result: 'refused', message: outcome.message });
    throw refused(outcome.message);
  }
  const none = { exclusions: 0, exceptions: 0 };
  const written = outcome.status === 'applied' ? outcome.written : { ...none, deleted: none };
  const deleted = written.deleted.exclusions + written.deleted.exceptions;
  const message =
    outcome.status === 'applied'
      ? `wrote ${written.exclusions} exclusion row(s) and ${written.exceptions} exception row(s)` +
        (deleted ? `, deleted ${written.deleted.exclusions} exclusion row(s) and ${written.deleted.exceptions} exception row(s)` : '')
      : outcome.message;
  const appliedAt = outcome.status === 'applied' ? outcome.appliedAt : undefined;
  const rerun = await rerunning;
  log({ result: outcome.status, counts: written, applied_at: appliedAt, rerun: { stage: rerun.stage, current_date_offset: rerun.current_date_offset }, message });
  return { status: outcome.status, plan_id: plan.id, written, message, rerun, appliedAt };
}
