/**
 * Duplicates by event_id: the same event delivered more than once (Kinesis re-deliveries), within the lookback
 * window and not yet resolved. The list holds one summary per group; a group's copies are read when it is opened.
 */
import type { StageConfig } from '../config.js';
import type { DuplicateSummary } from '../engine.js';
import { differingPathsAmong } from '../json/diff.js';
import { parseJson } from '../json/value.js';
import type { EventRow } from '../model.js';
import { lookbackStart, type Context } from './context.js';

export type DuplicateGroup = {
  event_id: string;
  /** Copies in ingestion order, earliest first: the order dedupe numbers them in. */
  copies: EventRow[];
  identical: boolean;
  /** What differs between copies: column names and event_data JSON paths. */
  differences: string[];
  firstIngested: string | null;
  lastIngested: string | null;
};

const COMPARED_COLUMNS = ['event_created_at', 'event_name', 'user_id', 'event_external_reference_id', 'event_advisor_id'] as const;

/** Copies as the engine orders them (by event_id, then ingestion), into groups with what differs between copies. */
export function groupCopies(copies: readonly EventRow[]): DuplicateGroup[] {
  const byId = new Map<string, EventRow[]>();
  for (const row of copies) {
    const list = byId.get(row.event_id);
    if (list) list.push(row);
    else byId.set(row.event_id, [row]);
  }
  return [...byId].map(([event_id, rows]) => {
    const first = rows[0]!;
    const columns = COMPARED_COLUMNS.filter((c) => rows.some((r) => r[c] !== first[c]));
    const paths = rows.every((r) => r.event_data === first.event_data) ? [] : differingPathsAmong(rows.map((r) => parseJson(r.event_data, 'event_data')));
    const differences = [...columns, ...paths.map((p) => `event_data${p.slice(1)}`)];
    return {
      event_id,
      copies: rows,
      identical: differences.length === 0,
      differences,
      firstIngested: first.event_ingested_at,
      lastIngested: rows.at(-1)!.event_ingested_at,
    };
  });
}

/** The groups as lists show them: one summary each, ordered by first ingestion. */
export function listDuplicateGroups(ctx: Context, stage: StageConfig, lookbackDays?: number): Promise<DuplicateSummary[]> {
  return ctx.engine.duplicateGroups(stage, lookbackStart(ctx, lookbackDays));
}

/** The full groups (copies and what differs) of the given event_ids, in the order given. */
export async function loadDuplicateGroups(ctx: Context, stage: StageConfig, eventIds: readonly string[], lookbackDays?: number): Promise<DuplicateGroup[]> {
  if (eventIds.length === 0) return [];
  const byId = new Map(groupCopies(await ctx.engine.groupCopies(stage, lookbackStart(ctx, lookbackDays), eventIds)).map((g) => [g.event_id, g]));
  return eventIds.flatMap((id) => byId.get(id) ?? []);
}

/** Every group with its copies (the CLI's listing). */
export async function findEventIdDuplicates(ctx: Context, stage: StageConfig, lookbackDays?: number): Promise<DuplicateGroup[]> {
  const groups = await listDuplicateGroups(ctx, stage, lookbackDays);
  return loadDuplicateGroups(
    ctx,
    stage,
    groups.map((g) => g.event_id),
    lookbackDays,
  );
}
