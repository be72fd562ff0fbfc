/**
 * The rerun's preview names the dbt models that read the stage table (from a real-shaped manifest's
 * child_map), and whether the rerun rebuilds them; without a manifest it says evfix cannot know.
 */
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/data/config.js';
import { describeRerunPreview } from '../../src/data/operations/rerun.js';
import { bigqueryManifest, modelId, writeManifest } from '../helpers/dbtManifest.js';
import { makeWarehouse, tempDir } from '../helpers/warehouse.js';

const STAGE = 'remittance_was_sent_event';

function manifestFile() {
  return writeManifest(
    tempDir(),
    bigqueryManifest(12, [
      { name: STAGE, tags: ['evfix_stage'] },
      { name: 'fct_remittances', materialized: 'table', dependsOn: [modelId(STAGE)], path: 'models/marts/fct_remittances.sql' },
      { name: 'agg_daily_remittances', materialized: 'table', dependsOn: [modelId('fct_remittances')], path: 'models/marts/agg.sql' },
      { name: 'unrelated', materialized: 'table', path: 'models/marts/unrelated.sql' },
    ]),
  );
}

const rerunSettings = (runner: 'sql' | 'dbt', downstream: boolean) =>
  ConfigSchema.shape.rerun.parse({ runner, dbt: { project_dir: tempDir(), manifest: manifestFile(), downstream } });

describe('downstream models in the rerun preview', () => {
  it('lists the models reading the stage table, nearest first, and says the sql runner leaves them out of date', async () => {
    const w = await makeWarehouse({ rerun: rerunSettings('sql', false) });
    const preview = await w.service.call('rerunPreview', { stage: STAGE, offset: 14 });
    expect(preview.downstream).toEqual({
      known: true,
      included: false,
      models: [
        { name: 'fct_remittances', depth: 1, table: 'dw-prod-gwiiag.stage.fct_remittances' },
        { name: 'agg_daily_remittances', depth: 2, table: 'dw-prod-gwiiag.stage.agg_daily_remittances' },
      ],
    });
    expect(describeRerunPreview(preview)).toContain(
      'downstream models: 2 (fct_remittances, agg_daily_remittances); the rerun does not rebuild them: they stay out of date until dbt runs them',
    );
  });

  it('says the rerun rebuilds them when dbt runs with downstream: true', async () => {
    const w = await makeWarehouse({ rerun: rerunSettings('dbt', true) });
    const preview = await w.service.call('rerunPreview', { stage: STAGE, offset: 14 });
    expect(preview.downstream).toMatchObject({ known: true, included: true });
    expect(describeRerunPreview(preview)).toContain('the rerun rebuilds them too (dbt --select model+)');
  });

  it('says evfix cannot know without a manifest', async () => {
    const w = await makeWarehouse();
    const preview = await w.service.call('rerunPreview', { stage: STAGE, offset: 14 });
    expect(preview.downstream).toEqual({
      known: false,
      reason: 'no dbt manifest is configured (rerun.dbt.manifest), so evfix cannot know which models read this stage table',
    });
  });
});
