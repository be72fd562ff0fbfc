/**
 * loadConfig with a dbt project: stage relations from the manifest (for
 * stages from the manifest and for stages listed in the config), and the
 * engine's project / stage dataset from the profile, with the caller's env.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/data/config.js';
import { bigqueryManifest, modelId, writeManifest } from '../helpers/dbtManifest.js';
import { tempDir } from '../helpers/warehouse.js';

function setup(config: Record<string, unknown>, profile?: string) {
  const dir = tempDir();
  mkdirSync(join(dir, 'dbt', 'target'), { recursive: true });
  writeFileSync(join(dir, 'dbt', 'dbt_project.yml'), 'name: analytics\nprofile: warehouse\n');
  if (profile) writeFileSync(join(dir, 'dbt', 'profiles.yml'), profile);
  writeManifest(
    join(dir, 'dbt', 'target'),
    bigqueryManifest(11, [
      { name: 'remittance_was_sent_event', tags: ['evfix_stage'], meta: { event_name: 'RemittanceWasSent' } },
      { name: 'card_was_shipped_event', tags: ['evfix_stage'], customSchema: 'cards', meta: { event_name: 'CardWasShipped' } },
      { name: 'transaction_was_created_event', alias: 'transactions_created' },
      { name: 'report', path: 'models/marts/report.sql', dependsOn: [modelId('remittance_was_sent_event')] },
    ]),
  );
  writeFileSync(join(dir, 'evfix.config.json'), JSON.stringify(config));
  return dir;
}

const dbt = { project_dir: 'dbt', manifest: 'dbt/target/manifest.json' };
const PROFILE = `warehouse:
  target: prod
  outputs:
    prod:
      type: bigquery
      method: oauth
      project: "{{ env_var('GCP_PROJECT', 'dw-prod-gwiiag') }}"
      dataset: "{{ env_var('STAGE_DATASET', 'stage') }}"
      location: EU
    ci:
      type: bigquery
      method: oauth
      project: dw-ci-gwiiag
      dataset: ci_stage
`;

describe('the config from a dbt project', () => {
  it('gives stages the table dbt builds: from the manifest, and for stages listed by name', () => {
    const dir = setup({
      engine: { type: 'bigquery', project: 'dw-prod-gwiiag' },
      stages: [
        { name: 'transaction_was_created_event', event_name: 'TransactionWasCreated' },
        { name: 'not_a_model_event', event_name: 'NotAModel' },
        { name: 'pinned_event', event_name: 'Pinned', relation: { project: 'dw-other-gwiiag', dataset: 'legacy', table: 'pinned' } },
      ],
      stages_from_manifest: { tag: 'evfix_stage' },
      rerun: { dbt },
    });
    const config = loadConfig({ cwd: dir, env: {} });
    expect(Object.fromEntries(config.stages.map((s) => [s.name, s.relation]))).toEqual({
      transaction_was_created_event: { project: 'dw-prod-gwiiag', dataset: 'stage', table: 'transactions_created', source: 'relation_name' },
      not_a_model_event: undefined,
      pinned_event: { project: 'dw-other-gwiiag', dataset: 'legacy', table: 'pinned', source: 'config' },
      card_was_shipped_event: { project: 'dw-prod-gwiiag', dataset: 'stage_cards', table: 'card_was_shipped_event', source: 'relation_name' },
      remittance_was_sent_event: { project: 'dw-prod-gwiiag', dataset: 'stage', table: 'remittance_was_sent_event', source: 'relation_name' },
    });
    expect(config.stages.find((s) => s.name === 'not_a_model_event')).not.toHaveProperty('relation');
  });

  it('refuses a relation in the config that is not plain names', () => {
    const dir = setup({
      engine: { type: 'bigquery', project: 'dw-prod-gwiiag' },
      stages: [{ name: 'x_event', event_name: 'X', relation: { project: 'dw-prod`; --', dataset: 'stage', table: 'x' } }],
    });
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow('stages[0].relation.project: must be a Google Cloud project id');
  });

  it('names the manifest when it is missing', () => {
    const dir = setup({
      engine: { type: 'bigquery', project: 'dw-prod-gwiiag' },
      stages_from_manifest: { tag: 'evfix_stage' },
      rerun: { dbt: { ...dbt, manifest: 'dbt/target/nope.json' } },
    });
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(`rerun.dbt.manifest: ${join(dir, 'dbt', 'target', 'nope.json')} does not exist`);
  });

  it("reads project, stage dataset and location from the profile with the caller's env (DBT_TARGET too)", () => {
    const dir = setup({ engine: { type: 'bigquery', from_dbt_profile: true }, stages_from_manifest: { tag: 'evfix_stage' }, rerun: { dbt } }, PROFILE);
    let config = loadConfig({ cwd: dir, env: { GCP_PROJECT: 'dw-env-gwiiag', STAGE_DATASET: 'stage_env' } });
    expect(config.engine).toMatchObject({ project: 'dw-env-gwiiag', location: 'EU' });
    expect(config.stage_schema).toBe('stage_env');
    config = loadConfig({ cwd: dir, env: { DBT_TARGET: 'ci' } });
    expect(config.engine).toMatchObject({ project: 'dw-ci-gwiiag' });
    expect(config.stage_schema).toBe('ci_stage');
  });

  it('refuses a profile dataset that is not a plain name after rendering, naming the profile field', () => {
    const dir = setup({ engine: { type: 'bigquery', from_dbt_profile: true }, stages: [{ name: 'x_event', event_name: 'X' }], rerun: { dbt } }, PROFILE);
    expect(() => loadConfig({ cwd: dir, env: { STAGE_DATASET: 'stage`.x' } })).toThrow(
      `${join(dir, 'dbt', 'profiles.yml')}:8: warehouse.outputs.prod.dataset: "stage\`.x" after rendering is not a BigQuery dataset name`,
    );
  });
});
