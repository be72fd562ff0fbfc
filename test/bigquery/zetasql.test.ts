/**
 * Every statement the BigQuery engine sends, as captured by the loopback
 * BigQuery, resolved by Google's ZetaSQL analyzer against the tables' real
 * schema with the parameters' declared types. And no statement carries a
 * value in its text: every value the operations were given is a parameter.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bigqueryTables, PARAMETER_LIMITS } from '../../src/data/bigquery/engine.js';
import { DEMO_STAGES } from '../../src/data/config.js';
import { applyPlan } from '../../src/data/operations/apply.js';
import { findBusinessKeyDuplicates } from '../../src/data/operations/businessKeys.js';
import { buildDedupePlan } from '../../src/data/operations/dedupe.js';
import { buildExclusionPlan } from '../../src/data/operations/exclude.js';
import { lookupEvent } from '../../src/data/operations/lookup.js';
import { previewRerun, rerunStage } from '../../src/data/operations/rerun.js';
import { buildUpdatePlan } from '../../src/data/operations/update.js';
import { buildRevertPlan } from '../../src/data/operations/revert.js';
import { Journal } from '../../src/data/journal.js';
import { join } from 'node:path';
import { makeBigquery, type TestBigquery } from '../helpers/bigquery.js';
import { answerFrom, type Store } from '../helpers/bigqueryStore.js';
import type { ReceivedJob } from '../helpers/fakeBigquery.js';
import { event, stageNamed, tempDir } from '../helpers/warehouse.js';
import { startAnalyzer, type Analyzer } from '../helpers/zetasql.js';
import { checkStatements } from '../helpers/sqlLiterals.js';

const ID = '5a5a5a5a-0000-4000-8000-00000000abcd';
const OTHER = '5a5a5a5a-0000-4000-8000-00000000beef';
const DESCRIPTION = "fix: O'Brien's `status` -- ; DROP TABLE x";
const VALUES = [ID, OTHER, 'rm_zeta', 'Failed', 'RemittanceWasSent', '2026-03-10', "O'Brien", '$.remittance_id', '$.Status'];

let analyzer: Analyzer;
let bq: TestBigquery;
const sent: ReceivedJob[] = [];

beforeAll(async () => {
  bq = await makeBigquery();
  analyzer = await startAnalyzer(bigqueryTables(bq.config), DEMO_STAGES);
}, 60_000);
afterAll(() => analyzer?.stop());

/** Runs every operation once against the loopback BigQuery and keeps what it sent. */
async function exercise() {
  const first = event({ event_id: ID, event_created_at: '2026-03-10 08:15:30.123456', data: { remittance_id: 'rm_zeta', Status: 'Pending' } });
  const store: Store = {
    sources: [first, { ...first, event_ingested_at: '2026-03-10 09:00:00.000000' }, event({ event_id: OTHER, event_created_at: '2026-03-11 01:02:03.000004', data: { remittance_id: 'rm_zeta', Status: 'Pending' } })],
    exceptions: [],
    exclusions: [],
    fingerprint: '3:1|0:0|0:0',
  };
  const { ctx, fake, config } = bq;
  fake.respond = answerFrom(store);
  const stage = stageNamed(config, 'remittance_was_sent_event');
  await findBusinessKeyDuplicates(ctx, stage, '$.remittance_id');
  await ctx.warehouse.eventIdDuplicateGroups(stage, '2026-03-01 00:00:00.000000');
  await ctx.warehouse.eventIdDuplicateCopiesOf(stage, '2026-03-01 00:00:00.000000', [ID]);
  await lookupEvent(ctx, ID);
  await lookupEvent(ctx, ID, '2026-03-10 08:15:30.123456');
  await ctx.warehouse.stageSummary(stage, '2026-03-01 00:00:00.000000');
  await ctx.warehouse.eventsMatching({ eventName: 'RemittanceWasSent', path: '$.Status', value: '"Failed"', from: '2026-03-01 00:00:00.000000', until: '2026-03-15 00:00:00.000000' });
  await ctx.warehouse.eventsMatching({ eventName: 'RemittanceWasSent', path: '$.amount', value: '12', from: '2026-03-01 00:00:00.000000', until: '2026-03-15 00:00:00.000000' });
  const dedupe = await buildDedupePlan(ctx, stage, { description: DESCRIPTION });
  const journal = new Journal(join(tempDir(), 'journal.jsonl'));
  await applyPlan(ctx, dedupe, journal);
  await applyPlan(ctx, await buildRevertPlan(ctx, journal, dedupe.id));
  const update = await buildUpdatePlan(ctx, stage, { keys: [{ event_id: OTHER, event_created_at: '2026-03-11 01:02:03.000004' }] }, [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }], DESCRIPTION);
  const saved = PARAMETER_LIMITS.values;
  PARAMETER_LIMITS.values = 1;
  try {
    await applyPlan(ctx, update);
  } finally {
    PARAMETER_LIMITS.values = saved;
  }
  const exclusion = await buildExclusionPlan(ctx, stage, [OTHER], DESCRIPTION);
  await applyPlan(ctx, exclusion);
  await ctx.warehouse.tableColumns([config.tables.events, config.tables.exceptions, config.tables.exclusions, 'stage.remittance_was_sent_event']);
  await ctx.warehouse.checkAccess();
  await previewRerun(ctx, stage, { offset: 3 });
  await rerunStage(ctx, stage, { offset: 3 });
  await rerunStage(ctx, stageNamed(config, 'transaction_was_created_event'), { offset: 3 });
  sent.push(...fake.jobs.filter((j) => j.query));
  return { dedupe, update };
}

/** A script's statements: they are joined with ";\n" and no statement contains that sequence. */
const statementsOf = (job: ReceivedJob) => (job.query ?? '').split(/;\n/).map((s) => s.replace(/;$/, '').trim()).filter(Boolean);

/** INFORMATION_SCHEMA.COLUMNS of a dataset, as doctor reads it. */
const informationSchema = (job: ReceivedJob) =>
  [...(job.query ?? '').matchAll(/`([^`]*\.INFORMATION_SCHEMA\.COLUMNS)`/g)].map(([, name]) => ({
    name: name!,
    columns: [['table_name', 'TYPE_STRING'], ['column_name', 'TYPE_STRING'], ['data_type', 'TYPE_STRING'], ['ordinal_position', 'TYPE_INT64']] as [string, string][],
  }));

const scratchTables = (job: ReceivedJob) =>
  [...(job.query ?? '').matchAll(/`([^`]*\._evfix_[0-9a-f]{16}_(\w+))`/g)].map(([, name, kind]) => ({
    name: name!,
    columns: (kind!.startsWith('remove')
      ? [['event_id', 'TYPE_STRING'], ['event_created_at', 'TYPE_TIMESTAMP'], ['added_at', 'TYPE_TIMESTAMP'], ['description', 'TYPE_STRING']]
      : kind === 'exclusions'
        ? [['event_created_at', 'TYPE_TIMESTAMP'], ['event_id', 'TYPE_STRING'], ['event_name', 'TYPE_STRING'], ['exclusion_description', 'TYPE_STRING']]
        : [
            ['event_created_at', 'TYPE_TIMESTAMP'], ['event_id', 'TYPE_STRING'], ['event_name', 'TYPE_STRING'], ['user_id', 'TYPE_STRING'],
            ['event_external_reference_id', 'TYPE_STRING'], ['event_advisor_id', 'TYPE_STRING'], ['event_data', 'TYPE_STRING'],
            ['event_ingested_at', 'TYPE_TIMESTAMP'], ['exception_description', 'TYPE_STRING'], ['is_event_update', 'TYPE_BOOL'],
          ]) as [string, string][],
  }));

describe('the BigQuery SQL, checked by ZetaSQL', () => {
  test('every statement of every operation resolves against the tables with its declared parameters', async () => {
    await exercise();
    const kinds = new Set<string>();
    let analysed = 0;
    for (const job of sent) {
      for (const statement of statementsOf(job)) {
        await analyzer.analyze(statement, job.params, [...scratchTables(job), ...informationSchema(job)]);
        kinds.add(statement.split(/\s/)[0]!);
        analysed++;
      }
    }
    // Reads, the apply and revert scripts (BEGIN, ASSERT, INSERT, DELETE, COMMIT), the scratch clean-up and the rerun script.
    expect([...kinds].sort()).toEqual(['ASSERT', 'BEGIN', 'COMMIT', 'DELETE', 'DROP', 'INSERT', 'SELECT', 'WITH']);
    expect(sent.filter((j) => /INFORMATION_SCHEMA/.test(j.query ?? '')).length).toBe(3); // kinesis, s3 and stage
    expect(sent.some((j) => /DELETE FROM `dw-prod-gwiiag\.s3\.backend_events_exceptions` AS c/.test(j.query ?? ''))).toBe(true);
    expect(analysed).toBeGreaterThan(30);
    expect(sent.some((j) => /FROM `dw-prod-gwiiag\.s3\._evfix_[0-9a-f]{16}_exceptions` AS r/.test(j.query ?? ''))).toBe(true);
  }, 120_000);

  test('a statement that does not resolve fails: the analyzer is really checking', async () => {
    await expect(analyzer.analyze('SELECT event_idd FROM `dw-prod-gwiiag.kinesis.backend_events`')).rejects.toThrow(/Unrecognized name: event_idd/);
    await expect(analyzer.analyze('SELECT 1 FROM `dw-prod-gwiiag.kinesis.backend_events` WHERE event_id = @undeclared')).rejects.toThrow(/undeclared/);
    await expect(analyzer.analyze("SELECT 1 FROM `dw-prod-gwiiag.kinesis.backend_events` WHERE event_created_at >= 'yesterday' QUALIFY 1 = 1")).rejects.toThrow();
  });

  test("BigQuery's JSON_SET with create_if_missing, as operators write it by hand, resolves", async () => {
    await analyzer.analyze(
      "SELECT JSON_SET(event_data, '$.Status', 'Failed', create_if_missing => true) FROM `dw-prod-gwiiag.kinesis.backend_events` WHERE event_created_at >= @since",
      [{ name: 'since', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: '2026-03-01 00:00:00.000000' } }],
    );
  });

  test('no statement carries a value in its text', () => {
    expect(sent.length).toBeGreaterThan(10);
    const problems = checkStatements(sent.map((j) => j.query!), VALUES);
    expect(problems).toEqual([]);
  });

  test('every read of a partitioned table bounds event_created_at by parameters', () => {
    const tables = bigqueryTables(bq.config);
    for (const job of sent) {
      for (const statement of statementsOf(job)) {
        for (const table of [tables.events, tables.exceptions, tables.exclusions]) {
          for (const match of statement.matchAll(new RegExp(`\`${table.replace(/\./g, '\\.')}\` AS (\\w)`, 'g'))) {
            const alias = match[1]!;
            expect(statement, `${table} AS ${alias} in:\n${statement}`).toMatch(new RegExp(`${alias}\\.event_created_at >= @\\w+ AND ${alias}\\.event_created_at < @\\w+`));
          }
        }
      }
    }
  });
});
