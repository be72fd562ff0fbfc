/**
 * Stage tables and downstream models from dbt manifests of schema v10, v11
 * and v12, shaped as dbt-bigquery writes them (test/helpers/dbtManifest.ts):
 * the table is the one dbt builds (custom schema, alias, other project), read
 * from relation_name exactly, and the downstream list is what `dbt run
 * --select model+` rebuilds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downstreamModels, modelRelation, modelsNamed, parseRelationName, readManifest, stagesFromManifest } from '../../src/data/dbt/manifest.js';
import { bigqueryManifest, modelId, writeManifest, type ManifestVersion, type ModelSpec, type OtherSpec } from '../helpers/dbtManifest.js';
import { tempDir } from '../helpers/warehouse.js';

const STAGE = { tags: ['evfix_stage'] };
const MODELS: ModelSpec[] = [
  {
    ...STAGE,
    name: 'remittance_was_sent_event',
    meta: { event_name: 'RemittanceWasSent', business_keys: ['$.remittance_id'], columns: [{ name: 'status', path: '$.Status' }] },
  },
  // A custom schema: dbt's default generate_schema_name builds it in stage_finance.
  { ...STAGE, name: 'card_was_shipped_event', customSchema: 'finance', nodeMeta: { event_name: 'CardWasShipped' } },
  // An alias: the table is not named after the model.
  { ...STAGE, name: 'transaction_was_created_event', alias: 'transactions_created', meta: { event_name: 'TransactionWasCreated' } },
  // Its own database: another project.
  { ...STAGE, name: 'account_was_opened_event', database: 'dw-raw-gwiiag', meta: { event_name: 'AccountWasOpened' } },
  // Not a stage model.
  { name: 'remittance_report', path: 'models/marts/remittance_report.sql', materialized: 'table', dependsOn: [modelId('remittance_was_sent_event')] },
];

function manifestFile(version: ManifestVersion, models = MODELS, others: OtherSpec[] = [], mutate: (m: Record<string, unknown>) => void = () => undefined) {
  const m = bigqueryManifest(version, models, others);
  mutate(m);
  return writeManifest(tempDir(), m);
}

describe.each([10, 11, 12] as const)('a v%i manifest', (version) => {
  it('gives each stage model the table dbt builds: custom schema, alias, other project', () => {
    const file = manifestFile(version);
    expect(readManifest(file)).toMatchObject({ schemaVersion: version, adapterType: 'bigquery' });
    const stages = stagesFromManifest(file, { tag: 'evfix_stage' });
    expect(stages.map((s) => [s.name, s.relation])).toEqual([
      ['account_was_opened_event', { project: 'dw-raw-gwiiag', dataset: 'stage', table: 'account_was_opened_event', source: 'relation_name' }],
      ['card_was_shipped_event', { project: 'dw-prod-gwiiag', dataset: 'stage_finance', table: 'card_was_shipped_event', source: 'relation_name' }],
      ['remittance_was_sent_event', { project: 'dw-prod-gwiiag', dataset: 'stage', table: 'remittance_was_sent_event', source: 'relation_name' }],
      ['transaction_was_created_event', { project: 'dw-prod-gwiiag', dataset: 'stage', table: 'transactions_created', source: 'relation_name' }],
    ]);
    // meta from config.meta or from the node's own meta.
    expect(stages.find((s) => s.name === 'remittance_was_sent_event')).toMatchObject({
      event_name: 'RemittanceWasSent',
      business_keys: ['$.remittance_id'],
      columns: [{ name: 'status', path: '$.Status' }],
    });
    expect(stages.find((s) => s.name === 'card_was_shipped_event')?.event_name).toBe('CardWasShipped');
  });

  it('lists the models downstream, direct and transitive, and nothing that dbt run does not build', () => {
    const models: ModelSpec[] = [
      ...MODELS,
      { name: 'remittance_daily', materialized: 'table', path: 'models/marts/remittance_daily.sql', dependsOn: [modelId('remittance_report')] },
      { name: 'remittance_enriched', materialized: 'ephemeral', path: 'models/int/remittance_enriched.sql', dependsOn: [modelId('remittance_was_sent_event')] },
      {
        name: 'remittance_kpis',
        customSchema: 'marts',
        alias: 'kpis',
        materialized: 'view',
        path: 'models/marts/remittance_kpis.sql',
        dependsOn: [modelId('remittance_enriched'), modelId('remittance_daily')],
      },
      { name: 'from_snapshot', materialized: 'table', path: 'models/marts/from_snapshot.sql', dependsOn: ['snapshot.analytics.remittance_history'] },
      { name: 'unrelated', materialized: 'table', path: 'models/marts/unrelated.sql', dependsOn: [modelId('card_was_shipped_event')] },
    ];
    const others: OtherSpec[] = [
      { kind: 'test', name: 'not_null_remittance_was_sent_event_event_id.1a2b3c', on: modelId('remittance_was_sent_event') },
      { kind: 'test', name: 'unique_remittance_report_id.4d5e6f', on: modelId('remittance_report') },
      { kind: 'snapshot', name: 'remittance_history', dependsOn: [modelId('remittance_was_sent_event')] },
      { kind: 'exposure', name: 'remittance_dashboard', dependsOn: [modelId('remittance_daily')] },
      { kind: 'unit_test', name: 'test_status_flattening', on: modelId('remittance_was_sent_event') },
    ];
    const manifest = readManifest(manifestFile(version, models, others));
    const down = downstreamModels(manifest, 'remittance_was_sent_event');
    expect(down.map((d) => [d.name, d.depth, d.relation ? `${d.relation.project}.${d.relation.dataset}.${d.relation.table}` : `(${d.materialized})`])).toEqual([
      ['from_snapshot', 1, 'dw-prod-gwiiag.stage.from_snapshot'], // through the snapshot: dbt run builds the model, not the snapshot
      ['remittance_enriched', 1, '(ephemeral)'],
      ['remittance_report', 1, 'dw-prod-gwiiag.stage.remittance_report'],
      ['remittance_daily', 2, 'dw-prod-gwiiag.stage.remittance_daily'],
      ['remittance_kpis', 2, 'dw-prod-gwiiag.stage_marts.kpis'],
    ]);
    expect(down.every((d) => d.uniqueId.startsWith('model.'))).toBe(true);
    expect(downstreamModels(manifest, modelId('card_was_shipped_event')).map((d) => d.name)).toEqual(['unrelated']);
    expect(downstreamModels(manifest, 'remittance_daily').map((d) => d.name)).toEqual(['remittance_kpis']);
    expect(() => downstreamModels(manifest, 'nope')).toThrow(`${manifest.file}: has no model "nope"`);
  });
});

describe('relations', () => {
  it.each([
    ['`dw-prod`.`stage_x`.`remittance_was_sent_event`', { project: 'dw-prod', dataset: 'stage_x', table: 'remittance_was_sent_event' }],
    ['dw-prod-gwiiag.stage.remittance_was_sent_event', { project: 'dw-prod-gwiiag', dataset: 'stage', table: 'remittance_was_sent_event' }],
    ['`dw-prod-gwiiag`.stage.`t`', { project: 'dw-prod-gwiiag', dataset: 'stage', table: 't' }],
    ['`stage`.`t`', undefined],
    ['"dw"."stage"."t"', undefined],
    ['`dw-prod`.`stage`.`t` ', undefined],
    ['`dw-prod`.`sta`ge`.`t`', undefined],
    ['`dw-prod`.`stage`.`t`; drop table x', undefined],
    ['`dw-prod`.`stage`.`a`.`b`', undefined],
  ])('parses %s exactly', (text, expected) => {
    expect(parseRelationName(text)).toEqual(expected);
  });

  it('falls back to database/schema/alias (or name) when relation_name is missing', () => {
    const file = manifestFile(12, [
      { ...STAGE, name: 'a_event', customSchema: 'x', alias: 'a_table', relationName: null, meta: { event_name: 'A' } },
      { ...STAGE, name: 'b_event', relationName: null, meta: { event_name: 'B' } },
    ]);
    expect(stagesFromManifest(file, { tag: 'evfix_stage' }).map((s) => s.relation)).toEqual([
      { project: 'dw-prod-gwiiag', dataset: 'stage_x', table: 'a_table', source: 'database/schema/alias' },
      { project: 'dw-prod-gwiiag', dataset: 'stage', table: 'b_event', source: 'database/schema/alias' },
    ]);
  });

  it('refuses a relation that is not a plain project.dataset.table, naming the model and the field', () => {
    const bad = (spec: Partial<ModelSpec>) => manifestFile(11, [{ ...STAGE, name: 'a_event', meta: { event_name: 'A' }, ...spec }]);
    let file = bad({ relationName: '`dw-prod-gwiiag`.`stage`.`a_event`; DROP TABLE x' });
    expect(() => stagesFromManifest(file, { tag: 'evfix_stage' })).toThrow(
      `${file}: model model.analytics.a_event: relation_name "\`dw-prod-gwiiag\`.\`stage\`.\`a_event\`; DROP TABLE x" is not \`project\`.\`dataset\`.\`table\``,
    );
    file = bad({ relationName: '`Prod`.`stage`.`a_event`' });
    expect(() => stagesFromManifest(file, { tag: 'evfix_stage' })).toThrow(
      `${file}: model model.analytics.a_event: relation_name (project) "Prod" is not a Google Cloud project id`,
    );
    file = bad({ alias: 'a-event' });
    expect(() => stagesFromManifest(file, { tag: 'evfix_stage' })).toThrow(
      `${file}: model model.analytics.a_event: relation_name (table) "a-event" is not a table name of letters, digits and underscores`,
    );
    file = bad({ relationName: null, database: 'x' });
    expect(() => stagesFromManifest(file, { tag: 'evfix_stage' })).toThrow(
      `${file}: model model.analytics.a_event: database "x" is not a Google Cloud project id`,
    );
    file = bad({ materialized: 'ephemeral' });
    expect(() => stagesFromManifest(file, { tag: 'evfix_stage' })).toThrow(`${file}: model model.analytics.a_event: is ephemeral; dbt builds no table for it`);
  });

  it('gives no relation for a manifest of another adapter, and refuses to make one up', () => {
    const file = manifestFile(12, [{ ...STAGE, name: 'a_event', meta: { event_name: 'A' } }], [], (m) => {
      (m.metadata as Record<string, unknown>).adapter_type = 'duckdb';
    });
    expect(stagesFromManifest(file, { tag: 'evfix_stage' })[0]).toEqual({ name: 'a_event', event_name: 'A', business_keys: [], columns: [] });
    const manifest = readManifest(file);
    expect(() => modelRelation(manifest, manifest.models.get(modelId('a_event'))!)).toThrow(
      'the manifest is for duckdb; evfix reads relations from BigQuery manifests',
    );
  });

  it('finds every version of a versioned model, and refuses two of them as one stage', () => {
    const file = manifestFile(12, [
      { ...STAGE, name: 'a_event', version: 1, meta: { event_name: 'A' } },
      { ...STAGE, name: 'a_event', version: 2, meta: { event_name: 'A' } },
    ]);
    const manifest = readManifest(file);
    expect(modelsNamed(manifest, 'a_event').map((m) => modelRelation(manifest, m).table)).toEqual(['a_event_v1', 'a_event_v2']);
    expect(() => stagesFromManifest(manifest, { tag: 'evfix_stage' })).toThrow(
      'model.analytics.a_event.v1 and model.analytics.a_event.v2 are both stage model "a_event"',
    );
  });
});

describe('the manifest file', () => {
  it('rebuilds the child map from depends_on when it is missing, as dbt builds it', () => {
    const models: ModelSpec[] = [...MODELS, { name: 'remittance_daily', path: 'models/marts/d.sql', dependsOn: [modelId('remittance_report')] }];
    const withMap = readManifest(manifestFile(10, models));
    const without = readManifest(manifestFile(10, models, [], (m) => delete m.child_map));
    expect(downstreamModels(without, 'remittance_was_sent_event')).toEqual(downstreamModels(withMap, 'remittance_was_sent_event'));
    expect(downstreamModels(without, 'remittance_was_sent_event').map((d) => d.name)).toEqual(['remittance_report', 'remittance_daily']);
  });

  it('says in one message, naming the file, when it is missing, unreadable, not JSON or of a version evfix does not read', () => {
    const dir = tempDir();
    const missing = join(dir, 'target', 'manifest.json');
    expect(() => readManifest(missing)).toThrow(`rerun.dbt.manifest: ${missing} does not exist; run \`dbt compile\` (or \`dbt parse\`) in the dbt project`);
    const directory = join(dir, 'a-directory');
    mkdirSync(directory);
    expect(() => readManifest(directory)).toThrow(`rerun.dbt.manifest: ${directory} cannot be read: EISDIR`);
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"metadata": {');
    expect(() => readManifest(notJson)).toThrow(`rerun.dbt.manifest: ${notJson} is not valid JSON`);
    const noMeta = writeManifest(dir, { nodes: {} }, 'no-meta.json');
    expect(() => readManifest(noMeta)).toThrow(`rerun.dbt.manifest: ${noMeta} is not a dbt manifest: it has no metadata.dbt_schema_version`);
    const v9 = writeManifest(
      dir,
      { metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v9.json', dbt_version: '1.5.11' }, nodes: {} },
      'v9.json',
    );
    expect(() => readManifest(v9)).toThrow(
      `rerun.dbt.manifest: ${v9} is manifest schema v9 (written by dbt 1.5.11); evfix reads v10 (dbt 1.6), v11 (dbt 1.7) and v12 (dbt 1.8 and later)`,
    );
    const v13 = writeManifest(dir, { metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v13.json' }, nodes: {} }, 'v13.json');
    expect(() => readManifest(v13)).toThrow(`rerun.dbt.manifest: ${v13} is manifest schema v13; evfix reads v10`);
  });

  it('still says which stage model lacks meta.event_name', () => {
    const file = manifestFile(12, [{ ...STAGE, name: 'a_event' }]);
    expect(() => stagesFromManifest(file, { path_prefix: 'models/stage/' })).toThrow(
      `${file}: model a_event is selected as a stage table but has no meta.event_name`,
    );
  });
});
