/**
 * Pending reruns: applied plans the stage table does not show yet. A plan is in the stage once a rebuild ran
 * after it (at or after its applied_at) from a day no later than the oldest event it wrote for; until then the
 * stage table still shows the events as they were. The audit table says what was applied and when; the engine
 * says when the stage was rebuilt (DuckDB's own record, BigQuery's last_modified_time). Without an audit table
 * the local journal stands in for it.
 */
import type { StageConfig } from '../config.js';
import type { AuditEntry, AuditFilter, StageRebuild } from '../engine.js';
import type { Journal } from '../journal.js';
import { daysBetween, parseTimestamp } from '../timestamp.js';
import { lookbackStart, type Context } from './context.js';

export type RerunState = 'rerun pending' | 'in stage';

/** What a stage needs: the plans not in it yet, and the rerun that brings them in. */
export type PendingRerun = {
  stage: string;
  plans: { plan_id: string; kind: string; applied_at: string; oldest: string | null }[];
  /** The rerun's first instant: midnight UTC of the oldest event the pending plans wrote for. */
  since: string;
  current_date_offset: number;
  /** Exactly what to run; `--since` rather than `--offset`, so it stays right tomorrow. */
  command: string;
};

type Applied = Pick<AuditEntry, 'plan_id' | 'kind' | 'applied_at' | 'oldest' | 'revert_of' | 'counts'>;

const wrote = (e: Applied) => e.counts.exceptions + e.counts.exclusions + e.counts.deleted.exceptions + e.counts.deleted.exclusions > 0;

/** Each applied plan's state against the stage's rebuilds. A plan that wrote nothing is in the stage as it is. */
export function rerunStates(entries: readonly Applied[], rebuilds: readonly StageRebuild[]): Map<string, RerunState> {
  const covers = (r: StageRebuild, e: Applied) => r.at >= e.applied_at && (r.since === null || e.oldest === null || r.since <= e.oldest);
  const states = new Map<string, RerunState>();
  for (const e of entries) states.set(e.plan_id, !wrote(e) || rebuilds.some((r) => covers(r, e)) ? 'in stage' : 'rerun pending');
  // A plan and its revert both pending cancel out: the sources are as the stage table last saw them.
  for (const e of entries) {
    if (e.revert_of && states.get(e.plan_id) === 'rerun pending' && states.get(e.revert_of) === 'rerun pending') {
      states.set(e.plan_id, 'in stage');
      states.set(e.revert_of, 'in stage');
    }
  }
  return states;
}

/** The stage's applied plans, newest first: the audit table's, or the journal's when there is no audit table. */
async function appliedPlans(ctx: Context, stage: StageConfig, journal?: Journal): Promise<Applied[]> {
  const audited = await ctx.engine.auditEntries({ stage: stage.name, limit: 500 });
  if (audited.length > 0 || !journal) return audited;
  return journal
    .read()
    .filter((e) => e.stage === stage.name && e.result === 'applied' && e.applied_at && e.warehouse === ctx.engine.label)
    .map((e) => ({
      plan_id: e.plan_id,
      kind: e.kind,
      applied_at: e.applied_at!,
      oldest: null,
      revert_of: null,
      counts: { exceptions: e.counts?.exceptions ?? 0, exclusions: e.counts?.exclusions ?? 0, deleted: e.counts?.deleted ?? { exceptions: 0, exclusions: 0 } },
    }));
}

/** The rerun a stage needs, or null when the stage table shows every applied plan. */
export async function pendingRerun(ctx: Context, stage: StageConfig, journal?: Journal): Promise<PendingRerun | null> {
  const [entries, rebuilds] = await Promise.all([appliedPlans(ctx, stage, journal), ctx.engine.stageRebuilds(stage)]);
  const states = rerunStates(entries, rebuilds);
  const plans = entries.filter((e) => states.get(e.plan_id) === 'rerun pending');
  if (plans.length === 0) return null;
  // A plan whose oldest event is unknown (journal only) reruns the lookback window.
  const days = plans.map((e) => e.oldest?.slice(0, 10) ?? lookbackStart(ctx).slice(0, 10));
  const day = [...days].sort()[0]!;
  const since = `${day} 00:00:00.000000`;
  return {
    stage: stage.name,
    plans: plans.map(({ plan_id, kind, applied_at, oldest }) => ({ plan_id, kind, applied_at, oldest })),
    since,
    current_date_offset: Math.max(0, daysBetween(parseTimestamp(since), ctx.now())),
    command: `evfix rerun ${stage.name} --since ${day}`,
  };
}

/** "rerun needed (2 plans, offset 14)", for the stage list, `evfix stages` and doctor. */
export function describePending(p: PendingRerun | null): string {
  if (!p) return 'up to date';
  return `rerun needed (${p.plans.length} plan${p.plans.length === 1 ? '' : 's'}, offset ${p.current_date_offset})`;
}

/** Applied plans as history lists them, each marked `rerun pending` or `in stage` (a stage no longer configured: unmarked). */
export async function withRerunStates(ctx: Context, filter: AuditFilter): Promise<(AuditEntry & { rerun_state?: RerunState })[]> {
  const entries = await ctx.engine.auditEntries(filter);
  const out: (AuditEntry & { rerun_state?: RerunState })[] = entries;
  for (const name of new Set(entries.map((e) => e.stage))) {
    const stage = ctx.config.stages.find((s) => s.name === name);
    if (!stage) continue;
    // States need every plan of the stage (a revert cancels its plan), not only the filtered ones.
    const [all, rebuilds] = await Promise.all([ctx.engine.auditEntries({ stage: name, limit: 500 }), ctx.engine.stageRebuilds(stage)]);
    const states = rerunStates(all, rebuilds);
    for (const e of out) if (e.stage === name && states.has(e.plan_id)) e.rerun_state = states.get(e.plan_id);
  }
  return out;
}
