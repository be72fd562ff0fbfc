/**
 * The Plan: a definition the warehouse executes, and what evfix found when it made it.
 *
 * The definition says what is written: the kind, the stage, the selection of events (a window, conditions,
 * keys), the edits or the keep rule, the description. The engine turns it into set-based SQL and reads, in
 * one snapshot, the fingerprint of the rows the selection touches, the counts, a summary of the changes and
 * a bounded sample of before/after documents. Rows never travel into the plan: a plan of a million events is
 * a few kilobytes. Only apply writes, in one transaction that re-reads the fingerprint; a plan whose
 * fingerprint no longer matches is stale and writes nothing.
 *
 * The id is the hash of the definition and the fingerprint (the same fix on the same rows is the same plan);
 * the seal is the hash of the whole file, so a plan file edited by hand is refused.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { EvfixError, refused } from './errors.js';
import { EditSchema } from './json/edit.js';
import { EventIdText, TimestampText } from './model.js';
import { SelectionSchema } from './selection.js';
import { readText } from './files.js';
import { PARSE_OPTIONS } from './parseOptions.js';

export const PLAN_FORMAT = 'evfix-plan/2';
/** Plans carry at most this many before/after documents, and this many events that cannot be changed. */
export const SAMPLE_SIZE = 200;
export const PROBLEM_SAMPLE = 20;
/** Per edited path, the summary lists this many distinct before -> after pairs. */
export const SUMMARY_TOP = 20;

export const PlanKindSchema = z.enum(['update', 'dedupe', 'exclude', 'insert', 'revert']);
export type PlanKind = z.infer<typeof PlanKindSchema>;

/** An event the operator adds (insert): the event's columns; event_name is the stage's. */
export const InsertRowSchema = z.strictObject({
  event_created_at: TimestampText,
  event_id: EventIdText,
  user_id: z.string().nullable(),
  event_external_reference_id: z.string().nullable(),
  event_advisor_id: z.string().nullable(),
  event_data: z.string(),
  event_ingested_at: TimestampText,
});
export type InsertRow = z.infer<typeof InsertRowSchema>;

export const KeepSchema = z.strictObject({
  /** The copy kept when the operator did not choose: the first or the last ingested. */
  order: z.enum(['earliest', 'latest']),
  /** The operator's choices: per group, the kept copy's index in ingestion order (0 = earliest). */
  choices: z.array(z.tuple([EventIdText, z.number().int().min(0)])),
});
export type Keep = z.infer<typeof KeepSchema>;

export const RevertOfSchema = z.strictObject({
  plan_id: z.string(),
  kind: PlanKindSchema,
  /** The transaction time the plan's rows were written with (their added timestamps). */
  applied_at: TimestampText,
  /** The description the plan's rows carry. */
  description: z.string().min(1),
  written: z.strictObject({ exceptions: z.number().int().min(0), exclusions: z.number().int().min(0) }),
});

export const DefinitionSchema = z.strictObject({
  kind: PlanKindSchema,
  stage: z.string(),
  event_name: z.string(),
  description: z.string().min(1),
  /** Which warehouse the plan is for; a plan is refused on another. */
  warehouse: z.string(),
  selection: SelectionSchema,
  /** update: the edits, in the order given. */
  edits: z.array(EditSchema),
  /** dedupe: which copy of each group is kept. */
  keep: KeepSchema.optional(),
  /** insert: the events added. */
  rows: z.array(InsertRowSchema).optional(),
  /** revert: the applied plan whose rows are deleted. */
  revert_of: RevertOfSchema.optional(),
  /** Events the edits cannot change as asked (JSON_SET would silently do nothing): refuse the plan, or leave them out. */
  on_problem: z.enum(['refuse', 'skip']),
});
export type Definition = z.infer<typeof DefinitionSchema>;

const CountsSchema = z.strictObject({
  /** Events the selection holds. */
  events: z.number().int().min(0),
  exceptions: z.number().int().min(0),
  exclusions: z.number().int().min(0),
  deleted: z.strictObject({ exceptions: z.number().int().min(0), exclusions: z.number().int().min(0) }),
  /** Selected events already as requested (nothing to write for them). */
  unchanged: z.number().int().min(0),
  /** Selected events the edits cannot change as asked. */
  problems: z.number().int().min(0),
  /** Events named but left alone (already excluded, say). */
  skipped: z.number().int().min(0),
});
export type PlanCounts = z.infer<typeof CountsSchema>;

export const PathSummarySchema = z.strictObject({
  path: z.string(),
  /** Distinct before -> after values (JSON text; null where the path is missing), most frequent first. */
  changes: z.array(z.strictObject({ before: z.string().nullable(), after: z.string().nullable(), events: z.number().int() })),
  /** Further distinct pairs beyond those listed, and their events. */
  more: z.strictObject({ pairs: z.number().int().min(0), events: z.number().int().min(0) }),
});
export type PathSummary = z.infer<typeof PathSummarySchema>;

export const ChangeSchema = z.strictObject({
  event_id: EventIdText,
  event_created_at: TimestampText,
  /** event_data the stage table shows now; null for an added event. */
  before: z.string().nullable(),
  /** event_data after the plan; null when the plan takes the event out of the stage table. */
  after: z.string().nullable(),
  /** For dedupe: which copy this is and whether it is the one kept. */
  note: z.string().optional(),
});
export type Change = z.infer<typeof ChangeSchema>;

export const ProblemSchema = z.strictObject({ event_id: EventIdText, event_created_at: TimestampText, reason: z.string() });
export type Problem = z.infer<typeof ProblemSchema>;

export const SqlParamSchema = z.strictObject({ name: z.string(), type: z.string(), value: z.unknown() });
export const PlanSqlSchema = z.strictObject({
  dialect: z.enum(['duckdb', 'bigquery']),
  statements: z.array(z.strictObject({ label: z.string(), sql: z.string() })),
  params: z.array(SqlParamSchema),
});
export type PlanSql = z.infer<typeof PlanSqlSchema>;

/** What the engine read for a definition, in one snapshot. */
export const FactsSchema = z.strictObject({
  fingerprint: z.string(),
  counts: CountsSchema,
  /** The oldest and newest event_created_at the plan writes for: the rerun starts at the oldest's day. */
  extent: z.strictObject({ oldest: TimestampText, newest: TimestampText }).nullable(),
  summary: z.strictObject({ paths: z.array(PathSummarySchema), notes: z.array(z.string()) }),
  sample: z.array(ChangeSchema).max(SAMPLE_SIZE),
  problems: z.array(ProblemSchema).max(PROBLEM_SAMPLE),
  sql: PlanSqlSchema,
});
export type Facts = z.infer<typeof FactsSchema>;

export const PlanSchema = DefinitionSchema.extend({
  format: z.literal(PLAN_FORMAT),
  id: z.string().regex(/^[0-9a-f]{16}$/),
  seal: z.string().regex(/^[0-9a-f]{64}$/),
  created_at: TimestampText,
  operator: z.string().min(1),
}).extend(FactsSchema.shape);
export type Plan = z.infer<typeof PlanSchema>;

export const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with every object's keys sorted: the text a plan's hashes are taken of. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(record[k])}`).join(',')}}`;
}

/** The part of a plan its id covers: the definition. */
export function definitionOf(plan: Definition): Definition {
  const { kind, stage, event_name, description, warehouse, selection, edits, keep, rows, revert_of, on_problem } = plan;
  return DefinitionSchema.parse({ kind, stage, event_name, description, warehouse, selection, edits, keep, rows, revert_of, on_problem }, PARSE_OPTIONS);
}

export const planIdOf = (definition: Definition, fingerprint: string) => digest(`${stableJson(definitionOf(definition))}\n${fingerprint}`).slice(0, 16);

const sealOf = (plan: Omit<Plan, 'seal'>) => digest(stableJson(plan));

export function sealPlan(definition: Definition, facts: Facts, made: { created_at: string; operator: string }): Plan {
  const body = { format: PLAN_FORMAT, ...definitionOf(definition), ...facts, ...made, id: planIdOf(definition, facts.fingerprint) } as const;
  return PlanSchema.parse({ ...body, seal: sealOf(body) }, PARSE_OPTIONS);
}

export const serializePlan = (plan: Plan) => `${JSON.stringify(plan, null, 2)}\n`;

/** Reads a plan file, refusing anything malformed, of the old format, or edited since it was made. */
export function parsePlan(text: string, source = 'plan'): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new EvfixError('input', `${source}: not valid JSON: ${(error as Error).message}`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format === 'evfix-plan/1') {
    throw new EvfixError(
      'refused',
      `${source}: a plan of the first format (evfix-plan/1), which listed every row; this evfix applies plans that the warehouse executes (evfix-plan/2). Make the plan again with this evfix; nothing was written`,
    );
  }
  const result = PlanSchema.safeParse(raw, PARSE_OPTIONS);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.join('.') || '(top level)';
    throw new EvfixError('input', `${source}: ${where}: ${issue.message}`, where);
  }
  const { seal, ...body } = result.data;
  if (sealOf(body) !== seal || planIdOf(result.data, result.data.fingerprint) !== result.data.id) {
    throw new EvfixError(
      'refused',
      `${source}: the plan was changed after it was made (its content no longer matches its seal); make a new plan instead of editing one`,
    );
  }
  return result.data;
}

export const readPlanFile = (file: string): Plan => parsePlan(readText(file, 'plan file'), file);

/** Rows a plan writes and deletes, all tables together. */
export const planRows = (plan: Pick<Plan, 'counts'>) =>
  plan.counts.exceptions + plan.counts.exclusions + plan.counts.deleted.exceptions + plan.counts.deleted.exclusions;

/** Why a plan is refused as stale, with what changed counted, from its fingerprint and the one read at apply. */
export function staleMessage(plan: Pick<Plan, 'id' | 'fingerprint' | 'created_at'>, now: string): string {
  const [thenCount] = plan.fingerprint.split(':');
  const [nowCount] = now.split(':');
  const what =
    thenCount !== nowCount ? `the rows it touches went from ${thenCount} to ${nowCount}` : `${thenCount} row(s) it touches are still there, but some changed`;
  return `plan ${plan.id} is stale: ${what} since it was made at ${plan.created_at}. Nothing was written; make a new plan.`;
}

/** How many changes the diff screen can show: every event an update or insert writes; the sample of the others. */
export const changeCount = (plan: Pick<Plan, 'kind' | 'counts' | 'sample'>) =>
  plan.kind === 'update' || plan.kind === 'insert' ? plan.counts.exceptions : plan.sample.length;

/**
 * The facts of an insert plan, alike on every engine once it has checked that none of the events exists: the
 * rows are the plan's own, so the sample is its first rows and nothing is fingerprinted.
 */
export function insertFacts(def: Definition, sql: Facts['sql']): Facts {
  const inserted = def.rows ?? [];
  const created = inserted.map((r) => r.event_created_at).sort();
  return {
    fingerprint: '0:0',
    counts: {
      events: inserted.length,
      exceptions: inserted.length,
      exclusions: 0,
      deleted: { exceptions: 0, exclusions: 0 },
      unchanged: 0,
      problems: 0,
      skipped: 0,
    },
    extent: { oldest: created[0]!, newest: created.at(-1)! },
    summary: { paths: [], notes: [`${inserted.length} event(s) added as exception rows (is_event_update = false)`] },
    sample: inserted.slice(0, SAMPLE_SIZE).map((r) => ({ event_id: r.event_id, event_created_at: r.event_created_at, before: null, after: r.event_data })),
    problems: [],
    sql,
  };
}

/** An insert of an event that is already there: the message both engines give. */
export const alreadyExists = (hit: { event_id?: unknown; created?: unknown }) =>
  refused(
    `event ${String(hit.event_id)} already exists (created at ${String(hit.created)}); use update to change it, or exclude it and insert the event again`,
  );
