/** doctor names the table each stage is rebuilt into and where that name came from. */
import { describe, expect, it } from 'vitest';
import { DEMO_STAGES } from '../../src/data/config.js';
import { makeWarehouse } from '../helpers/warehouse.js';

describe('doctor', () => {
  it('shows each stage table with the relation it resolved and its source', async () => {
    const stages = DEMO_STAGES.map((s) =>
      s.name === 'remittance_was_sent_event'
        ? { ...s, relation: { project: 'dw-prod-gwiiag', dataset: 'stage_payments', table: 'stg_remittances', source: 'relation_name' as const } }
        : s,
    );
    const w = await makeWarehouse({ stages });
    const checks = await w.service.call('doctor', {});
    const detail = (name: string) => checks.find((c) => c.name === `stage ${name}`)?.detail;
    expect(detail('remittance_was_sent_event')).toBe("stage_payments.stg_remittances exists (RemittanceWasSent; from the dbt manifest's relation_name)");
    expect(detail('card_was_shipped_event')).toBe('stage.card_was_shipped_event exists (CardWasShipped; stage_schema and the model name)');
    await w.warehouse.session((conn) => conn.run('DROP TABLE stage_payments.stg_remittances'));
    expect(detail2(await w.service.call('doctor', {}), 'remittance_was_sent_event')).toBe(
      "stage_payments.stg_remittances does not exist (from the dbt manifest's relation_name); build it once with dbt (or check the manifest)",
    );
    // The rerun rebuilds the table the manifest names, not stage_schema.name.
    await w.service.call('rerun', { stage: 'remittance_was_sent_event', offset: 30 });
    expect(detail2(await w.service.call('doctor', {}), 'remittance_was_sent_event')).toMatch(/^stage_payments\.stg_remittances exists/);
  });
});

const detail2 = (checks: { name: string; detail: string }[], name: string) => checks.find((c) => c.name === `stage ${name}`)?.detail;
