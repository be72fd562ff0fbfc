/**
 * Duplicates by event_id: the same event delivered more than once (Kinesis
 * re-deliveries), within the lookback window and not yet resolved.
 */
import type { StageConfig } from '../config.js';
import { differingPathsAmong } from '../json/diff.js';
import { parseJson } from '../json/value.js';
import type { EventRow } from '../model.js';
import type { DuplicateSummary } from '../warehouse.js';
import { lookbackStart, type Context } from './context.js';
import { forEachInSlices, sortInSlices } from '../slices.js';

export type DuplicateGroup = {
  event_id: string;
  /** Copies ordered by event_ingested_at, earliest first. */
  copies: EventRow[];
  identical: boolean;
  /** What differs between copies: column names and event_data JSON paths. */
  differences: string[];
  firstIngested: string | null;
  lastIngested: string | null;
};

const COMPARED_COLUMNS = ['event_created_at', 'event_name', 'user_id', 'event_external_reference_id', 'event_advisor_id'] as const;

export async function groupCopies(copies: readonly EventRow[]): Promise<DuplicateGroup[]> {
  const byId = new Map<string, EventRow[]>();
  await forEachInSlices(copies, (row) => {
    const list = byId.get(row.event_id);
    if (list) list.push(row);
    else byId.set(row.event_id, [row]);
  });
  const groups: DuplicateGroup[] = [];
  await forEachInSlices(byId, ([event_id, rows]) => {
    // Canonical timestamps order as text (localeCompare, through the collator, cost more than the rest together).
    rows.sort((a, b) => cmp(a.event_ingested_at ?? '', b.event_ingested_at ?? ''));
    const first = rows[0]!;
    const columns = COMPARED_COLUMNS.filter((c) => rows.some((r) => r[c] !== first[c]));
    // Copies are mostly identical: equal texts need no parsing, and share one string (100,000 groups in the TUI).
    for (const r of rows) if (r.event_data === first.event_data) r.event_data = first.event_data;
    const paths = rows.every((r) => r.event_data === first.event_data) ? [] : differingPathsAmong(rows.map((r) => parseJson(r.event_data, 'event_data')));
    const differences = [...columns, ...paths.map((p) => `event_data${p.slice(1)}`)];
    groups.push({
      event_id,
      copies: rows,
      identical: differences.length === 0,
      differences,
      firstIngested: first.event_ingested_at,
      lastIngested: rows[rows.length - 1]!.event_ingested_at,
    });
  });
  return groups;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function findEventIdDuplicates(ctx: Context, stage: StageConfig, lookbackDays?: number): Promise<DuplicateGroup[]> {
  const copies = await ctx.warehouse.eventIdDuplicateCopies(stage, lookbackStart(ctx, lookbackDays));
  return sortInSlices(await groupCopies(copies), (a, b) => cmp(a.firstIngested ?? '', b.firstIngested ?? '') || cmp(a.event_id, b.event_id));
}

/** The groups as the TUI lists them: one summary each, so 100,000 groups stay small in memory. */
export function listDuplicateGroups(ctx: Context, stage: StageConfig, lookbackDays?: number): Promise<DuplicateSummary[]> {
  return ctx.warehouse.eventIdDuplicateGroups(stage, lookbackStart(ctx, lookbackDays));
}

/** The full groups (copies and what differs) of the given event_ids, in the order given. */
export async function loadDuplicateGroups(ctx: Context, stage: StageConfig, eventIds: readonly string[], lookbackDays?: number): Promise<DuplicateGroup[]> {
  if (eventIds.length === 0) return [];
  const copies = await ctx.warehouse.eventIdDuplicateCopiesOf(stage, lookbackStart(ctx, lookbackDays), eventIds);
  // 100,000 marked groups: indexed and put in order in slices, like the grouping itself.
  const byId = new Map<string, DuplicateGroup>();
  await forEachInSlices(await groupCopies(copies), (g) => byId.set(g.event_id, g));
  const ordered: DuplicateGroup[] = [];
  await forEachInSlices(eventIds, (id) => {
    const group = byId.get(id);
    if (group) ordered.push(group);
  });
  return ordered;
}
