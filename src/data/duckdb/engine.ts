/**
 * The embedded warehouse: DuckDB on a local file, with the production table
 * names as schema.table. Used for the demo, for tests and for local work.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { Config, StageConfig } from '../config.js';
import { EvfixError } from '../errors.js';
import type { EffectiveEvent, EventKey, EventRow, ExceptionRow, ExclusionRow, StoredException, StoredExclusion } from '../model.js';
import type { Plan } from '../plan.js';
import { formatTimestamp, nowMicros, type Micros } from '../timestamp.js';
import type { DuplicateSummary, ApplyDecision, EngineApplyOutcome, EventFilter, RawEventState, StageSummary, Warehouse } from '../warehouse.js';
import { pacer } from '../slices.js';
import { DuckdbFile } from './connection.js';
import * as sql from './sql.js';
import { packRows, PackCollision, stageIdsPacked, stageRows, type PackedRows, type StageColumn } from './staging.js';

const FAR_FUTURE = '9999-12-31 23:59:59.999999';

type Params = Record<string, DuckDBValue>;

const EXCLUSION_COLUMNS: StageColumn<ExclusionRow>[] = [
  { name: 'event_created_at', type: 'TIMESTAMP', value: (r) => r.event_created_at },
  { name: 'event_id', type: 'VARCHAR', value: (r) => r.event_id, perRow: true },
  { name: 'event_name', type: 'VARCHAR', value: (r) => r.event_name },
  { name: 'exclusion_description', type: 'VARCHAR', value: (r) => r.exclusion_description },
];

const EXCEPTION_COLUMNS: StageColumn<ExceptionRow>[] = [
  { name: 'event_created_at', type: 'TIMESTAMP', value: (r) => r.event_created_at },
  { name: 'event_id', type: 'VARCHAR', value: (r) => r.event_id, perRow: true },
  { name: 'event_name', type: 'VARCHAR', value: (r) => r.event_name },
  { name: 'user_id', type: 'VARCHAR', value: (r) => r.user_id },
  { name: 'event_external_reference_id', type: 'VARCHAR', value: (r) => r.event_external_reference_id },
  { name: 'event_advisor_id', type: 'VARCHAR', value: (r) => r.event_advisor_id },
  { name: 'event_data', type: 'JSON', value: (r) => r.event_data },
  { name: 'event_ingested_at', type: 'TIMESTAMP', value: (r) => r.event_ingested_at },
  { name: 'exception_description', type: 'VARCHAR', value: (r) => r.exception_description },
  { name: 'is_event_update', type: 'BOOLEAN', value: (r) => r.is_event_update },
];

const ID_COLUMNS: StageColumn<string>[] = [{ name: 'event_id', type: 'VARCHAR', value: (id) => id, perRow: true }];

/** The key of a row an earlier plan wrote: a revert deletes exactly it. */
const REMOVED_EXCLUSION_COLUMNS: StageColumn<StoredExclusion>[] = [
  { name: 'event_id', type: 'VARCHAR', value: (r) => r.event_id, perRow: true },
  { name: 'event_created_at', type: 'TIMESTAMP', value: (r) => r.event_created_at },
  { name: 'added_at', type: 'TIMESTAMP', value: (r) => r.exclusion_added_timestamp },
  { name: 'description', type: 'VARCHAR', value: (r) => r.exclusion_description },
];

const REMOVED_EXCEPTION_COLUMNS: StageColumn<StoredException>[] = [
  { name: 'event_id', type: 'VARCHAR', value: (r) => r.event_id, perRow: true },
  { name: 'event_created_at', type: 'TIMESTAMP', value: (r) => r.event_created_at },
  { name: 'added_at', type: 'TIMESTAMP', value: (r) => r.exception_added_timestamp },
  { name: 'description', type: 'VARCHAR', value: (r) => r.exception_description },
];

async function rows(conn: DuckDBConnection, text: string, params: Params = {}): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(text, params);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * Reads a result chunk by chunk, one `packed` JSON array per row (see
 * sql.packedEvent), into `map`ped rows: a large result is never held twice in
 * JS on its way to the rows evfix keeps, and each row is one string to decode.
 * A chunk (2,048 rows, 20-50 ms of decoding with the garbage collection it
 * brings) is read row by row in slices, so the screen keeps drawing meanwhile.
 * A query that ends in a sort or an aggregate holds its rows anyway: DuckDB
 * runs it to the end first (streaming its rows out ran the last step on one
 * thread, 10-15 ms more at 1M events). One that does not (`unsorted`) is
 * streamed, so DuckDB never holds all its rows beside the ones JS keeps.
 */
async function streamRows<T>(conn: DuckDBConnection, text: string, params: Params, map: (r: Packed) => T, unsorted = false): Promise<T[]> {
  const result = unsorted ? await conn.stream(text, params) : await conn.run(text, params);
  const out: T[] = [];
  const pace = pacer();
  for await (const chunk of result) {
    const packed = chunk.getColumnVector(0);
    for (let i = 0, n = chunk.rowCount; i < n; i++) {
      out.push(map(JSON.parse(packed.getItem(i) as string) as Packed));
      if (pace.due()) await pace.rest();
    }
  }
  return out;
}

type Packed = (string | boolean | null)[];

/** Event names repeat on every row: one string per name instead of one per row. */
const names = new Map<string, string>();
const intern = (name: string) => {
  let kept = names.get(name);
  if (kept === undefined) names.set(name, (kept = name));
  return kept;
};

const str = (v: string | boolean | null | undefined) => (v === null || v === undefined ? null : String(v));

const toEvent = (r: Packed): EventRow => ({
  event_created_at: r[0] as string,
  event_id: r[1] as string,
  event_name: intern(r[2] as string),
  user_id: str(r[3]),
  event_external_reference_id: str(r[4]),
  event_advisor_id: str(r[5]),
  event_data: (r[6] as string | null) ?? 'null',
  event_ingested_at: str(r[7]),
});

/** After the event's eight columns: is_exception. Added to toEvent's row, not spread into a second object per row. */
const toEffective = (r: Packed): EffectiveEvent => {
  const event = toEvent(r) as EffectiveEvent;
  event.source = r[8] ? 'exception' : 'original';
  return event;
};

/** After the event's eight columns: description, is_event_update, added_at. */
const toException = (r: Packed): StoredException => ({
  ...toEvent(r),
  exception_description: r[8] as string,
  is_event_update: Boolean(r[9]),
  exception_added_timestamp: r[10] as string,
});

const toExclusion = (r: Packed): StoredExclusion => ({
  event_created_at: r[0] as string,
  event_id: r[1] as string,
  event_name: (r[2] as string | null) ?? '',
  exclusion_description: r[3] as string,
  exclusion_added_timestamp: r[4] as string,
});

export class DuckdbWarehouse implements Warehouse {
  readonly label: string;
  readonly tables: sql.TableNames;
  private readonly file: DuckdbFile;

  constructor(
    private readonly config: Config & { engine: { type: 'duckdb' } },
    private readonly now: () => Micros = nowMicros,
    options: { onSql?: (sql: string) => void } = {},
  ) {
    for (const name of [config.tables.events, config.tables.exceptions, config.tables.exclusions]) {
      if (name.split('.').length !== 2) {
        throw new EvfixError('config', `${config.source}: tables: "${name}" must be schema.table for the embedded warehouse`);
      }
    }
    this.tables = { ...config.tables, stageSchema: config.stage_schema };
    this.file = new DuckdbFile(config.engine.path, { readOnly: config.read_only, onSql: options.onSql, memoryLimit: config.engine.memory_limit });
    this.label = `duckdb:${config.engine.path}`;
  }

  lend<T>(work: () => Promise<T>): Promise<T> {
    return this.file.lend(work);
  }

  /** Runs work on a connection; exposed for the demo seeder and tests, which need raw access. */
  session<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.file.session(work);
  }

  async createTables(): Promise<void> {
    await this.session(async (conn) => {
      for (const statement of sql.createTablesSql(this.tables)) await conn.run(statement);
      for (const stage of this.config.stages) await conn.run(sql.createStageSql(this.tables, stage));
    });
  }

  /** Appends original events (the demo seeder's bulk load); returns the count now in the table. */
  async appendEvents(events: readonly EventRow[]): Promise<number> {
    const [schema, table] = this.tables.events.split('.') as [string, string];
    return this.session(async (conn) => {
      const a = await conn.createAppender(table, schema);
      for (const r of events) {
        a.appendVarchar(r.event_created_at);
        a.appendVarchar(r.event_id);
        a.appendVarchar(r.event_name);
        for (const v of [r.user_id, r.event_external_reference_id, r.event_advisor_id]) v === null ? a.appendNull() : a.appendVarchar(v);
        a.appendVarchar(r.event_data);
        r.event_ingested_at === null ? a.appendNull() : a.appendVarchar(r.event_ingested_at);
        a.endRow();
      }
      a.closeSync();
      const [row] = await rows(conn, `SELECT count(*)::BIGINT AS n FROM ${sql.quoteTable(this.tables.events)}`);
      return Number(row?.n ?? 0);
    });
  }

  async countEvents(): Promise<number> {
    return this.session(async (conn) => {
      const [exists] = await rows(
        conn,
        'SELECT count(*)::BIGINT AS n FROM information_schema.tables WHERE table_schema = $schema AND table_name = $table',
        { schema: this.tables.events.split('.')[0]!, table: this.tables.events.split('.')[1]! },
      );
      if (!Number(exists?.n)) return 0;
      const [row] = await rows(conn, `SELECT count(*)::BIGINT AS n FROM ${sql.quoteTable(this.tables.events)}`);
      return Number(row?.n ?? 0);
    });
  }

  async stageSummary(stage: StageConfig, since: string): Promise<StageSummary> {
    return this.session(async (conn) => {
      const params = { event_name: stage.event_name, since, until: FAR_FUTURE };
      const [events] = await rows(conn, sql.stageSummarySql(this.tables), params);
      const [groups] = await rows(conn, sql.duplicateGroupCountSql(this.tables), { event_name: stage.event_name, since });
      return { events: Number(events?.events ?? 0), duplicateGroups: Number(groups?.n ?? 0) };
    });
  }

  eventIdDuplicateGroups(stage: StageConfig, since: string): Promise<DuplicateSummary[]> {
    return this.session((conn) =>
      streamRows(conn, sql.duplicateGroupsSql(this.tables), { event_name: stage.event_name, since }, (r) => ({
        event_id: r[0] as string,
        copies: Number(r[1]),
        firstIngested: str(r[2]),
        lastIngested: str(r[3]),
        identical: Boolean(r[4]),
      })),
    );
  }

  eventIdDuplicateCopiesOf(stage: StageConfig, since: string, eventIds: readonly string[]): Promise<EventRow[]> {
    return this.session(async (conn) => {
      await this.stageIds(conn, eventIds);
      return streamRows(conn, sql.duplicateCopiesOfSql(this.tables), { event_name: stage.event_name, since }, toEvent);
    });
  }

  eventIdDuplicateCopies(stage: StageConfig, since: string): Promise<EventRow[]> {
    return this.session((conn) => streamRows(conn, sql.eventIdDuplicatesSql(this.tables), { event_name: stage.event_name, since }, toEvent));
  }

  businessKeyDuplicateRows(stage: StageConfig, path: string, since: string) {
    return this.session((conn) =>
      streamRows(conn, sql.businessKeyDuplicatesSql(this.tables), { event_name: stage.event_name, since, until: FAR_FUTURE, path }, (r) => ({
        ...toEffective(r),
        business_key: r[9] as string,
      })),
    );
  }

  lookup(eventId: string, createdAt?: string): Promise<RawEventState> {
    return this.session(async (conn) => {
      const q = sql.lookupSql(this.tables, createdAt !== undefined);
      const params: Params = createdAt === undefined ? { event_id: eventId } : { event_id: eventId, created_at: createdAt };
      return {
        sources: await streamRows(conn, q.sources, params, toEvent),
        exceptions: await streamRows(conn, q.exceptions, params, toException),
        exclusions: await streamRows(conn, q.exclusions, params, toExclusion),
      };
    });
  }

  effectiveEvents(eventName: string, keys: readonly EventKey[]): Promise<EffectiveEvent[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const sorted = keys.map((k) => k.event_created_at).sort();
    return this.session(async (conn) => {
      await conn.run('CREATE TEMP TABLE evfix_keys (event_id VARCHAR, event_created_at TIMESTAMP)');
      const appender = await conn.createAppender('evfix_keys', 'main', 'temp');
      for (const k of keys) {
        appender.appendVarchar(k.event_id);
        appender.appendVarchar(k.event_created_at);
        appender.endRow();
      }
      appender.closeSync();
      return streamRows(conn, sql.effectiveForKeysSql(this.tables), { event_name: eventName, since: sorted[0]!, until: FAR_FUTURE }, toEffective);
    });
  }

  eventsMatching(filter: EventFilter): Promise<EffectiveEvent[]> {
    let text: string | undefined;
    try {
      const parsed: unknown = JSON.parse(filter.value);
      if (typeof parsed === 'string') text = parsed;
    } catch {
      // the caller validated the value; a big number simply is not narrowed by text
    }
    return this.session(async (conn) => {
      const params: Params = { event_name: filter.eventName, since: filter.from, until: filter.until, path: filter.path };
      if (text !== undefined) params.text = text;
      return streamRows(conn, sql.matchingSql(this.tables, text !== undefined), params, toEffective);
    });
  }

  /** The rows and their fingerprint, in one snapshot (one transaction). */
  readState(eventIds: readonly string[], from: string, until: string): Promise<RawEventState> {
    return this.session(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      try {
        await this.stageIds(conn, eventIds);
        const state = await this.readStateOn(conn, from, until);
        return { ...state, fingerprint: await this.fingerprintOn(conn, from, until) };
      } finally {
        await conn.run('ROLLBACK').catch(() => undefined);
      }
    });
  }

  /** The fingerprint of the rows of the ids in evfix_ids (see sql.stateFingerprintSql). */
  private async fingerprintOn(conn: DuckDBConnection, from: string, until: string): Promise<string> {
    const [row] = await rows(conn, sql.stateFingerprintSql(this.tables), { from, until });
    return row?.fingerprint as string;
  }

  /** The temp table evfix_ids: packed in one parameter, or id by id when an id holds the packing's separator. */
  private async stageIds(conn: DuckDBConnection, eventIds: readonly string[]) {
    try {
      return await stageIdsPacked(conn, 'evfix_ids', eventIds);
    } catch (error) {
      if (!(error instanceof PackCollision)) throw error;
    }
    await stageRows(conn, 'evfix_ids', ID_COLUMNS, eventIds);
  }

  /** The rows of the ids in evfix_ids. */
  private async readStateOn(conn: DuckDBConnection, from: string, until: string): Promise<RawEventState> {
    const q = sql.stateSql(this.tables);
    const params = { from, until };
    return {
      sources: await streamRows(conn, q.sources, params, toEvent, true),
      exceptions: await streamRows(conn, q.exceptions, params, toException, true),
      exclusions: await streamRows(conn, q.exclusions, params, toExclusion, true),
    };
  }

  async applyPlan(plan: Plan, decide: (state: RawEventState) => Promise<ApplyDecision>): Promise<EngineApplyOutcome> {
    // Rows that cannot travel packed (a value holding a separator) roll the first attempt back; the second goes value by value.
    return (await this.applyOnce(plan, decide, true)) ?? (await this.applyOnce(plan, decide, false))!;
  }

  /** One transaction; undefined (rolled back) when `packed` met a value that cannot be packed. */
  private applyOnce(plan: Plan, decide: (state: RawEventState) => Promise<ApplyDecision>, packed: boolean): Promise<EngineApplyOutcome | undefined> {
    return this.session(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      try {
        const p = plan.preconditions;
        await this.stageIds(conn, p.event_ids);
        // The fast path: the same fingerprint means the same rows, so the plan is written without
        // re-reading them. Anything else is read and compared row by row: stale, applied before, or fine.
        // While DuckDB computes the fingerprint, the rows are made ready to travel (JS work, no statement).
        const fingerprint = p.fingerprint === undefined ? undefined : this.fingerprintOn(conn, p.from, p.until);
        fingerprint?.catch(() => undefined);
        const rows = packed ? await this.packPlanRows(plan).finally(() => fingerprint) : undefined;
        const unchanged = fingerprint !== undefined && (await fingerprint) === p.fingerprint;
        const decision = unchanged ? ({ action: 'write' } as const) : await decide(await this.readStateOn(conn, p.from, p.until));
        if (decision.action !== 'write') {
          await conn.run('ROLLBACK');
          return decision.action === 'refuse'
            ? { status: 'refused', message: decision.message }
            : { status: 'already-applied', message: decision.message };
        }
        const appliedAt = formatTimestamp(this.now());
        const written = rows ? await this.insertPacked(conn, rows, appliedAt) : await this.insertStaged(conn, plan, appliedAt);
        const deleted = await this.deleteRemovals(conn, plan);
        await conn.run('COMMIT');
        return { status: 'applied', written: { ...written, deleted }, appliedAt };
      } catch (error) {
        await conn.run('ROLLBACK').catch(() => undefined);
        if (error instanceof PackCollision) return undefined;
        throw error;
      }
    });
  }

  /** The plan's rows ready to go straight into the two tables, packed (see staging.ts). */
  private async packPlanRows(plan: Plan) {
    return {
      exclusions: await packRows('exclusions', EXCLUSION_COLUMNS, plan.exclusions),
      exceptions: await packRows('exceptions', EXCEPTION_COLUMNS, plan.exceptions),
    };
  }

  private async insertPacked(conn: DuckDBConnection, rows: { exclusions: PackedRows; exceptions: PackedRows }, appliedAt: string) {
    const into = (table: 'exclusions' | 'exceptions') => (select: string) =>
      sql.applyInsertSql(this.tables, { exclusions: `(${select})`, exceptions: `(${select})` })[table];
    const params = { applied_at: appliedAt };
    return {
      exclusions: await rows.exclusions.insert(conn, into('exclusions'), params),
      exceptions: await rows.exceptions.insert(conn, into('exceptions'), params),
    };
  }

  /** The plan's rows through temp tables, value by value: the way that takes any value. */
  private async insertStaged(conn: DuckDBConnection, plan: Plan, appliedAt: string) {
    const x = await stageRows(conn, sql.PLAN_TABLES.exclusions, EXCLUSION_COLUMNS, plan.exclusions);
    const c = await stageRows(conn, sql.PLAN_TABLES.exceptions, EXCEPTION_COLUMNS, plan.exceptions);
    const insert = sql.applyInsertSql(this.tables, { exclusions: `(${x.select})`, exceptions: `(${c.select})` });
    return {
      exclusions: (await conn.run(insert.exclusions, { ...x.params, applied_at: appliedAt })).rowsChanged,
      exceptions: (await conn.run(insert.exceptions, { ...c.params, applied_at: appliedAt })).rowsChanged,
    };
  }

  private async deleteRemovals(conn: DuckDBConnection, plan: Plan) {
    const { exclusions, exceptions } = plan.removals;
    if (!exclusions.length && !exceptions.length) return { exclusions: 0, exceptions: 0 };
    const x = await stageRows(conn, sql.REMOVAL_TABLES.exclusions, REMOVED_EXCLUSION_COLUMNS, exclusions);
    const c = await stageRows(conn, sql.REMOVAL_TABLES.exceptions, REMOVED_EXCEPTION_COLUMNS, exceptions);
    const remove = sql.applyDeleteSql(this.tables, { exclusions: `(${x.select})`, exceptions: `(${c.select})` });
    return {
      exclusions: (await conn.run(remove.exclusions, x.params)).rowsChanged,
      exceptions: (await conn.run(remove.exceptions, c.params)).rowsChanged,
    };
  }

  async rerunStage(stage: StageConfig, since: string): Promise<{ deleted: number; inserted: number }> {
    return this.session(async (conn) => {
      const q = sql.rerunStageSql(this.tables, stage);
      const paths: Params = Object.fromEntries(stage.columns.map((c, i) => [`path_${i}`, c.path]));
      await conn.run('BEGIN TRANSACTION');
      try {
        await conn.run(sql.createStageSql(this.tables, stage));
        const deleted = (await conn.run(q.remove, { since })).rowsChanged;
        const inserted = (
          await conn.run(q.insert, { event_name: stage.event_name, since, until: FAR_FUTURE, ...paths })
        ).rowsChanged;
        await conn.run('COMMIT');
        return { deleted, inserted };
      } catch (error) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async rerunPreview(stage: StageConfig, since: string): Promise<{ removes: number; writes: number }> {
    return this.session(async (conn) => {
      const q = sql.rerunPreviewSql(this.tables, stage);
      const [schema, table] = [this.tables.stageSchema, stage.name];
      const [exists] = await rows(conn, 'SELECT count(*)::BIGINT AS n FROM information_schema.tables WHERE table_schema = $schema AND table_name = $table', { schema, table });
      // A stage table never built has nothing to remove; the rerun creates it.
      const [removes] = Number(exists?.n) ? await rows(conn, q.removes, { since }) : [{ n: 0 }];
      const [writes] = await rows(conn, q.writes, { event_name: stage.event_name, since, until: FAR_FUTURE });
      return { removes: Number(removes?.n ?? 0), writes: Number(writes?.n ?? 0) };
    });
  }

  rerunSql(stage: StageConfig): string {
    const q = sql.rerunStageSql(this.tables, stage);
    return ['BEGIN TRANSACTION;', `${q.remove};`, `${q.insert};`, 'COMMIT;'].join('\n');
  }

  async tableColumns(tables: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const normal = (t: string) => (t === 'VARCHAR' ? 'STRING' : t === 'BOOLEAN' ? 'BOOL' : t === 'BIGINT' ? 'INT64' : t);
    return this.session(async (conn) => {
      const out = new Map<string, Map<string, string>>();
      for (const name of tables) {
        const [schema, table] = name.split('.') as [string, string];
        const rs = await rows(
          conn,
          'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $schema AND table_name = $table ORDER BY ordinal_position',
          { schema, table },
        );
        if (rs.length) out.set(name, new Map(rs.map((r) => [r.column_name as string, normal(r.data_type as string)])));
      }
      return out;
    });
  }

  async checkAccess(): Promise<string> {
    await this.session((conn) => conn.run('SELECT 1'));
    return `${this.config.engine.path} opens${this.config.read_only ? ' (read-only)' : ''}`;
  }

  applySql(plan: Plan): string {
    const insert = sql.applyInsertSql(this.tables);
    const parts = ['BEGIN TRANSACTION;', '-- re-check: the rows of the plan\'s events are as when it was made'];
    if (plan.exclusions.length) parts.push(`${insert.exclusions};  -- ${plan.exclusions.length} row(s)`);
    if (plan.exceptions.length) parts.push(`${insert.exceptions};  -- ${plan.exceptions.length} row(s)`);
    const remove = sql.applyDeleteSql(this.tables);
    if (plan.removals.exclusions.length) parts.push(`${remove.exclusions};  -- ${plan.removals.exclusions.length} row(s)`);
    if (plan.removals.exceptions.length) parts.push(`${remove.exceptions};  -- ${plan.removals.exceptions.length} row(s)`);
    parts.push('COMMIT;');
    return parts.join('\n');
  }

  async close(): Promise<void> {
    // Sessions release the file themselves; nothing is held between operations.
  }
}
