/**
 * Update plan: new event_data for events the stage table shows, written as
 * exception rows with is_event_update = true. The new document is computed
 * here (JSON_SET semantics) and stored in the plan as a literal, with the
 * before and after the operator reviews.
 */
import type { StageConfig } from '../config.js';
import { EvfixError, inputError, refused } from '../errors.js';
import { applyEdits, valueAtPath, type Edit } from '../json/edit.js';
import { normalizePath } from '../json/path.js';
import { jsonEquals, parseJson, stringifyJson } from '../json/value.js';
import { keyOf, parseEventKey, requireDescription, type EffectiveEvent, type EventKey, type ExceptionRow } from '../model.js';
import type { Change, Plan } from '../plan.js';
import { canonicalTimestamp } from '../timestamp.js';
import { lookbackStart, type Context } from './context.js';
import type { FileRecord } from './eventFile.js';
import { preparePlan } from './prepare.js';
import { pacer } from '../slices.js';

export type EventFilterInput = { path: string; value: string; from?: string; until?: string };
export type UpdateTargets = { keys: readonly EventKey[] } | { filter: EventFilterInput };

const FAR_FUTURE = '9999-12-31 23:59:59.999999';

/** Keys from `--from-file` records: each needs event_id and event_created_at. */
export function keysFromRecords(records: readonly FileRecord[], file: string): EventKey[] {
  if (records.length === 0) throw inputError('from-file', `${file} lists no events`);
  return records.map(({ line, fields }) => {
    const id = fields.event_id, at = fields.event_created_at;
    if (typeof id !== 'string' || typeof at !== 'string') {
      throw inputError('from-file', `${file}: entry ${line} needs event_id and event_created_at as text`);
    }
    try {
      return parseEventKey(id, at);
    } catch (error) {
      throw new EvfixError('input', `${file}: entry ${line}: ${(error as Error).message}`);
    }
  });
}

/** Validates edits before anything is read, so a typo costs no warehouse query. */
export function validateEdits(edits: readonly Edit[]): Edit[] {
  if (edits.length === 0) throw inputError('edit', 'give at least one change (--set PATH=JSON, --remove PATH or --replace FILE)');
  return edits.map((edit) => {
    if (edit.op === 'replace') {
      const doc = parseJson(edit.document, 'replacement document');
      return { op: 'replace', document: stringifyJson(doc) };
    }
    const path = normalizePath(edit.path, `${edit.op} path`);
    if (edit.op === 'remove') return { op: 'remove', path };
    return { ...edit, path, value: stringifyJson(parseJson(edit.value, `value for ${path}`)) };
  });
}

async function resolveTargets(ctx: Context, stage: StageConfig, targets: UpdateTargets): Promise<EffectiveEvent[]> {
  if ('keys' in targets) {
    // Canonical keys, so "15:38:21.224" finds the row stored as 15:38:21.224000.
    const keys = targets.keys.map((k) => parseEventKey(k.event_id, k.event_created_at));
    if (keys.length === 0) throw inputError('event_id', 'name at least one event to update');
    const found = await ctx.warehouse.effectiveEvents(stage.event_name, keys);
    const byKey = new Map<string, EffectiveEvent>();
    // An exception is the version the stage shows; otherwise the earliest ingested copy.
    for (const e of found) {
      const current = byKey.get(keyOf(e));
      if (!current || (e.source === 'exception' && current.source === 'original')) byKey.set(keyOf(e), e);
    }
    const missing = keys.find((k) => !byKey.has(keyOf(k)));
    if (missing) {
      throw inputError(
        'event_id',
        `event ${missing.event_id} created at ${missing.event_created_at} is not in ${stage.name}: no ${stage.event_name} event with that event_id and event_created_at, or it is excluded (look it up with the exact event_created_at)`,
      );
    }
    const unique = new Map(keys.map((k) => [keyOf(k), k]));
    return [...unique.keys()].map((k) => byKey.get(k)!);
  }
  const f = targets.filter;
  const path = normalizePath(f.path, 'filter path');
  const want = parseJson(f.value, `filter value for ${path}`);
  const from = f.from ? canonicalTimestamp(f.from, 'from') : lookbackStart(ctx);
  const until = f.until ? canonicalTimestamp(f.until, 'until') : FAR_FUTURE;
  if (from >= until) throw inputError('until', `must be after from (${from})`);
  const candidates = await ctx.warehouse.eventsMatching({ eventName: stage.event_name, path, value: stringifyJson(want), from, until });
  const matched = new Map<string, EffectiveEvent>();
  const pace = pacer();
  for (const e of candidates) {
    if (pace.due()) await pace.rest();
    const doc = parseJson(e.event_data, 'event_data');
    const at = valueAtPath(doc, path);
    if (at !== undefined && jsonEquals(at, want) && !matched.has(keyOf(e))) matched.set(keyOf(e), e);
  }
  if (matched.size === 0) throw refused(`no ${stage.event_name} events in ${stage.name} have ${path} = ${stringifyJson(want)} between ${from} and ${until}`);
  return [...matched.values()];
}

export async function buildUpdatePlan(
  ctx: Context,
  stage: StageConfig,
  targets: UpdateTargets,
  editsInput: readonly Edit[],
  descriptionInput: string | undefined,
): Promise<Plan> {
  const description = requireDescription(descriptionInput);
  const edits = validateEdits(editsInput);
  const events = await resolveTargets(ctx, stage, targets);
  const exceptions: ExceptionRow[] = [];
  const changes: Change[] = [];
  const skipped: Plan['skipped'] = [];
  const pace = pacer();
  for (const event of events) {
    if (pace.due()) await pace.rest();
    const before = parseJson(event.event_data, 'event_data');
    let after;
    try {
      after = applyEdits(before, edits);
    } catch (error) {
      throw new EvfixError('input', `event ${event.event_id}: ${(error as Error).message}`, 'edit');
    }
    if (jsonEquals(before, after)) {
      skipped.push({ event_id: event.event_id, event_created_at: event.event_created_at, reason: 'event_data already as requested' });
      continue;
    }
    const { source: _source, ...row } = event;
    const text = stringifyJson(after);
    exceptions.push({ ...row, event_data: text, exception_description: description, is_event_update: true });
    changes.push({ event_id: event.event_id, event_created_at: event.event_created_at, before: event.event_data, after: text });
  }
  return preparePlan(ctx, { kind: 'update', stage, description, exclusions: [], exceptions, changes, edits, skipped });
}
