/**
 * Every request the screens and the CLI make of evfix's data side, declared once: its arguments and reply as
 * zod schemas, and its handler. Nothing above this line touches a warehouse: the TUI and the CLI send these
 * requests through one service (service.ts), which checks the arguments, runs the handler and checks the reply.
 * Stages travel by name and are resolved once, here.
 *
 * Adding an operation: its operations file, an entry in this table, and a CLI command or a screen that sends it.
 */
import * as z from 'zod';
import { findStage } from '../config.js';
import { EditSchema } from '../json/edit.js';
import { EventIdText, EventRowSchema, TimestampText } from '../model.js';
import { ChangeSchema, PlanSchema, type Plan } from '../plan.js';
import { ConditionSchema } from '../selection.js';
import { applyPlan } from '../operations/apply.js';
import { approvalStatus, approvePlan } from '../operations/approval.js';
import { findBusinessKeyDuplicates } from '../operations/businessKeys.js';
import { lookbackStart, type Context } from '../operations/context.js';
import { runDoctor } from '../operations/doctor.js';
import { listDuplicateGroups, loadDuplicateGroups } from '../operations/duplicates.js';
import { compareEventKeys, KEY_SAMPLE } from '../operations/insert.js';
import { lookupEvent } from '../operations/lookup.js';
import { inputsOf, makePlan, redescribePlan, remakePlan, selectionOf } from '../operations/makePlan.js';
import { reconcileJournal } from '../operations/reconcile.js';
import { previewImpact } from '../operations/impact.js';
import { estimatePlan } from '../operations/estimate.js';
import { pendingRerun, withRerunStates } from '../operations/pending.js';
import { previewRerun, rerunStage } from '../operations/rerun.js';
import type { Journal } from '../journal.js';
import { readPlanFile } from '../plan.js';
import { refused } from '../errors.js';

/** What a handler is given: the operation context, this process's journal, the plans it holds, progress lines. */
export type HandlerContext = {
  ctx: Context;
  journal?: Journal;
  plans: Map<string, Plan>;
  progress: (line: string) => void;
};

type Request<A extends z.ZodType, R extends z.ZodType> = {
  args: A;
  reply: R;
  /** Reads the operator's clock (a plan's created_at, the lookback): a worker executor would carry the caller's. */
  clock: boolean;
  run: (h: HandlerContext, args: z.infer<A>) => Promise<z.input<R>>;
};

const request = <A extends z.ZodType, R extends z.ZodType>(r: Request<A, R>) => r;

const Lookback = z.number().int().min(1).max(3650).optional();
const Stage = z.string().min(1);

const EffectiveEventSchema = EventRowSchema.extend({ source: z.enum(['original', 'exception']) });
const StoredExceptionSchema = EventRowSchema.extend({
  exception_description: z.string(),
  is_event_update: z.boolean(),
  exception_added_timestamp: TimestampText,
});
const StoredExclusionSchema = z.strictObject({
  event_created_at: TimestampText,
  event_id: z.string(),
  event_name: z.string(),
  exclusion_description: z.string(),
  exclusion_added_timestamp: TimestampText,
});
const DuplicateSummarySchema = z.strictObject({
  event_id: z.string(),
  copies: z.number().int(),
  firstIngested: z.string().nullable(),
  lastIngested: z.string().nullable(),
  identical: z.boolean(),
});
const DuplicateGroupSchema = z.strictObject({
  event_id: z.string(),
  copies: z.array(EventRowSchema),
  identical: z.boolean(),
  differences: z.array(z.string()),
  firstIngested: z.string().nullable(),
  lastIngested: z.string().nullable(),
});
const CountsSchema = z.strictObject({
  exclusions: z.number(),
  exceptions: z.number(),
  deleted: z.strictObject({ exclusions: z.number(), exceptions: z.number() }),
});
const StageRerunSchema = z.strictObject({ stage: z.string(), current_date_offset: z.number().int(), since: TimestampText });
const PageKeySchema = z.strictObject({ event_created_at: TimestampText, event_id: EventIdText });

/** Which events, as the operator gave them (see operations/makePlan.ts). */
export const SelectionInputSchema = z.strictObject({
  from: z.string().optional(),
  until: z.string().optional(),
  where: z.array(z.union([z.string(), ConditionSchema])).optional(),
  keys: z.array(z.strictObject({ event_id: z.string(), event_created_at: z.string() })).optional(),
  file: z.string().optional(),
  table: z.string().optional(),
  lookbackDays: Lookback,
});

export const PlanRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('update'),
    stage: Stage,
    selection: SelectionInputSchema,
    edits: z.array(EditSchema),
    description: z.string(),
    skipProblems: z.boolean().optional(),
    /** The plan is applied next, at once (--yes): the engine may keep its snapshot for that apply. */
    applyNext: z.boolean().optional(),
  }),
  z.strictObject({
    op: z.literal('dedupe'),
    stage: Stage,
    eventIds: z.array(z.string()).optional(),
    keep: z.enum(['earliest', 'latest']).optional(),
    choices: z.array(z.tuple([z.string(), z.number().int().min(0)])).optional(),
    lookbackDays: Lookback,
    description: z.string().optional(),
  }),
  z.strictObject({ op: z.literal('exclude'), stage: Stage, eventIds: z.array(z.string()), description: z.string(), lookbackDays: Lookback }),
  z.strictObject({ op: z.literal('insert'), stage: Stage, file: z.string().optional(), text: z.string().optional(), description: z.string() }),
  z.strictObject({ op: z.literal('revert'), planId: z.string() }),
]);

const ApplyResultSchema = z.strictObject({
  status: z.enum(['applied', 'already-applied']),
  plan_id: z.string(),
  written: CountsSchema,
  appliedAt: z.string().optional(),
  message: z.string(),
  rerun: StageRerunSchema,
});

const AuditEntrySchema = z.strictObject({
  plan_id: z.string(),
  kind: z.string(),
  stage: z.string(),
  description: z.string(),
  operator: z.string(),
  host: z.string(),
  selection: z.string(),
  counts: CountsSchema,
  fingerprint: z.string(),
  job_id: z.string().nullable(),
  applied_at: z.string(),
  ticket: z.string().nullable(),
  approved_by: z.string().nullable(),
  approved_at: z.string().nullable(),
  reverted_by: z.string().nullable(),
  revert_of: z.string().nullable(),
  oldest: z.string().nullable(),
  /** Whether the stage table shows the plan yet (see operations/pending.ts). */
  rerun_state: z.enum(['rerun pending', 'in stage']).optional(),
});

const ApprovalSchema = z.strictObject({
  plan_id: z.string(),
  fingerprint: z.string(),
  approved_by: z.string(),
  approved_at: z.string(),
  host: z.string().nullable(),
  author: z.string(),
  note: z.string().nullable(),
});

const PendingRerunSchema = z.strictObject({
  stage: z.string(),
  plans: z.array(z.strictObject({ plan_id: z.string(), kind: z.string(), applied_at: z.string(), oldest: z.string().nullable() })),
  since: TimestampText,
  current_date_offset: z.number().int(),
  command: z.string(),
});

/** Bytes a script would scan (decimal text: they can pass 2^53) and the threshold it is held to. */
const ScanEstimateSchema = z.strictObject({ bytes: z.string().regex(/^\d+$/), threshold: z.string().regex(/^\d+$/) });

const RerunWindowSchema = z.strictObject({ stage: Stage, offset: z.number().int().min(0).max(36500).optional(), since: z.string().optional() });

/** A plan this process made or read, by id: the plan's definition and facts stay with the service. */
function held(h: HandlerContext, id: string): Plan {
  const plan = h.plans.get(id);
  if (!plan) throw refused(`plan ${id} is no longer held here; make it again`);
  return plan;
}

/** Keeps a plan for the requests that name it (a handful: plans are small, but a session makes many). */
function keep(h: HandlerContext, plan: Plan): Plan {
  h.plans.delete(plan.id);
  h.plans.set(plan.id, plan);
  for (const id of h.plans.keys()) if (h.plans.size > 16) h.plans.delete(id);
  return plan;
}

export const REQUESTS = {
  stageSummary: request({
    args: z.strictObject({ stage: Stage, lookbackDays: Lookback }),
    reply: z.strictObject({
      stage: z.string(),
      event_name: z.string(),
      since: TimestampText,
      events: z.number(),
      duplicateGroups: z.number(),
      stageDuplicateGroups: z.number().nullable(),
    }),
    clock: true,
    run: async ({ ctx }, a) => {
      const stage = findStage(ctx.config, a.stage);
      const since = lookbackStart(ctx, a.lookbackDays);
      return { stage: stage.name, event_name: stage.event_name, since, ...(await ctx.engine.stageSummary(stage, since)) };
    },
  }),
  duplicateGroups: request({
    args: z.strictObject({ stage: Stage, lookbackDays: Lookback }),
    reply: z.array(DuplicateSummarySchema),
    clock: true,
    run: ({ ctx }, a) => listDuplicateGroups(ctx, findStage(ctx.config, a.stage), a.lookbackDays),
  }),
  groupCopies: request({
    args: z.strictObject({ stage: Stage, eventIds: z.array(z.string()), lookbackDays: Lookback }),
    reply: z.array(DuplicateGroupSchema),
    clock: true,
    run: ({ ctx }, a) => loadDuplicateGroups(ctx, findStage(ctx.config, a.stage), a.eventIds, a.lookbackDays),
  }),
  businessKeyGroups: request({
    args: z.strictObject({ stage: Stage, path: z.string(), lookbackDays: Lookback }),
    reply: z.array(z.strictObject({ key: z.string(), events: z.array(EffectiveEventSchema), differences: z.array(z.string()) })),
    clock: true,
    run: ({ ctx }, a) => findBusinessKeyDuplicates(ctx, findStage(ctx.config, a.stage), a.path, a.lookbackDays),
  }),
  findEvents: request({
    args: z.strictObject({ stage: Stage, selection: SelectionInputSchema, after: PageKeySchema.optional(), limit: z.number().int().min(1).max(1000) }),
    reply: z.strictObject({ events: z.array(EffectiveEventSchema), total: z.number() }),
    clock: true,
    run: async ({ ctx }, a) => {
      const stage = findStage(ctx.config, a.stage);
      // The same selection an update would make, without its edits.
      const { selection, inputs } = await selectionOf(ctx, a.selection);
      return ctx.engine.findEvents(stage, selection, inputs, a.after, a.limit);
    },
  }),
  insertKeyCheck: request({
    args: z.strictObject({ stage: Stage, text: z.string() }),
    reply: z.strictObject({ sampled: z.number().int(), missing: z.array(z.string()), unusual: z.array(z.string()) }),
    clock: true,
    run: async ({ ctx }, a) => {
      const stage = findStage(ctx.config, a.stage);
      // A sample of the stage's events in the lookback window, read as the find-events list reads them.
      const { selection, inputs } = await selectionOf(ctx, {});
      const page = await ctx.engine.findEvents(stage, selection, inputs, undefined, KEY_SAMPLE);
      return compareEventKeys(
        a.text,
        page.events.map((e) => e.event_data),
      );
    },
  }),
  lookup: request({
    args: z.strictObject({ eventId: EventIdText, createdAt: TimestampText.optional() }),
    reply: z.strictObject({
      originals: z.array(EventRowSchema),
      exceptions: z.array(StoredExceptionSchema),
      exclusions: z.array(StoredExclusionSchema),
      effective: z.array(EffectiveEventSchema),
    }),
    clock: false,
    run: ({ ctx }, a) => lookupEvent(ctx, a.eventId, a.createdAt),
  }),
  makePlan: request({
    args: PlanRequestSchema,
    reply: PlanSchema,
    clock: true,
    run: async (h, a) => keep(h, await makePlan(h.ctx, a)),
  }),
  readPlanFile: request({
    args: z.strictObject({ file: z.string() }),
    reply: PlanSchema,
    clock: false,
    run: async (h, a) => keep(h, readPlanFile(a.file)),
  }),
  describePlan: request({
    args: z.strictObject({ plan: z.string(), description: z.string() }),
    reply: PlanSchema,
    clock: false,
    run: async (h, a) => keep(h, redescribePlan(held(h, a.plan), a.description)),
  }),
  remakePlan: request({
    args: z.strictObject({ plan: z.string(), onProblem: z.enum(['refuse', 'skip']) }),
    reply: PlanSchema,
    clock: true,
    run: async (h, a) => keep(h, await remakePlan(h.ctx, held(h, a.plan), a.onProblem)),
  }),
  planChanges: request({
    args: z.strictObject({ plan: z.string(), after: PageKeySchema.optional(), limit: z.number().int().min(1).max(1000) }),
    reply: z.array(ChangeSchema),
    clock: false,
    run: async ({ ctx, ...h }, a) => {
      const plan = held({ ctx, ...h }, a.plan);
      // The first page is the plan's own sample; later pages are read from the warehouse as it is now.
      const start = a.after ? plan.sample.findIndex((c) => c.event_created_at === a.after!.event_created_at && c.event_id === a.after!.event_id) + 1 : 0;
      if (start > 0 || !a.after) {
        const fromSample = plan.sample.slice(start, start + a.limit);
        if (fromSample.length === a.limit || plan.sample.length < 200 || plan.kind !== 'update') return fromSample;
      }
      return ctx.engine.planChanges(findStage(ctx.config, plan.stage), plan, inputsOf(plan), a.after, a.limit);
    },
  }),
  planImpact: request({
    args: z.strictObject({ plan: z.string() }),
    reply: z.strictObject({
      since: TimestampText,
      added: z.number(),
      removed: z.number(),
      changed: z.number(),
      unchanged: z.number(),
      sample: z.array(
        z.strictObject({
          change: z.enum(['added', 'removed', 'changed']),
          event_id: z.string(),
          event_created_at: TimestampText,
          before: z.string().nullable(),
          after: z.string().nullable(),
        }),
      ),
    }),
    clock: true,
    run: (h, a) => previewImpact(h.ctx, held(h, a.plan)),
  }),
  /** The apply script's dry-run estimate, for confirm; null on engines without one (DuckDB). */
  estimatePlan: request({
    args: z.strictObject({ plan: z.string() }),
    reply: ScanEstimateSchema.nullable(),
    clock: false,
    run: (h, a) => estimatePlan(h.ctx, held(h, a.plan)),
  }),
  applyPlan: request({
    /** `file`: where the plan was read from, named in the command a refusal for want of approval gives. */
    args: z.strictObject({ plan: z.string(), ticket: z.string().optional(), file: z.string().optional() }),
    reply: ApplyResultSchema,
    clock: true,
    run: (h, a) => applyPlan(h.ctx, held(h, a.plan), h.journal, { ticket: a.ticket, file: a.file }),
  }),
  /** Records this operator's approval of a plan (evfix approve). */
  approvePlan: request({
    args: z.strictObject({ plan: z.string(), note: z.string().optional() }),
    reply: ApprovalSchema,
    clock: false,
    run: (h, a) => approvePlan(h.ctx, held(h, a.plan), { note: a.note }),
  }),
  /** Whether the plan needs approval here, and the approval an apply by this operator would use. */
  planApproval: request({
    args: z.strictObject({ plan: z.string() }),
    reply: z.strictObject({ required: z.boolean(), approval: ApprovalSchema.nullable(), approvals: z.array(ApprovalSchema) }),
    clock: false,
    run: (h, a) => approvalStatus(h.ctx, held(h, a.plan)),
  }),
  /** Keeps the plan in the state folder (beside the journal's kept plans) for a second operator to approve. */
  keepPlanFile: request({
    args: z.strictObject({ plan: z.string() }),
    reply: z.strictObject({ file: z.string() }),
    clock: false,
    run: async (h, a) => {
      if (!h.journal) throw refused('there is no state folder to keep the plan in; save it with --plan-out FILE');
      return { file: h.journal.savePlan(held(h, a.plan)) };
    },
  }),
  rerunPreview: request({
    args: RerunWindowSchema,
    reply: z.strictObject({
      stage: z.string(),
      since: TimestampText,
      current_date_offset: z.number().int(),
      runner: z.enum(['sql', 'dbt']),
      runs: z.string(),
      removes: z.number(),
      writes: z.number(),
      downstream: z.union([
        z.strictObject({ known: z.literal(false), reason: z.string() }),
        z.strictObject({
          known: z.literal(true),
          included: z.boolean(),
          models: z.array(z.strictObject({ name: z.string(), depth: z.number().int(), table: z.string().optional() })),
        }),
      ]),
      estimate: ScanEstimateSchema.optional(),
    }),
    clock: true,
    run: ({ ctx }, a) => previewRerun(ctx, findStage(ctx.config, a.stage), { offset: a.offset, since: a.since }),
  }),
  rerun: request({
    args: RerunWindowSchema,
    reply: z.strictObject({
      stage: z.string(),
      since: TimestampText,
      runner: z.enum(['sql', 'dbt']),
      deleted: z.number().optional(),
      inserted: z.number().optional(),
    }),
    clock: true,
    run: ({ ctx, progress }, a) => rerunStage(ctx, findStage(ctx.config, a.stage), { offset: a.offset, since: a.since }, progress),
  }),
  pendingReruns: request({
    args: z.strictObject({ stage: Stage.optional() }),
    reply: z.array(PendingRerunSchema),
    clock: true,
    run: async ({ ctx, journal }, a) => {
      const stages = a.stage ? [findStage(ctx.config, a.stage)] : ctx.config.stages;
      const found = [];
      for (const stage of stages) {
        const pending = await pendingRerun(ctx, stage, journal);
        if (pending) found.push(pending);
      }
      return found;
    },
  }),
  history: request({
    args: z.strictObject({
      stage: z.string().optional(),
      operator: z.string().optional(),
      since: z.string().optional(),
      limit: z.number().int().min(1).max(10_000).optional(),
    }),
    reply: z.array(AuditEntrySchema),
    clock: false,
    run: ({ ctx }, a) => withRerunStates(ctx, a),
  }),
  doctor: request({
    /** `createAudit`: create the audit and approvals tables first, where evfix does not itself (doctor --create-audit). */
    args: z.strictObject({ createAudit: z.boolean().optional() }),
    reply: z.array(z.strictObject({ name: z.string(), ok: z.boolean(), detail: z.string() })),
    clock: false,
    run: ({ ctx }, a) => runDoctor(ctx, process.env, { createAudit: a.createAudit }),
  }),
  reconcile: request({
    args: z.strictObject({}),
    reply: z.array(z.strictObject({ plan_id: z.string(), started: z.string(), outcome: z.enum(['committed', 'rolled back', 'unknown']), message: z.string() })),
    clock: true,
    run: async ({ ctx, journal }) => (journal && !ctx.config.read_only ? reconcileJournal(ctx, journal) : []),
  }),
  forget: request({
    args: z.strictObject({}),
    reply: z.undefined(),
    clock: false,
    run: async ({ plans }) => void plans.clear(),
  }),
};

export type Requests = typeof REQUESTS;
export type RequestKind = keyof Requests;
export type RequestArgs<K extends RequestKind> = z.input<Requests[K]['args']>;
export type Reply<K extends RequestKind> = z.infer<Requests[K]['reply']>;

/** Reply types the screens read, inferred from the reply schemas above (the screens import no engine). */
export type StageSummaryReply = Reply<'stageSummary'>;
export type DuplicateSummary = Reply<'duplicateGroups'>[number];
export type AuditEntry = Reply<'history'>[number];
export type StageImpact = Reply<'planImpact'>;
/** Where a page of events starts: the key of the row it is read after. */
export type PageKey = z.infer<typeof PageKeySchema>;
