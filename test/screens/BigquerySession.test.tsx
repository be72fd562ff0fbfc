/**
 * The TUI on the BigQuery engine (the loopback BigQuery): the same screens
 * and plans as on the embedded warehouse, and Esc on a loading screen stops
 * the BigQuery job it was waiting for. Plans are made on this thread here: the
 * loopback BigQuery's credentials are an object of this thread, which a worker
 * (the TUI's own way, tested on DuckDB) cannot be handed.
 */
import { describe, expect, it } from 'vitest';
import { makeBigquery } from '../helpers/bigquery.js';
import { answerFrom } from '../helpers/bigqueryStore.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';
import { event, stageNamed, type TestWarehouse } from '../helpers/warehouse.js';

const ID = '9b9b9b9b-0000-4000-8000-000000000007';

describe('the TUI on BigQuery', () => {
  it('lists, opens a duplicate group, confirms and applies with one script job', async () => {
    const bq = await makeBigquery();
    const a = event({ event_id: ID, event_created_at: '2026-03-13 10:11:12.131415', data: { remittance_id: 'rm_tui', Status: 'Pending' } });
    bq.fake.respond = answerFrom({ sources: [a, { ...a, event_ingested_at: '2026-03-13 11:00:00.000000', event_data: '{"remittance_id":"rm_tui","Status":"Sent"}' }], exceptions: [], exclusions: [], fingerprint: '2:9|0:0|0:0' });
    const stage = stageNamed(bq.config, 'remittance_was_sent_event');
    const app = renderApp(testServices(bq as unknown as TestWarehouse, undefined, 'local'), [{ name: 'stages' }, { name: 'duplicates', stage }]);
    await app.waitFor('0 marked · 1/1');
    await app.press(' ', KEY.enter);
    // Opening the group reads its copies: wait for them rather than for one key's pause.
    await app.waitFor(/\* \$\.Status\s+"Sent"\s+"Pending"/);
    expect(app.frame()).toContain('10:11:12.131415');
    await app.press(KEY.enter, 'd');
    await app.waitFor(/confirm dedupe[\s\S]*1 row\(s\) -> s3\.backend_events_exclusions/);
    expect(app.frame()).toContain('BEGIN TRANSACTION;');
    await app.press('y');
    await app.waitFor('Applied plan');
    const scripts = bq.fake.jobs.filter((j) => j.labels?.evfix === 'apply');
    expect(scripts).toHaveLength(1);
    app.unmount();
  });

  it('Esc on a loading screen cancels its BigQuery job', async () => {
    const bq = await makeBigquery();
    bq.fake.respond = (job) => {
      if (/dup AS/.test(job.query ?? '') && !/COUNT\(\*\) AS n/.test(job.query ?? '')) bq.fake.running.add(job.jobId);
      return { rows: [] };
    };
    const stage = stageNamed(bq.config, 'remittance_was_sent_event');
    const app = renderApp(testServices(bq as unknown as TestWarehouse, undefined, 'local'), [{ name: 'stages' }, { name: 'duplicates', stage }]);
    const deadline = Date.now() + 5000;
    while (!bq.fake.jobs.some((j) => bq.fake.running.has(j.jobId)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const job = bq.fake.jobs.find((j) => bq.fake.running.has(j.jobId))!;
    expect(job).toBeDefined();
    await app.press(KEY.escape);
    await app.waitFor('stage tables');
    const until = Date.now() + 5000;
    while (!job.cancelled && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(job.cancelled).toBe(true);
    bq.fake.running.clear();
    app.unmount();
  });
});
