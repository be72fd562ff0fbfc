/**
 * Making plans: what the operator asked for becomes a Definition (checked here, before the warehouse is asked
 * anything, so a typo costs no query), the engine reads its facts in one snapshot, and the two are sealed into
 * a Plan. Every kind of plan is made here, for the CLI and the TUI alike.
 */
import { findStage, type StageConfig } from '../config.js';
import type { PlanInputs } from '../engine.js';
import { EvfixError, inputError, refused } from '../errors.js';
import type { Edit } from '../json/edit.js';
import { compileEdits, programColumns } from '../json/editProgram.js';
import { isObject, JsonNumber, parseJson, type Json } from '../json/value.js';
import { parseEventId, parseEventKey, requireDescription } from '../model.js';
import { definitionOf as planDefinition, parsePlan, sealPlan, type Definition, type InsertRow, type Plan } from '../plan.js';
import { parseCondition, type Condition, type Selection, type ValueColumn, type ValueType } from '../selection.js';
import { canonicalTimestamp, formatTimestamp, FAR_FUTURE } from '../timestamp.js';
import { lookbackStart, type Context } from './context.js';
import { eventFromRecord } from './insert.js';
import { readEventFile, type FileRecord } from './eventFile.js';
import { dayWindow, keyFeed, readKeyFile } from './keyFile.js';

/** What plan-making needs: the configuration, the warehouse, a clock and who is operating. */
export type PlanContext = Context;

/** Which events, as the operator gave them: a window, conditions, and optionally keys (typed, a file, a table). */
export type SelectionInput = {
  from?: string;
  until?: string;
  /** Conditions as typed (`$.Status="Pending"`, `user_id=u-1`) or already parsed. */
  where?: (string | Condition)[];
  keys?: { event_id: string; event_created_at: string }[];
  file?: string;
  table?: string;
  lookbackDays?: number;
};

export type PlanRequest =
  | {
      op: 'update';
      stage: string;
      selection: SelectionInput;
      edits: Edit[];
      description: string;
      skipProblems?: boolean;
      /** Applied next, at once (--yes): the engine may keep the plan's snapshot for that apply. */
      applyNext?: boolean;
    }
  | {
      op: 'dedupe';
      stage: string;
      eventIds?: string[];
      keep?: 'earliest' | 'latest';
      choices?: [string, number][];
      lookbackDays?: number;
      description?: string;
    }
  | { op: 'exclude'; stage: string; eventIds: string[]; description: string; lookbackDays?: number }
  | { op: 'insert'; stage: string; file?: string; text?: string; description: string }
  | { op: 'revert'; planId: string };

/** The description a plan made in the TUI carries until the operator writes one (the diff or confirm screen asks). */
export const PENDING_DESCRIPTION = '(description pending)';

export const DEFAULT_DEDUPE_DESCRIPTION = 'Duplicate copies of event_id excluded, one copy re-added (evfix dedupe)';

/** The types a from-table's value column may have, as the value is set into event_data. */
const TABLE_VALUE_TYPES: Record<string, ValueType> = {
  STRING: 'string',
  INT64: 'number',
  FLOAT64: 'number',
  NUMERIC: 'number',
  BIGNUMERIC: 'number',
  BOOL: 'boolean',
  JSON: 'json',
};

const lookbackWindow = (ctx: PlanContext, days?: number) => ({ from: lookbackStart(ctx, days), until: FAR_FUTURE });

function windowOf(ctx: PlanContext, input: SelectionInput, fallback?: { from: string; until: string }) {
  const from = input.from !== undefined ? canonicalTimestamp(input.from, 'from') : (fallback?.from ?? lookbackStart(ctx, input.lookbackDays));
  const until = input.until !== undefined ? canonicalTimestamp(input.until, 'until') : (fallback?.until ?? FAR_FUTURE);
  if (from >= until) throw inputError('until', `${until} is not after --from (${from})`);
  return { from, until };
}

/** The selection of an update, and what reading its keys needs at apply. */
async function updateSelection(
  ctx: PlanContext,
  input: SelectionInput,
  edits: Edit[],
  listing = false,
): Promise<{ selection: Selection; inputs: PlanInputs; edits: Edit[] }> {
  const conditions = (input.where ?? []).map((c) => (typeof c === 'string' ? parseCondition(c) : c));
  const named = edits.flatMap((e) => (e.op === 'set-from' ? [e.column] : []));
  const given = [input.keys?.length ? 1 : 0, input.file ? 1 : 0, input.table ? 1 : 0].reduce((a, b) => a + b, 0);
  if (given > 1) throw new EvfixError('usage', 'name events one way: --event-id/--created-at, --from-file or --from-table');
  if (input.keys?.length) {
    const rows = input.keys.map((k) => parseEventKey(k.event_id, k.event_created_at));
    const created = rows.map((r) => r.event_created_at).sort();
    if (named.length) throw inputError('set', `--set PATH=@${named[0]} takes values from a file's or a table's column; typed events have none`);
    return {
      selection: { window: windowOf(ctx, input, dayWindow(created[0]!, created.at(-1)!)), conditions, keys: { kind: 'keys', rows, columns: [] } },
      inputs: {},
      edits,
    };
  }
  if (input.file) {
    const read = await readKeyFile(input.file, named);
    const pathEdits: Edit[] = read.columns.pathColumns.map((p) => ({ op: 'set-from', path: p.path, column: p.column }));
    return {
      selection: { window: windowOf(ctx, input, read.window), conditions, keys: read.source },
      inputs: read.feed ? { keys: read.feed } : {},
      edits: [...edits, ...pathEdits],
    };
  }
  if (input.table) {
    const columns = await tableValueColumns(ctx, input.table, named);
    return { selection: { window: windowOf(ctx, input), conditions, keys: { kind: 'table', table: input.table, columns } }, inputs: {}, edits };
  }
  if (named.length) throw inputError('set', `--set PATH=@${named[0]} takes values from --from-file or --from-table`);
  if (!conditions.length && !listing)
    throw inputError('where', 'name the events to change: --where PATH=VALUE (repeatable), --event-id/--created-at, --from-file or --from-table');
  return { selection: { window: windowOf(ctx, input), conditions }, inputs: {}, edits };
}

/** A selection to list (the find-events screen): as an update's, and every event of the window when nothing narrows it. */
export async function selectionOf(ctx: PlanContext, input: SelectionInput): Promise<{ selection: Selection; inputs: PlanInputs }> {
  const { selection, inputs } = await updateSelection(ctx, input, [], true);
  return { selection, inputs };
}

/** A from-table's key and value columns, checked against the table as the warehouse has it. */
async function tableValueColumns(ctx: PlanContext, table: string, named: readonly string[]): Promise<ValueColumn[]> {
  if (!/^(?:[a-z][a-z0-9-]{4,28}[a-z0-9]\.)?[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
    throw inputError('from-table', `"${table}" must be dataset.table (letters, digits, underscore)`);
  }
  const found = (await ctx.engine.tableColumns([table])).get(table);
  if (!found) throw inputError('from-table', `${table} does not exist (or evfix cannot see it)`);
  for (const [column, type] of [
    ['event_id', 'STRING'],
    ['event_created_at', 'TIMESTAMP'],
  ] as const) {
    const actual = found.get(column);
    if (!actual) throw inputError('from-table', `${table} has no column ${column} (it needs event_id STRING and event_created_at TIMESTAMP)`);
    if (actual !== type) throw inputError('from-table', `${table}.${column} is ${actual}; it must be ${type}`);
  }
  return named.map((name) => {
    const actual = found.get(name);
    if (!actual) throw inputError('from-table', `${table} has no column ${name} (named by --set PATH=@${name}); its columns: ${[...found.keys()].join(', ')}`);
    const type = TABLE_VALUE_TYPES[actual];
    if (!type) throw inputError('from-table', `${table}.${name} is ${actual}; a value column must be STRING, INT64, FLOAT64, NUMERIC, BOOL or JSON`);
    return { name, type };
  });
}

/** A plan's inputs when it is applied or paged: the file its keys are in, read again and checked against its digest. */
export function inputsOf(plan: Pick<Plan, 'selection' | 'edits'>): PlanInputs {
  const keys = plan.selection.keys;
  if (keys?.kind !== 'file') return {};
  const named = plan.edits.flatMap((e) => (e.op === 'set-from' ? [e.column] : []));
  return { keys: keyFeed(keys.file, named, keys.sha256) };
}

async function definitionOf(
  ctx: PlanContext,
  request: Exclude<PlanRequest, { op: 'revert' }>,
  stage: StageConfig,
): Promise<{ definition: Definition; inputs: PlanInputs }> {
  const base = { stage: stage.name, event_name: stage.event_name, warehouse: ctx.engine.label, edits: [] as Edit[], on_problem: 'refuse' as const };
  switch (request.op) {
    case 'update': {
      const description = requireDescription(request.description);
      // Checked before the warehouse is asked anything (a file's path columns may add edits: checked again below).
      if (request.edits.length || !request.selection.file) compileEdits(request.edits);
      const { selection, inputs, edits } = await updateSelection(ctx, request.selection, request.edits);
      const program = compileEdits(edits);
      checkEditValues(edits, ctx.config.engine.type === 'bigquery');
      const columns = selection.keys?.columns.map((c) => c.name) ?? [];
      const unknown = programColumns(program).find((c) => !columns.includes(c));
      if (unknown) throw inputError('set', `no column ${unknown} in the selection (columns: ${columns.join(', ') || 'none'})`);
      return { definition: { ...base, kind: 'update', description, selection, edits, on_problem: request.skipProblems ? 'skip' : 'refuse' }, inputs };
    }
    case 'dedupe': {
      const keep = request.keep ?? 'earliest';
      if (keep !== 'earliest' && keep !== 'latest') throw new EvfixError('usage', `--keep ${String(keep)}: expected earliest or latest`);
      const ids = request.eventIds?.length ? [...new Set(request.eventIds.map((id) => parseEventId(id)))] : undefined;
      const description = request.description?.trim() ? requireDescription(request.description) : DEFAULT_DEDUPE_DESCRIPTION;
      const selection: Selection = { window: lookbackWindow(ctx, request.lookbackDays), conditions: [], ...(ids ? { ids } : {}) };
      return { definition: { ...base, kind: 'dedupe', description, selection, keep: { order: keep, choices: request.choices ?? [] } }, inputs: {} };
    }
    case 'exclude': {
      const description = requireDescription(request.description);
      if (!request.eventIds.length) throw inputError('event_id', 'name at least one event to exclude');
      const ids = [...new Set(request.eventIds.map((id) => parseEventId(id)))].sort();
      return {
        definition: { ...base, kind: 'exclude', description, selection: { window: lookbackWindow(ctx, request.lookbackDays), conditions: [], ids } },
        inputs: {},
      };
    }
    case 'insert': {
      const description = requireDescription(request.description);
      const records: FileRecord[] = request.file !== undefined ? readEventFile(request.file) : [{ line: 1, fields: editedEvent(request.text ?? '') }];
      const where = request.file ?? 'the edited event';
      if (!records.length) throw inputError('from-file', `${where} lists no events`);
      const now = formatTimestamp(ctx.now());
      const rows: InsertRow[] = records.map((r) => {
        const row = eventFromRecord(r, stage, where, description, now);
        return {
          event_created_at: row.event_created_at,
          event_id: row.event_id,
          user_id: row.user_id,
          event_external_reference_id: row.event_external_reference_id,
          event_advisor_id: row.event_advisor_id,
          event_data: row.event_data,
          event_ingested_at: row.event_ingested_at!,
        };
      });
      const seen = new Set<string>();
      for (const r of rows) {
        if (seen.has(r.event_id)) throw inputError('event_id', `${where}: event ${r.event_id} is listed twice`);
        seen.add(r.event_id);
      }
      const created = rows.map((r) => r.event_created_at).sort();
      const selection: Selection = { window: dayWindow(created[0]!, created.at(-1)!), conditions: [] };
      return { definition: { ...base, kind: 'insert', description, selection, rows }, inputs: {} };
    }
  }
}

/** The event the operator wrote in the TUI's editor, as a record of the insert file's shape. */
function editedEvent(text: string): Record<string, Json> {
  const fields = parseJson(text, 'event');
  if (!isObject(fields)) throw new EvfixError('input', 'the event must be a JSON object', 'event');
  return fields;
}

/**
 * A revert of a revert is the original written again: the original's definition (from the audit table's copy of
 * it) made again now, as a new plan with new facts (the plan that was applied cannot be applied twice), with a
 * note saying so. Confirmed like any other plan.
 */
async function againDefinition(
  ctx: PlanContext,
  revertId: string,
  originalId: string | null,
): Promise<{ definition: Definition; stage: StageConfig; inputs: PlanInputs; note: string }> {
  if (!originalId) throw refused(`plan ${revertId} is a revert, but the audit table does not say of which plan; nothing to do`);
  const text = await ctx.engine.auditedPlan(originalId);
  const original = parsePlan(text ?? '', `the audit table's copy of plan ${originalId}`);
  const stage = findStage(ctx.config, original.stage);
  const definition = planDefinition(original);
  return {
    stage,
    definition: { ...definition, description: `Plan ${originalId} again (its revert ${revertId} undone): ${original.description}`.slice(0, 10_000) },
    inputs: inputsOf(original),
    // Short enough for one line of the confirm screen at 80 columns.
    note: `plan ${originalId} again, undoing its revert ${revertId}`,
  };
}

/** The revert of an applied plan: its rows, found by the time and description they were written with. */
async function revertDefinition(ctx: PlanContext, planId: string): Promise<{ definition: Definition; stage: StageConfig; inputs?: PlanInputs; note?: string }> {
  if (!/^[0-9a-f]{16}$/.test(planId)) throw inputError('plan', `"${planId}" is not a plan id (16 hex digits, as history lists them)`);
  const [entry] = await ctx.engine.auditEntries({ planId, limit: 1 });
  if (!entry) throw refused(`plan ${planId} is not in the audit table of ${ctx.engine.label}; only applied plans can be reverted`);
  if (entry.kind === 'revert') return againDefinition(ctx, planId, entry.revert_of);
  if (entry.reverted_by) throw refused(`plan ${planId} was already reverted by plan ${entry.reverted_by}; nothing to do`);
  const text = await ctx.engine.auditedPlan(planId);
  const original = parsePlan(text ?? '', `the audit table's copy of plan ${planId}`);
  const stage = findStage(ctx.config, original.stage);
  const description = `Revert of plan ${planId}: ${original.description}`.slice(0, 10_000);
  return {
    stage,
    definition: {
      kind: 'revert',
      stage: stage.name,
      event_name: stage.event_name,
      description,
      warehouse: ctx.engine.label,
      selection: { window: original.selection.window, conditions: [] },
      edits: [],
      revert_of: {
        plan_id: planId,
        kind: original.kind,
        applied_at: entry.applied_at,
        description: original.description,
        written: { exceptions: entry.counts.exceptions, exclusions: entry.counts.exclusions },
      },
      on_problem: 'refuse',
    },
  };
}

/** Makes the plan a request asks for: checked, read from the warehouse in one snapshot, sealed. */
export async function makePlan(ctx: PlanContext, request: PlanRequest): Promise<Plan> {
  let definition: Definition,
    stage: StageConfig,
    inputs: PlanInputs = {},
    note: string | undefined;
  if (request.op === 'revert') ({ definition, stage, inputs = {}, note } = await revertDefinition(ctx, request.planId));
  else {
    stage = findStage(ctx.config, request.stage);
    ({ definition, inputs } = await definitionOf(ctx, request, stage));
  }
  const prepared = await ctx.engine.preparePlan(stage, definition, inputs, { hold: request.op === 'update' && request.applyNext === true });
  // What the plan is, when it is not what was asked for by name (a revert of a revert): first among its notes.
  const facts = note ? { ...prepared, summary: { ...prepared.summary, notes: [note, ...prepared.summary.notes] } } : prepared;
  return sealPlan(definition, facts, { created_at: formatTimestamp(ctx.now()), operator: ctx.operator });
}

/** The same definition made again with events the edits cannot change left out (or refused): new facts, a new plan. */
export async function remakePlan(ctx: PlanContext, plan: Plan, onProblem: 'refuse' | 'skip'): Promise<Plan> {
  const stage = findStage(ctx.config, plan.stage);
  const definition = planDefinition(plan);
  const next = { ...definition, on_problem: onProblem };
  const facts = await ctx.engine.preparePlan(stage, next, inputsOf(plan));
  return sealPlan(next, facts, { created_at: formatTimestamp(ctx.now()), operator: ctx.operator });
}

/** The same plan with the operator's description: a new definition, the same facts (the description is a parameter). */
export function redescribePlan(plan: Plan, text: string): Plan {
  const description = requireDescription(text);
  if (description === plan.description) return plan;
  const { id: _id, seal: _seal, format: _format, created_at, operator, fingerprint, counts, extent, summary, sample, problems, sql, ...definition } = plan;
  return sealPlan({ ...definition, description }, { fingerprint, counts, extent, summary, sample, problems, sql }, { created_at, operator });
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const INT64 = { min: -(2n ** 63n), max: 2n ** 64n - 1n };

/**
 * Values an engine would take at plan time and refuse at apply, refused now with the edit named: a string
 * holding half of a UTF-16 pair (no valid UTF-8; BigQuery's PARSE_JSON rejects it, DuckDB would store mojibake),
 * and on BigQuery an integer beyond 64 bits (PARSE_JSON rejects it).
 */
export function checkEditValues(edits: readonly Edit[], bigquery: boolean): void {
  for (const edit of edits) {
    const text = edit.op === 'set' ? edit.value : edit.op === 'replace' ? edit.document : undefined;
    if (text === undefined) continue;
    const where = edit.op === 'set' ? `value for ${edit.path}` : 'replacement document';
    const field = edit.op === 'set' ? 'set' : 'replace';
    const walk = (v: Json): void => {
      if (typeof v === 'string' && LONE_SURROGATE.test(v))
        throw inputError(field, `${where}: a string holds a lone UTF-16 surrogate (\\ud800-\\udfff without its pair), which is not text; nothing was written`);
      if (bigquery && v instanceof JsonNumber && /^-?\d+$/.test(v.text) && (BigInt(v.text) < INT64.min || BigInt(v.text) > INT64.max)) {
        throw inputError(
          field,
          `${where}: ${v.text} is an integer beyond 64 bits, which BigQuery's JSON cannot hold; write it as a string, or as a decimal if rounding is acceptable`,
        );
      }
      if (Array.isArray(v)) v.forEach(walk);
      else if (isObject(v)) Object.values(v).forEach(walk);
    };
    walk(parseJson(text, where));
  }
}
