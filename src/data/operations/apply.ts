/**
 * Apply: the only place evfix writes. The engine writes the plan in one transaction that re-checks its
 * fingerprint and records it in the audit table; here the attempt is journaled on this host first (with the
 * warehouse job's id, so an interrupted apply can be reconciled on the next start), and the stage rerun the
 * change needs is worked out.
 */
import { hostname } from 'node:os';
import { findStage } from '../config.js';
import { describeError, OutcomeUnknownError, refused } from '../errors.js';
import type { ApplyCounts } from '../engine.js';
import type { Journal, JournalEntry } from '../journal.js';
import type { Plan } from '../plan.js';
import { randomUUID } from 'node:crypto';
import { daysBetween, formatTimestamp, parseTimestamp } from '../timestamp.js';
import { inputsOf, type PlanContext } from './makePlan.js';
import { notApprovedMessage, requireTicket } from './approval.js';

export type StageRerun = { stage: string; current_date_offset: number; since: string };

export type ApplyResult = {
  status: 'applied' | 'already-applied';
  plan_id: string;
  written: ApplyCounts;
  /** When the rows were written (their added timestamps): the transaction's time. */
  appliedAt?: string;
  message: string;
  rerun: StageRerun;
};

/** A warehouse job id for applying a plan: names the plan, unique per attempt, in BigQuery's job id alphabet. */
export const applyJobId = (plan: Pick<Plan, 'id'>) => `evfix_apply_${plan.id}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** The rerun a plan needs: its stage, from the day of the oldest event it writes for. */
export function rerunFor(ctx: Pick<PlanContext, 'now'>, plan: Pick<Plan, 'stage' | 'extent' | 'selection'>): StageRerun {
  const oldest = plan.extent?.oldest ?? plan.selection.window.from;
  const offset = Math.max(0, daysBetween(parseTimestamp(oldest), ctx.now()));
  return { stage: plan.stage, current_date_offset: offset, since: `${oldest.slice(0, 10)} 00:00:00.000000` };
}

export function describeWritten(written: ApplyCounts): string {
  const deleted = written.deleted.exclusions + written.deleted.exceptions;
  if (!deleted) return `wrote ${written.exclusions} exclusion row(s) and ${written.exceptions} exception row(s)`;
  if (!written.exclusions && !written.exceptions)
    return `deleted ${written.deleted.exclusions} exclusion row(s) and ${written.deleted.exceptions} exception row(s)`;
  return `wrote ${written.exclusions} exclusion row(s) and ${written.exceptions} exception row(s), deleted ${written.deleted.exclusions} exclusion row(s) and ${written.deleted.exceptions} exception row(s)`;
}

/**
 * `ticket`: the change ticket, required (and matched) when the config has `ticket_pattern`. `file`: where the
 * plan was read from, for the command a refusal for want of approval names.
 */
export async function applyPlan(ctx: PlanContext, plan: Plan, journal?: Journal, options: { ticket?: string; file?: string } = {}): Promise<ApplyResult> {
  if (ctx.config.read_only) throw refused('evfix is in read-only mode; nothing was written');
  const ticket = requireTicket(ctx.config, options.ticket);
  const stage = findStage(ctx.config, plan.stage);
  if (plan.warehouse !== ctx.engine.label) {
    throw refused(`plan ${plan.id} was made on ${plan.warehouse}, not on ${ctx.engine.label}; nothing was written`);
  }
  if (plan.kind === 'update' && plan.counts.problems > 0 && plan.on_problem === 'refuse') {
    const first = plan.problems[0];
    throw refused(
      `plan ${plan.id}: ${plan.counts.problems} selected event(s) cannot be changed as asked (JSON_SET would leave them unchanged)${first ? `, e.g. ${first.event_id}: ${first.reason}` : ''}; make the plan again leaving them out (--skip-problems), or narrow the selection. Nothing was written`,
    );
  }
  const base: Omit<JournalEntry, 'time' | 'result'> = {
    plan_id: plan.id,
    kind: plan.kind,
    stage: plan.stage,
    operator: ctx.operator,
    description: plan.description,
    warehouse: plan.warehouse,
  };
  const log = (entry: Partial<JournalEntry> & Pick<JournalEntry, 'result'>) => journal?.append({ ...base, time: formatTimestamp(ctx.now()), ...entry });
  // The plan and the job id are kept before the write starts, so an interrupted apply can be reconciled on the next start.
  const jobId = ctx.engine.jobOutcome ? applyJobId(plan) : undefined;
  journal?.savePlan(plan);
  log({ result: 'started', pid: process.pid, ...(jobId ? { job_id: jobId } : {}) });
  let outcome: Awaited<ReturnType<typeof ctx.engine.applyPlan>>;
  try {
    outcome = await ctx.engine.applyPlan(stage, plan, inputsOf(plan), { operator: ctx.operator, host: hostname(), jobId, ticket });
  } catch (error) {
    log(
      error instanceof OutcomeUnknownError
        ? { result: 'unknown', job_id: error.jobId, message: describeError(error) }
        : { result: 'failed', message: describeError(error) },
    );
    throw error;
  }
  if (outcome.status === 'refused') {
    if (outcome.missing === 'approval') outcome = { ...outcome, message: notApprovedMessage(ctx, plan, options.file) };
    log({ result: 'refused', message: outcome.message });
    // Two reverts of one plan planned before either was applied: the second is refused, naming the first.
    if (plan.kind === 'revert' && plan.revert_of) {
      const [entry] = await ctx.engine.auditEntries({ planId: plan.revert_of.plan_id, limit: 1 }).catch(() => []);
      if (entry?.reverted_by && entry.reverted_by !== plan.id)
        throw refused(`plan ${plan.revert_of.plan_id} was already reverted by plan ${entry.reverted_by}; nothing was written`);
    }
    throw refused(outcome.message);
  }
  const none = { exclusions: 0, exceptions: 0 };
  const written = outcome.status === 'applied' ? outcome.written : { ...none, deleted: none };
  const message = outcome.status === 'applied' ? describeWritten(written) : outcome.message;
  const rerun = rerunFor(ctx, plan);
  log({
    result: outcome.status,
    counts: written,
    applied_at: outcome.appliedAt,
    rerun: { stage: rerun.stage, current_date_offset: rerun.current_date_offset },
    message,
  });
  return { status: outcome.status, plan_id: plan.id, written, message, rerun, appliedAt: outcome.appliedAt };
}
