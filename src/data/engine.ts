/**
 * The one interface every warehouse engine implements (DuckDB embedded, BigQuery in production). Each engine
 * owns its SQL; above this line evfix speaks in stages, selections and plans. Timestamps in and out are
 * canonical microsecond text, event_data is JSON text.
 *
 * What an engine must really do, and nothing derivable: read what the screens list, evaluate a plan's
 * definition into its facts (fingerprint, counts, summary, sample) in one snapshot, page through a plan's
 * changes, apply a plan in one transaction that re-checks its fingerprint and records it in the audit table,
 * and rebuild a stage table's window.
 */
import type { StageConfig } from './config.js';
import { refused } from './errors.js';
import type { EffectiveEvent, EventRow, StoredException, StoredExclusion } from './model.js';
import type { Change, Definition, Facts, Plan } from './plan.js';
import type { KeyRow, Selection } from './selection.js';

/** Keys of a selection that are not inline in it (a file): read in batches, so a million keys never sit in memory at once. */
export type KeyFeed = () => AsyncIterable<KeyRow[]>;

/** What a plan's definition needs besides itself: the keys of a file selection. */
export type PlanInputs = { keys?: KeyFeed };

export type StageSummary = {
  /** Rows the stage table shows for the window, by the create_stage_table rules. */
  events: number;
  /** event_id groups with more than one unresolved original copy in the sources. */
  duplicateGroups: number;
  /**
   * event_ids the stage table itself holds more than once in the window: duplicates resolved in the sources
   * show here until the stage is rerun. Null when the stage table does not exist yet.
   */
  stageDuplicateGroups: number | null;
};

/**
 * A rebuild of a stage table: when (comparable with the audit table's applied_at) and from which
 * event_created_at. `since` is null when the engine knows only that the table changed (BigQuery's
 * last_modified_time, which dbt's scheduled runs move too): such a rebuild is taken to cover every plan before it.
 */
export type StageRebuild = { at: string; since: string | null };

/** One unresolved event_id duplicate group as the list of groups shows it, without its copies. */
export type DuplicateSummary = {
  event_id: string;
  copies: number;
  firstIngested: string | null;
  lastIngested: string | null;
  /** Every compared column and the event_data text agree across the copies. */
  identical: boolean;
};

/** Everything the three tables hold for one event_id, and the version the stage table shows. */
export type EventRows = {
  originals: EventRow[];
  exceptions: StoredException[];
  exclusions: StoredExclusion[];
  /** The rows create_stage_table yields for it (two or more when copies are unresolved duplicates). */
  effective: EffectiveEvent[];
};

/** A page of a selection's events, in (event_created_at, event_id) order. */
export type EventPage = { events: EffectiveEvent[]; total: number };
export type PageKey = { event_created_at: string; event_id: string };

export type WriteCounts = { exclusions: number; exceptions: number };
export type ApplyCounts = WriteCounts & { deleted: WriteCounts };

/** Who applies, from where, and the warehouse job id chosen (and journaled) before the write starts. */
export type ApplyOptions = { operator: string; host: string; jobId?: string; ticket?: string };

export type ApplyOutcome =
  | { status: 'applied'; written: ApplyCounts; appliedAt: string }
  | { status: 'already-applied'; message: string; appliedAt?: string }
  /** `missing: 'approval'`: approval is required and no second operator's approval of this plan is recorded. */
  | { status: 'refused'; message: string; missing?: 'approval' };

/** One approval of a plan, as the approvals table keeps it. */
export type Approval = {
  plan_id: string;
  fingerprint: string;
  approved_by: string;
  approved_at: string;
  host: string | null;
  author: string;
  note: string | null;
};

/** Who approves, from where, with an optional note. */
export type ApproveOptions = { operator: string; host: string; note?: string };

export type ApproveOutcome = { status: 'approved'; approval: Approval } | { status: 'refused'; message: string };

/** A plan as the audit table keeps it: written in the same transaction as the plan's rows. */
export type AuditEntry = {
  plan_id: string;
  kind: string;
  stage: string;
  description: string;
  operator: string;
  host: string;
  selection: string;
  counts: ApplyCounts;
  fingerprint: string;
  job_id: string | null;
  applied_at: string;
  ticket: string | null;
  /** The second operator whose approval the apply checked (approval: required), and when they gave it. */
  approved_by: string | null;
  approved_at: string | null;
  /** The revert plan that deleted this plan's rows, if any; and for a revert, the plan it reverted. */
  reverted_by: string | null;
  revert_of: string | null;
  /** The oldest event_created_at the plan wrote for: where its rerun starts. */
  oldest: string | null;
};

export type AuditFilter = { stage?: string; operator?: string; since?: string; planId?: string; limit?: number };

/** What became of an apply job submitted earlier, for engines whose writes are jobs (BigQuery). */
export type JobOutcome = { state: 'done' } | { state: 'failed'; message: string } | { state: 'running' } | { state: 'not-found' };

export type RerunCounts = { deleted?: number; inserted?: number };

/**
 * Refuses an update that would write nothing, read from its counts: no event selected, or every selected one
 * already as asked. Refused at plan time, as an empty selection is, rather than an apply that records a plan
 * of no rows and asks for a stage rerun that changes nothing. Events the edits cannot change count when they
 * are left out (`skip`); with `refuse` the plan is made, so the operator sees them and chooses.
 */
export function refuseNothingToWrite(
  stage: Pick<StageConfig, 'name' | 'event_name'>,
  counts: { events: number; changes: number; unchanged: number; problems: number },
  onProblem: 'refuse' | 'skip',
): void {
  if (counts.events === 0) throw refused(`no ${stage.event_name} events in ${stage.name} match the selection; nothing to do`);
  if (counts.changes > 0 || (counts.problems > 0 && onProblem === 'refuse')) return;
  const selected = `${counts.events} selected ${stage.event_name} event(s) in ${stage.name}`;
  if (!counts.problems) throw refused(`nothing to write: the ${selected} are already as asked; nothing to do`);
  const parts = [...(counts.unchanged ? [`${counts.unchanged} are already as asked`] : []), `${counts.problems} cannot be changed as asked (left out)`];
  throw refused(`nothing to write: of the ${selected}, ${parts.join(' and ')}; nothing to do`);
}

/** At most this many rows of the impact preview are shown; the counts cover all of them. */
export const IMPACT_SAMPLE = 10;

/**
 * A preview from the rows an engine read: the counts (added, removed, changed, same) and sampled rows whose kind
 * of change comes as two flags (is_changed, is_added; neither: removed). Values as either driver returns them.
 */
export function impactFrom(since: string, counts: Record<string, unknown> | undefined, sample: Record<string, unknown>[]): StageImpact {
  const n = (v: unknown) => Number(v ?? 0);
  const yes = (v: unknown) => v === true || v === 'true';
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    since,
    added: n(counts?.added),
    removed: n(counts?.removed),
    changed: n(counts?.changed),
    unchanged: n(counts?.same),
    sample: sample.map((r) => ({
      change: yes(r.is_changed) ? 'changed' : yes(r.is_added) ? 'added' : 'removed',
      event_id: String(r.event_id),
      event_created_at: String(r.event_created_at),
      before: text(r.before_doc),
      after: text(r.after_doc),
    })),
  };
}

/**
 * What the stage table would become if the plan were applied and the stage rerun from `since`, against the
 * stage table as it is now: rows added, removed and changed (same event_id and created-at, other columns),
 * with a sample. Rows are matched by (event_id, event_created_at), so an unresolved duplicate's copies pair up.
 */
export type StageImpact = {
  since: string;
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  sample: { change: 'added' | 'removed' | 'changed'; event_id: string; event_created_at: string; before: string | null; after: string | null }[];
};

/**
 * A table's partitioning: the partitioning column (`_PARTITIONTIME` for ingestion-time partitioning), or null
 * when the table is not partitioned; and whether a query must filter on it (require_partition_filter).
 */
export type TablePartitioning = { column: string | null; requireFilter: boolean };

/**
 * Why a source table's partitions cannot be pruned by evfix's reads (each bounds event_created_at), in words that
 * say what to do; undefined when they can, or the table is not partitioned (then doctor only warns: reads scan
 * it whole, under the dry-run threshold).
 */
export function partitionProblem(p: TablePartitioning | undefined): string | undefined {
  if (!p?.column || p.column === 'event_created_at') return undefined;
  const what = p.column === '_PARTITIONTIME' ? 'partitioned by ingestion time (_PARTITIONTIME)' : `partitioned by ${p.column}`;
  return (
    `${what}, so evfix's reads, which bound event_created_at, cannot prune it` +
    (p.requireFilter ? ' and with require_partition_filter every one of them fails' : ' and each would scan the whole table') +
    '. evfix does not support it: re-create the table partitioned by DATE(event_created_at) (CREATE TABLE ... PARTITION BY DATE(event_created_at) AS SELECT ...), or point tables.* at such a copy'
  );
}

export interface Engine {
  /** Identifies the warehouse in plans, so a plan is not applied to another one. */
  readonly label: string;
  readonly dialect: 'duckdb' | 'bigquery';

  stageSummary(stage: StageConfig, since: string): Promise<StageSummary>;
  /** Unresolved event_id duplicate groups since `since`, ordered by first ingestion. */
  duplicateGroups(stage: StageConfig, since: string): Promise<DuplicateSummary[]>;
  /** The copies of the given groups, ordered by event_id, then ingestion. */
  groupCopies(stage: StageConfig, since: string, eventIds: readonly string[]): Promise<EventRow[]>;
  /** Effective events since `since` whose value at `path` is shared by several event_ids. */
  businessKeyRows(stage: StageConfig, path: string, since: string): Promise<(EffectiveEvent & { business_key: string })[]>;
  /** A page of the events a selection holds, after `after`, and how many it holds in all. */
  findEvents(stage: StageConfig, selection: Selection, inputs: PlanInputs, after: PageKey | undefined, limit: number): Promise<EventPage>;
  lookup(eventId: string, createdAt?: string): Promise<EventRows>;

  /**
   * Reads, in one snapshot, everything a plan records about what its definition touches (see Facts). `hold`:
   * the caller applies this plan next, at once (a command run with --yes); an engine may keep the snapshot for
   * that apply, which then needs no second read of the selection. Any other call gives it up.
   */
  preparePlan(stage: StageConfig, definition: Definition, inputs: PlanInputs, options?: { hold?: boolean }): Promise<Facts>;
  /** The plan's changes after `after`, in (event_created_at, event_id) order, as the warehouse holds them now. */
  planChanges(stage: StageConfig, plan: Plan, inputs: PlanInputs, after: PageKey | undefined, limit: number): Promise<Change[]>;
  /**
   * Applies a plan in one transaction: refuses it when the audit table already has it (applied) or its
   * fingerprint changed (stale), or, with `approval: required`, when the approvals table holds no approval of
   * its id and fingerprint by someone other than its author and the applying operator; else writes every row
   * and the audit row (with the approver), or nothing.
   */
  applyPlan(stage: StageConfig, plan: Plan, inputs: PlanInputs, options: ApplyOptions): Promise<ApplyOutcome>;
  /**
   * The stage table after the plan and a rerun from `since`, compared with the stage table now, computed
   * without keeping anything (the plan's writes in a transaction that is rolled back). Refused like apply when
   * the plan is stale or already applied.
   */
  stageImpact(stage: StageConfig, plan: Plan, inputs: PlanInputs, since: string): Promise<StageImpact>;
  /**
   * The bytes the plan's apply script would scan, from a dry run (nothing runs, nothing is billed), for confirm
   * to show. Engines that bill by bytes have it; the others leave it out and confirm shows nothing.
   */
  estimateApply?(stage: StageConfig, plan: Plan, inputs: PlanInputs): Promise<bigint>;
  /** The same for the rerun script of `runner: sql` from `since`. */
  estimateRerun?(stage: StageConfig, since: string): Promise<bigint>;
  /**
   * Records a second operator's approval of a plan, after the same re-checks as apply (not applied yet, the
   * fingerprint unchanged) in one transaction; refused when this operator approved it already. Writes nothing else.
   */
  approvePlan(stage: StageConfig, plan: Plan, inputs: PlanInputs, options: ApproveOptions): Promise<ApproveOutcome>;
  /** The approvals of a plan with this id and fingerprint, oldest first; none when the approvals table does not exist. */
  approvals(plan: Pick<Plan, 'id' | 'fingerprint'>): Promise<Approval[]>;
  /** Applied plans, newest first, from the audit table. */
  auditEntries(filter: AuditFilter): Promise<AuditEntry[]>;
  /** The plan file an applied plan was made from, as the audit table keeps it. */
  auditedPlan(planId: string): Promise<string | undefined>;

  /** Rebuilds the stage table's rows created since `since` (create_stage_table semantics), in one transaction. */
  rerunStage(stage: StageConfig, since: string): Promise<RerunCounts>;
  /** What rerunStage would remove and write, read without writing anything. */
  rerunPreview(stage: StageConfig, since: string): Promise<{ removes: number; writes: number }>;
  /** The statements rerunStage runs, formatted for operators to read. */
  rerunSql(stage: StageConfig): string;
  /** The stage table's rebuilds, newest first (at most 100): what tells applied plans in the stage from pending ones. */
  stageRebuilds(stage: StageConfig): Promise<StageRebuild[]>;
  /**
   * Records a rebuild evfix ran outside the engine (dbt), for engines that keep rebuild times themselves
   * (DuckDB); an engine that reads them from the table's metadata leaves this out.
   */
  recordRebuild?(stage: StageConfig, since: string): Promise<void>;

  /** Columns of the named tables (as the config names them), types as TIMESTAMP, STRING, JSON, BOOL, INT64, FLOAT64. */
  tableColumns(tables: readonly string[]): Promise<Map<string, Map<string, string>>>;
  /**
   * How each named table (as the config names it) is partitioned, from the warehouse's metadata; tables that do
   * not exist are left out. Engines without partitions (DuckDB) leave this out.
   */
  tablePartitioning?(tables: readonly string[]): Promise<Map<string, TablePartitioning>>;
  /** Proves the warehouse answers with these credentials; returns what it checked, in words. */
  checkAccess(): Promise<string>;
  /** The statement that creates the audit (or approvals) table, for the operator who must create it (doctor shows it). */
  auditTableDdl(table?: 'audit' | 'approvals'): string;
  /**
   * Creates the audit and approvals tables where they are missing (`evfix doctor --create-audit`); returns the
   * tables it created. Engines that create them themselves (DuckDB, on the first apply) leave this out.
   */
  createAuditTables?(): Promise<string[]>;
  /** The outcome of an apply job by the id the journal recorded; engines without jobs leave this out. */
  jobOutcome?(jobId: string): Promise<JobOutcome>;
  /** Stops the reads in flight (leaving a screen); they reject with a "cancelled" error. */
  cancelReads?(): Promise<void>;
  close(): Promise<void>;
}
