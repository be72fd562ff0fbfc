/**
 * The production warehouse: BigQuery, behind the same interface as the
 * embedded engine. Reads are bounded by partition, checked by a dry run when
 * they may be expensive, and cancellable; apply is one script job (one
 * transaction) whose ASSERT re-checks what the plan was decided on.
 */
import { randomUUID } from 'node:crypto';
import type { Config, StageConfig } from '../config.js';
import { EvfixError } from '../errors.js';
import type { EffectiveEvent, EventKey, EventRow, StoredException, StoredExclusion } from '../model.js';
import { applyJobId, type Plan } from '../plan.js';
import { addDays, formatTimestamp, nowMicros, parseTimestamp, startOfDay, type Micros } from '../timestamp.js';
import type { DuplicateSummary, ApplyDecision, ApplyOptions, EngineApplyOutcome, EventFilter, JobOutcome, RawEventState, RerunCounts, StageSummary, Warehouse } from '../warehouse.js';
import { BigqueryClient, type BigqueryClientOptions, type Row } from './client.js';
import * as p from './params.js';
import * as sql from './sql.js';

const FAR_FUTURE = '9999-12-31 23:59:59.999999';
/** BigQuery's request limits for query parameters: 10 MB per request and 10,000 parameters. */
export const PARAMETER_LIMITS = { bytes: 9 * 1024 * 1024, values: 10_000 };

type BigqueryConfig = Config & { engine: { type: 'bigquery' } };

const toEvent = (r: Row): EventRow => ({
  event_created_at: r.event_created_at!,
  event_id: r.event_id!,
  event_name: r.event_name!,
  user_id: r.user_id ?? null,
  event_external_reference_id: r.event_external_reference_id ?? null,
  event_advisor_id: r.event_advisor_id ?? null,
  event_data: r.event_data ?? 'null',
  event_ingested_at: r.event_ingested_at ?? null,
});
const toEffective = (r: Row): EffectiveEvent => ({ ...toEvent(r), source: r.is_exception === 'true' ? 'exception' : 'original' });
const toException = (r: Row): StoredException => ({
  ...toEvent(r),
  exception_description: r.exception_description!,
  is_event_update: r.is_event_update === 'true',
  exception_added_timestamp: r.exception_added_timestamp!,
});
const toExclusion = (r: Row): StoredExclusion => ({
  event_created_at: r.event_created_at!,
  event_id: r.event_id!,
  event_name: r.event_name ?? '',
  exclusion_description: r.exclusion_description!,
  exclusion_added_timestamp: r.exclusion_added_timestamp!,
});

const EXCLUSION_FIELDS = [
  ['event_created_at', 'TIMESTAMP'],
  ['event_id', 'STRING'],
  ['event_name', 'STRING'],
  ['exclusion_description', 'STRING'],
] as const;
const EXCEPTION_FIELDS = [
  ['event_created_at', 'TIMESTAMP'],
  ['event_id', 'STRING'],
  ['event_name', 'STRING'],
  ['user_id', 'STRING'],
  ['event_external_reference_id', 'STRING'],
  ['event_advisor_id', 'STRING'],
  ['event_data', 'STRING'],
  ['event_ingested_at', 'TIMESTAMP'],
  ['exception_description', 'STRING'],
  ['is_event_update', 'BOOL'],
] as const;
const REMOVAL_FIELDS = [
  ['event_id', 'STRING'],
  ['event_created_at', 'TIMESTAMP'],
  ['added_at', 'TIMESTAMP'],
  ['description', 'STRING'],
] as const;

type Removal = { event_id: string; event_created_at: string; added_at: string; description: string };

/** `dataset.table` gets the engine's project; `project.dataset.table` stays as written. */
export function qualify(project: string, name: string): string {
  return name.split('.').length === 3 ? name : `${project}.${name}`;
}

export function bigqueryTables(config: BigqueryConfig): sql.BigqueryTables {
  const project = config.engine.project!;
  return {
    events: qualify(project, config.tables.events),
    exceptions: qualify(project, config.tables.exceptions),
    exclusions: qualify(project, config.tables.exclusions),
    stageDataset: `${project}.${config.stage_schema}`,
  };
}

export type BigqueryWarehouseOptions = Pick<BigqueryClientOptions, 'authClient' | 'sleep'> & {
  /** Called with every statement before it is sent (tests check them with ZetaSQL). */
  onSql?: (statement: string, params: readonly p.QueryParameter[]) => void;
  /** Called with the estimate of every dry run (the TUI and CLI show it). */
  onEstimate?: (bytes: bigint, doing: string) => void;
};

export class BigqueryWarehouse implements Warehouse {
  readonly label: string;
  readonly tables: sql.BigqueryTables;
  readonly client: BigqueryClient;

  constructor(
    private readonly config: BigqueryConfig,
    private readonly now: () => Micros = nowMicros,
    private readonly options: BigqueryWarehouseOptions = {},
  ) {
    const engine = config.engine;
    if (!engine.project) throw new EvfixError('config', `${config.source}: engine.project: is required for BigQuery`, 'engine.project');
    this.tables = bigqueryTables(config);
    this.client = new BigqueryClient({
      project: engine.project,
      location: engine.location,
      maximumBytesBilled: engine.maximum_bytes_billed,
      apiEndpoint: engine.api_endpoint,
      authClient: options.authClient,
      sleep: options.sleep,
    });
    this.label = `bigquery:${engine.project}`;
  }

  /** The duplicate window: exceptions and exclusions of an event can be this much older than the window start. */
  private lookupFrom(since: string): string {
    return formatTimestamp(addDays(parseTimestamp(since), -this.config.lookback_days));
  }

  /**
   * A read, preceded by a dry run: when the estimate exceeds the configured
   * threshold the read is refused with the bytes named, before anything is billed.
   */
  private async read(statement: string, params: p.QueryParameter[], doing: string): Promise<Row[]> {
    this.options.onSql?.(statement, params);
    const bytes = await this.client.dryRunBytes(statement, params, doing);
    this.options.onEstimate?.(bytes, doing);
    const limit = BigInt(this.config.engine.dry_run_threshold_bytes);
    if (bytes > limit) {
      throw new EvfixError(
        'refused',
        `${doing}: BigQuery estimates ${formatBytes(bytes)} scanned, over engine.dry_run_threshold_bytes (${formatBytes(limit)}); nothing ran. Narrow the window or raise the threshold.`,
      );
    }
    return this.client.read(statement, params, doing);
  }

  private windowParams(eventName: string, since: string, until = FAR_FUTURE) {
    return [
      p.string('event_name', eventName),
      p.timestamp('since', since),
      p.timestamp('until', until),
      p.timestamp('lookup_from', this.lookupFrom(since)),
    ];
  }

  async stageSummary(stage: StageConfig, since: string): Promise<StageSummary> {
    const params = this.windowParams(stage.event_name, since);
    const [events] = await this.read(sql.stageSummarySql(this.tables), params, `counting ${stage.name}`);
    const [groups] = await this.read(sql.duplicateGroupCountSql(this.tables), params, `counting duplicates of ${stage.name}`);
    return { events: Number(events?.events ?? 0), duplicateGroups: Number(groups?.n ?? 0) };
  }

  async eventIdDuplicateGroups(stage: StageConfig, since: string): Promise<DuplicateSummary[]> {
    const rows = await this.read(sql.duplicateGroupsSql(this.tables), this.windowParams(stage.event_name, since), `listing duplicates of ${stage.name}`);
    return rows.map((r) => ({
      event_id: r.event_id!,
      copies: Number(r.copies),
      firstIngested: r.first_ingested ?? null,
      lastIngested: r.last_ingested ?? null,
      identical: r.identical === 'true',
    }));
  }

  async eventIdDuplicateCopiesOf(stage: StageConfig, since: string, eventIds: readonly string[]): Promise<EventRow[]> {
    const rows = await this.read(
      sql.duplicateCopiesOfSql(this.tables),
      [...this.windowParams(stage.event_name, since), p.stringArray('event_ids', [...new Set(eventIds)])],
      `reading ${eventIds.length} duplicate group(s) of ${stage.name}`,
    );
    return rows.map(toEvent);
  }

  async eventIdDuplicateCopies(stage: StageConfig, since: string): Promise<EventRow[]> {
    const rows = await this.read(sql.eventIdDuplicatesSql(this.tables), this.windowParams(stage.event_name, since), `reading duplicates of ${stage.name}`);
    return rows.map(toEvent);
  }

  async businessKeyDuplicateRows(stage: StageConfig, path: string, since: string) {
    const rows = await this.read(
      sql.businessKeyDuplicatesSql(this.tables),
      [...this.windowParams(stage.event_name, since), p.string('path', path)],
      `reading ${path} duplicates of ${stage.name}`,
    );
    return rows.map((r) => ({ ...toEffective(r), business_key: r.business_key! }));
  }

  async lookup(eventId: string, createdAt?: string): Promise<RawEventState> {
    // Every read names its partitions: an exact key reads one instant, an event_id alone the last lookup_days.
    const from = createdAt ?? formatTimestamp(startOfDay(addDays(this.now(), -this.config.engine.lookup_days)));
    const until = createdAt ? formatTimestamp(parseTimestamp(createdAt) + 1n) : FAR_FUTURE;
    const q = sql.lookupSql(this.tables, createdAt !== undefined);
    const params = [p.string('event_id', eventId), p.timestamp('from', from), p.timestamp('until', until)];
    if (createdAt !== undefined) params.push(p.timestamp('created_at', createdAt));
    const doing = `looking up ${eventId}`;
    return {
      sources: (await this.read(q.sources, params, doing)).map(toEvent),
      exceptions: (await this.read(q.exceptions, params, doing)).map(toException),
      exclusions: (await this.read(q.exclusions, params, doing)).map(toExclusion),
    };
  }

  async effectiveEvents(eventName: string, keys: readonly EventKey[]): Promise<EffectiveEvent[]> {
    if (keys.length === 0) return [];
    const sorted = keys.map((k) => k.event_created_at).sort();
    const rows = await this.read(
      sql.effectiveForKeysSql(this.tables),
      [
        ...this.windowParams(eventName, sorted[0]!, formatTimestamp(parseTimestamp(sorted.at(-1)!) + 1n)),
        p.structArray('keys', [['event_id', 'STRING'], ['event_created_at', 'TIMESTAMP']], keys),
      ],
      `reading ${keys.length} event(s)`,
    );
    return rows.map(toEffective);
  }

  async eventsMatching(filter: EventFilter): Promise<EffectiveEvent[]> {
    let text: string | undefined;
    try {
      const parsed: unknown = JSON.parse(filter.value);
      if (typeof parsed === 'string') text = parsed;
    } catch {
      // validated by the caller; a big number is matched exactly by the caller, not narrowed here
    }
    const params = [...this.windowParams(filter.eventName, filter.from, filter.until), p.string('path', filter.path)];
    if (text !== undefined) params.push(p.string('text', text));
    const rows = await this.read(sql.matchingSql(this.tables, text !== undefined), params, `finding events where ${filter.path} = ${filter.value}`);
    return rows.map(toEffective);
  }

  private stateParams(eventIds: readonly string[], from: string, until: string) {
    return [p.stringArray('event_ids', [...new Set(eventIds)]), p.timestamp('from', from), p.timestamp('until', until)];
  }

  async readState(eventIds: readonly string[], from: string, until: string): Promise<RawEventState> {
    const q = sql.stateSql(this.tables);
    const params = this.stateParams(eventIds, from, until);
    const doing = `reading the state of ${new Set(eventIds).size} event(s)`;
    return {
      sources: (await this.read(q.sources, params, doing)).map(toEvent),
      exceptions: (await this.read(q.exceptions, params, doing)).map(toException),
      exclusions: (await this.read(q.exclusions, params, doing)).map(toExclusion),
    };
  }

  /**
   * Reads the state and its fingerprint, decides, then submits one script:
   * BEGIN; ASSERT the fingerprint is unchanged; inserts and deletes; COMMIT.
   * A write that lands between the read and the script fails the ASSERT and
   * BigQuery rolls everything back.
   */
  async applyPlan(plan: Plan, decide: (state: RawEventState) => Promise<ApplyDecision>, options: ApplyOptions = {}): Promise<EngineApplyOutcome> {
    const pre = plan.preconditions;
    const stateParams = this.stateParams(pre.event_ids, pre.from, pre.until);
    const [fingerprint] = await this.read(sql.stateFingerprintSql(this.tables), stateParams, 'checking the plan\'s events');
    const decision = await decide(await this.readState(pre.event_ids, pre.from, pre.until));
    if (decision.action === 'refuse') return { status: 'refused', message: decision.message };
    if (decision.action === 'already-applied') return { status: 'already-applied', message: decision.message };

    const appliedAt = formatTimestamp(this.now());
    const jobId = options.jobId ?? applyJobId(plan);
    const rows = planRows(plan);
    const counts = {
      exclusions: rows.exclusions.length,
      exceptions: rows.exceptions.length,
      removeExclusions: rows.removeExclusions.length,
      removeExceptions: rows.removeExceptions.length,
    };
    const rowParams = [
      p.structArray('exclusion_rows', EXCLUSION_FIELDS, rows.exclusions),
      p.structArray('exception_rows', EXCEPTION_FIELDS, rows.exceptions),
      p.structArray('remove_exclusions', REMOVAL_FIELDS, rows.removeExclusions),
      p.structArray('remove_exceptions', REMOVAL_FIELDS, rows.removeExceptions),
    ];
    const used = rowParams.filter((param) => counts[paramCount[param.name as keyof typeof paramCount]] > 0);
    const fitsInRequest =
      p.valueCount(used) <= PARAMETER_LIMITS.values && Buffer.byteLength(JSON.stringify(used)) <= PARAMETER_LIMITS.bytes;
    let source: sql.RowSource = { kind: 'parameters' };
    if (!fitsInRequest) source = await this.fillScratchTables(plan, rows, jobId);
    const statements = sql.applyScript(this.tables, counts, source);
    const params = [
      ...stateParams,
      p.string('expected_fingerprint', fingerprint?.fingerprint ?? ''),
      p.timestamp('applied_at', appliedAt),
      ...(source.kind === 'parameters' ? used : []),
    ];
    const script = sql.joinScript(statements);
    this.options.onSql?.(script, params);
    await this.client.runScript(jobId, script, params, { evfix: 'apply', evfix_plan: plan.id, evfix_kind: plan.kind }, `applying plan ${plan.id}`);
    if (source.kind === 'scratch') await this.dropScratch(source);
    return {
      status: 'applied',
      appliedAt,
      written: {
        exclusions: counts.exclusions,
        exceptions: counts.exceptions,
        deleted: { exclusions: counts.removeExclusions, exceptions: counts.removeExceptions },
      },
    };
  }

  /** For plans beyond the parameter limits: load jobs fill scratch tables, the script reads them. */
  private async fillScratchTables(plan: Plan, rows: ReturnType<typeof planRows>, jobId: string): Promise<Extract<sql.RowSource, { kind: 'scratch' }>> {
    const dataset = this.config.engine.scratch_dataset
      ? `${this.config.engine.project}.${this.config.engine.scratch_dataset}`
      : this.tables.exceptions.split('.').slice(0, 2).join('.');
    const name = (what: string) => `${dataset}._evfix_${plan.id}_${what}`;
    const source = {
      kind: 'scratch' as const,
      exclusions: name('exclusions'),
      exceptions: name('exceptions'),
      removeExclusions: name('remove_exclusions'),
      removeExceptions: name('remove_exceptions'),
    };
    const schema = (fields: readonly (readonly [string, string])[]) => fields.map(([n, t]) => ({ name: n, type: t === 'BOOL' ? 'BOOLEAN' : t }));
    const loads: [string, readonly (readonly [string, string])[], readonly Record<string, unknown>[]][] = [
      [source.exclusions, EXCLUSION_FIELDS, rows.exclusions],
      [source.exceptions, EXCEPTION_FIELDS, rows.exceptions],
      [source.removeExclusions, REMOVAL_FIELDS, rows.removeExclusions],
      [source.removeExceptions, REMOVAL_FIELDS, rows.removeExceptions],
    ];
    for (const [table, fields, data] of loads) {
      await this.client.loadRows(table, schema(fields), data, `${jobId}_load_${table.split('_').pop()}_${randomUUID().slice(0, 8)}`, `loading plan ${plan.id} rows into ${table}`);
    }
    return source;
  }

  private async dropScratch(source: Extract<sql.RowSource, { kind: 'scratch' }>) {
    for (const table of [source.exclusions, source.exceptions, source.removeExclusions, source.removeExceptions]) {
      await this.client.read(`DROP TABLE IF EXISTS ${sql.quoteTable(table)}`, [], `dropping ${table}`).catch(() => undefined);
    }
  }

  async tableColumns(tables: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const project = this.config.engine.project!;
    const byDataset = new Map<string, { configured: string; table: string }[]>();
    for (const configured of tables) {
      const full = qualify(project, configured);
      const dataset = full.split('.').slice(0, 2).join('.');
      byDataset.set(dataset, [...(byDataset.get(dataset) ?? []), { configured, table: full.split('.')[2]! }]);
    }
    const out = new Map<string, Map<string, string>>();
    for (const [dataset, wanted] of byDataset) {
      const statement = sql.columnsSql(dataset);
      const params = [p.stringArray('tables', wanted.map((w) => w.table))];
      this.options.onSql?.(statement, params);
      const rows = await this.client.read(statement, params, `reading the columns of ${dataset}`);
      for (const w of wanted) {
        const columns = rows.filter((r) => r.table_name === w.table);
        if (columns.length) out.set(w.configured, new Map(columns.map((r) => [r.column_name!, r.data_type!.replace(/^BOOLEAN$/, 'BOOL')])));
      }
    }
    return out;
  }

  async checkAccess(): Promise<string> {
    const bytes = await this.client.dryRunBytes('SELECT 1', [], 'checking credentials and bigquery.jobs.create');
    return `credentials work and can create query jobs in ${this.config.engine.project} (dry run: ${formatBytes(bytes)})`;
  }

  async jobOutcome(jobId: string): Promise<JobOutcome> {
    return this.client.jobOutcome(jobId);
  }

  async cancelReads(): Promise<void> {
    await this.client.cancelReads();
  }

  async rerunStage(stage: StageConfig, since: string): Promise<RerunCounts> {
    const statements = sql.rerunStageScript(this.tables, stage);
    const params = [
      ...this.windowParams(stage.event_name, since),
      ...stage.columns.map((c, i) => p.string(`path_${i}`, c.path)),
    ];
    const script = sql.joinScript(statements);
    this.options.onSql?.(script, params);
    const jobId = `evfix_rerun_${stage.name}_${randomUUID().replace(/-/g, '')}`;
    await this.client.runScript(jobId, script, params, { evfix: 'rerun', evfix_stage: stage.name.toLowerCase() }, `rebuilding ${stage.name}`);
    // A script job does not report its statements' row counts; the window is rebuilt, counts unknown.
    return {};
  }

  async rerunPreview(stage: StageConfig, since: string): Promise<{ removes: number; writes: number }> {
    const [row] = await this.read(sql.rerunPreviewSql(this.tables, stage), this.windowParams(stage.event_name, since), `counting what a rerun of ${stage.name} would do`);
    return { removes: Number(row?.removes ?? 0), writes: Number(row?.writes ?? 0) };
  }

  rerunSql(stage: StageConfig): string {
    return sql.joinScript(sql.rerunStageScript(this.tables, stage));
  }

  applySql(plan: Plan): string {
    const counts = {
      exclusions: plan.exclusions.length,
      exceptions: plan.exceptions.length,
      removeExclusions: plan.removals.exclusions.length,
      removeExceptions: plan.removals.exceptions.length,
    };
    return sql.joinScript(sql.applyScript(this.tables, counts, { kind: 'parameters' }));
  }

  async close(): Promise<void> {
    await this.client.cancelReads();
  }
}

const paramCount = {
  exclusion_rows: 'exclusions',
  exception_rows: 'exceptions',
  remove_exclusions: 'removeExclusions',
  remove_exceptions: 'removeExceptions',
} as const;


function planRows(plan: Plan) {
  return {
    exclusions: plan.exclusions,
    exceptions: plan.exceptions,
    removeExclusions: plan.removals.exclusions.map(
      (r): Removal => ({ event_id: r.event_id, event_created_at: r.event_created_at, added_at: r.exclusion_added_timestamp, description: r.exclusion_description }),
    ),
    removeExceptions: plan.removals.exceptions.map(
      (r): Removal => ({ event_id: r.event_id, event_created_at: r.event_created_at, added_at: r.exception_added_timestamp, description: r.exception_description }),
    ),
  };
}

export function formatBytes(bytes: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
