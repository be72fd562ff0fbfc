/**
 * The production warehouse: BigQuery, behind the same interface as the embedded engine. Plans run as one
 * script job (one transaction) of set-based statements: BigQuery computes the edits with its own JSON_SET, and
 * no event row travels through evfix. A plan's facts are read in a session whose temporary table holds the
 * selection once. Reads are bounded by partition, dry-run first (refused over the configured bytes), labelled
 * and cancellable.
 */
import { randomUUID } from 'node:crypto';
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
  JobOutcome,
  PageKey,
  PlanInputs,
  RerunCounts,
  StageImpact,
  StageRebuild,
  StageSummary,
  TablePartitioning,
} from '../engine.js';
import { partitionProblem } from '../engine.js';
import { EvfixError, inputError, refused } from '../errors.js';
import { compileEdits, describeProblem, runProgram, type EditProgram } from '../json/editProgram.js';
import { parseJson, stringifyJson, type Json } from '../json/value.js';
import type { EffectiveEvent, EventRow, StoredException, StoredExclusion } from '../model.js';
import {
  alreadyExists,
  insertFacts,
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
import { describeSelection, valueColumns, type Selection } from '../selection.js';
import { formatBytes } from '../printable.js';
import { addDays, formatTimestamp, nowMicros, parseTimestamp, startOfDay, FAR_FUTURE, type Micros } from '../timestamp.js';
import { BigqueryClient, type BigqueryClientOptions, type Row } from './client.js';
import { failureOf } from './errors.js';
import { qualify, quoteTable, TS, type BigqueryTables } from './names.js';
import * as p from './params.js';
import * as planSql from './planSql.js';
import * as reads from './readSql.js';
import { FIRST_COPY, KEYS_TABLE, keysParam, rowHash, selectedCte, valueName } from './selectionSql.js';
import { effectiveCte, rerunPreviewSql, rerunStageScript, stageTable } from './stageSql.js';

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
const num = (v: string | null | undefined) => Number(v ?? 0);

export function bigqueryTables(config: BigqueryConfig): BigqueryTables {
  const project = config.engine.project!;
  return {
    events: qualify(project, config.tables.events),
    exceptions: qualify(project, config.tables.exceptions),
    exclusions: qualify(project, config.tables.exclusions),
    audit: qualify(project, config.tables.audit),
    approvals: qualify(project, config.tables.approvals),
    stageDataset: `${project}.${config.stage_schema}`,
  };
}

export type BigqueryEngineOptions = Pick<BigqueryClientOptions, 'authClient' | 'jobProject' | 'sleep' | 'retryOptions'> & {
  /** Who the auth client acts as, in words (doctor's access line); never a secret. */
  credentials?: string;
  /** Called with every statement before it is sent (tests check them with ZetaSQL). */
  onSql?: (statement: string, params: readonly p.QueryParameter[]) => void;
  /** Called with the estimate of every dry run (the TUI and CLI show it). */
  onEstimate?: (bytes: bigint, doing: string) => void;
};

/** Labels name things by value; BigQuery allows 63 lowercase characters of [a-z0-9_-]. */
export const labelValue = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 63);

export class BigqueryEngine implements Engine {
  readonly label: string;
  readonly dialect = 'bigquery' as const;
  readonly tables: BigqueryTables;
  readonly client: BigqueryClient;

  constructor(
    private readonly config: BigqueryConfig,
    private readonly now: () => Micros = nowMicros,
    private readonly options: BigqueryEngineOptions = {},
  ) {
    const engine = config.engine;
    if (!engine.project) throw new EvfixError('config', `${config.source}: engine.project: is required for BigQuery`, 'engine.project');
    this.tables = bigqueryTables(config);
    this.client = new BigqueryClient({
      project: engine.project,
      location: engine.location,
      locationOf: this.tables.exceptions.split('.').slice(0, 2).join('.'),
      maximumBytesBilled: engine.maximum_bytes_billed,
      apiEndpoint: engine.api_endpoint,
      authClient: options.authClient,
      credentials: options.credentials,
      jobProject: options.jobProject,
      sleep: options.sleep,
      retryOptions: options.retryOptions,
    });
    this.label = `bigquery:${engine.project}`;
  }

  private horizon(from: string): string {
    return formatTimestamp(startOfDay(addDays(parseTimestamp(from), -this.config.exception_horizon_days)));
  }

  private windowParams(ps: p.Params, stage: { event_name: string }, from: string, until: string = FAR_FUTURE) {
    ps.set(p.string('event_name', stage.event_name));
    ps.set(p.timestamp('from', from));
    ps.set(p.timestamp('until', until));
    ps.set(p.timestamp('horizon', this.horizon(from)));
  }

  /** Refuses a statement whose dry run estimates more bytes than the configured threshold, before anything is billed. */
  private async estimate(statement: string, params: readonly p.QueryParameter[], doing: string, session?: string): Promise<bigint> {
    const bytes = await this.client.dryRunBytes(statement, params, doing, session);
    this.options.onEstimate?.(bytes, doing);
    const limit = BigInt(this.config.engine.dry_run_threshold_bytes);
    if (bytes > limit) {
      throw new EvfixError(
        'refused',
        `${doing}: BigQuery estimates ${formatBytes(bytes)} scanned, over engine.dry_run_threshold_bytes (${formatBytes(limit)}); nothing ran. Narrow the window or raise the threshold.`,
      );
    }
    return bytes;
  }

  /** A read with the parameters it names, dry-run first. */
  private async read(statement: string, ps: p.Params | p.QueryParameter[], doing: string, session?: string): Promise<Row[]> {
    const params = Array.isArray(ps) ? ps : ps.usedBy(statement);
    this.options.onSql?.(statement, params);
    await this.estimate(statement, params, doing, session);
    return this.client.read(statement, params, doing, session);
  }

  // Reads the screens list ---------------------------------------------------------------------------------

  async stageSummary(stage: StageConfig, since: string): Promise<StageSummary> {
    const ps = new p.Params();
    this.windowParams(ps, stage, since);
    const [row] = await this.read(reads.stageSummarySql(this.tables), ps, `counting ${stage.name}`);
    // A stage table dbt has not built yet has no duplicates of its own: null, not a failed stage list.
    const held = await this.read(reads.stageDuplicatesSql(stageTable(this.tables, stage)), ps, `counting duplicates the stage table ${stage.name} holds`).catch(
      (error) => {
        if (failureOf(error).code === 404 || /not found/i.test((error as Error).message)) return undefined;
        throw error;
      },
    );
    return { events: num(row?.events), duplicateGroups: num(row?.duplicate_groups), stageDuplicateGroups: held ? num(held[0]?.n) : null };
  }

  async duplicateGroups(stage: StageConfig, since: string): Promise<DuplicateSummary[]> {
    const ps = new p.Params();
    this.windowParams(ps, stage, since);
    const rows = await this.read(reads.duplicateGroupsSql(this.tables), ps, `listing duplicates of ${stage.name}`);
    return rows.map((r) => ({
      event_id: r.event_id!,
      copies: num(r.copies),
      firstIngested: r.first_ingested ?? null,
      lastIngested: r.last_ingested ?? null,
      identical: r.identical === 'true',
    }));
  }

  async groupCopies(stage: StageConfig, since: string, eventIds: readonly string[]): Promise<EventRow[]> {
    const ps = new p.Params();
    this.windowParams(ps, stage, since);
    ps.set(p.stringArray('ids', [...new Set(eventIds)]));
    return (await this.read(reads.groupCopiesSql(this.tables), ps, `reading ${eventIds.length} duplicate group(s) of ${stage.name}`)).map(toEvent);
  }

  async businessKeyRows(stage: StageConfig, path: string, since: string) {
    const ps = new p.Params();
    this.windowParams(ps, stage, since);
    ps.set(p.string('path', path));
    const rows = await this.read(reads.businessKeySql(this.tables), ps, `reading ${path} duplicates of ${stage.name}`);
    return rows.map((r) => ({ ...toEffective(r), business_key: r.business_key! }));
  }

  async findEvents(stage: StageConfig, selection: Selection, inputs: PlanInputs, after: PageKey | undefined, limit: number): Promise<EventPage> {
    return this.inSession(selection, inputs, `finding events of ${stage.name}`, async (session) => {
      const ps = new p.Params();
      this.windowParams(ps, stage, selection.window.from, selection.window.until);
      const w = `WITH ${effectiveCte(this.tables)},\n${selectedCte(selection, ps)}`;
      const [count] = await this.read(`${w}\nSELECT COUNT(*) AS n FROM selected`, ps, `counting events of ${stage.name}`, session);
      const page = after
        ? `\nWHERE (event_created_at > ${ps.add('after_c', (n) => p.timestamp(n, after.event_created_at))} OR (event_created_at = ${ps.add('after_c', (n) => p.timestamp(n, after.event_created_at))} AND event_id > ${ps.add('after_i', (n) => p.string(n, after.event_id))}))`
        : '';
      const rows = await this.read(
        `${w}\nSELECT ${reads.eventColumns('selected')}, selected.is_exception FROM selected${page}\nORDER BY event_created_at, event_id\nLIMIT ${ps.set(p.limit(limit))}`,
        ps,
        `listing events of ${stage.name}`,
        session,
      );
      return { events: rows.map(toEffective), total: num(count?.n) };
    });
  }

  async lookup(eventId: string, createdAt?: string): Promise<EventRows> {
    // Every read names its partitions: an exact key reads one instant, an event_id alone the last lookup_days.
    const from = createdAt ?? formatTimestamp(startOfDay(addDays(this.now(), -this.config.engine.lookup_days)));
    const until = createdAt ? formatTimestamp(parseTimestamp(createdAt) + 1n) : FAR_FUTURE;
    const q = reads.lookupSql(this.tables, createdAt !== undefined);
    const ps = new p.Params();
    ps.set(p.string('event_id', eventId));
    ps.set(p.timestamp('from', from));
    ps.set(p.timestamp('until', until));
    if (createdAt !== undefined) ps.set(p.timestamp('created_at', createdAt));
    const doing = `looking up ${eventId}`;
    const originals = (await this.read(q.sources, ps, doing)).map(toEvent);
    const exceptions = (await this.read(q.exceptions, ps, doing)).map(toException);
    const exclusions = (await this.read(q.exclusions, ps, doing)).map(toExclusion);
    const days = [...originals, ...exceptions].map((r) => r.event_created_at).sort();
    const effective: EffectiveEvent[] = [];
    for (const name of new Set([...originals, ...exceptions].map((r) => r.event_name))) {
      const e = new p.Params();
      this.windowParams(e, { event_name: name }, days[0]!, formatTimestamp(parseTimestamp(days.at(-1)!) + 1n));
      e.set(p.string('event_id', eventId));
      const rows = await this.read(
        `WITH ${effectiveCte(this.tables)}
SELECT ${reads.eventColumns('effective')}, effective.is_exception FROM effective WHERE event_id = @event_id ORDER BY event_ingested_at NULLS LAST`,
        e,
        doing,
      );
      effective.push(...rows.map(toEffective));
    }
    return { originals, exceptions, exclusions, effective };
  }

  // Selections and sessions ----------------------------------------------------------------------------------

  /**
   * Runs `work` with the selection's keys in reach: inline keys travel as a parameter (no session needed); a
   * large file's keys are loaded into a temporary table of a session, batch by batch, and the session is ended
   * afterwards (its tables with it), whatever happens.
   */
  private async inSession<T>(
    selection: Selection,
    inputs: PlanInputs,
    doing: string,
    work: (session: string | undefined) => Promise<T>,
    always = false,
  ): Promise<T> {
    const needs = always || selection.keys?.kind === 'file';
    if (!needs) return work(undefined);
    const session = await this.client.startSession(doing);
    try {
      if (selection.keys?.kind === 'file') await this.loadKeys(session, selection, inputs, doing);
      return await work(session);
    } finally {
      await this.client.endSession(session);
    }
  }

  private async loadKeys(session: string, selection: Selection, inputs: PlanInputs, doing: string) {
    if (!inputs.keys) throw refused(`the plan's keys are in a file that was not read`);
    const columns = selection.keys!.columns;
    const create = `CREATE TEMP TABLE ${KEYS_TABLE} (event_id STRING, event_created_at TIMESTAMP${columns.map((_, i) => `, ${valueName(i)} STRING`).join('')})`;
    this.options.onSql?.(create, []);
    await this.client.read(create, [], doing, session);
    for await (const batch of inputs.keys()) {
      const param = p.structArray(
        'batch',
        [['event_id', 'STRING'], ['event_created_at', 'TIMESTAMP'], ...columns.map((_, i) => [valueName(i), 'STRING'] as const)] as never,
        batch.map((k) => ({
          event_id: k.event_id,
          event_created_at: k.event_created_at,
          ...Object.fromEntries(columns.map((c, i) => [valueName(i), k.values?.[c.name] ?? null])),
        })),
      );
      const insert = `INSERT INTO ${KEYS_TABLE} SELECT * FROM UNNEST(@batch)`;
      this.options.onSql?.(insert, [param]);
      await this.client.read(insert, [param], doing, session);
    }
  }

  // Plans ----------------------------------------------------------------------------------------------------

  /** The guard (fingerprint and problems of what the plan touches) and the statements that write it. */
  private planStatements(stage: StageConfig, def: Definition, program?: EditProgram) {
    const ps = new p.Params();
    this.windowParams(ps, stage, def.selection.window.from, def.selection.window.until);
    const writes: { label: string; sql: string }[] = [];
    let guard: string;
    const extra: { label: string; sql: string }[] = [];
    const prepare: { label: string; sql: string }[] = [];
    switch (def.kind) {
      case 'update': {
        // The selected events are edited once, into a temporary table the checks and the insert read.
        const w = planSql.updateWith(this.tables, def, program!, ps);
        prepare.push({ label: 'edit the selected events', sql: planSql.updateEdited(w, valueColumns(def.selection).length) });
        guard = planSql.updateGuard();
        writes.push({ label: 'insert exceptions', sql: planSql.updateInsert(this.tables, `WITH edited AS (SELECT * FROM ${planSql.EDITED})`) });
        if (def.on_problem === 'refuse') extra.push({ label: 'refuse events the edits cannot change', sql: planSql.problemGuard(guard) });
        break;
      }
      case 'dedupe': {
        // The copies are chosen once, before anything is written: each insert changes what the other would find.
        const w = planSql.dedupeWith(this.tables, def, ps);
        prepare.push({ label: 'choose the copies', sql: `CREATE TEMP TABLE evfix_chosen AS\n${w}\nSELECT * FROM chosen` });
        guard = `SELECT ${planSql.FINGERPRINT('row_hash')} AS fingerprint, 0 AS problems FROM evfix_chosen`;
        const inserts = planSql.dedupeInserts(this.tables, 'WITH chosen AS (SELECT * FROM evfix_chosen)');
        writes.push({ label: 'insert exclusions', sql: inserts.exclusions }, { label: 'insert exceptions', sql: inserts.exceptions });
        break;
      }
      case 'exclude': {
        const w = planSql.excludeWith(this.tables, ps, def.selection.ids ?? []);
        guard = `${w}\nSELECT ${planSql.FINGERPRINT('row_hash')} AS fingerprint, 0 AS problems FROM originals WHERE event_name = @event_name`;
        writes.push({ label: 'insert exclusions', sql: planSql.excludeInsert(this.tables, w) });
        break;
      }
      case 'insert': {
        const rows = ps.set(planSql.insertRowsParam(def));
        guard = `${planSql.insertExisting(this.tables, rows)}\nSELECT ${planSql.FINGERPRINT('row_hash')} AS fingerprint, 0 AS problems FROM existing`;
        writes.push({ label: 'insert exceptions', sql: planSql.insertRows(this.tables, rows) });
        break;
      }
      case 'revert': {
        const r = def.revert_of!;
        ps.set(p.timestamp('written_at', r.applied_at));
        ps.set(p.string('written_description', r.description));
        ps.set(p.string('reverted_plan', r.plan_id));
        guard = `${planSql.revertTouched(this.tables)}\nSELECT ${planSql.FINGERPRINT('row_hash')} AS fingerprint, 0 AS problems FROM touched`;
        extra.push({ label: 'refuse a plan reverted already', sql: planSql.revertedGuard(this.tables) });
        const del = planSql.revertDeletes(this.tables);
        writes.push({ label: 'delete exceptions', sql: del.exceptions }, { label: 'delete exclusions', sql: del.exclusions });
        break;
      }
    }
    const statements = [
      { label: 'begin', sql: 'BEGIN TRANSACTION' },
      { label: 'refuse a plan applied already', sql: planSql.alreadyAppliedGuard(this.tables) },
      ...prepare,
      { label: 're-check: the rows the plan touches are as when it was made', sql: planSql.fingerprintGuard(guard) },
      ...extra,
      ...(this.config.approval === 'required' ? [{ label: APPROVAL_LABEL, sql: planSql.approvalGuard(this.tables) }] : []),
      { label: 'record the plan (its applied_at is the time of every row)', sql: planSql.auditInsert(this.tables) },
      ...writes,
      { label: 'commit', sql: 'COMMIT TRANSACTION' },
      { label: 'the transaction time', sql: `SELECT ${TS('applied_at')} AS applied_at FROM ${quoteTable(this.tables.audit)} WHERE plan_id = @plan_id` },
    ];
    return { ps, guard, statements };
  }

  private sqlOf(stage: StageConfig, def: Definition, program?: EditProgram): Facts['sql'] {
    const { ps, statements } = this.planStatements(stage, def, program);
    const script = joinScript(statements);
    return {
      dialect: 'bigquery',
      statements,
      params: ps.usedBy(script).map((q) => ({ name: q.name, type: typeName(q.parameterType), value: q.parameterValue })),
    };
  }

  async preparePlan(stage: StageConfig, def: Definition, inputs: PlanInputs): Promise<Facts> {
    const doing = `making a ${def.kind} plan for ${stage.name}`;
    await this.requirePrunable();
    return this.inSession(
      def.selection,
      inputs,
      doing,
      (session) => {
        switch (def.kind) {
          case 'update':
            return this.updateFacts(stage, def, session!);
          case 'dedupe':
            return this.dedupeFacts(stage, def, session!);
          case 'exclude':
            return this.excludeFacts(stage, def);
          case 'insert':
            return this.insertFacts(stage, def);
          case 'revert':
            return this.revertFacts(stage, def);
        }
      },
      def.kind === 'update' || def.kind === 'dedupe',
    );
  }

  private async updateFacts(stage: StageConfig, def: Definition, session: string): Promise<Facts> {
    const program = compileEdits(def.edits);
    const columns = valueColumns(def.selection);
    const ps = new p.Params();
    this.windowParams(ps, stage, def.selection.window.from, def.selection.window.until);
    const w = planSql.updateWith(this.tables, def, program, ps, true);
    const n = program.edits.length;
    const doing = `reading the events the update of ${stage.name} selects`;
    // One scan of the window into the session; what follows reads that table alone.
    const create = `CREATE TEMP TABLE evfix_edited AS\n${w}\nSELECT event_created_at, event_id, ${rowHash('edited', columns.length)} AS row_hash, problem, unchanged${Array.from({ length: n }, (_, i) => `, b${i}, a${i}`).join('')}${columns.map((_, i) => `, TO_JSON_STRING(${valueName(i)}) AS ${valueName(i)}`).join('')}\nFROM edited`;
    await this.read(create, ps, doing, session);
    const changed = 'problem IS NULL AND NOT unchanged';
    const [s] = await this.read(
      `SELECT COUNT(*) AS events, COUNTIF(${changed}) AS changes, COUNTIF(problem IS NULL AND unchanged) AS unchanged,
  COUNTIF(problem IS NOT NULL) AS problems, ${TS(`MIN(IF(${changed}, event_created_at, NULL))`)} AS oldest, ${TS(`MAX(IF(${changed}, event_created_at, NULL))`)} AS newest,
  ${planSql.FINGERPRINT('row_hash')} AS fingerprint
FROM evfix_edited`,
      [],
      doing,
      session,
    );
    if (def.selection.keys?.kind === 'keys' || def.selection.keys?.kind === 'file') await this.refuseMissingKeys(stage, def, session);
    refuseNothingToWrite(stage, { events: num(s?.events), changes: num(s?.changes), unchanged: num(s?.unchanged), problems: num(s?.problems) }, def.on_problem);
    const paths: PathSummary[] = [];
    for (let i = 0; i < n; i++) {
      const top = await this.read(
        `SELECT b${i} AS b, a${i} AS a, COUNT(*) AS n FROM evfix_edited WHERE ${changed}
GROUP BY b, a ORDER BY n DESC, b, a LIMIT @limit`,
        [p.limit(SUMMARY_TOP)],
        doing,
        session,
      );
      const [all] = await this.read(
        `SELECT COUNT(*) AS pairs, IFNULL(SUM(n), 0) AS events FROM (SELECT COUNT(*) AS n FROM evfix_edited WHERE ${changed} GROUP BY b${i}, a${i})`,
        [],
        doing,
        session,
      );
      const listed = top.reduce((sum, r) => sum + num(r.n), 0);
      paths.push({
        path: program.edits[i]!.text,
        changes: top.map((r) => ({ before: r.b ?? null, after: r.a ?? null, events: num(r.n) })),
        more: { pairs: num(all?.pairs) - top.length, events: num(all?.events) - listed },
      });
    }
    const problemRows = await this.read(
      `SELECT event_id, ${TS('event_created_at')} AS created, problem FROM evfix_edited
WHERE problem IS NOT NULL ORDER BY event_created_at, event_id LIMIT @limit`,
      [p.limit(PROBLEM_SAMPLE)],
      doing,
      session,
    );
    const sample = await this.updateSample(
      stage,
      program,
      columns.map((c) => c.name),
      changed,
      session,
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
      extent: s!.oldest ? { oldest: s!.oldest, newest: s!.newest! } : null,
      summary: { paths, notes: program.base !== undefined ? ['every event starts from the replacement document'] : [] },
      sample,
      problems: problemRows.map((r) => ({ event_id: r.event_id!, event_created_at: r.created!, reason: describeProblem(program, r.problem!) })),
      sql: this.sqlOf(stage, def, program),
    };
  }

  /** Keys named but not selected (not in the stage, excluded, or not matching the conditions) are refused, the first one named. */
  private async refuseMissingKeys(stage: StageConfig, def: Definition, session: string) {
    const ps = new p.Params();
    const keys = def.selection.keys!.kind === 'file' ? KEYS_TABLE : `UNNEST(${ps.set(keysParam('keys', def.selection))})`;
    const [missing] = await this.read(
      `SELECT k.event_id, ${TS('k.event_created_at')} AS created, COUNT(*) OVER () AS n
FROM ${keys} AS k
WHERE NOT EXISTS (SELECT 1 FROM evfix_edited AS e WHERE e.event_id = k.event_id AND e.event_created_at = k.event_created_at)
ORDER BY k.event_created_at, k.event_id LIMIT 1`,
      ps,
      'checking the named events',
      session,
    );
    if (!missing) return;
    const more = num(missing.n) > 1 ? ` (and ${num(missing.n) - 1} more)` : '';
    throw inputError(
      'event_id',
      `event ${missing.event_id} created at ${missing.created} is not in ${stage.name}${more}: no ${stage.event_name} event with that event_id and event_created_at, it is excluded, or it does not match the conditions (look it up with the exact event_created_at)`,
    );
  }

  /**
   * The first changes by (event_created_at, event_id), after `after`: their keys from the session's evfix_edited,
   * their documents read again as the stage shows them (over the days the page spans only), the edits run on
   * them here, as the review shows them.
   */
  private async updateSample(
    stage: StageConfig,
    program: EditProgram,
    columns: string[],
    where: string,
    session: string,
    after?: PageKey,
    limit = SAMPLE_SIZE,
  ): Promise<Change[]> {
    const ps = new p.Params();
    const page = after
      ? ` AND (event_created_at > ${ps.set(p.timestamp('after_c', after.event_created_at))} OR (event_created_at = @after_c AND event_id > ${ps.set(p.string('after_i', after.event_id))}))`
      : '';
    const pageOf = `SELECT * FROM evfix_edited
WHERE ${where}${page}
ORDER BY event_created_at, event_id
LIMIT ${ps.set(p.limit(limit))}`;
    const doing = 'reading the sample of changes';
    const keyed = await this.read(
      `SELECT event_id, ${TS('event_created_at')} AS created${columns.map((_, i) => `, ${valueName(i)}`).join('')}
FROM (${pageOf})
ORDER BY event_created_at, event_id`,
      ps,
      doing,
      session,
    );
    if (!keyed.length) return [];
    this.windowParams(ps, stage, keyed[0]!.created!, formatTimestamp(parseTimestamp(keyed.at(-1)!.created!) + 1n));
    const docs = await this.read(
      `WITH ${effectiveCte(this.tables)}
SELECT e.event_id, ${TS('e.event_created_at')} AS created, TO_JSON_STRING(e.event_data) AS doc
FROM effective AS e
JOIN (${pageOf}) AS k ON k.event_id = e.event_id AND k.event_created_at = e.event_created_at
WHERE TRUE
${FIRST_COPY}`,
      ps,
      doing,
      session,
    );
    const byKey = new Map(docs.map((d) => [`${d.event_id}@${d.created}`, d.doc ?? 'null']));
    return keyed.map((k) => {
      const before = byKey.get(`${k.event_id}@${k.created}`) ?? 'null';
      const values: Record<string, Json> = {};
      columns.forEach((c, i) => {
        const v = k[valueName(i)];
        if (v !== null && v !== undefined) values[c] = parseJson(v);
      });
      const result = runProgram(program, parseJson(before, 'event_data'), values);
      return { event_id: k.event_id!, event_created_at: k.created!, before, after: 'after' in result ? stringifyJson(result.after) : before };
    });
  }

  private async dedupeFacts(stage: StageConfig, def: Definition, session: string): Promise<Facts> {
    const ps = new p.Params();
    this.windowParams(ps, stage, def.selection.window.from, def.selection.window.until);
    const w = planSql.dedupeWith(this.tables, def, ps);
    const doing = `reading the duplicate groups of ${stage.name}`;
    await this.read(
      `CREATE TEMP TABLE evfix_chosen AS\n${w}\nSELECT event_created_at, event_id, copy_index, copies, kept, row_hash, TO_JSON_STRING(event_data) AS doc FROM chosen`,
      ps,
      doing,
      session,
    );
    if (def.selection.ids) {
      const ids = new p.Params();
      ids.set(p.stringArray('ids', def.selection.ids));
      const missing = await this.read(`SELECT id FROM UNNEST(@ids) AS id WHERE id NOT IN (SELECT event_id FROM evfix_chosen) ORDER BY id`, ids, doing, session);
      if (missing.length)
        throw inputError(
          'event_id',
          `${missing[0]!.id} has no unresolved duplicates in ${stage.name} within the window${missing.length > 1 ? ` (nor do ${missing.length - 1} more)` : ''}`,
        );
    }
    const choices = def.keep?.choices ?? [];
    if (choices.length) {
      const c = new p.Params();
      c.set(
        p.structArray(
          'choices',
          [
            ['event_id', 'STRING'],
            ['copy_index', 'INT64'],
          ],
          choices.map(([event_id, copy_index]) => ({ event_id, copy_index })),
        ),
      );
      const [bad] = await this.read(
        `SELECT ch.event_id, ch.copy_index, g.copies FROM UNNEST(@choices) AS ch
LEFT JOIN (SELECT event_id, ANY_VALUE(copies) AS copies FROM evfix_chosen GROUP BY event_id) AS g ON g.event_id = ch.event_id
WHERE g.copies IS NULL OR ch.copy_index >= g.copies ORDER BY ch.event_id LIMIT 1`,
        c,
        doing,
        session,
      );
      if (bad)
        throw inputError(
          'keep',
          bad.copies === null
            ? `group ${bad.event_id} has no unresolved duplicates in ${stage.name}`
            : `group ${bad.event_id} has ${bad.copies} copies; there is no copy ${num(bad.copy_index) + 1}`,
        );
    }
    const [s] = await this.read(
      `SELECT COUNT(DISTINCT event_id) AS duplicate_groups, COUNT(*) AS copies,
  COUNT(DISTINCT CONCAT(event_id, '|', CAST(event_created_at AS STRING))) AS exclusions, COUNTIF(kept) AS kept,
  COUNT(DISTINCT IF(kept AND copy_index > 0, event_id, NULL)) AS later,
  ${TS('MIN(event_created_at)')} AS oldest, ${TS('MAX(event_created_at)')} AS newest, ${planSql.FINGERPRINT('row_hash')} AS fingerprint
FROM evfix_chosen`,
      [],
      doing,
      session,
    );
    if (num(s?.duplicate_groups) === 0) throw refused(`no unresolved event_id duplicates in ${stage.name} within the window; nothing to do`);
    const sampleRows = await this.read(
      `SELECT event_id, ${TS('event_created_at')} AS created, copy_index, copies, kept, doc FROM evfix_chosen
ORDER BY event_id, copy_index LIMIT @limit`,
      [p.limit(SAMPLE_SIZE)],
      doing,
      session,
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
      extent: { oldest: s!.oldest!, newest: s!.newest! },
      summary: {
        paths: [],
        notes: [
          `${num(s!.duplicate_groups)} duplicate group(s): all ${num(s!.copies)} copies excluded, one copy per group re-added (is_event_update = false)`,
          `kept: ${def.keep?.order === 'latest' ? 'the latest' : 'the earliest'} ingested copy${choices.length ? `, or the copy chosen for ${choices.length} group(s)` : ''}; ${num(s!.later)} group(s) keep a later copy`,
        ],
      },
      sample: sampleRows.map((r) => ({
        event_id: r.event_id!,
        event_created_at: r.created!,
        before: r.doc ?? 'null',
        after: r.kept === 'true' ? (r.doc ?? 'null') : null,
        note: `copy ${num(r.copy_index) + 1} of ${num(r.copies)}${r.kept === 'true' ? ', kept' : ', excluded'}`,
      })),
      problems: [],
      sql: this.sqlOf(stage, def),
    };
  }

  private async excludeFacts(stage: StageConfig, def: Definition): Promise<Facts> {
    const ps = new p.Params();
    this.windowParams(ps, stage, def.selection.window.from, def.selection.window.until);
    const w = planSql.excludeWith(this.tables, ps, def.selection.ids ?? []);
    const doing = `reading the events to exclude from ${stage.name}`;
    const checks = await this.read(planSql.excludeCheck(w), ps, doing);
    const since = def.selection.window.from.slice(0, 10);
    for (const c of checks) {
      if (num(c.originals) === 0) throw inputError('event_id', `${c.event_id} has no original rows created since ${since} (widen --lookback if it is older)`);
      if (num(c.of_stage) === 0) throw inputError('event_id', `${c.event_id} is a ${c.other_name} event, not ${stage.event_name} (stage ${stage.name})`);
      if (c.corrected === 'true')
        throw refused(`${c.event_id} has an exception row, and exclusions do not remove exception rows from ${stage.name}; nothing was planned`);
    }
    const skippedIds = checks.filter((c) => num(c.excluded) === num(c.of_stage)).map((c) => c.event_id!);
    const [s] = await this.read(
      `${w}
SELECT COUNT(DISTINCT IF(NOT excluded, CONCAT(event_id, '|', CAST(event_created_at AS STRING)), NULL)) AS writes,
  ${TS('MIN(IF(NOT excluded, event_created_at, NULL))')} AS oldest, ${TS('MAX(IF(NOT excluded, event_created_at, NULL))')} AS newest,
  COUNT(*) AS events, ${planSql.FINGERPRINT('row_hash')} AS fingerprint
FROM originals WHERE event_name = @event_name`,
      ps,
      doing,
    );
    if (num(s?.writes) === 0)
      throw refused(
        `nothing to do for ${stage.name}: ${skippedIds.length === checks.length ? 'every named event is already excluded' : 'no original to exclude'}`,
      );
    const sampleRows = await this.read(
      `${w}
SELECT DISTINCT event_id, ${TS('event_created_at')} AS created, TO_JSON_STRING(event_data) AS doc FROM originals
WHERE event_name = @event_name AND NOT excluded ORDER BY created, event_id LIMIT ${ps.set(p.limit(SAMPLE_SIZE))}`,
      ps,
      doing,
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
      extent: { oldest: s!.oldest!, newest: s!.newest! },
      summary: {
        paths: [],
        notes: [
          `${checks.length - skippedIds.length} event_id(s): ${num(s!.writes)} original row(s) excluded`,
          ...(skippedIds.length
            ? [`already excluded, left alone: ${skippedIds.slice(0, 3).join(', ')}${skippedIds.length > 3 ? ` and ${skippedIds.length - 3} more` : ''}`]
            : []),
        ],
      },
      sample: sampleRows.map((r) => ({ event_id: r.event_id!, event_created_at: r.created!, before: r.doc ?? 'null', after: null })),
      problems: [],
      sql: this.sqlOf(stage, def),
    };
  }

  private async insertFacts(stage: StageConfig, def: Definition): Promise<Facts> {
    const inserted = def.rows ?? [];
    if (!inserted.length) throw inputError('from-file', 'lists no events');
    const ps = new p.Params();
    this.windowParams(ps, stage, def.selection.window.from, def.selection.window.until);
    const rows = ps.set(planSql.insertRowsParam(def));
    const [hit] = await this.read(
      `${planSql.insertExisting(this.tables, rows)} SELECT event_id, created FROM existing ORDER BY created LIMIT 1`,
      ps,
      'checking the events are new',
    );
    if (hit) throw alreadyExists(hit);
    return insertFacts(def, this.sqlOf(stage, def));
  }

  private async revertFacts(stage: StageConfig, def: Definition): Promise<Facts> {
    const r = def.revert_of!;
    const ps = new p.Params();
    this.windowParams(ps, stage, def.selection.window.from, def.selection.window.until);
    ps.set(p.timestamp('written_at', r.applied_at));
    ps.set(p.string('written_description', r.description));
    ps.set(p.string('reverted_plan', r.plan_id));
    const doing = `reading the rows plan ${r.plan_id} wrote`;
    const [by] = await this.read(planSql.revertedBy(this.tables), ps, doing);
    if (by) throw refused(`plan ${r.plan_id} was already reverted by plan ${by.plan_id}; nothing to do`);
    const [s] = await this.read(
      `${planSql.revertTouched(this.tables)}
SELECT COUNTIF(tbl = 'exception') AS exceptions, COUNTIF(tbl = 'exclusion') AS exclusions,
  ${TS('MIN(event_created_at)')} AS oldest, ${TS('MAX(event_created_at)')} AS newest, ${planSql.FINGERPRINT('row_hash')} AS fingerprint
FROM touched`,
      ps,
      doing,
    );
    const exceptions = num(s?.exceptions),
      exclusions = num(s?.exclusions);
    if (exceptions + exclusions === 0) throw refused(`the rows plan ${r.plan_id} wrote are no longer there; nothing to revert`);
    const sampleRows = exceptions ? await this.read(planSql.revertSample(this.tables, ps.set(p.limit(SAMPLE_SIZE))), ps, doing) : [];
    return {
      fingerprint: String(s!.fingerprint),
      counts: { events: exceptions + exclusions, exceptions: 0, exclusions: 0, deleted: { exceptions, exclusions }, unchanged: 0, problems: 0, skipped: 0 },
      extent: { oldest: s!.oldest!, newest: s!.newest! },
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
        event_id: x.event_id!,
        event_created_at: x.created!,
        before: x.doc ?? 'null',
        after: null,
        note: 'exception row deleted',
      })),
      problems: [],
      sql: this.sqlOf(stage, def),
    };
  }

  async planChanges(stage: StageConfig, plan: Plan, inputs: PlanInputs, after: PageKey | undefined, limit: number): Promise<Change[]> {
    if (plan.kind !== 'update') {
      const start = after ? plan.sample.findIndex((c) => c.event_created_at === after.event_created_at && c.event_id === after.event_id) + 1 : 0;
      return plan.sample.slice(start, start + limit);
    }
    return this.inSession(
      plan.selection,
      inputs,
      `reading changes of plan ${plan.id}`,
      async (session) => {
        const program = compileEdits(plan.edits);
        const columns = valueColumns(plan.selection);
        const ps = new p.Params();
        this.windowParams(ps, stage, plan.selection.window.from, plan.selection.window.until);
        const w = planSql.updateWith(this.tables, plan, program, ps);
        await this.read(
          `CREATE TEMP TABLE evfix_edited AS\n${w}\nSELECT event_created_at, event_id, problem, unchanged${columns.map((_, i) => `, TO_JSON_STRING(${valueName(i)}) AS ${valueName(i)}`).join('')} FROM edited`,
          ps,
          `reading changes of plan ${plan.id}`,
          session,
        );
        return this.updateSample(
          stage,
          program,
          columns.map((c) => c.name),
          'problem IS NULL AND NOT unchanged',
          session!,
          after,
          limit,
        );
      },
      true,
    );
  }

  /** The apply script of a plan and the parameters it binds, as applyPlan sends it. */
  private applyScript(stage: StageConfig, plan: Plan, options: ApplyOptions, approval?: Approval) {
    const program = plan.kind === 'update' ? compileEdits(plan.edits) : undefined;
    const { ps, statements } = this.planStatements(stage, plan, program);
    this.applyParams(ps, plan, options, approval);
    const script = joinScript(statements);
    return { statements, script, params: ps.usedBy(script) };
  }

  async estimateApply(stage: StageConfig, plan: Plan, inputs: PlanInputs): Promise<bigint> {
    const { script, params } = this.applyScript(stage, plan, { operator: 'estimate', host: '' });
    const doing = `estimating the apply of plan ${plan.id}`;
    return this.inSession(plan.selection, inputs, doing, (session) => {
      this.options.onSql?.(script, params);
      return this.client.dryRunBytes(script, params, doing, session);
    });
  }

  /** A refusal for a table of evfix's own that does not exist, with the statement that creates it. */
  private missingTable(error: unknown, plan: Plan): Error {
    for (const role of ['audit', 'approvals'] as const) {
      const [project, dataset, table] = this.tables[role].split('.');
      if (String((error as Error).message).includes(`Not found: Table ${project}:${dataset}.${table}`)) {
        const why = role === 'audit' ? 'every apply records itself in it' : 'approval is required, and apply reads the approvals in it';
        return refused(
          `plan ${plan.id}: the ${role} table ${this.tables[role]} does not exist, and ${why}; create it once with \`evfix doctor --create-audit\`, or with\n${this.auditTableDdl(role)};\nNothing was written`,
        );
      }
    }
    return error as Error;
  }

  async applyPlan(stage: StageConfig, plan: Plan, inputs: PlanInputs, options: ApplyOptions): Promise<ApplyOutcome> {
    let approval: Approval | undefined;
    if (this.config.approval === 'required') {
      // The approval the audit row will name; the script checks again, in its transaction, that it is there.
      approval = (await this.approvals(plan)).find((a) => a.approved_by !== plan.operator && a.approved_by !== options.operator);
      if (!approval) return { status: 'refused', missing: 'approval', message: `plan ${plan.id} has no approval by a second operator; nothing was written` };
    }
    const { statements, script, params } = this.applyScript(stage, plan, options, approval);
    if (plan.sql.statements.map((s) => s.sql).join('\n;\n') !== statements.map((s) => s.sql).join('\n;\n')) {
      throw refused(
        `plan ${plan.id} carries SQL this evfix does not run (it was made by another version, or before approval was set to ${this.config.approval}); make the plan again. Nothing was written`,
      );
    }
    const jobId = options.jobId ?? `evfix_apply_${plan.id}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const labels = { evfix: 'apply', evfix_plan: plan.id, evfix_kind: plan.kind, evfix_stage: labelValue(plan.stage) };
    return this.inSession(plan.selection, inputs, `applying plan ${plan.id}`, async (session) => {
      this.options.onSql?.(script, params);
      // The script is estimated like every read: a rerun of a big window must not bill past the threshold unseen.
      await this.estimate(script, params, `applying plan ${plan.id}`, session).catch((error) => {
        throw this.missingTable(error, plan);
      });
      try {
        const [row] = await this.client.runScript(jobId, script, params, labels, `applying plan ${plan.id}`, session);
        // The script's last statement reads the transaction's time; the audit row has it too.
        const appliedAt = row?.applied_at ?? (await this.auditEntries({ planId: plan.id, limit: 1 }))[0]?.applied_at;
        if (!appliedAt)
          throw new EvfixError(
            'warehouse',
            `applying plan ${plan.id}: job ${jobId} succeeded, but the audit table does not record the plan; check \`evfix history\``,
          );
        return { status: 'applied' as const, written: writtenOf(plan), appliedAt };
      } catch (error) {
        const message = (error as Error).message;
        if (/evfix-already-applied/.test(message)) {
          const [entry] = await this.auditEntries({ planId: plan.id, limit: 1 });
          return {
            status: 'already-applied' as const,
            message: `plan ${plan.id} was already applied${entry ? ` at ${entry.applied_at}` : ''}; nothing was written this time`,
            appliedAt: entry?.applied_at,
          };
        }
        const refusal = this.refusal(plan, message);
        if (refusal) return refusal;
        throw error;
      }
    });
  }

  /** The refusal a guard's ERROR() stands for, or undefined when the message is not one of evfix's. */
  private refusal(plan: Plan, message: string): Extract<ApplyOutcome, { status: 'refused' }> | undefined {
    const stale = /evfix-stale (\S+)/.exec(message);
    if (stale) return { status: 'refused' as const, message: staleMessage(plan, stale[1]!) };
    if (/evfix-problems/.test(message))
      return {
        status: 'refused' as const,
        message: `plan ${plan.id}: some selected events cannot be changed as asked; make the plan again. Nothing was written`,
      };
    if (/evfix-already-reverted/.test(message))
      return { status: 'refused' as const, message: `plan ${plan.revert_of?.plan_id} was already reverted; nothing was written` };
    if (/evfix-not-approved/.test(message))
      return { status: 'refused', missing: 'approval', message: `plan ${plan.id} has no approval by a second operator; nothing was written` };
    return undefined;
  }

  /**
   * The approval in one script job: apply's re-checks (not applied, the fingerprint unchanged, the plan's own
   * guards), then the approval row with the server's clock, unless this operator approved the plan already.
   */
  async approvePlan(stage: StageConfig, plan: Plan, inputs: PlanInputs, options: ApproveOptions): Promise<ApproveOutcome> {
    const program = plan.kind === 'update' ? compileEdits(plan.edits) : undefined;
    const { ps, statements } = this.planStatements(stage, plan, program);
    this.applyParams(ps, plan, { operator: options.operator, host: options.host });
    ps.set(p.string('approver', options.operator));
    ps.set(p.string('approver_host', options.host || hostname()));
    ps.set(p.string('plan_kind', plan.kind));
    ps.set(p.string('plan_stage', plan.stage));
    ps.set(p.string('approval_note', options.note ?? null));
    const checks = statements.slice(
      0,
      statements.findIndex((st) => st.label === APPROVAL_LABEL || st.label.startsWith('record the plan')),
    );
    const script = joinScript([
      ...checks,
      { label: 'approved by this operator already?', sql: planSql.approvedTwiceGuard(this.tables) },
      { label: 'record the approval', sql: planSql.approvalInsert(this.tables) },
      { label: 'commit', sql: 'COMMIT TRANSACTION' },
    ]);
    const params = ps.usedBy(script);
    const jobId = `evfix_approve_${plan.id}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const doing = `approving plan ${plan.id}`;
    return this.inSession(plan.selection, inputs, doing, async (session) => {
      this.options.onSql?.(script, params);
      await this.estimate(script, params, doing, session).catch((error) => {
        throw this.missingTable(error, plan);
      });
      try {
        await this.client.runScript(
          jobId,
          script,
          params,
          { evfix: 'approve', evfix_plan: plan.id, evfix_kind: plan.kind, evfix_stage: labelValue(plan.stage) },
          doing,
          session,
        );
      } catch (error) {
        const message = (error as Error).message;
        if (/evfix-already-applied/.test(message))
          return { status: 'refused' as const, message: `plan ${plan.id} was already applied; there is nothing to approve` };
        if (/evfix-approved-twice/.test(message))
          return { status: 'refused' as const, message: `${options.operator} approved plan ${plan.id} already; nothing was written` };
        const refusal = this.refusal(plan, message);
        if (refusal) return { status: 'refused' as const, message: refusal.message.replace('Nothing was written', 'Nothing was approved') };
        throw error;
      }
      const mine = (await this.approvals(plan)).find((a) => a.approved_by === options.operator);
      if (!mine)
        throw new EvfixError('warehouse', `approving plan ${plan.id}: job ${jobId} succeeded, but ${this.tables.approvals} does not hold the approval`);
      return { status: 'approved' as const, approval: mine };
    });
  }

  async approvals(plan: Pick<Plan, 'id' | 'fingerprint'>): Promise<Approval[]> {
    const ps = new p.Params();
    ps.set(p.string('plan_id', plan.id));
    ps.set(p.string('fingerprint', plan.fingerprint));
    const rows = await this.read(reads.approvalsReadSql(this.tables), ps, `reading the approvals of plan ${plan.id}`).catch((error) => {
      if (failureOf(error).code === 404 || /not found/i.test((error as Error).message)) return [];
      throw error;
    });
    return rows.map((r) => ({
      plan_id: r.plan_id!,
      fingerprint: r.fingerprint!,
      approved_by: r.approved_by!,
      approved_at: r.approved_at!,
      host: r.host ?? null,
      author: r.author!,
      note: r.note ?? null,
    }));
  }

  /** What an apply script binds besides the plan's own parameters: its id, fingerprint and audit row. */
  private applyParams(ps: p.Params, plan: Plan, options: ApplyOptions, approval?: Approval) {
    ps.set(p.string('plan_id', plan.id));
    ps.set(p.string('fingerprint', plan.fingerprint));
    ps.set(p.string('description', plan.description));
    ps.set(p.string('plan_author', plan.operator));
    for (const [name, value] of Object.entries(auditValues(plan, options, approval))) ps.set(p.string(`audit_${name}`, value));
    for (const name of ['window_from', 'window_until', 'oldest', 'approved_at']) {
      const value =
        name === 'window_from'
          ? plan.selection.window.from
          : name === 'window_until'
            ? plan.selection.window.until
            : name === 'oldest'
              ? (plan.extent?.oldest ?? null)
              : (approval?.approved_at ?? null);
      ps.set({ name: `audit_${name}`, parameterType: { type: 'TIMESTAMP' }, parameterValue: { value } });
    }
  }

  /**
   * The impact preview in one session: the apply script up to its writes opens a transaction that stays open
   * (a session's transaction spans jobs), the impact is read inside it, and the transaction is rolled back (and
   * the session ended, which rolls back too if anything failed). Every job is dry-run first against the threshold.
   */
  async stageImpact(stage: StageConfig, plan: Plan, inputs: PlanInputs, since: string): Promise<StageImpact> {
    const program = plan.kind === 'update' ? compileEdits(plan.edits) : undefined;
    const { ps, statements } = this.planStatements(stage, plan, program);
    this.applyParams(ps, plan, { operator: 'impact preview', host: '' });
    // What apply writes, without its approval check: the preview is what the approver reads before approving.
    const writes = joinScript(
      statements
        .slice(
          0,
          statements.findIndex((st) => st.label === 'commit'),
        )
        .filter((st) => st.label !== APPROVAL_LABEL),
    );
    const params = ps.usedBy(writes);
    const doing = `previewing what plan ${plan.id} does to ${stage.name}`;
    const table = stageTable(this.tables, stage);
    const exists = (await this.client.tableModified(table, doing)) !== undefined;
    const wp = new p.Params();
    this.windowParams(wp, stage, since);
    const impact = reads.impactSql(this.tables, exists ? table : undefined);
    const countsSql = `${impact}\nSELECT SUM(added) AS added, SUM(removed) AS removed, SUM(changed) AS changed, SUM(same) AS same FROM impact`;
    // The kind of change as flags, and the limit a parameter: no value is written into the SQL text.
    const sampleSql = `${impact}
SELECT changed > 0 AS is_changed, added > 0 AS is_added, event_id, ${TS('event_created_at')} AS event_created_at, before_doc, after_doc
FROM impact WHERE changed + added + removed > 0 ORDER BY event_created_at, event_id LIMIT @limit`;
    wp.set(p.int64('limit', IMPACT_SAMPLE));
    const impactParams = wp.usedBy(countsSql);
    return this.inSession(
      plan.selection,
      inputs,
      doing,
      async (session) => {
        this.options.onSql?.(writes, params);
        await this.estimate(writes, params, doing, session);
        await this.estimate(countsSql, impactParams, doing, session);
        try {
          await this.client.read(writes, params, doing, session);
        } catch (error) {
          const message = (error as Error).message;
          if (/evfix-already-applied/.test(message)) throw refused(`plan ${plan.id} was already applied; there is nothing to preview`);
          const stale = /evfix-stale (\S+)/.exec(message);
          if (stale) throw refused(staleMessage(plan, stale[1]!));
          if (/evfix-already-reverted/.test(message)) throw refused(`plan ${plan.revert_of?.plan_id} was already reverted`);
          throw error;
        }
        try {
          this.options.onSql?.(countsSql, impactParams);
          const [counts] = await this.client.read(countsSql, impactParams, doing, session);
          const sample = await this.client.read(sampleSql, wp.usedBy(sampleSql), doing, session);
          return impactFrom(since, counts, sample);
        } finally {
          await this.client.read('ROLLBACK TRANSACTION', [], doing, session).catch(() => undefined);
        }
      },
      true,
    );
  }

  async auditEntries(filter: AuditFilter): Promise<AuditEntry[]> {
    const ps = new p.Params();
    const sql = reads.auditReadSql(this.tables, filter, ps);
    const rows = await this.read(sql, ps, 'reading the audit table').catch((error) => {
      if (failureOf(error).code === 404 || /not found/i.test((error as Error).message)) return [];
      throw error;
    });
    return rows.map((r) => ({
      plan_id: r.plan_id!,
      kind: r.kind!,
      stage: r.stage!,
      description: r.description!,
      operator: r.operator!,
      host: r.host ?? '',
      selection: r.selection ?? '',
      counts: JSON.parse(r.counts ?? '{}'),
      fingerprint: r.fingerprint!,
      job_id: r.job_id ?? null,
      applied_at: r.applied_at!,
      ticket: r.ticket ?? null,
      approved_by: r.approved_by ?? null,
      approved_at: r.approved_at ?? null,
      reverted_by: r.reverted_by ?? null,
      revert_of: r.revert_of ?? null,
      oldest: r.oldest ?? null,
    }));
  }

  async auditedPlan(planId: string): Promise<string | undefined> {
    const ps = new p.Params();
    ps.set(p.string('plan_id', planId));
    const [row] = await this.read(
      `SELECT plan FROM ${quoteTable(this.tables.audit)} WHERE plan_id = @plan_id`,
      ps,
      `reading plan ${planId} from the audit table`,
    );
    return row?.plan ?? undefined;
  }

  // Stage tables ---------------------------------------------------------------------------------------------

  /** The rerun script of a stage from `since` and the parameters it binds. */
  private rerunScript(stage: StageConfig, since: string) {
    const ps = new p.Params();
    this.windowParams(ps, stage, since);
    for (const [i, c] of stage.columns.entries()) ps.set(p.string(`path_${i}`, c.path));
    const script = joinScript(rerunStageScript(this.tables, stage));
    return { script, params: ps.usedBy(script) };
  }

  async estimateRerun(stage: StageConfig, since: string): Promise<bigint> {
    const { script, params } = this.rerunScript(stage, since);
    this.options.onSql?.(script, params);
    return this.client.dryRunBytes(script, params, `estimating the rerun of ${stage.name}`);
  }

  async rerunStage(stage: StageConfig, since: string): Promise<RerunCounts> {
    const { script, params } = this.rerunScript(stage, since);
    this.options.onSql?.(script, params);
    await this.estimate(script, params, `rebuilding ${stage.name}`);
    const jobId = `evfix_rerun_${labelValue(stage.name).slice(0, 40)}_${randomUUID().replace(/-/g, '')}`;
    await this.client.runScript(jobId, script, params, { evfix: 'rerun', evfix_stage: labelValue(stage.name) }, `rebuilding ${stage.name}`);
    // A script job does not report its statements' row counts; the window is rebuilt, counts unknown.
    return {};
  }

  async rerunPreview(stage: StageConfig, since: string): Promise<{ removes: number; writes: number }> {
    const ps = new p.Params();
    this.windowParams(ps, stage, since);
    const [row] = await this.read(rerunPreviewSql(this.tables, stage), ps, `counting what a rerun of ${stage.name} would do`);
    return { removes: num(row?.removes), writes: num(row?.writes) };
  }

  rerunSql(stage: StageConfig): string {
    return joinScript(rerunStageScript(this.tables, stage));
  }

  /**
   * The stage table's last_modified_time (tables.get: no query, no bytes). It moves with every rebuild, evfix's
   * or dbt's scheduled run, whose window evfix cannot see: the rebuild is taken to cover every plan before it.
   */
  async stageRebuilds(stage: StageConfig): Promise<StageRebuild[]> {
    const modified = await this.client.tableModified(stageTable(this.tables, stage), `reading when ${stage.name} was last rebuilt`);
    return modified === undefined ? [] : [{ at: formatTimestamp(modified * 1000n), since: null }];
  }

  /** The named tables (as configured) grouped by their dataset, each with its bare table name. */
  private byDataset(tables: readonly string[]) {
    const project = this.config.engine.project!;
    const byDataset = new Map<string, { configured: string; table: string }[]>();
    for (const configured of tables) {
      const full = qualify(project, configured);
      const dataset = full.split('.').slice(0, 2).join('.');
      byDataset.set(dataset, [...(byDataset.get(dataset) ?? []), { configured, table: full.split('.')[2]! }]);
    }
    return byDataset;
  }

  async tablePartitioning(tables: readonly string[]): Promise<Map<string, TablePartitioning>> {
    const out = new Map<string, TablePartitioning>();
    for (const [dataset, wanted] of this.byDataset(tables)) {
      const statement = reads.partitioningSql(dataset);
      const params = [
        p.stringArray(
          'tables',
          wanted.map((w) => w.table),
        ),
      ];
      this.options.onSql?.(statement, params);
      const rows = await this.client.read(statement, params, `reading the partitioning of ${dataset}`);
      for (const w of wanted) {
        const row = rows.find((r) => r.table_name === w.table);
        if (row) out.set(w.configured, { column: row.partition_column ?? null, requireFilter: row.require_filter === 'true' });
      }
    }
    return out;
  }

  private prunable: Promise<void> | undefined;

  /**
   * Refuses to plan against a source table whose partitions evfix's reads cannot prune: every read bounds
   * event_created_at, so a table partitioned by ingestion time or by another column is scanned whole (and with
   * require_partition_filter, every read fails). Checked once per engine; when the metadata cannot be read, doctor
   * reports it and planning goes on (the dry-run threshold still bounds each read).
   */
  private requirePrunable(): Promise<void> {
    this.prunable ??= (async () => {
      const roles = ['events', 'exceptions', 'exclusions'] as const;
      const found = await this.tablePartitioning(roles.map((r) => this.config.tables[r])).catch(() => undefined);
      for (const role of roles) {
        const name = this.config.tables[role];
        const problem = partitionProblem(found?.get(name));
        if (problem) throw refused(`tables.${role} ${name} is ${problem}; nothing was planned (\`evfix doctor\` checks every table)`);
      }
    })();
    this.prunable.catch(() => (this.prunable = undefined));
    return this.prunable;
  }

  async tableColumns(tables: readonly string[]): Promise<Map<string, Map<string, string>>> {
    const byDataset = this.byDataset(tables);
    const out = new Map<string, Map<string, string>>();
    for (const [dataset, wanted] of byDataset) {
      const statement = reads.columnsSql(dataset);
      const params = [
        p.stringArray(
          'tables',
          wanted.map((w) => w.table),
        ),
      ];
      this.options.onSql?.(statement, params);
      const rows = await this.client.read(statement, params, `reading the columns of ${dataset}`);
      for (const w of wanted) {
        const columns = rows.filter((r) => r.table_name === w.table);
        if (columns.length) out.set(w.configured, new Map(columns.map((r) => [r.column_name!, r.data_type!.replace(/^BOOLEAN$/, 'BOOL')])));
      }
    }
    return out;
  }

  auditTableDdl(table: 'audit' | 'approvals' = 'audit'): string {
    return table === 'audit' ? reads.auditTableDdl(this.tables) : reads.approvalsTableDdl(this.tables);
  }

  /** `evfix doctor --create-audit`: CREATE TABLE IF NOT EXISTS for the audit and approvals tables that are missing. */
  async createAuditTables(): Promise<string[]> {
    const wanted = [this.config.tables.audit, this.config.tables.approvals];
    const found = await this.tableColumns(wanted);
    const created: string[] = [];
    for (const role of ['audit', 'approvals'] as const) {
      if (found.has(this.config.tables[role])) continue;
      const ddl = role === 'audit' ? reads.auditTableDdl(this.tables, true) : reads.approvalsTableDdl(this.tables, true);
      this.options.onSql?.(ddl, []);
      await this.client.read(ddl, [], `creating the ${role} table ${this.tables[role]}`);
      created.push(this.tables[role]);
    }
    return created;
  }

  async checkAccess(): Promise<string> {
    const bytes = await this.client.dryRunBytes('SELECT 1', [], 'checking credentials and bigquery.jobs.create');
    const as = this.options.credentials ? ` as ${this.options.credentials}` : '';
    return `credentials work and can create query jobs in ${this.client.project}${as} (dry run: ${formatBytes(bytes)})`;
  }

  async jobOutcome(jobId: string): Promise<JobOutcome> {
    return this.client.jobOutcome(jobId);
  }

  async cancelReads(): Promise<void> {
    await this.client.cancelReads();
  }

  async close(): Promise<void> {}
}

const joinScript = (statements: readonly { sql: string }[]) => statements.map((s) => `${s.sql};`).join('\n');

const typeName = (t: p.ParamType): string =>
  t.type === 'ARRAY'
    ? `ARRAY<${typeName(t.arrayType)}>`
    : t.type === 'STRUCT'
      ? `STRUCT<${t.structTypes.map((f) => `${f.name} ${typeName(f.type)}`).join(', ')}>`
      : t.type;

const writtenOf = (plan: Plan) => ({ exceptions: plan.counts.exceptions, exclusions: plan.counts.exclusions, deleted: plan.counts.deleted });

/** The statement that checks the approval apply needs, when approval is required. */
const APPROVAL_LABEL = 'refuse a plan no second operator approved (approval: required)';

function auditValues(plan: Plan, options: ApplyOptions, approval?: Approval): Record<string, string | null> {
  return {
    plan_id: plan.id,
    kind: plan.kind,
    stage: plan.stage,
    event_name: plan.event_name,
    description: plan.description,
    operator: options.operator,
    host: options.host || hostname(),
    selection: describeSelection(plan.selection).slice(0, 2000),
    counts: JSON.stringify(writtenOf(plan)),
    fingerprint: plan.fingerprint,
    job_id: options.jobId ?? null,
    ticket: options.ticket ?? null,
    approved_by: approval?.approved_by ?? null,
    revert_of: plan.revert_of?.plan_id ?? null,
    plan: JSON.stringify(plan),
  };
}

export { formatBytes };
