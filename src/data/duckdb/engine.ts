/**
 * The embedded warehouse: DuckDB on a local file, with the production table names as schema.table. Used for
 * the demo, for tests and for local work. Plans run as set-based statements inside DuckDB: the rows a plan
 * writes never come into this process.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { hostname } from 'node:os';
import type { Config, StageConfig } from '../config.js';
import { IMPACT_SAMPLE, impactFrom, refuseNothingToWrite } from '../engine.js';
import type {
  ApplyOptions,
  ApplyOutcome,
  Approval,
  ApproveOptions,
  ApproveOutcome,
  AuditEntry,
  AuditFilter,
  DuplicateSummary,
  Engine,
  EventPage,
  EventRows,
  PageKey,
  PlanInputs,
  RerunCounts,
  StageImpact,
  ApplyCounts,
  StageRebuild,
  StageSummary,
} from '../engine.js';
import { EvfixError, inputError, refused } from '../errors.js';
import { compileEdits, describeProblem, mergePatchable, runProgram, type EditProgram } from '../json/editProgram.js';
import { parseJson, stringifyJson, type Json } from '../json/value.js';
import { AUDIT_COLUMN_SPECS, type EffectiveEvent, type EventRow, type StoredException, type StoredExclusion } from '../model.js';
import {
  alreadyExists,
  insertFacts,
  planIdOf,
  PROBLEM_SAMPLE,
  SAMPLE_SIZE,
  SUMMARY_TOP,
  staleMessage,
  type Change,
  type Definition,
  type Facts,
  type PathSummary,
  type Plan,
} from '../plan.js';
import { parsePath } from '../json/path.js';
import { describeSelection, valueColumns, type Selection } from '../selection.js';
import { addDays, formatTimestamp, nowMicros, parseTimestamp, startOfDay, FAR_FUTURE, type Micros } from '../timestamp.js';
import { DuckdbFile, duckdbError } from './connection.js';
import { registerEditFunction } from './editFunction.js';
import { quoteTable, TS, type TableNames } from './names.js';
import * as planSql from './planSql.js';
import * as reads from './readSql.js';
import {
  FIRST_COPY,
  IDS_TABLE,
  KEYS_TABLE,
  Params,
  pointer,
  SELECTED_TABLE,
  selectedCte,
  standingCopiesSql,
  summaryAfterSql,
  valueName,
} from './selectionSql.js';
import { createStageSchemaSql, createStageSql, effectiveCte, rerunPreviewSql, rerunStageSql, stageTable } from './stageSql.js';

type Packed = (string | boolean | number | null)[];

/** The parameters a statement names: DuckDB refuses one it does not, and statements share one set of them. */
const used = (text: string, params: Record<string, DuckDBValue>) =>
  Object.fromEntries(Object.entries(params).filter(([k]) => new RegExp(`\\$${k}\\b`).test(text)));

async function rows(conn: DuckDBConnection, text: string, params: Record<string, DuckDBValue> = {}): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(text, used(text, params))).getRowObjectsJS() as Record<string, unknown>[];
}

const exec = (conn: DuckDBConnection, text: string, params: Record<string, DuckDBValue> = {}) => conn.run(text, used(text, params));

/** A query's rows, each one `packed` JSON array (one string per row: the driver's cost is per value decoded). */
async function packedRows<T>(conn: DuckDBConnection, text: string, params: Record<string, DuckDBValue>, map: (r: Packed) => T): Promise<T[]> {
  const result = await conn.run(text, used(text, params));
  const out: T[] = [];
  for await (const chunk of result) {
    const packed = chunk.getColumnVector(0);
    for (let i = 0, n = chunk.rowCount; i < n; i++) out.push(map(JSON.parse(packed.getItem(i) as string) as Packed));
  }
  return out;
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

const toEvent = (r: Packed): EventRow => ({
  event_created_at: r[0] as string,
  event_id: r[1] as string,
  event_name: r[2] as string,
  user_id: str(r[3]),
  event_external_reference_id: str(r[4]),
  event_advisor_id: str(r[5]),
  event_data: (r[6] as string | null) ?? 'null',
  event_ingested_at: str(r[7]),
});
const toEffective = (r: Packed): EffectiveEvent => ({ ...toEvent(r), source: r[8] ? 'exception' : 'original' });
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

const num = (v: unknown) => Number(v ?? 0);

/** "count:xor": the fingerprint of a set of rows by their hashes. */
const FINGERPRINT = (hash: string) => `count(*)::VARCHAR || ':' || coalesce(bit_xor(${hash}), 0)::VARCHAR`;

export class DuckdbEngine implements Engine {
  readonly label: string;
  readonly dialect = 'duckdb' as const;
  readonly tables: TableNames;
  private readonly file: DuckdbFile;

  constructor(
    private readonly config: Config & { engine: { type: 'duckdb' } },
    private readonly now: () => Micros = nowMicros,
    options: { onSql?: (sql: string) => void } = {},
  ) {
    for (const name of [config.tables.events, config.tables.exceptions, config.tables.exclusions, config.tables.audit, config.tables.approvals]) {
      if (name.split('.').length !== 2) {
        throw new EvfixError('config', `${config.source}: tables: "${name}" must be schema.table for the embedded warehouse`);
      }
    }
    this.tables = { ...config.tables, stageSchema: config.stage_schema };
    this.file = new DuckdbFile(config.engine.path, { readOnly: config.read_only, onSql: options.onSql, memoryLimit: config.engine.memory_limit });
    // Anyone waiting for the file's turn is another call: it gives up a plan's snapshot kept for its apply.
    this.file.onWait = () => void this.releaseHeld();
    this.label = `duckdb:${config.engine.path}`;
  }

  /** The DuckDB settings evfix opens the file with (the benchmarks give their references the same). */
  settings(): Record<string, string> {
    return this.file.settings();
  }

  /** Runs work on a connection; exposed for the demo seeder and tests, which need raw access. */
  async session<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    // Anything else asked of the engine first gives up a held plan snapshot (see `held`).
    await this.releaseHeld();
    return this.file.session(work);
  }

  /**
   * A plan's snapshot kept for the apply that follows it at once (preparePlan with `hold`, as `--yes` makes a
   * plan and applies it): the transaction its facts were read in, SELECTED_TABLE filled. Applied in it, the plan
   * needs neither a second read of its selection nor the re-check: nothing can have changed the rows it read
   * (one snapshot, the file held by this process, and any other call of this engine gives the snapshot up first).
   */
  private held: { planId: string; conn: DuckDBConnection; end: () => Promise<void> } | undefined;

  private async releaseHeld(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    await held.conn.run('ROLLBACK').catch(() => undefined);
    await held.end();
  }

  /** A read in one snapshot that writes nothing (temporary tables aside), whatever happens. */
  private snapshot<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.session(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      try {
        return await work(conn);
      } finally {
        await conn.run('ROLLBACK').catch(() => undefined);
      }
    });
  }

  async createTables(): Promise<void> {
    await this.session(async (conn) => {
      for (const statement of reads.createTablesSql(this.tables)) await conn.run(statement);
      for (const stage of this.config.stages) {
        await conn.run(createStageSchemaSql(this.tables, stage));
        await conn.run(createStageSql(this.tables, stage));
      }
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
      const [row] = await rows(conn, `SELECT count(*)::BIGINT AS n FROM ${quoteTable(this.tables.events)}`);
      return num(row?.n);
    });
  }

  async countEvents(): Promise<number> {
    return this.session(async (conn) => {
      if (!(await this.tableExists(conn, this.tables.events))) return 0;
      const [row] = await rows(conn, `SELECT count(*)::BIGINT AS n FROM ${quoteTable(this.tables.events)}`);
      return num(row?.n);
    });
  }

  private async tableExists(conn: DuckDBConnection, dotted: string): Promise<boolean> {
    const [schema, table] = dotted.split('.') as [string, string];
    const [row] = await rows(conn, 'SELECT count(*)::BIGINT AS n FROM information_schema.tables WHERE table_schema = $schema AND table_name = $table', {
      schema,
      table,
    });
    return num(row?.n) > 0;
  }

  /** Exceptions this far back decide an event's latest version (config.exception_horizon_days). */
  private horizon(from: string): string {
    return formatTimestamp(startOfDay(addDays(parseTimestamp(from), -this.config.exception_horizon_days)));
  }

  private windowParams(p: Params, stage: StageConfig, from: string, until: string = FAR_FUTURE) {
    planSql.windowParams(p, stage, { from, until }, this.horizon(from));
  }

  // Reads the screens list -----------------------------------------------------------------------------------

  async stageSummary(stage: StageConfig, since: string): Promise<StageSummary> {
    return this.session(async (conn) => {
      const p = new Params();
      this.windowParams(p, stage, since);
      const [row] = await rows(conn, reads.stageSummarySql(this.tables), p.values);
      const table = stageTable(this.tables, stage);
      const [held] = (await this.tableExists(conn, table)) ? await rows(conn, reads.stageDuplicatesSql(table), { from: since, until: FAR_FUTURE }) : [];
      return { events: num(row?.events), duplicateGroups: num(row?.groups), stageDuplicateGroups: held ? num(held.n) : null };
    });
  }

  duplicateGroups(stage: StageConfig, since: string): Promise<DuplicateSummary[]> {
    return this.session(async (conn) => {
      const p = new Params();
      this.windowParams(p, stage, since);
      return packedRows(conn, reads.duplicateGroupsSql(this.tables), p.values, (r) => ({
        event_id: r[0] as string,
        copies: Number(r[1]),
        firstIngested: str(r[2]),
        lastIngested: str(r[3]),
        identical: Boolean(r[4]),
      }));
    });
  }

  groupCopies(stage: StageConfig, since: string, eventIds: readonly string[]): Promise<EventRow[]> {
    return this.session(async (conn) => {
      await this.loadIds(conn, eventIds);
      const p = new Params();
      this.windowParams(p, stage, since);
      return packedRows(conn, reads.groupCopiesSql(this.tables), p.values, toEvent);
    });
  }

  businessKeyRows(stage: StageConfig, path: string, since: string) {
    return this.session(async (conn) => {
      const p = new Params();
      this.windowParams(p, stage, since);
      p.set('path', path);
      return packedRows(conn, reads.businessKeySql(this.tables), p.values, (r) => ({ ...toEffective(r), business_key: r[9] as string }));
    });
  }

  findEvents(stage: StageConfig, selection: Selection, inputs: PlanInputs, after: PageKey | undefined, limit: number): Promise<EventPage> {
    return this.snapshot(async (conn) => {
      await this.loadSelection(conn, selection, inputs);
      const p = new Params();
      this.windowParams(p, stage, selection.window.from, selection.window.until);
      for (const st of standingCopiesSql(this.tables, selection, p)) await exec(conn, st.sql, p.values);
      const [count] = await rows(conn, `SELECT count(*)::BIGINT AS n FROM ${SELECTED_TABLE}`);
      // The page's keys first, from the narrow table; only their rows are read again whole.
      const keys = `(SELECT * FROM ${SELECTED_TABLE}${reads.pageAfter(p, after, limit)})`;
      const events = await packedRows(
        conn,
        `WITH ${selectedCte(this.tables, selection, keys)}\nSELECT ${reads.packedEvent('selected', ['selected.is_exception'])} FROM selected${reads.pageAfter(p, undefined, limit)}`,
        p.values,
        toEffective,
      );
      return { events, total: num(count?.n) };
    });
  }

  lookup(eventId: string, createdAt?: string): Promise<EventRows> {
    return this.snapshot(async (conn) => {
      const q = reads.lookupSql(this.tables, createdAt !== undefined);
      const params: Record<string, DuckDBValue> = createdAt === undefined ? { event_id: eventId } : { event_id: eventId, created_at: createdAt };
      const originals = await packedRows(conn, q.sources, params, toEvent);
      const exceptions = await packedRows(conn, q.exceptions, params, toException);
      const exclusions = await packedRows(conn, q.exclusions, params, toExclusion);
      // The version the stage table shows, by the same rules the rebuild uses, over the days the event's rows span.
      const days = [...originals, ...exceptions].map((r) => r.event_created_at).sort();
      const effective: EffectiveEvent[] = [];
      for (const name of new Set([...originals, ...exceptions].map((r) => r.event_name))) {
        const p = new Params();
        planSql.windowParams(
          p,
          { name: '', event_name: name, business_keys: [], columns: [] },
          { from: days[0]!, until: formatTimestamp(parseTimestamp(days.at(-1)!) + 1n) },
          this.horizon(days[0]!),
        );
        p.set('event_id', eventId);
        effective.push(
          ...(await packedRows(
            conn,
            `WITH ${effectiveCte(this.tables)}
SELECT ${reads.packedEvent('effective', ['effective.is_exception'])} FROM effective WHERE event_id = $event_id ORDER BY event_ingested_at`,
            p.values,
            toEffective,
          )),
        );
      }
      return { originals, exceptions, exclusions, effective };
    });
  }

  // Selections into temporary tables -------------------------------------------------------------------------

  private async loadIds(conn: DuckDBConnection, ids: readonly string[]) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${IDS_TABLE} (event_id VARCHAR)`);
    const a = await conn.createAppender(IDS_TABLE, 'main', 'temp');
    for (const id of new Set(ids)) {
      a.appendVarchar(id);
      a.endRow();
    }
    a.closeSync();
  }

  /** The selection's keys (inline, or fed from a file in batches) and ids, into temporary tables its SQL joins. */
  private async loadSelection(conn: DuckDBConnection, selection: Selection, inputs: PlanInputs) {
    if (selection.ids) await this.loadIds(conn, selection.ids);
    const keys = selection.keys;
    if (!keys || keys.kind === 'table') return;
    const columns = keys.columns;
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${KEYS_TABLE} (event_id VARCHAR, event_created_at TIMESTAMP${columns.map((_, i) => `, ${valueName(i)} VARCHAR`).join('')})`,
    );
    const a = await conn.createAppender(KEYS_TABLE, 'main', 'temp');
    const append = (batch: readonly { event_id: string; event_created_at: string; values?: Record<string, string> }[]) => {
      for (const k of batch) {
        a.appendVarchar(k.event_id);
        a.appendVarchar(k.event_created_at);
        for (const c of columns) {
          const v = k.values?.[c.name];
          v === undefined ? a.appendNull() : a.appendVarchar(v);
        }
        a.endRow();
      }
    };
    if (keys.kind === 'keys') append(keys.rows);
    else {
      if (!inputs.keys) throw refused(`the plan's keys are in ${keys.file}, which was not read`);
      for await (const batch of inputs.keys()) append(batch);
    }
    a.closeSync();
  }

  // Plans ----------------------------------------------------------------------------------------------------

  async preparePlan(stage: StageConfig, def: Definition, inputs: PlanInputs, options: { hold?: boolean } = {}): Promise<Facts> {
    if (options.hold && def.kind === 'update' && !this.config.read_only) return this.prepareHeld(stage, def, inputs);
    return this.snapshot(async (conn) => {
      await this.loadSelection(conn, def.selection, inputs);
      switch (def.kind) {
        case 'update':
          return this.updateFacts(conn, stage, def);
        case 'dedupe':
          return this.dedupeFacts(conn, stage, def);
        case 'exclude':
          return this.excludeFacts(conn, stage, def);
        case 'insert':
          return this.insertFacts(conn, stage, def);
        case 'revert':
          return this.revertFacts(conn, stage, def);
      }
    });
  }

  /** An update's facts, read in a transaction kept open for its apply (see `held`). */
  private async prepareHeld(stage: StageConfig, def: Definition, inputs: PlanInputs): Promise<Facts> {
    await this.releaseHeld();
    const { conn, end } = await this.file.lease();
    try {
      // Created before the transaction, as apply creates them: DuckDB refuses two transactions that both create a table.
      await this.createBookkeeping(conn);
      await conn.run('BEGIN TRANSACTION');
      await this.loadSelection(conn, def.selection, inputs);
      const facts = await this.updateFacts(conn, stage, def);
      this.held = { planId: planIdOf(def, facts.fingerprint), conn, end };
      // A call that came while the facts were read waits for this turn: it must not wait for the apply.
      if (this.file.waiting > 0) await this.releaseHeld();
      return facts;
    } catch (error) {
      await conn.run('ROLLBACK').catch(() => undefined);
      await end();
      throw duckdbError(this.config.engine.path, error, this.config.engine.memory_limit);
    }
  }

  private async createBookkeeping(conn: DuckDBConnection) {
    await conn.run(reads.createAuditSql(this.tables));
    await conn.run(reads.createApprovalsSql(this.tables));
    await conn.run(reads.createRebuildsSql(this.tables));
  }

  /** The statements apply runs for a plan, and their parameters (also what the plan shows). */
  private applyStatements(stage: StageConfig, def: Definition, program?: EditProgram) {
    const p = new Params();
    this.windowParams(p, stage, def.selection.window.from, def.selection.window.until);
    const statements: { label: string; sql: string }[] = [];
    const prepare: { label: string; sql: string }[] = [];
    let guard: string;
    switch (def.kind) {
      case 'update': {
        // The events are chosen once, narrow (keys, row ids and hashes), and the re-check reads that table; the
        // insert then reads each chosen row again by its row id and edits it on the way in. Nothing the size
        // of the documents is materialised, and the selection's scan and window are paid once per apply.
        prepare.push(...planSql.updateSelectSql(this.tables, def, program!, p));
        // The same rows as when the plan was made edit to the same documents, so its problem count still holds.
        guard = `SELECT ${FINGERPRINT('row_hash')} AS fingerprint, 0 AS problems FROM ${SELECTED_TABLE}`;
        const { with: w } = planSql.updateEditedSql(this.tables, def, program!, p);
        statements.push({ label: 'insert exceptions', sql: planSql.updateInsertSql(this.tables, w, p) });
        // Given back before the commit, whose write of a million rows then reuses its memory rather than adding
        // to it (the commit had the process's peak: some 20 MB more).
        statements.push({ label: 'drop the chosen events', sql: `DROP TABLE ${SELECTED_TABLE}` });
        break;
      }
      case 'dedupe': {
        // The copies are chosen once, before anything is written: each insert changes what the other would find.
        const w = planSql.dedupeWith(this.tables, def, p, def.keep?.choices.length ? CHOICES_TABLE : undefined);
        prepare.push({ label: 'choose the copies', sql: `CREATE OR REPLACE TEMP TABLE ${planSql.CHOSEN_TABLE} AS ${w}\nSELECT * FROM chosen` });
        guard = `SELECT ${FINGERPRINT('row_hash')} AS fingerprint, 0 AS problems FROM ${planSql.CHOSEN_TABLE}`;
        const insert = planSql.dedupeInsertSql(this.tables, `WITH chosen AS (SELECT * FROM ${planSql.CHOSEN_TABLE})`, p);
        statements.push({ label: 'insert exclusions', sql: insert.exclusions }, { label: 'insert exceptions', sql: insert.exceptions });
        break;
      }
      case 'exclude':
        guard = `${planSql.excludeWith(this.tables)}\nSELECT ${FINGERPRINT('row_hash')} AS fingerprint, 0 AS problems FROM originals WHERE event_name = $event_name`;
        statements.push({ label: 'insert exclusions', sql: planSql.excludeInsertSql(this.tables, p) });
        break;
      case 'insert':
        guard = `${planSql.insertExistingSql(this.tables)}\nSELECT ${FINGERPRINT('row_hash')} AS fingerprint, 0 AS problems FROM existing`;
        statements.push({ label: 'insert exceptions', sql: planSql.insertRowsSql(this.tables, p) });
        break;
      case 'revert': {
        const r = def.revert_of!;
        p.set('written_at', r.applied_at);
        p.set('written_description', r.description);
        p.set('reverted_plan', r.plan_id);
        guard = `${planSql.revertTouchedSql(this.tables)}\nSELECT ${FINGERPRINT('row_hash')} AS fingerprint,
  (SELECT count(*) FROM ${quoteTable(this.tables.audit)} WHERE revert_of = $reverted_plan)::BIGINT AS problems FROM touched`;
        const del = planSql.revertDeleteSql(this.tables);
        statements.push({ label: 'delete exceptions', sql: del.exceptions }, { label: 'delete exclusions', sql: del.exclusions });
        break;
      }
    }
    const audit = reads.auditInsertSql(this.tables, p);
    return {
      params: p,
      prepare: prepare.length,
      statements: [
        { label: 'begin', sql: 'BEGIN TRANSACTION' },
        { label: 'already applied?', sql: reads.auditLookupSql(this.tables) },
        ...prepare,
        { label: 're-check: the rows the plan touches are as when it was made', sql: guard },
        ...(this.config.approval === 'required' ? [{ label: APPROVAL_LABEL, sql: reads.approvalCheckSql(this.tables) }] : []),
        { label: 'record the plan', sql: audit },
        ...statements,
        { label: 'commit', sql: 'COMMIT' },
      ],
    };
  }

  private sqlOf(stage: StageConfig, def: Definition, program?: EditProgram): Facts['sql'] {
    const { statements, params } = this.applyStatements(stage, def, program);
    const shown = Object.entries(params.values)
      .filter(([name]) => !AUDIT_PARAMS.has(name))
      .map(([name, value]) => ({ name, type: typeof value === 'number' ? 'DOUBLE' : typeof value === 'boolean' ? 'BOOLEAN' : 'VARCHAR', value }));
    return { dialect: 'duckdb', statements, params: shown };
  }

  private async updateFacts(conn: DuckDBConnection, stage: StageConfig, def: Definition): Promise<Facts> {
    const program = compileEdits(def.edits);
    const columns = valueColumns(def.selection);
    const p = new Params();
    this.windowParams(p, stage, def.selection.window.from, def.selection.window.until);
    if (!this.nativeProgram(def, program)) await registerEditFunction(conn);
    // One pass: the events chosen, edited, and what the facts need of each kept in the narrow table.
    for (const st of planSql.updateSelectSql(this.tables, def, program, p, true)) await exec(conn, st.sql, p.values);
    const n = program.edits.length;
    const changed = 'problem IS NULL AND NOT unchanged';
    const [s] = await rows(
      conn,
      `SELECT count(*)::BIGINT AS events,
  count(*) FILTER (WHERE ${changed})::BIGINT AS changes,
  count(*) FILTER (WHERE problem IS NULL AND unchanged)::BIGINT AS unchanged,
  count(*) FILTER (WHERE problem IS NOT NULL)::BIGINT AS problems,
  ${TS(`min(event_created_at) FILTER (WHERE ${changed})`)} AS oldest,
  ${TS(`max(event_created_at) FILTER (WHERE ${changed})`)} AS newest,
  ${FINGERPRINT('row_hash')} AS fingerprint
FROM ${SELECTED_TABLE}`,
    );
    if (def.selection.keys && def.selection.keys.kind !== 'table') await this.refuseMissingKeys(conn, stage);
    refuseNothingToWrite(stage, { events: num(s?.events), changes: num(s?.changes), unchanged: num(s?.unchanged), problems: num(s?.problems) }, def.on_problem);
    const paths: PathSummary[] = [];
    const afterAt = summaryAfterSql(program, columns, p, 's');
    for (let i = 0; i < n; i++) {
      // The top pairs and, on each row, how many pairs and events there are in all: one read of the table.
      const top = await rows(
        conn,
        `SELECT b, a, n, count(*) OVER ()::BIGINT AS pairs, sum(n) OVER ()::BIGINT AS events FROM (
  SELECT s.b${i} AS b, ${afterAt[i]} AS a, count(*)::BIGINT AS n FROM ${SELECTED_TABLE} AS s WHERE ${changed} GROUP BY ALL
) ORDER BY n DESC, b NULLS FIRST, a NULLS FIRST LIMIT ${SUMMARY_TOP}`,
        p.values,
      );
      const all = top[0];
      const listed = top.reduce((sum, r) => sum + num(r.n), 0);
      paths.push({
        path: program.edits[i]!.text,
        changes: top.map((r) => ({ before: str(r.b), after: str(r.a), events: num(r.n) })),
        more: { pairs: num(all?.pairs) - top.length, events: num(all?.events) - listed },
      });
    }
    const problemRows = await rows(
      conn,
      `SELECT event_id, ${TS('event_created_at')} AS created, problem FROM ${SELECTED_TABLE}
WHERE problem IS NOT NULL ORDER BY event_created_at, event_id LIMIT ${PROBLEM_SAMPLE}`,
    );
    const sample = await this.updateSample(
      conn,
      stage,
      program,
      columns.map((c) => c.name),
      `${changed}`,
    );
    return {
      fingerprint: String(s!.fingerprint),
      counts: {
        events: num(s!.events),
        exceptions: num(s!.changes),
        exclusions: 0,
        deleted: { exceptions: 0, exclusions: 0 },
        unchanged: num(s!.unchanged),
        problems: num(s!.problems),
        skipped: 0,
      },
      extent: s!.oldest ? { oldest: String(s!.oldest), newest: String(s!.newest) } : null,
      summary: { paths, notes: program.base !== undefined ? ['every event starts from the replacement document'] : [] },
      sample,
      problems: problemRows.map((r) => ({
        event_id: String(r.event_id),
        event_created_at: String(r.created),
        reason: describeProblem(program, String(r.problem)),
      })),
      sql: this.sqlOf(stage, def, program),
    };
  }

  /** Keys named but not selected (not in the stage, excluded, or not matching the conditions) are refused, the first one named. */
  private async refuseMissingKeys(conn: DuckDBConnection, stage: StageConfig) {
    const [missing] = await rows(
      conn,
      `SELECT k.event_id, ${TS('k.event_created_at')} AS created, count(*) OVER ()::BIGINT AS n
FROM ${KEYS_TABLE} AS k ANTI JOIN ${SELECTED_TABLE} AS e ON e.event_id = k.event_id AND e.event_created_at = k.event_created_at
ORDER BY k.event_created_at, k.event_id LIMIT 1`,
    );
    if (!missing) return;
    const more = num(missing.n) > 1 ? ` (and ${num(missing.n) - 1} more)` : '';
    throw inputError(
      'event_id',
      `event ${missing.event_id} created at ${missing.created} is not in ${stage.name}${more}: no ${stage.event_name} event with that event_id and event_created_at, it is excluded, or it does not match the conditions (look it up with the exact event_created_at)`,
    );
  }

  /** The first changes by (event_created_at, event_id): their documents read again, the edits run on them here. */
  private async updateSample(
    conn: DuckDBConnection,
    stage: StageConfig,
    program: EditProgram,
    columns: string[],
    where: string,
    after?: PageKey,
    limit = SAMPLE_SIZE,
  ): Promise<Change[]> {
    const p = new Params();
    const page = `${where}${after ? ` AND (event_created_at, event_id) > (${p.add('c', after.event_created_at)}::TIMESTAMP, ${p.add('i', after.event_id)})` : ''}`;
    // The page's last creation time first, from that column alone; then only the rows up to it are read with
    // their event_ids and sorted (a million event_ids read and sorted for 200 of them was most of the sample's
    // cost). Two statements: as one, DuckDB joined the subquery's answer against every row.
    const [cut] = await rows(
      conn,
      `SELECT ${TS('max(event_created_at)')} AS c FROM (SELECT event_created_at FROM ${SELECTED_TABLE} WHERE ${page} ORDER BY event_created_at LIMIT ${limit})`,
      p.values,
    );
    if (!cut?.c) return [];
    const keyed = await rows(
      conn,
      `SELECT event_id, ${TS('event_created_at')} AS created${columns.map((_, i) => `, ${valueName(i)}`).join('')} FROM ${SELECTED_TABLE}
WHERE ${page} AND event_created_at <= ${p.add('cut', String(cut.c))}::TIMESTAMP
ORDER BY event_created_at, event_id LIMIT ${limit}`,
      p.values,
    );
    if (!keyed.length) return [];
    const docs = await this.effectiveDocs(
      conn,
      stage,
      keyed.map((k) => ({ event_id: String(k.event_id), event_created_at: String(k.created) })),
    );
    return keyed.map((k) => {
      const before = docs.get(`${k.event_id}@${k.created}`) ?? 'null';
      const values: Record<string, Json> = {};
      columns.forEach((c, i) => {
        const v = k[valueName(i)];
        if (v !== null && v !== undefined) values[c] = parseJson(String(v));
      });
      const result = runProgram(program, parseJson(before, 'event_data'), values);
      return { event_id: String(k.event_id), event_created_at: String(k.created), before, after: 'after' in result ? stringifyJson(result.after) : before };
    });
  }

  /** event_data of the given keys as the stage shows them, over the days the keys span only. */
  private async effectiveDocs(
    conn: DuckDBConnection,
    stage: StageConfig,
    keys: { event_id: string; event_created_at: string }[],
  ): Promise<Map<string, string>> {
    const created = keys.map((k) => k.event_created_at).sort();
    await conn.run('CREATE OR REPLACE TEMP TABLE evfix_sample (event_id VARCHAR, event_created_at TIMESTAMP)');
    const a = await conn.createAppender('evfix_sample', 'main', 'temp');
    for (const k of keys) {
      a.appendVarchar(k.event_id);
      a.appendVarchar(k.event_created_at);
      a.endRow();
    }
    a.closeSync();
    const p = new Params();
    planSql.windowParams(p, stage, { from: created[0]!, until: formatTimestamp(parseTimestamp(created.at(-1)!) + 1n) }, this.horizon(created[0]!));
    const found = await rows(
      conn,
      `WITH ${effectiveCte(this.tables)}
SELECT e.event_id, ${TS('e.event_created_at')} AS created, CAST(e.event_data AS VARCHAR) AS doc
FROM effective AS e JOIN evfix_sample AS k ON k.event_id = e.event_id AND k.event_created_at = e.event_created_at
${FIRST_COPY}`,
      p.values,
    );
    return new Map(found.map((r) => [`${r.event_id}@${r.created}`, String(r.doc)]));
  }

  private async dedupeFacts(conn: DuckDBConnection, stage: StageConfig, def: Definition): Promise<Facts> {
    const choices = def.keep?.choices ?? [];
    if (choices.length) await this.loadChoices(conn, choices);
    const p = new Params();
    this.windowParams(p, stage, def.selection.window.from, def.selection.window.until);
    const w = planSql.dedupeWith(this.tables, def, p, choices.length ? CHOICES_TABLE : undefined);
    await exec(
      conn,
      `CREATE OR REPLACE TEMP TABLE evfix_chosen AS ${w}
SELECT event_created_at, event_id, event_ingested_at, copy_index, copies, kept, row_hash, CAST(event_data AS VARCHAR) AS doc FROM chosen`,
      p.values,
    );
    if (def.selection.ids) {
      const missing = await rows(conn, `SELECT event_id FROM ${IDS_TABLE} EXCEPT SELECT event_id FROM evfix_chosen ORDER BY event_id`);
      if (missing.length) {
        throw inputError(
          'event_id',
          `${missing[0]!.event_id} has no unresolved duplicates in ${stage.name} within the window${missing.length > 1 ? ` (nor do ${missing.length - 1} more)` : ''}`,
        );
      }
    }
    if (choices.length) {
      const bad = await rows(
        conn,
        `SELECT ch.event_id, ch.copy_index, g.copies FROM ${CHOICES_TABLE} AS ch
LEFT JOIN (SELECT event_id, any_value(copies) AS copies FROM evfix_chosen GROUP BY event_id) AS g USING (event_id)
WHERE g.copies IS NULL OR ch.copy_index >= g.copies ORDER BY ch.event_id LIMIT 1`,
      );
      if (bad[0]) {
        const b = bad[0];
        throw inputError(
          'keep',
          b.copies === null
            ? `group ${b.event_id} has no unresolved duplicates in ${stage.name}`
            : `group ${b.event_id} has ${b.copies} copies; there is no copy ${num(b.copy_index) + 1}`,
        );
      }
    }
    const [s] = await rows(
      conn,
      `SELECT count(DISTINCT event_id)::BIGINT AS groups, count(*)::BIGINT AS copies,
  count(DISTINCT (event_id, event_created_at))::BIGINT AS exclusions, count(*) FILTER (WHERE kept)::BIGINT AS kept,
  count(DISTINCT event_id) FILTER (WHERE kept AND copy_index > 0)::BIGINT AS later,
  ${TS('min(event_created_at)')} AS oldest, ${TS('max(event_created_at)')} AS newest, ${FINGERPRINT('row_hash')} AS fingerprint
FROM evfix_chosen`,
    );
    if (num(s?.groups) === 0) throw refused(`no unresolved event_id duplicates in ${stage.name} within the window; nothing to do`);
    const sampleRows = await rows(
      conn,
      `SELECT event_id, ${TS('event_created_at')} AS created, copy_index, copies, kept, doc FROM evfix_chosen
ORDER BY event_id, copy_index LIMIT ${SAMPLE_SIZE}`,
    );
    return {
      fingerprint: String(s!.fingerprint),
      counts: {
        events: num(s!.copies),
        exceptions: num(s!.kept),
        exclusions: num(s!.exclusions),
        deleted: { exceptions: 0, exclusions: 0 },
        unchanged: 0,
        problems: 0,
        skipped: 0,
      },
      extent: { oldest: String(s!.oldest), newest: String(s!.newest) },
      summary: {
        paths: [],
        notes: [
          `${num(s!.groups)} duplicate group(s): all ${num(s!.copies)} copies excluded, one copy per group re-added (is_event_update = false)`,
          `kept: ${def.keep?.order === 'latest' ? 'the latest' : 'the earliest'} ingested copy${choices.length ? `, or the copy chosen for ${choices.length} group(s)` : ''}; ${num(s!.later)} group(s) keep a later copy`,
        ],
      },
      sample: sampleRows.map((r) => ({
        event_id: String(r.event_id),
        event_created_at: String(r.created),
        before: String(r.doc),
        after: r.kept ? String(r.doc) : null,
        note: `copy ${num(r.copy_index) + 1} of ${num(r.copies)}${r.kept ? ', kept' : ', excluded'}`,
      })),
      problems: [],
      sql: this.sqlOf(stage, def),
    };
  }

  private async loadChoices(conn: DuckDBConnection, choices: readonly [string, number][]) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${CHOICES_TABLE} (event_id VARCHAR, copy_index BIGINT)`);
    const a = await conn.createAppender(CHOICES_TABLE, 'main', 'temp');
    for (const [id, index] of choices) {
      a.appendVarchar(id);
      a.appendBigInt(BigInt(index));
      a.endRow();
    }
    a.closeSync();
  }

  private async excludeFacts(conn: DuckDBConnection, stage: StageConfig, def: Definition): Promise<Facts> {
    const p = new Params();
    this.windowParams(p, stage, def.selection.window.from, def.selection.window.until);
    const checks = await rows(conn, planSql.excludeCheckSql(this.tables), p.values);
    const since = def.selection.window.from.slice(0, 10);
    for (const c of checks) {
      if (num(c.originals) === 0) throw inputError('event_id', `${c.event_id} has no original rows created since ${since} (widen --lookback if it is older)`);
      if (num(c.of_stage) === 0) throw inputError('event_id', `${c.event_id} is a ${c.other_name} event, not ${stage.event_name} (stage ${stage.name})`);
      if (c.corrected) throw refused(`${c.event_id} has an exception row, and exclusions do not remove exception rows from ${stage.name}; nothing was planned`);
    }
    const skippedIds = checks.filter((c) => num(c.excluded) === num(c.of_stage)).map((c) => String(c.event_id));
    const w = planSql.excludeWith(this.tables);
    const [s] = await rows(
      conn,
      `${w}
SELECT count(DISTINCT (event_id, event_created_at)) FILTER (WHERE NOT excluded)::BIGINT AS writes,
  ${TS('min(event_created_at) FILTER (WHERE NOT excluded)')} AS oldest, ${TS('max(event_created_at) FILTER (WHERE NOT excluded)')} AS newest,
  count(*)::BIGINT AS events, ${FINGERPRINT('row_hash')} AS fingerprint
FROM originals WHERE event_name = $event_name`,
      p.values,
    );
    if (num(s?.writes) === 0) {
      throw refused(
        `nothing to do for ${stage.name}: ${skippedIds.length === checks.length ? 'every named event is already excluded' : 'no original to exclude'}`,
      );
    }
    const sampleRows = await rows(
      conn,
      `${w}
SELECT DISTINCT event_id, ${TS('event_created_at')} AS created, CAST(event_data AS VARCHAR) AS doc FROM originals
WHERE event_name = $event_name AND NOT excluded ORDER BY created, event_id LIMIT ${SAMPLE_SIZE}`,
      p.values,
    );
    return {
      fingerprint: String(s!.fingerprint),
      counts: {
        events: num(s!.events),
        exceptions: 0,
        exclusions: num(s!.writes),
        deleted: { exceptions: 0, exclusions: 0 },
        unchanged: 0,
        problems: 0,
        skipped: skippedIds.length,
      },
      extent: { oldest: String(s!.oldest), newest: String(s!.newest) },
      summary: {
        paths: [],
        notes: [
          `${checks.length - skippedIds.length} event_id(s): ${num(s!.writes)} original row(s) excluded`,
          ...(skippedIds.length
            ? [`already excluded, left alone: ${skippedIds.slice(0, 3).join(', ')}${skippedIds.length > 3 ? ` and ${skippedIds.length - 3} more` : ''}`]
            : []),
        ],
      },
      sample: sampleRows.map((r) => ({ event_id: String(r.event_id), event_created_at: String(r.created), before: String(r.doc), after: null })),
      problems: [],
      sql: this.sqlOf(stage, def),
    };
  }

  private async loadInsertRows(conn: DuckDBConnection, def: Definition) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${planSql.INSERT_TABLE} (event_created_at TIMESTAMP, event_id VARCHAR, user_id VARCHAR,
  event_external_reference_id VARCHAR, event_advisor_id VARCHAR, event_data VARCHAR, event_ingested_at TIMESTAMP)`);
    const a = await conn.createAppender(planSql.INSERT_TABLE, 'main', 'temp');
    for (const r of def.rows ?? []) {
      a.appendVarchar(r.event_created_at);
      a.appendVarchar(r.event_id);
      for (const v of [r.user_id, r.event_external_reference_id, r.event_advisor_id]) v === null ? a.appendNull() : a.appendVarchar(v);
      a.appendVarchar(r.event_data);
      a.appendVarchar(r.event_ingested_at);
      a.endRow();
    }
    a.closeSync();
  }

  private async insertFacts(conn: DuckDBConnection, stage: StageConfig, def: Definition): Promise<Facts> {
    const inserted = def.rows ?? [];
    if (!inserted.length) throw inputError('from-file', 'lists no events');
    await this.loadInsertRows(conn, def);
    const p = new Params();
    this.windowParams(p, stage, def.selection.window.from, def.selection.window.until);
    const [hit] = await rows(conn, `${planSql.insertExistingSql(this.tables)} SELECT event_id, created FROM existing ORDER BY created LIMIT 1`, p.values);
    if (hit) throw alreadyExists(hit);
    return insertFacts(def, this.sqlOf(stage, def));
  }

  private async revertFacts(conn: DuckDBConnection, stage: StageConfig, def: Definition): Promise<Facts> {
    const r = def.revert_of!;
    if (await this.tableExists(conn, this.tables.audit)) {
      const [by] = await rows(conn, `SELECT plan_id FROM ${quoteTable(this.tables.audit)} WHERE revert_of = $p`, { p: r.plan_id });
      if (by) throw refused(`plan ${r.plan_id} was already reverted by plan ${by.plan_id}; nothing to do`);
    }
    const p = new Params();
    this.windowParams(p, stage, def.selection.window.from, def.selection.window.until);
    p.set('written_at', r.applied_at);
    p.set('written_description', r.description);
    const w = planSql.revertTouchedSql(this.tables);
    const [s] = await rows(
      conn,
      `${w}
SELECT count(*) FILTER (WHERE tbl = 'exception')::BIGINT AS exceptions, count(*) FILTER (WHERE tbl = 'exclusion')::BIGINT AS exclusions,
  ${TS('min(event_created_at)')} AS oldest, ${TS('max(event_created_at)')} AS newest, ${FINGERPRINT('row_hash')} AS fingerprint
FROM touched`,
      p.values,
    );
    const exceptions = num(s?.exceptions),
      exclusions = num(s?.exclusions);
    if (exceptions + exclusions === 0) throw refused(`the rows plan ${r.plan_id} wrote are no longer there; nothing to revert`);
    const sampleRows = await rows(
      conn,
      `SELECT event_id, ${TS('event_created_at')} AS created, CAST(event_data AS VARCHAR) AS doc FROM ${quoteTable(this.tables.exceptions)} AS c
WHERE c.exception_added_timestamp = $written_at::TIMESTAMP AND c.exception_description = $written_description AND ${planSql.revertedRowsWhere('c')}
ORDER BY event_created_at, event_id LIMIT ${SAMPLE_SIZE}`,
      p.values,
    );
    return {
      fingerprint: String(s!.fingerprint),
      counts: { events: exceptions + exclusions, exceptions: 0, exclusions: 0, deleted: { exceptions, exclusions }, unchanged: 0, problems: 0, skipped: 0 },
      extent: { oldest: String(s!.oldest), newest: String(s!.newest) },
      summary: {
        paths: [],
        notes: [
          `deletes the ${exceptions} exception row(s) and ${exclusions} exclusion row(s) plan ${r.plan_id} wrote at ${r.applied_at}`,
          ...(exceptions !== r.written.exceptions || exclusions !== r.written.exclusions
            ? [`plan ${r.plan_id} wrote ${r.written.exceptions} exception row(s) and ${r.written.exclusions} exclusion row(s); the others are gone already`]
            : []),
        ],
      },
      sample: sampleRows.map((x) => ({
        event_id: String(x.event_id),
        event_created_at: String(x.created),
        before: String(x.doc),
        after: null,
        note: 'exception row deleted',
      })),
      problems: [],
      sql: this.sqlOf(stage, def),
    };
  }

  async planChanges(stage: StageConfig, plan: Plan, inputs: PlanInputs, after: PageKey | undefined, limit: number): Promise<Change[]> {
    if (plan.kind !== 'update') {
      // The other kinds' samples are their changes (a revert or an insert lists what it writes; a dedupe its groups' copies).
      const start = after ? plan.sample.findIndex((c) => c.event_created_at === after.event_created_at && c.event_id === after.event_id) + 1 : 0;
      return plan.sample.slice(start, start + limit);
    }
    return this.snapshot(async (conn) => {
      await this.loadSelection(conn, plan.selection, inputs);
      const program = compileEdits(plan.edits);
      const columns = valueColumns(plan.selection);
      const p = new Params();
      this.windowParams(p, stage, plan.selection.window.from, plan.selection.window.until);
      if (!this.nativeProgram(plan, program)) await registerEditFunction(conn);
      for (const st of planSql.updateSelectSql(this.tables, plan, program, p)) await exec(conn, st.sql, p.values);
      return this.updateSample(
        conn,
        stage,
        program,
        columns.map((c) => c.name),
        'problem IS NULL AND NOT unchanged',
        after,
        limit,
      );
    });
  }

  async applyPlan(stage: StageConfig, plan: Plan, inputs: PlanInputs, options: ApplyOptions): Promise<ApplyOutcome> {
    return this.planTransaction(stage, plan, inputs, options, 'apply', async (conn, written, appliedAt) => {
      await conn.run('COMMIT');
      return { status: 'applied', written, appliedAt };
    });
  }

  /**
   * The approval in one transaction with apply's re-checks (not applied yet, the fingerprint unchanged): the
   * checks run, nothing of the plan is written, and the approval row is inserted unless this operator gave one.
   */
  async approvePlan(stage: StageConfig, plan: Plan, inputs: PlanInputs, options: ApproveOptions): Promise<ApproveOutcome> {
    const outcome = await this.planTransaction(stage, plan, inputs, { operator: options.operator, host: options.host }, 'check', async (conn, _written, at) => {
      const values = {
        plan_id: plan.id,
        fingerprint: plan.fingerprint,
        approved_by: options.operator,
        approved_at: at,
        host: options.host || hostname(),
        author: plan.operator,
        kind: plan.kind,
        stage: plan.stage,
        description: plan.description,
        note: options.note ?? null,
      };
      const inserted = (await exec(conn, reads.approvalInsertSql(this.tables), values)).rowsChanged;
      await conn.run('COMMIT');
      return inserted ? { status: 'approved' as const, at } : { status: 'twice' as const };
    });
    if (outcome.status === 'twice') return { status: 'refused', message: `${options.operator} approved plan ${plan.id} already; nothing was written` };
    if (outcome.status === 'approved') {
      const mine = (await this.approvals(plan)).find((a) => a.approved_by === options.operator);
      return { status: 'approved', approval: mine! };
    }
    if (outcome.status === 'already-applied')
      return { status: 'refused', message: `plan ${plan.id} was already applied at ${outcome.appliedAt}; there is nothing to approve` };
    return { status: 'refused', message: outcome.message.replace('Nothing was written', 'Nothing was approved') };
  }

  async approvals(plan: Pick<Plan, 'id' | 'fingerprint'>): Promise<Approval[]> {
    return this.session(async (conn) => {
      if (!(await this.tableExists(conn, this.tables.approvals))) return [];
      const found = await rows(conn, reads.approvalsReadSql(this.tables), { plan_id: plan.id, fingerprint: plan.fingerprint });
      return found.map((r) => ({
        plan_id: String(r.plan_id),
        fingerprint: String(r.fingerprint),
        approved_by: String(r.approved_by),
        approved_at: String(r.approved_at),
        host: str(r.host),
        author: String(r.author),
        note: str(r.note),
      }));
    });
  }

  /**
   * The stage table after the plan and a rerun from `since`, against the stage table now: the plan is written
   * in a transaction, the rules read over it, and the transaction rolled back. Exactly what apply and the rerun
   * would do, and nothing is kept (another connection never sees the rows).
   */
  async stageImpact(stage: StageConfig, plan: Plan, inputs: PlanInputs, since: string): Promise<StageImpact> {
    const outcome = await this.planTransaction(stage, plan, inputs, { operator: 'impact preview', host: '' }, 'preview', async (conn) => {
      try {
        return { status: 'impact' as const, impact: await this.impactOf(conn, stage, since) };
      } finally {
        await conn.run('ROLLBACK');
      }
    });
    if (outcome.status !== 'impact') throw refused(outcome.message);
    return outcome.impact;
  }

  private async impactOf(conn: DuckDBConnection, stage: StageConfig, since: string): Promise<StageImpact> {
    const p = new Params();
    this.windowParams(p, stage, since);
    const table = stageTable(this.tables, stage);
    const exists = await this.tableExists(conn, table);
    await exec(conn, `CREATE OR REPLACE TEMP TABLE evfix_impact AS ${reads.impactSql(this.tables, exists ? table : undefined)}`, p.values);
    const [counts] = await rows(
      conn,
      'SELECT sum(added)::BIGINT AS added, sum(removed)::BIGINT AS removed, sum(changed)::BIGINT AS changed, sum(same)::BIGINT AS same FROM evfix_impact',
    );
    const sample = await rows(
      conn,
      `SELECT changed > 0 AS is_changed, added > 0 AS is_added, event_id, ${TS('event_created_at')} AS event_created_at, before_doc, after_doc
FROM evfix_impact WHERE changed + added + removed > 0 ORDER BY event_created_at, event_id LIMIT ${IMPACT_SAMPLE}`,
    );
    await conn.run('DROP TABLE evfix_impact');
    return impactFrom(since, counts, sample);
  }

  /**
   * A plan's writes in one transaction, re-checked first: refused when the audit table has it or its
   * fingerprint changed, and (`apply` with approval: required) when no second operator approved it; else
   * `finish` ends the transaction (commit for apply, rollback for the impact preview). `check` (approve) stops
   * after the re-checks, before the audit row and the writes, and `finish` is given no counts.
   */
  private async planTransaction<T>(
    stage: StageConfig,
    plan: Plan,
    inputs: PlanInputs,
    options: ApplyOptions,
    mode: 'apply' | 'preview' | 'check',
    finish: (conn: DuckDBConnection, written: ApplyCounts, appliedAt: string) => Promise<T>,
  ): Promise<T | Exclude<ApplyOutcome, { status: 'applied' }>> {
    const program = plan.kind === 'update' ? compileEdits(plan.edits) : undefined;
    const { statements, params, prepare } = this.applyStatements(stage, plan, program);
    // What the plan says it runs must be what this evfix runs: a plan made by another version is made again.
    const shown = plan.sql.statements.map((s) => s.sql).join('\n;\n');
    if (shown !== statements.map((s) => s.sql).join('\n;\n')) {
      throw refused(
        `plan ${plan.id} carries SQL this evfix does not run (it was made by another version, or before approval was set to ${this.config.approval}); make the plan again. Nothing was written`,
      );
    }
    // The plan's own snapshot, when it was made just now to be applied at once: it is applied in it. Not when a
    // write is running or queued: waiting for it while holding the file's turn would keep that write waiting too.
    if (this.pendingWrites > 0) await this.releaseHeld();
    const held = mode === 'apply' && this.held?.planId === plan.id ? this.held : undefined;
    if (held) this.held = undefined;
    const run = async (conn: DuckDBConnection, reused: boolean) => {
      try {
        // The transaction's time, after every earlier apply's (a revert finds exactly one plan's rows by it) and
        // every rebuild's (a plan applied after a rebuild is not in it, even on a clock that stands still).
        const [last] = await rows(conn, reads.lastWriteSql(this.tables));
        let at = this.now();
        if (last?.t && at <= parseTimestamp(String(last.t))) at = parseTimestamp(String(last.t)) + 1n;
        const appliedAt = formatTimestamp(at);
        Object.assign(params.values, auditValues(plan, options, appliedAt), { applied_at: appliedAt, description: plan.description });
        const [done] = await rows(conn, statements[1]!.sql, params.values);
        if (done) {
          await conn.run('ROLLBACK');
          return {
            status: 'already-applied' as const,
            message: `plan ${plan.id} was already applied at ${done.applied_at}; nothing was written this time`,
            appliedAt: String(done.applied_at),
          };
        }
        let check: Record<string, unknown> | undefined = { fingerprint: plan.fingerprint, problems: 0 };
        if (!reused) {
          await this.loadSelection(conn, plan.selection, inputs);
          if (plan.kind === 'dedupe' && plan.keep?.choices.length) await this.loadChoices(conn, plan.keep.choices);
          if (plan.kind === 'insert') await this.loadInsertRows(conn, plan);
          if (program && !this.nativeProgram(plan, program)) await registerEditFunction(conn);
          for (const st of statements.slice(2, 2 + prepare)) await exec(conn, st.sql, params.values);
          [check] = await rows(conn, statements[2 + prepare]!.sql, params.values);
        }
        const now = String(check?.fingerprint);
        if (now !== plan.fingerprint) {
          await conn.run('ROLLBACK');
          return { status: 'refused' as const, message: staleMessage(plan, now) };
        }
        if (plan.kind === 'revert' && num(check?.problems) > 0) {
          await conn.run('ROLLBACK');
          return { status: 'refused' as const, message: `plan ${plan.revert_of!.plan_id} was already reverted; nothing was written` };
        }
        if (plan.kind === 'update' && plan.counts.problems > 0 && plan.on_problem === 'refuse') {
          await conn.run('ROLLBACK');
          return {
            status: 'refused' as const,
            message: `plan ${plan.id}: some selected events cannot be changed as asked; make the plan again. Nothing was written`,
          };
        }
        const none = { exceptions: 0, exclusions: 0, deleted: { exceptions: 0, exclusions: 0 } };
        if (mode === 'check') return await finish(conn, none, appliedAt);
        let next = 3 + prepare;
        if (statements[next]!.label === APPROVAL_LABEL) {
          // Approval required: a second operator's approval of this id and fingerprint, read in this transaction.
          const [approval] = mode === 'apply' ? await rows(conn, statements[next]!.sql, params.values) : [];
          if (mode === 'apply' && !approval) {
            await conn.run('ROLLBACK');
            return {
              status: 'refused' as const,
              missing: 'approval' as const,
              message: `plan ${plan.id} has no approval by a second operator; nothing was written`,
            };
          }
          params.values.audit_approved_by = approval ? String(approval.approved_by) : null;
          params.values.audit_approved_at = approval ? String(approval.approved_at) : null;
          next++;
        }
        await exec(conn, statements[next]!.sql, params.values);
        const written = { ...none, deleted: { ...none.deleted } };
        for (const s of statements.slice(next + 1, -1)) {
          const changed = (await exec(conn, s.sql, params.values)).rowsChanged;
          if (s.label === 'insert exceptions') written.exceptions += changed;
          else if (s.label === 'insert exclusions') written.exclusions += changed;
          else if (s.label === 'delete exceptions') written.deleted.exceptions += changed;
          else if (s.label === 'delete exclusions') written.deleted.exclusions += changed;
        }
        return await finish(conn, written, appliedAt);
      } catch (error) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    };
    return this.writing(async () => {
      if (!held) {
        return this.session(async (conn) => {
          await this.createBookkeeping(conn);
          await conn.run('BEGIN TRANSACTION');
          return run(conn, false);
        });
      }
      try {
        return await run(held.conn, true);
      } catch (error) {
        throw duckdbError(this.config.engine.path, error, this.config.engine.memory_limit);
      } finally {
        await held.end();
      }
    });
  }

  /** Whether json_merge_patch runs the program, or evfix_edit must be registered on the connection first. */
  private nativeProgram(def: Definition, program: EditProgram): boolean {
    return mergePatchable(program, Object.fromEntries(valueColumns(def.selection).map((c) => [c.name, c.type])));
  }

  async auditEntries(filter: AuditFilter): Promise<AuditEntry[]> {
    return this.session(async (conn) => {
      if (!(await this.tableExists(conn, this.tables.audit))) return [];
      const p = new Params();
      const found = await rows(conn, reads.auditReadSql(this.tables, filter, p), p.values);
      return found.map(reads.toAuditEntry);
    });
  }

  async auditedPlan(planId: string): Promise<string | undefined> {
    return this.session(async (conn) => {
      if (!(await this.tableExists(conn, this.tables.audit))) return undefined;
      const [row] = await rows(conn, `SELECT plan FROM ${quoteTable(this.tables.audit)} WHERE plan_id = $p`, { p: planId });
      return row ? String(row.plan) : undefined;
    });
  }

  // Stage tables ---------------------------------------------------------------------------------------------

  async rerunStage(stage: StageConfig, since: string): Promise<RerunCounts> {
    return this.writing(() =>
      this.session(async (conn) => {
        const q = rerunStageSql(this.tables, stage);
        const p = new Params();
        this.windowParams(p, stage, since);
        for (const [i, c] of stage.columns.entries()) p.set(`path_${i}`, jsonPointerOf(c.path));
        await conn.run(reads.createAuditSql(this.tables));
        await conn.run(reads.createRebuildsSql(this.tables));
        await conn.run('BEGIN TRANSACTION');
        try {
          await conn.run(createStageSchemaSql(this.tables, stage));
          await conn.run(createStageSql(this.tables, stage));
          const deleted = (await conn.run(q.remove, { from: since })).rowsChanged;
          const inserted = (await exec(conn, q.insert, p.values)).rowsChanged;
          await this.noteRebuild(conn, stage, since);
          await conn.run('COMMIT');
          return { deleted, inserted };
        } catch (error) {
          await conn.run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  async rerunPreview(stage: StageConfig, since: string): Promise<{ removes: number; writes: number }> {
    return this.session(async (conn) => {
      const q = rerunPreviewSql(this.tables, stage);
      // A stage table never built has nothing to remove; the rerun creates it.
      const [removes] = (await this.tableExists(conn, stageTable(this.tables, stage))) ? await rows(conn, q.removes, { from: since }) : [{ n: 0 }];
      const p = new Params();
      this.windowParams(p, stage, since);
      const [writes] = await rows(conn, q.writes, p.values);
      return { removes: num(removes?.n), writes: num(writes?.n) };
    });
  }

  /** In the rebuild's own transaction (its tables created before it): the rebuild is recorded exactly when it commits. */
  private async noteRebuild(conn: DuckDBConnection, stage: StageConfig, since: string) {
    await conn.run(reads.recordRebuildSql(this.tables), { stage: stage.name, since, now: formatTimestamp(this.now()) });
  }

  async recordRebuild(stage: StageConfig, since: string): Promise<void> {
    await this.writing(() =>
      this.session(async (conn) => {
        await conn.run(reads.createAuditSql(this.tables));
        await conn.run(reads.createRebuildsSql(this.tables));
        await this.noteRebuild(conn, stage, since);
      }),
    );
  }

  /**
   * Writes of this process one at a time: an impact preview's transaction (rolled back) and an apply, or a
   * rerun, would otherwise conflict in DuckDB (both deleting a revert's rows, say) and one would fail. An apply
   * pressed while the preview runs waits for it.
   */
  private writes: Promise<unknown> = Promise.resolve();
  private writing<T>(work: () => Promise<T>): Promise<T> {
    this.pendingWrites++;
    const run = this.writes.then(work, work).finally(() => this.pendingWrites--);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Writes running or queued in `writing`. */
  private pendingWrites = 0;

  async stageRebuilds(stage: StageConfig): Promise<StageRebuild[]> {
    return this.session(async (conn) => {
      if (!(await this.tableExists(conn, reads.rebuildsTable(this.tables)))) return [];
      const found = await rows(conn, reads.stageRebuildsSql(this.tables), { stage: stage.name });
      return found.map((r) => ({ at: String(r.at), since: String(r.since) }));
    });
  }

  rerunSql(stage: StageConfig): string {
    const q = rerunStageSql(this.tables, stage);
    return ['BEGIN TRANSACTION;', `${q.remove};`, `${q.insert};`, 'COMMIT;'].join('\n');
  }

  async tableColumns(tables: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const normal = (t: string) => (t === 'VARCHAR' ? 'STRING' : t === 'BOOLEAN' ? 'BOOL' : t === 'BIGINT' ? 'INT64' : t === 'DOUBLE' ? 'FLOAT64' : t);
    return this.session(async (conn) => {
      const out = new Map<string, Map<string, string>>();
      for (const name of tables) {
        const [schema, table] = name.split('.') as [string, string];
        const rs = await rows(
          conn,
          'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $schema AND table_name = $table ORDER BY ordinal_position',
          { schema, table },
        );
        if (rs.length) out.set(name, new Map(rs.map((r) => [String(r.column_name), normal(String(r.data_type))])));
      }
      return out;
    });
  }

  auditTableDdl(table: 'audit' | 'approvals' = 'audit'): string {
    return table === 'audit' ? reads.createAuditSql(this.tables) : reads.createApprovalsSql(this.tables);
  }

  async checkAccess(): Promise<string> {
    await this.session((conn) => conn.run('SELECT 1'));
    return `${this.config.engine.path} opens${this.config.read_only ? ' (read-only)' : ''}`;
  }

  async close(): Promise<void> {
    // Sessions release the file themselves; only a plan's snapshot kept for its apply can be held.
    await this.releaseHeld();
  }
}

const CHOICES_TABLE = 'evfix_choices';

/** Parameters of the audit row: not part of what the plan shows (they are known only when it is applied). */
const AUDIT_PARAMS = new Set(['applied_at', 'description', 'fingerprint', 'plan_author', ...AUDIT_COLUMN_SPECS.map((c) => `audit_${c.name}`)]);

/** The statement that reads the approval apply needs, when approval is required. */
const APPROVAL_LABEL = 'approved by a second operator? (approval: required)';

function auditValues(plan: Plan, options: ApplyOptions, appliedAt: string): Record<string, DuckDBValue> {
  const v: Record<string, DuckDBValue> = {
    plan_id: plan.id,
    fingerprint: plan.fingerprint,
    plan_author: plan.operator,
    audit_plan_id: plan.id,
    audit_kind: plan.kind,
    audit_stage: plan.stage,
    audit_event_name: plan.event_name,
    audit_description: plan.description,
    audit_operator: options.operator,
    audit_host: options.host || hostname(),
    audit_selection: describeSelectionShort(plan.selection),
    audit_counts: JSON.stringify({ exceptions: plan.counts.exceptions, exclusions: plan.counts.exclusions, deleted: plan.counts.deleted }),
    audit_fingerprint: plan.fingerprint,
    audit_job_id: options.jobId ?? null,
    audit_applied_at: appliedAt,
    audit_window_from: plan.selection.window.from,
    audit_window_until: plan.selection.window.until,
    audit_oldest: plan.extent?.oldest ?? null,
    audit_ticket: options.ticket ?? null,
    audit_approved_by: null,
    audit_approved_at: null,
    audit_revert_of: plan.revert_of?.plan_id ?? null,
    audit_plan: JSON.stringify(plan),
  };
  return v;
}

const describeSelectionShort = (s: Selection) => describeSelection(s).slice(0, 2000);

const jsonPointerOf = (path: string) => pointer(parsePath(path));
