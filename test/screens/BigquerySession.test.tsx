/**
 * The TUI on the BigQuery engine, on the BigQuery emulator: the same screens and plans as on the embedded
 * warehouse, the apply one script job, and Esc on a loading screen stops the BigQuery job it was waiting for.
 */
import { describe, expect, it } from 'vitest';
import { insertEvents, makeBigquery } from '../helpers/bigquery.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';
import { join } from 'node:path';
import { Journal } from '../../src/data/journal.js';
import { createService } from '../../src/data/service/service.js';
import { event, tempDir, type TestWarehouse } from '../helpers/warehouse.js';

const ID = '9b9b9b9b-0000-4000-8000-000000000007';
const R = 'remittance_was_sent_event';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the TUI on BigQuery', () => {
  it('lists, opens a duplicate group, confirms and applies with one script job', async () => {
    const bq = await makeBigquery();
    const a = event({
      event_id: ID,
      event_created_at: '2026-03-13 10:11:12.131415',
      event_ingested_at: '2026-03-13 10:11:13.000000',
      data: { remittance_id: 'rm_tui', Status: 'Sent' },
    });
    await insertEvents(bq, [a, { ...a, event_ingested_at: '2026-03-13 11:00:00.000000', event_data: '{"remittance_id":"rm_tui","Status":"Pending"}' }]);
    // The screens need only the context: the service is made from it.
    // The apply script's dry run, as BigQuery would estimate it for a big table.
    bq.bq.estimate = (job) => (job.dryRun && /^BEGIN TRANSACTION;\n/.test(job.query ?? '') ? 1_288_490_189n : undefined);
    const app = renderApp(testServices({ ctx: bq.ctx } as TestWarehouse), [{ name: 'stages' }, { name: 'duplicates', stage: R }]);
    await app.waitFor('0 marked · 1/1');
    await app.press(' ', KEY.enter);
    // Opening the group reads its copies: wait for them rather than for one key's pause.
    await app.waitFor(/\* \$\.Status\s+"Sent"\s+"Pending"/);
    expect(app.frame()).toContain('10:11:12.131415');
    await app.press(KEY.enter, 'd');
    await app.waitFor(/confirm dedupe[\s\S]*1 row\(s\) -> s3\.backend_events_exclusions/);
    expect(app.frame()).toContain('BEGIN TRANSACTION;');
    // What the apply will scan, from its dry run, before y is pressed.
    await app.waitFor('  BigQuery estimate: 1.2 GiB scanned (threshold 50.0 GiB)');
    await app.press('y');
    await app.waitFor('Applied plan');
    const scripts = bq.bq.jobs.filter((j) => !j.dryRun && j.labels?.evfix === 'apply');
    expect(scripts).toHaveLength(1);
    expect(scripts[0]!.query).toMatch(/^BEGIN TRANSACTION;\n/);
    expect(bq.bq.rows(bq.tables.exclusions).map((r) => r.event_id)).toEqual([ID]);
    expect(bq.bq.rows(bq.tables.exceptions).map((r) => [r.event_id, r.event_data])).toEqual([[ID, '{"Status":"Sent","remittance_id":"rm_tui"}']]);
    app.unmount();
  });

  it.each([
    ['a lost answer to the apply (503 after the job was created; the retry met 409)', 'unavailable-after' as const, 'Applied plan', 1, 1, 'applied'],
    ['a connection reset after the job was created', 'reset-after' as const, 'Applied plan', 1, 1, 'applied'],
    ['a transient 500 before the job was created (retried)', 'internal-error' as const, 'Applied plan', 1, 1, 'applied'],
    ['503 on every submission: the job never existed', 'unavailable-before' as const, 'evfix retried and gave up', 0, Infinity, 'failed'],
    ['a concurrent-update abort', 'concurrent-update' as const, 'so BigQuery aborted this transaction', 0, 1, 'failed'],
    [
      'bytesBilledLimitExceeded: the apply bills over engine.maximum_bytes_billed',
      undefined,
      /would bill more than[\s│]+engine\.maximum_bytes_billed allows; nothing ran/,
      0,
      0,
      'failed',
    ],
  ])('the TUI apply through %s: the outcome shown is the real one', async (_name, effect, shown, written, times, journaled) => {
    const bq = await makeBigquery({ noLocation: true });
    const a = event({
      event_id: ID,
      event_created_at: '2026-03-13 10:11:12.131415',
      event_ingested_at: '2026-03-13 10:11:13.000000',
      data: { remittance_id: 'rm_tui', Status: 'Sent' },
    });
    await insertEvents(bq, [a, { ...a, event_ingested_at: '2026-03-13 11:00:00.000000' }]);
    const apply = (r: { dryRun?: boolean; query?: string }) =>
      !r.dryRun && /^BEGIN TRANSACTION;\n/.test(r.query ?? '') && !/ROLLBACK/.test(r.query ?? '') && /COMMIT TRANSACTION/.test(r.query ?? '');
    if (effect) bq.bq.faults.add({ on: 'jobs.insert', match: apply, effect, times });
    // The apply job itself bills 6 GB, over the 5 GB cap every test config sets (its dry run is under the threshold).
    else bq.bq.estimate = (job) => (apply(job) ? 6_000_000_000n : undefined);
    // The TUI's services with a journal the test reads back.
    const journal = new Journal(join(tempDir(), 'journal.jsonl'));
    const services = { ...testServices({ ctx: bq.ctx } as TestWarehouse), service: createService(bq.ctx, journal) };
    const app = renderApp(services, [{ name: 'stages' }, { name: 'duplicates', stage: R }]);
    await app.waitFor('0 marked · 1/1');
    await app.press(' ', 'd');
    await app.waitFor(/confirm dedupe[\s\S]*Write these rows\?/);
    await app.press('y');
    await app.waitFor(shown);
    expect(bq.bq.rows(bq.tables.audit)).toHaveLength(written);
    expect(bq.bq.rows(bq.tables.exclusions)).toHaveLength(written);
    // The journal says what the warehouse holds: the result line after the started line.
    expect(journal.read().map((e) => e.result)).toEqual([journaled, 'started']);
    app.unmount();
  });

  it('the rerun screen shows what the rerun script would scan, from its dry run', async () => {
    const bq = await makeBigquery({ events: [event({ event_created_at: '2026-03-13 10:11:12.131415' })] });
    bq.bq.estimate = (job) => (job.dryRun && /DELETE FROM/.test(job.query ?? '') ? 3n * 1024n ** 3n : undefined);
    const app = renderApp(testServices({ ctx: bq.ctx } as TestWarehouse), [{ name: 'stages' }, { name: 'rerun', stage: R, offset: 3 }]);
    await app.waitFor('BigQuery estimate: 3.0 GiB scanned (threshold 50.0 GiB)');
    expect(app.frame()).toContain('removes 0 row(s) of the window and writes 1');
    // Nothing was rebuilt: only reads and dry runs ran.
    expect(bq.bq.jobs.filter((j) => !j.dryRun && j.labels?.evfix !== 'read')).toEqual([]);
    app.unmount();
  });

  it('Esc on a loading screen cancels its BigQuery job, which changes nothing', async () => {
    const bq = await makeBigquery();
    // The duplicate list's query is held by BigQuery until cancelled.
    bq.bq.faults.add({ on: 'jobs.insert', match: (r) => !r.dryRun && /GROUP BY live\.event_id/.test(r.query ?? ''), effect: { slow: 1_000_000 } });
    const app = renderApp(testServices({ ctx: bq.ctx } as TestWarehouse), [{ name: 'stages' }, { name: 'duplicates', stage: R }]);
    const held = () => bq.bq.jobs.find((j) => !j.dryRun && /GROUP BY live\.event_id/.test(j.query ?? ''));
    for (let i = 0; i < 500 && !(held() && bq.bq.traffic.requests.some((r) => r.api === 'jobs.getQueryResults' && r.path.endsWith(held()!.jobId))); i++)
      await wait(10);
    expect(held()).toBeDefined();
    await app.press(KEY.escape);
    await app.waitFor('stage tables');
    for (let i = 0; i < 500 && held()!.state !== 'DONE'; i++) await wait(10);
    expect(held()).toMatchObject({ cancelRequested: true, state: 'DONE', error: { reason: 'stopped' } });
    app.unmount();
  });
});
