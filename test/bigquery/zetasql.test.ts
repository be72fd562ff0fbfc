/**
 * Every statement the BigQuery engine sends during a full exercise (reads, plan facts, each statement of every
 * apply, revert and rerun script, the key-file loads, doctor's INFORMATION_SCHEMA reads), as the BigQuery
 * emulator received it, resolved by Google's ZetaSQL analyzer against the production schema (the audit table
 * and the stage tables included, and the session's temporary tables as the statements before them created them)
 * with the parameters' declared types. And no statement carries a value in its text: every value the
 * operations were given is a parameter.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BigqueryEngine, bigqueryTables } from '../../src/data/bigquery/engine.js';
import { approvalsTableDdl, auditTableDdl } from '../../src/data/bigquery/readSql.js';
import { serializePlan } from '../../src/data/plan.js';
import { createService } from '../../src/data/service/service.js';
import { TABLE_SCHEMAS } from '../../src/data/model.js';
import type { QueryParameter } from '../../src/data/bigquery/params.js';
import { inputsOf } from '../../src/data/operations/makePlan.js';
import { insertEvents, makeBigquery, PROJECT, sentParams, type TestBigquery } from '../helpers/bigquery.js';
import type { EmulatorJob } from '../helpers/bigqueryEmulator.js';
import { event, tempDir } from '../helpers/warehouse.js';
import { startAnalyzer, type Analyzer, type ExtraTable } from '../helpers/zetasql.js';
import { checkStatements } from '../helpers/sqlLiterals.js';

const R = 'remittance_was_sent_event';
const ID = '5a5a5a5a-0000-4000-8000-00000000abcd';
const OTHER = '5a5a5a5a-0000-4000-8000-00000000beef';
const DESCRIPTION = "fix: O'Brien's `status` -- ; DROP TABLE x";
const VALUES = [
  ID,
  OTHER,
  'CHG-1',
  'reviewer',
  'rm_four_eyes',
  'rm_zeta',
  'Failed',
  'Pending',
  'RemittanceWasSent',
  '2026-03-10',
  "O'Brien",
  '$.remittance_id',
  '$.Status',
  'user-7',
  '98765',
];
/** A table of keys an operator made (update --from-table), with a value column. */
const KEY_TABLE = 'stage.fix_keys';

let analyzer: Analyzer;
let t: TestBigquery;
let sent: EmulatorJob[] = [];

beforeAll(async () => {
  t = await makeBigquery();
  analyzer = await startAnalyzer(bigqueryTables(t.config), t.config.stages);
  await exercise();
  sent = t.bq.jobs.filter((j) => j.type === 'QUERY');
}, 120_000);
afterAll(() => analyzer?.stop());

/** Runs every operation once, each kind of plan made and applied, the refusals included. */
async function exercise() {
  const s = t.service;
  const first = event({
    event_id: ID,
    event_created_at: '2026-03-10 08:15:30.123456',
    user_id: 'user-7',
    data: { remittance_id: 'rm_zeta', Status: 'Pending', amount: 98765 },
  });
  const many = Array.from({ length: 1002 }, (_, i) =>
    event({
      event_created_at: `2026-03-${String(2 + (i % 12)).padStart(2, '0')} 09:00:00.${String(i).padStart(6, '0')}`,
      data: { remittance_id: `rm_${i}`, Status: i % 2 ? 'Pending' : 'Sent', amount: i, meta: i % 50 ? { a: 1 } : 5 },
    }),
  );
  await insertEvents(t, [
    first,
    { ...first, event_ingested_at: '2026-03-10 09:00:00.000000' },
    event({ event_id: OTHER, event_created_at: '2026-03-11 01:02:03.000004', data: { remittance_id: 'rm_zeta', Status: 'Pending' } }),
    ...many,
  ]);
  await t.bq.createTable({
    path: `${PROJECT}.${KEY_TABLE}`,
    schema: [
      { name: 'event_id', type: 'STRING' },
      { name: 'event_created_at', type: 'TIMESTAMP' },
      { name: 'status', type: 'STRING' },
    ],
    rows: many.slice(0, 3).map((e) => ({ event_id: e.event_id, event_created_at: e.event_created_at, status: 'Checked' })),
  });

  // Reads.
  await s.call('stageSummary', { stage: R });
  await s.call('duplicateGroups', { stage: R });
  await s.call('groupCopies', { stage: R, eventIds: [ID] });
  await s.call('businessKeyGroups', { stage: R, path: '$.remittance_id' });
  await s.call('lookup', { eventId: ID });
  await s.call('lookup', { eventId: ID, createdAt: '2026-03-10 08:15:30.123456' });
  const where = [
    '$.Status="Pending"',
    '$.Status!="Sent"',
    '$.amount<=98765',
    '$.amount in [1, 2.5, 98765]',
    '$.Status in ["Pending","Failed"]',
    '$.note is missing',
    '$.Status exists',
    '$.gone is null',
    'user_id=user-7',
    'event_ingested_at>=2026-03-01',
    'event_advisor_id is null',
    'user_id in ["user-7","user-8"]',
    'event_external_reference_id!=x',
  ];
  const page = await s.call('findEvents', { stage: R, selection: { where }, limit: 10 });
  expect(page.total).toBe(0); // `$.gone is null` asks for a JSON null there, not a missing path
  await s.call('findEvents', {
    stage: R,
    selection: { where: ['$.Status="Pending"'] },
    limit: 10,
    after: { event_created_at: first.event_created_at, event_id: first.event_id },
  });

  // Dedupe with a chosen copy, applied, applied again (refused from the audit table), reverted.
  const dedupe = await s.call('makePlan', { op: 'dedupe', stage: R, eventIds: [ID], keep: 'latest', choices: [[ID, 0]], description: DESCRIPTION });
  await s.call('planImpact', { plan: dedupe.id });
  await s.call('applyPlan', { plan: dedupe.id });
  await s.call('applyPlan', { plan: dedupe.id });
  await s.call('pendingReruns', {});
  await s.call('history', {});
  const revert = await s.call('makePlan', { op: 'revert', planId: dedupe.id });
  await s.call('applyPlan', { plan: revert.id });

  // Exclude.
  const exclude = await s.call('makePlan', { op: 'exclude', stage: R, eventIds: [many[1]!.event_id], description: DESCRIPTION });
  await s.call('applyPlan', { plan: exclude.id });

  // Update by predicate: its problems refused, then left out; made stale and refused.
  const set = [
    { op: 'set' as const, path: '$.meta.b', value: '"Failed"', createIfMissing: true },
    { op: 'set' as const, path: '$.Status', value: '"Failed"', createIfMissing: true },
  ];
  const refusing = await s.call('makePlan', {
    op: 'update',
    stage: R,
    selection: { where: ['$.Status="Pending"', '$.amount>=98765'] },
    edits: set,
    description: DESCRIPTION,
  });
  const skipping = await s.call('remakePlan', { plan: refusing.id, onProblem: 'skip' });
  await s.call('applyPlan', { plan: skipping.id });
  const predicate = await s.call('makePlan', {
    op: 'update',
    stage: R,
    selection: { where: ['$.Status="Pending"'] },
    edits: set,
    description: DESCRIPTION,
    skipProblems: true,
  });
  // The changes beyond a plan's sample are read from the warehouse.
  await t.engine.planChanges(
    t.config.stages[0]!,
    predicate,
    inputsOf(predicate),
    { event_created_at: predicate.sample.at(-1)!.event_created_at, event_id: predicate.sample.at(-1)!.event_id },
    20,
  );
  await insertEvents(t, [event({ data: { Status: 'Pending' } })]);
  await expect(s.call('applyPlan', { plan: predicate.id })).rejects.toThrow('is stale');

  // Update by keys: a replacement document, then a removal and an array edit.
  await s.call('applyPlan', {
    plan: (
      await s.call('makePlan', {
        op: 'update',
        stage: R,
        selection: { keys: [{ event_id: OTHER, event_created_at: '2026-03-11 01:02:03.000004' }] },
        edits: [
          { op: 'replace', document: '{"remittance_id":"rm_zeta","Status":"Failed"}' },
          { op: 'set', path: '$.items[2]', value: '{"k":null}', createIfMissing: true },
        ],
        description: DESCRIPTION,
      })
    ).id,
  });
  await s.call('applyPlan', {
    plan: (
      await s.call('makePlan', {
        op: 'update',
        stage: R,
        selection: { keys: [{ event_id: many[2]!.event_id, event_created_at: many[2]!.event_created_at }] },
        edits: [
          { op: 'remove', path: '$.meta' },
          { op: 'set', path: '$["odd key"]', value: 'true', createIfMissing: true },
        ],
        description: DESCRIPTION,
      })
    ).id,
  });

  // Update from a key file of more than 1,000 keys, with a path column and a named column.
  const file = join(tempDir(), 'keys.csv');
  writeFileSync(
    file,
    `event_id,event_created_at,$.Status:string,flag\n${many
      .filter((_, i) => i !== 1)
      .map((e, i) => `${e.event_id},${e.event_created_at},Checked,${i % 2 ? 'true' : '1'}`)
      .join('\n')}\n`,
  );
  const fromFile = await s.call('makePlan', {
    op: 'update',
    stage: R,
    selection: { file },
    edits: [{ op: 'set-from', path: '$.flag', column: 'flag' }],
    description: DESCRIPTION,
  });
  await s.call('planImpact', { plan: fromFile.id });
  await s.call('applyPlan', { plan: fromFile.id });

  // Update from a table of keys, with a value column.
  const fromTable = await s.call('makePlan', {
    op: 'update',
    stage: R,
    selection: { table: KEY_TABLE },
    edits: [{ op: 'set-from', path: '$.checked', column: 'status' }],
    description: DESCRIPTION,
  });
  await s.call('applyPlan', { plan: fromTable.id });

  // Insert.
  const inserts = join(tempDir(), 'new.jsonl');
  writeFileSync(
    inserts,
    `${JSON.stringify({ event_id: 'ffffffff-0000-4000-8000-000000000001', event_created_at: '2026-03-12 01:02:03.000001', event_data: { remittance_id: 'rm_new' } })}\n`,
  );
  await s.call('applyPlan', { plan: (await s.call('makePlan', { op: 'insert', stage: R, file: inserts, description: DESCRIPTION })).id });

  // Four-eyes (approval: required) on the same warehouse: the author's apply refused before any script, a second
  // operator's approval (apply's re-checks, then the row), the preview without the approval check, and the
  // apply whose script checks the approval in its transaction.
  const required = { ...t.config, approval: 'required' as const };
  const engine = new BigqueryEngine(required, t.ctx.now, {
    authClient: t.bq.authClient,
    sleep: async () => undefined,
    retryOptions: { maxRetryDelay: 0.01 },
    onSql: (sql, params) => t.statements.push({ sql, params: [...params] }),
  });
  const author = createService({ ...t.ctx, config: required, engine });
  const reviewer = createService({ ...t.ctx, config: required, engine, operator: 'reviewer' });
  const unfixed = event({ event_created_at: '2026-03-13 07:00:00.000001', data: { remittance_id: 'rm_four_eyes', Status: 'Pending' } });
  await insertEvents(t, [unfixed]);
  const approvalPlan = await author.call('makePlan', { op: 'exclude', stage: R, eventIds: [unfixed.event_id], description: DESCRIPTION });
  await expect(author.call('applyPlan', { plan: approvalPlan.id })).rejects.toThrow("needs a second operator's approval");
  const planFile = join(tempDir(), 'approval-plan.json');
  writeFileSync(planFile, serializePlan(approvalPlan));
  await reviewer.call('readPlanFile', { file: planFile });
  await reviewer.call('planImpact', { plan: approvalPlan.id });
  await reviewer.call('estimatePlan', { plan: approvalPlan.id });
  await reviewer.call('approvePlan', { plan: approvalPlan.id, note: DESCRIPTION });
  await author.call('planApproval', { plan: approvalPlan.id });
  expect(await author.call('applyPlan', { plan: approvalPlan.id, ticket: 'CHG-1' })).toMatchObject({ status: 'applied' });

  // History, doctor, reruns (a stage with flattened columns, and one with two).
  await s.call('history', { stage: R, operator: 'tester', since: '2026-01-01', limit: 5 });
  await s.call('doctor', { createAudit: true });
  await s.call('rerunPreview', { stage: R, offset: 3 });
  await s.call('rerun', { stage: R, offset: 3 });
  await s.call('rerun', { stage: 'transaction_was_created_event', offset: 3 });
}

/** A script's statements: joined with ";\n", which no statement contains. */
const statementsOf = (job: EmulatorJob) =>
  (job.query ?? '')
    .split(/;\n/)
    .map((x) => x.replace(/;$/, '').trim())
    .filter(Boolean);

/** The INFORMATION_SCHEMA views of a dataset doctor and --from-table read (COLUMNS, TABLES, TABLE_OPTIONS), with BigQuery's column types. */
const VIEWS: Record<string, ExtraTable['columns']> = {
  COLUMNS: [
    ['table_name', 'TYPE_STRING'],
    ['column_name', 'TYPE_STRING'],
    ['data_type', 'TYPE_STRING'],
    ['ordinal_position', 'TYPE_INT64'],
    ['is_partitioning_column', 'TYPE_STRING'],
    ['is_system_defined', 'TYPE_STRING'],
  ],
  TABLES: [
    ['table_name', 'TYPE_STRING'],
    ['table_type', 'TYPE_STRING'],
    ['creation_time', 'TYPE_TIMESTAMP'],
    ['ddl', 'TYPE_STRING'],
  ],
  TABLE_OPTIONS: [
    ['table_name', 'TYPE_STRING'],
    ['option_name', 'TYPE_STRING'],
    ['option_type', 'TYPE_STRING'],
    ['option_value', 'TYPE_STRING'],
  ],
};
const informationSchema = (statement: string): ExtraTable[] =>
  [...new Set([...statement.matchAll(/`([^`]*\.INFORMATION_SCHEMA\.(COLUMNS|TABLES|TABLE_OPTIONS))`/g)].map((m) => m[1]!))].map((name) => ({
    name,
    columns: VIEWS[name.split('.').at(-1)!]!,
  }));

const KEY_TABLE_CATALOG: ExtraTable = {
  name: KEY_TABLE,
  columns: [
    ['event_id', 'TYPE_STRING'],
    ['event_created_at', 'TYPE_TIMESTAMP'],
    ['status', 'TYPE_STRING'],
  ],
};

/** ZetaSQL's TypeKind numbers, as the analyzer answers them. */
const KIND_NUMBER: Record<string, number> = { INT64: 2, BOOL: 5, STRING: 8, TIMESTAMP: 19, JSON: 32 };

/** Ends a session: BigQuery's system procedure, which the analyzer's catalog does not hold. */
const ABORT_SESSION = 'CALL BQ.ABORT_SESSION()';

describe('the BigQuery SQL, checked by ZetaSQL', () => {
  test('every statement of every job resolves against the tables, the session temp tables and its declared parameters', async () => {
    const temps = new Map<string, Map<string, ExtraTable>>();
    const kinds = new Set<string>();
    let analysed = 0;
    for (const job of sent) {
      const session = job.sessionId ? (temps.get(job.sessionId) ?? temps.set(job.sessionId, new Map()).get(job.sessionId)!) : new Map<string, ExtraTable>();
      const local = new Map(session);
      for (const statement of statementsOf(job)) {
        if (statement === ABORT_SESSION) continue;
        const created = await analyzer.analyze(statement, sentParams(job), [...local.values(), ...informationSchema(statement), KEY_TABLE_CATALOG]);
        if (created) {
          local.set(created.name, created);
          // What a real job creates stays in its session for the jobs after it.
          if (!job.dryRun && job.sessionId) session.set(created.name, created);
        }
        kinds.add(statement.split(/\s/)[0]!);
        analysed++;
      }
    }
    // Reads (SELECT, WITH), the session's tables (CREATE TEMP TABLE, INSERT), the apply, revert and rerun scripts,
    // and the impact preview's transaction, rolled back (ROLLBACK).
    expect([...kinds].sort()).toEqual(['BEGIN', 'COMMIT', 'CREATE', 'DELETE', 'INSERT', 'ROLLBACK', 'SELECT', 'WITH']);
    expect(analysed).toBeGreaterThan(150);
    // What the exercise was meant to reach, reached.
    const texts = sent.map((j) => j.query ?? '');
    expect(texts.filter((q) => /^SELECT table_name, column_name/.test(q)).length).toBeGreaterThanOrEqual(3); // kinesis, s3 and stage
    expect(texts.filter((q) => /INFORMATION_SCHEMA\.TABLE_OPTIONS/.test(q)).length).toBeGreaterThanOrEqual(3); // partitioning, per dataset
    expect(texts.some((q) => /^INSERT INTO evfix_keys SELECT \* FROM UNNEST\(@batch\)$/.test(q))).toBe(true);
    expect(texts.some((q) => /DELETE FROM `dw-prod-gwiiag\.s3\.backend_events_exceptions` AS c/.test(q))).toBe(true);
    expect(texts.some((q) => /JOIN `stage\.fix_keys` AS k/.test(q))).toBe(true);
    expect(texts.some((q) => /CREATE TEMP TABLE evfix_chosen AS/.test(q) && /^BEGIN TRANSACTION;/.test(q))).toBe(true);
    // The approval: recorded after apply's re-checks, and checked inside the apply's transaction.
    expect(
      texts.some((q) => /^BEGIN TRANSACTION;/.test(q) && /INSERT INTO `dw-prod-gwiiag\.s3\.evfix_approvals`/.test(q) && /evfix-approved-twice/.test(q)),
    ).toBe(true);
    expect(texts.some((q) => /^BEGIN TRANSACTION;/.test(q) && /evfix-not-approved/.test(q) && /INSERT INTO `dw-prod-gwiiag\.s3\.evfix_audit`/.test(q))).toBe(
      true,
    );
    expect(texts.some((q) => /^SELECT `plan_id`, `fingerprint`, `approved_by`/.test(q))).toBe(true);
    expect(sent.filter((j) => !j.dryRun && j.labels?.evfix === 'apply' && j.error).map((j) => j.error!.message)).toEqual([
      expect.stringMatching(/evfix-already-applied/),
      expect.stringMatching(/evfix-stale /),
    ]);
  }, 120_000);

  test('a statement that does not resolve fails: the analyzer is really checking', async () => {
    const tables = bigqueryTables(t.config);
    await expect(analyzer.analyze(`SELECT event_idd FROM \`${tables.events}\``)).rejects.toThrow(/Unrecognized name: event_idd/);
    await expect(analyzer.analyze(`SELECT 1 FROM \`${tables.events}\` WHERE event_id = @undeclared`)).rejects.toThrow(/undeclared/);
    await expect(analyzer.analyze(`SELECT plan_idd FROM \`${tables.audit}\``)).rejects.toThrow(/Unrecognized name: plan_idd/);
    await expect(analyzer.analyze('SELECT x FROM evfix_edited')).rejects.toThrow(/evfix_edited/);
    await expect(analyzer.analyze(`SELECT 1 FROM \`${tables.events}\` WHERE event_created_at >= 'yesterday' QUALIFY 1 = 1`)).rejects.toThrow();
  });

  test('the audit and approvals tables the engine tells operators to create (and doctor --create-audit creates) are the ones its statements resolve against', async () => {
    const tables = bigqueryTables(t.config);
    for (const [role, ddl] of [
      ['audit', auditTableDdl],
      ['approvals', approvalsTableDdl],
    ] as const) {
      for (const ifNotExists of [false, true]) {
        const text = ddl(tables, ifNotExists);
        expect(text.startsWith(ifNotExists ? 'CREATE TABLE IF NOT EXISTS `' : 'CREATE TABLE `')).toBe(true);
        // As a temporary table: the analyzer's catalog already holds the table by its name.
        const created = await analyzer.analyze(text.replace('CREATE TABLE', 'CREATE TEMP TABLE').replace(/`[^`]+`/, `evfix_${role}_check`));
        expect(created!.columns.map(([name]) => name)).toEqual(TABLE_SCHEMAS[role].map(([name]) => name));
        expect(created!.columns.map(([, type]) => (type as { typeKind: unknown }).typeKind)).toEqual(TABLE_SCHEMAS[role].map(([, type]) => KIND_NUMBER[type]));
      }
    }
  });

  test("BigQuery's JSON_SET with create_if_missing, as operators write it by hand, resolves", async () => {
    const since: QueryParameter = { name: 'since', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: '2026-03-01 00:00:00.000000' } };
    await analyzer.analyze(
      `SELECT JSON_SET(event_data, '$.Status', 'Failed', create_if_missing => true) FROM \`${bigqueryTables(t.config).events}\` WHERE event_created_at >= @since`,
      [since],
    );
  });

  test('no statement carries a value in its text', () => {
    expect(sent.length).toBeGreaterThan(50);
    expect(
      checkStatements(
        sent.map((j) => j.query!),
        VALUES,
      ),
    ).toEqual([]);
    // The checker does find one.
    expect(checkStatements(["SELECT 1 FROM x WHERE a = 'Failed' LIMIT 20"], ['Failed'])).toHaveLength(3);
  });

  test('every scan of the three partitioned tables bounds event_created_at by a parameter', () => {
    const tables = bigqueryTables(t.config);
    let scans = 0;
    for (const job of sent) {
      for (const statement of statementsOf(job)) {
        for (const table of [tables.events, tables.exceptions, tables.exclusions]) {
          for (const match of statement.matchAll(new RegExp(`\`${table.replace(/[.-]/g, '\\$&')}\` AS (\\w+)`, 'g'))) {
            const alias = match[1]!;
            expect(statement, `${table} AS ${alias} in:\n${statement}`).toMatch(new RegExp(`\\b${alias}\\.event_created_at >= @\\w+`));
            scans++;
          }
        }
      }
    }
    expect(scans).toBeGreaterThan(100);
  });
});
