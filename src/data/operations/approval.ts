/**
 * Four-eyes and tickets: what production change control asks of an apply.
 *
 * With `approval: required`, a plan is applied only once a second operator approved it (`evfix approve FILE`):
 * an approvals row of the plan's id and fingerprint by someone who is neither the plan's author nor the operator
 * applying it. The engine checks it inside the apply's transaction; here the approval is recorded (after the
 * same re-checks as apply), read for the confirm screen, and a refusal is worded with the command to run.
 *
 * With `ticket_pattern`, every apply carries a ticket matching it as a whole, stored in the audit row.
 */
import { hostname } from 'node:os';
import { findStage, ticketRegExp, type Config } from '../config.js';
import type { Approval } from '../engine.js';
import { EvfixError, refused } from '../errors.js';
import type { Plan } from '../plan.js';
import type { Context } from './context.js';
import { inputsOf } from './makePlan.js';

/**
 * The ticket an apply carries: undefined when the config asks for none (a ticket given anyway is kept), else
 * the ticket trimmed, refused when missing or not matching `ticket_pattern` as a whole.
 */
export function requireTicket(config: Pick<Config, 'ticket_pattern'>, ticket: string | undefined, how = '--ticket TICKET'): string | undefined {
  const given = ticket?.trim() || undefined;
  const pattern = config.ticket_pattern;
  if (!pattern) return given;
  if (!given)
    throw new EvfixError('usage', `a ticket is required for every write (ticket_pattern ${pattern}): give it with ${how}; nothing was written`, 'ticket');
  if (!ticketRegExp(pattern).test(given)) {
    throw new EvfixError('input', `ticket: "${given}" does not match ticket_pattern ${pattern} (the whole ticket must match); nothing was written`, 'ticket');
  }
  return given;
}

/** Why a ticket typed on the confirm screen cannot be used, or undefined when it can. */
export function ticketProblem(config: Pick<Config, 'ticket_pattern'>, ticket: string): string | undefined {
  try {
    requireTicket(config, ticket);
    return undefined;
  } catch {
    return ticket.trim() ? `does not match ${config.ticket_pattern}` : 'required';
  }
}

/** The approval an apply by `operator` can use: by someone other than the plan's author and `operator`. */
export const usableApproval = (approvals: readonly Approval[], plan: Pick<Plan, 'operator'>, operator: string) =>
  approvals.find((a) => a.approved_by !== plan.operator && a.approved_by !== operator);

/** The refusal of an apply without a usable approval: what is missing, and the commands that supply it. */
export function notApprovedMessage(ctx: Pick<Context, 'config' | 'operator'>, plan: Pick<Plan, 'id' | 'operator'>, file?: string): string {
  const others = plan.operator === ctx.operator ? `anyone but you (${ctx.operator})` : `anyone but its author (${plan.operator}) and you (${ctx.operator})`;
  const how = file
    ? `a second operator approves it with: evfix approve ${file}`
    : `save it with --plan-out FILE, have a second operator run: evfix approve FILE, then apply it with: evfix apply FILE`;
  return `plan ${plan.id} needs a second operator's approval (approval: required), and ${ctx.config.tables.approvals} holds none of this plan by ${others}; ${how}. Nothing was written`;
}

export type ApprovalStatus = { required: boolean; approval: Approval | null; approvals: Approval[] };

/** What the confirm screen says about approval: whether it is required, and the approval apply would use. */
export async function approvalStatus(ctx: Context, plan: Plan): Promise<ApprovalStatus> {
  const required = ctx.config.approval === 'required';
  const approvals = await ctx.engine.approvals(plan);
  return { required, approval: usableApproval(approvals, plan, ctx.operator) ?? null, approvals };
}

/** Refuses the operator as approver of the plan: its author, or someone who approved it already. */
export function refuseApprover(ctx: Pick<Context, 'operator'>, plan: Pick<Plan, 'id' | 'operator'>, approvals: readonly Approval[]): void {
  if (plan.operator === ctx.operator) {
    throw refused(`plan ${plan.id} was made by you (${ctx.operator}); its approval must come from a second operator. Nothing was approved`);
  }
  const mine = approvals.find((a) => a.approved_by === ctx.operator);
  if (mine) throw refused(`you (${ctx.operator}) approved plan ${plan.id} already, at ${mine.approved_at}; nothing was written`);
}

/**
 * Records the operator's approval of a plan: refused for the plan's author, for an operator who approved it
 * already, and, as apply is, for a plan applied already, stale, or of another warehouse. Nothing else is written.
 */
export async function approvePlan(ctx: Context, plan: Plan, options: { note?: string } = {}): Promise<Approval> {
  if (ctx.config.read_only) throw refused('evfix is in read-only mode; nothing was approved');
  if (plan.warehouse !== ctx.engine.label) throw refused(`plan ${plan.id} was made on ${plan.warehouse}, not on ${ctx.engine.label}; nothing was approved`);
  const stage = findStage(ctx.config, plan.stage);
  refuseApprover(ctx, plan, await ctx.engine.approvals(plan));
  const outcome = await ctx.engine.approvePlan(stage, plan, inputsOf(plan), { operator: ctx.operator, host: hostname(), note: options.note });
  if (outcome.status === 'refused') throw refused(outcome.message);
  return outcome.approval;
}
