/**
 * The one interface every warehouse engine implements (DuckDB embedded,
 * BigQuery in production). Operations above it speak only in rows, keys and
 * plans; each engine owns its SQL. Timestamps in and out are canonical
 * microsecond text, event_data is JSON text.
 */
import type { StageConfig } from './config.js';
import type { EffectiveEvent, EventKey, EventRow, StoredException, StoredExclusion } from './model.js';
import type { Plan } from './plan.js';

/** What the three tables hold for some event_ids, as read inside apply's transaction. */
export type RawEventState = {
  sources: EventRow[];
  exceptions: StoredException[];
  exclusions: StoredExclusion[];
  /** The engine's fingerprint of these rows, read in the same snapshot, where the engine has one. */
  fingerprint?: string;
};

export type ApplyDecision =
  | { action: 'write' }
  | { action: 'already-applied'; message: string }
  | { action: 'refuse'; message: string };

export type WriteCounts = { exclusions: number; exceptions: number };
/** Rows written and, for a revert, rows deleted. */
export type ApplyCounts = WriteCounts & { deleted: WriteCounts };

export type EngineApplyOutcome =
  | { status: 'applied'; written: ApplyCounts; appliedAt: string }
  | { status: 'already-applied'; message: string }
  | { status: 'refused'; message: string };

/** Events of one name whose event_data has `value` (JSON text) at `path`, created in [from, until). */
export type EventFilter = { eventName: string; path: string; value: string; from: string; until: string };

export type StageSummary = { events: number; duplicateGroups: number };

/** One unresolved event_id duplicate group as the list of groups shows it, without its copies. */
export type DuplicateSummary = {
  event_id: string;
  copies: number;
  firstIngested: string | null;
  lastIngested: string | null;
  /** Every compared column and the event_data text agree across the copies. */
  identical: boolean;
};

/** Options of one apply. `jobId` is chosen (and journaled) by the caller before the write starts. */
export type ApplyOptions = { jobId?: string };

/** What became of an apply job submitted earlier, for engines whose writes are jobs (BigQuery). */
export type JobOutcome = { state: 'done' } | { state: 'failed'; message: string } | { state: 'running' } | { state: 'not-found' };

/** Rows a rerun deleted and inserted, where the engine can count them. */
export type RerunCounts = { deleted?: number; inserted?: number };

export interface Warehouse {
  /** Identifies the warehouse in plans, so a plan is not applied to another one. */
  readonly label: string;
  /** Effective events of the stage in the window, and event_id duplicate groups not yet resolved. */
  stageSummary(stage: StageConfig, since: string): Promise<StageSummary>;
  /** Original copies of event_ids that appear more than once since `since`, ignoring excluded copies and event_ids that have an exception. */
  eventIdDuplicateCopies(stage: StageConfig, since: string): Promise<EventRow[]>;
  /** The same groups as eventIdDuplicateCopies, one summary row each, ordered by first ingestion. */
  eventIdDuplicateGroups(stage: StageConfig, since: string): Promise<DuplicateSummary[]>;
  /** The copies of the given groups only (for a group the operator opens, or the groups marked to dedupe). */
  eventIdDuplicateCopiesOf(stage: StageConfig, since: string, eventIds: readonly string[]): Promise<EventRow[]>;
  /** Effective events since `since` whose value at `path` is shared by several event_ids. */
  businessKeyDuplicateRows(stage: StageConfig, path: string, since: string): Promise<(EffectiveEvent & { business_key: string })[]>;
  /** Every row of the three tables for one event_id (optionally one event_created_at). */
  lookup(eventId: string, createdAt?: string): Promise<RawEventState>;
  /** The effective version of each key (latest exception, else the earliest ingested original). */
  effectiveEvents(eventName: string, keys: readonly EventKey[]): Promise<EffectiveEvent[]>;
  /** Effective events matching a structured filter; values compared as JSON, never spliced into SQL. */
  eventsMatching(filter: EventFilter): Promise<EffectiveEvent[]>;
  /** The rows of the three tables for these event_ids with event_created_at in [from, until). */
  readState(eventIds: readonly string[], from: string, until: string): Promise<RawEventState>;
  /**
   * Applies a plan in one transaction: reads the state of its events, asks
   * `decide` whether to write, and writes every row or none.
   */
  applyPlan(plan: Plan, decide: (state: RawEventState) => Promise<ApplyDecision>, options?: ApplyOptions): Promise<EngineApplyOutcome>;
  /** Rebuilds the stage table's rows created since `since` (create_stage_table semantics), in one transaction. */
  rerunStage(stage: StageConfig, since: string): Promise<RerunCounts>;
  /** What rerunStage would remove and write, read without writing anything. */
  rerunPreview(stage: StageConfig, since: string): Promise<{ removes: number; writes: number }>;
  /** The statements rerunStage runs, formatted for operators to read. */
  rerunSql(stage: StageConfig): string;
  /** The outcome of an apply job by the id the journal recorded; engines without jobs leave this out. */
  jobOutcome?(jobId: string): Promise<JobOutcome>;
  /**
   * Columns of the named tables (as the config names them, stage tables as
   * stage_schema.name), types in one vocabulary for every engine: TIMESTAMP,
   * STRING, JSON, BOOL, INT64. A missing table is absent from the map.
   */
  tableColumns(tables: readonly string[]): Promise<Map<string, Map<string, string>>>;
  /** Proves the warehouse answers with these credentials; returns what it checked, in words. */
  checkAccess(): Promise<string>;
  /** Stops the reads in flight (Esc on a loading screen); they reject with a "cancelled" error. */
  cancelReads?(): Promise<void>;
  /**
   * Runs `work`, which uses this warehouse through a connection of its own elsewhere in this process (a worker
   * thread making a plan); this object's own calls wait until it is done, so `work` must not make them.
   * Engines that let many users in at once leave it out.
   */
  lend?<T>(work: () => Promise<T>): Promise<T>;
  /** The SQL apply runs for a plan, formatted for operators to read. */
  applySql(plan: Plan): string;
  close(): Promise<void>;
}
