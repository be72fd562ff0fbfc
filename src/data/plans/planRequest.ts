/**
 * What the screens ask a plan for, as plain data: a request can be carried to
 * a worker thread (see workerPlans) and built there exactly as it is built
 * here. Each names its stage by name and carries only JSON-safe values.
 */
import { findStage } from '../config.js';
import { EvfixError, refused } from '../errors.js';
import type { Edit } from '../json/edit.js';
import { isObject, parseJson } from '../json/value.js';
import type { Journal } from '../journal.js';
import type { Context } from '../operations/context.js';
import { buildDedupePlan } from '../operations/dedupe.js';
import { loadDuplicateGroups } from '../operations/duplicates.js';
import { buildExclusionPlan } from '../operations/exclude.js';
import { buildInsertPlan } from '../operations/insert.js';
import { buildRevertPlan } from '../operations/revert.js';
import { buildUpdatePlan, type UpdateTargets } from '../operations/update.js';
import type { Plan } from '../plan.js';

export type PlanRequest =
  /**
   * The marked event_id groups (every unresolved one in the lookback when absent), each keeping the copy at
   * its index in `keep` (ingestion order; the earliest when absent).
   */
  | { op: 'dedupe'; stage: string; eventIds?: string[]; keep?: [string, number][]; description?: string }
  /** The events named by key, or every event whose event_data matches a filter (see operations/update.ts). */
  | { op: 'update'; stage: string; targets: UpdateTargets; edits: Edit[]; description: string }
  /** One event as the JSON text the operator saved. */
  | { op: 'insert'; stage: string; source: string; description: string }
  | { op: 'exclude'; stage: string; eventIds: string[]; description: string }
  | { op: 'revert'; planId: string };

export async function buildRequested(ctx: Context, journal: Journal | undefined, request: PlanRequest): Promise<Plan> {
  switch (request.op) {
    case 'dedupe': {
      const stage = findStage(ctx.config, request.stage);
      // The copies are read again here, so the plan holds exactly what the warehouse has now.
      const groups = request.eventIds ? await loadDuplicateGroups(ctx, stage, request.eventIds) : undefined;
      return buildDedupePlan(ctx, stage, { groups, keepIndex: new Map(request.keep), description: request.description });
    }
    case 'update':
      return buildUpdatePlan(ctx, findStage(ctx.config, request.stage), request.targets, request.edits, request.description);
    case 'insert': {
      const fields = parseJson(request.source, 'event');
      if (!isObject(fields)) throw new EvfixError('input', 'the event must be a JSON object', 'event');
      return buildInsertPlan(ctx, findStage(ctx.config, request.stage), [{ line: 1, fields }], 'the edited event', request.description);
    }
    case 'exclude':
      return buildExclusionPlan(ctx, findStage(ctx.config, request.stage), request.eventIds, request.description);
    case 'revert':
      if (!journal) throw refused('reverting needs the journal of applied plans, and there is none here');
      return buildRevertPlan(ctx, journal, request.planId);
  }
}
