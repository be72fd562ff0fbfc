/** Every operation on a real DuckDB file: what it plans, and what the warehouse holds after apply. */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/data/journal.js';
import { parsePlan, serializePlan } from '../../src/data/plan.js';
import { applyPlan } from '../../src/data/operations/apply.js';
import { findBusinessKeyDuplicates } from '../../src/data/operations/businessKeys.js';
import { buildDedupePlan } from '../../src/data/operations/dedupe.js';
import { findEventIdDuplicates } from '../../src/data/operations/duplicates.js';
import { readEventFile } from '../../src/data/operations/eventFile.js';
import { buildExclusionPlan } from '../../src/data/operations/exclude.js';
import { buildInsertPlan } from '../../src/data/operations/insert.js';
import { lookupEvent } from '../../src/data/operations/lookup.js';
import { rerunStage } from '../../src/data/operations/rerun.js';
import { buildUpdatePlan } from '../../src/data/operations/update.js';
import {
  event, insertException, insertExclusion, insertOriginals, makeWarehouse, query, stageNamed, stageRows, tableCounts, tempDir, uuid,
} from '../helpers/warehouse.js';

const setStatus = (value: string) => [{ op: 'set' as const, path: '$.Status', value: JSON.stringify(value), createIfMissing: true }];

describe('duplicates by event_id', () => {
  it('groups copies, flags identical or differing, and skips resolved and old groups', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const same = event();
    const differ = event({ data: { Status: 'Pending', amount: 10 } });
    const resolved = event();
    const old = event({ event_created_at: '2026-02-01 00:00:00.000000' });
    await insertOriginals(warehouse, [
      same, { ...same, event_ingested_at: '2026-03-14 12:00:00.000000' },
      differ, { ...differ, event_ingested_at: '2026-03-14 13:00:00.000000', event_data: '{"Status":"Sent","amount":10}' },
      resolved, { ...resolved, event_ingested_at: '2026-03-14 14:00:00.000000' },
      old, { ...old, event_ingested_at: '2026-02-02 00:00:00.000000' },
      event(),
    ]);
    await insertExclusion(warehouse, resolved);
    await insertException(warehouse, resolved, '2026-03-15 00:00:00.000000', 'dedupe', false);

    const groups = await findEventIdDuplicates(ctx, stage);
    expect(groups.map((g) => g.event_id).sort()).toEqual([same.event_id, differ.event_id].sort());
    const s = groups.find((g) => g.event_id === same.event_id)!;
    expect(s).toMatchObject({ identical: true, differences: [], firstIngested: same.event_ingested_at, lastIngested: '2026-03-14 12:00:00.000000' });
    expect(groups.find((g) => g.event_id === differ.event_id)).toMatchObject({ identical: false, differences: ['event_data.Status'] });
    expect((await findEventIdDuplicates(ctx, stage, 60)).length).toBe(3);
  });
});

describe('dedupe', () => {
  it('excludes every copy, re-adds the earliest, and the rerun shows the event once', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    const later = { ...a, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: '{"Status":"Sent"}' };
    await insertOriginals(warehouse, [a, later, event()]);

    const plan = await buildDedupePlan(ctx, stage, {});
    expect(plan.exclusions).toEqual([
      { event_created_at: a.event_created_at, event_id: a.event_id, event_name: 'RemittanceWasSent', exclusion_description: expect.any(String) },
    ]);
    expect(plan.exceptions).toEqual([{ ...a, exception_description: plan.description, is_event_update: false }]);

    const result = await applyPlan(ctx, plan);
    expect(result).toMatchObject({ status: 'applied', written: { exclusions: 1, exceptions: 1 }, rerun: { stage: stage.name, current_date_offset: 1 } });
    await rerunStage(ctx, stage, { offset: result.rerun.current_date_offset });
    const rows = (await stageRows(warehouse, stage.name)).filter((r) => r.event_id === a.event_id);
    expect(rows).toEqual([{ event_id: a.event_id, created: a.event_created_at, data: a.event_data, is_exception: true }]);
    expect(await findEventIdDuplicates(ctx, stage)).toEqual([]);

    const again = await applyPlan(ctx, plan);
    expect(again).toMatchObject({ status: 'already-applied', written: { exclusions: 0, exceptions: 0 } });
    expect(again.message).toContain('already applied');
    expect(await tableCounts(warehouse)).toEqual({ events: 3, exceptions: 1, exclusions: 1 });
  });

  it('keeps the latest copy on request, and only the chosen groups', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    const b = event();
    const aLater = { ...a, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: '{"Status":"Sent"}' };
    await insertOriginals(warehouse, [a, aLater, b, { ...b, event_ingested_at: '2026-03-14 12:00:00.000000' }]);
    const plan = await buildDedupePlan(ctx, stage, { eventIds: [a.event_id], keep: 'latest', description: 'keep newest' });
    expect(plan.exceptions).toEqual([{ ...aLater, exception_description: 'keep newest', is_event_update: false }]);
    await expect(buildDedupePlan(ctx, stage, { eventIds: [uuid()] })).rejects.toThrow('has no unresolved duplicates');
  });

  it('refuses a stale plan and writes nothing', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    await insertOriginals(warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }]);
    const plan = await buildDedupePlan(ctx, stage, {});
    // Another operator excludes the same event first.
    await insertExclusion(warehouse, a);
    const before = await tableCounts(warehouse);
    await expect(applyPlan(ctx, plan)).rejects.toThrow(/is stale: another exclusion was written for event .* Nothing was written/);
    expect(await tableCounts(warehouse)).toEqual(before);
  });

  it('refuses a plan whose source rows changed', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    await insertOriginals(warehouse, [a]);
    const plan = await buildUpdatePlan(ctx, stage, { keys: [a] }, setStatus('Failed'), 'fix');
    await warehouse.session((c) => c.run(`UPDATE kinesis.backend_events SET event_data = '{"Status":"Sent"}'`));
    await expect(applyPlan(ctx, plan)).rejects.toThrow('the original rows of event');
    expect((await tableCounts(warehouse)).exceptions).toBe(0);
  });
});

describe('business-key duplicates and exclusions', () => {
  it('groups different event_ids sharing a key and excludes the chosen ones', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'transaction_was_created_event');
    const tx = (id: string, extra = {}) => event({ event_name: 'TransactionWasCreated', data: { transaction_id: id, amount: 5, ...extra } });
    const first = tx('tx_1');
    const second = tx('tx_1', { amount: 6 });
    await insertOriginals(warehouse, [first, second, tx('tx_2')]);

    const groups = await findBusinessKeyDuplicates(ctx, stage, '$.transaction_id');
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ key: 'tx_1', differences: ['$.amount'] });
    expect(groups[0]!.events.map((e) => e.event_id).sort()).toEqual([first.event_id, second.event_id].sort());

    const plan = await buildExclusionPlan(ctx, stage, [second.event_id], 'Duplicate transaction_id');
    expect(plan.exclusions).toEqual([
      { event_created_at: second.event_created_at, event_id: second.event_id, event_name: 'TransactionWasCreated', exclusion_description: 'Duplicate transaction_id' },
    ]);
    await applyPlan(ctx, plan);
    expect(await findBusinessKeyDuplicates(ctx, stage, '$.transaction_id')).toEqual([]);
    await rerunStage(ctx, stage, { offset: 2 });
    expect((await stageRows(warehouse, stage.name)).map((r) => r.event_id)).not.toContain(second.event_id);
  });

  it('refuses exclusions that would not take effect or name the wrong events', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const withException = event();
    const card = event({ event_name: 'CardWasShipped' });
    await insertOriginals(warehouse, [withException, card]);
    await insertException(warehouse, withException, '2026-03-15 00:00:00.000000');
    await expect(buildExclusionPlan(ctx, stage, [withException.event_id], 'x')).rejects.toThrow('has an exception row');
    await expect(buildExclusionPlan(ctx, stage, [card.event_id], 'x')).rejects.toThrow('is a CardWasShipped event, not RemittanceWasSent');
    await expect(buildExclusionPlan(ctx, stage, [uuid()], 'x')).rejects.toThrow('has no original rows');
    await expect(buildExclusionPlan(ctx, stage, [card.event_id], '  ')).rejects.toThrow('description: is required');
  });
});

describe('lookup', () => {
  it('shows originals, exceptions, exclusions and the effective version', async () => {
    const { ctx, warehouse } = await makeWarehouse();
    const a = event();
    await insertOriginals(warehouse, [a]);
    expect((await lookupEvent(ctx, a.event_id)).effective).toMatchObject({ source: 'original', event_data: a.event_data });
    await insertException(warehouse, { ...a, event_data: '{"Status":"Failed"}' }, '2026-03-15 01:00:00.000000');
    const found = await lookupEvent(ctx, a.event_id, a.event_created_at);
    expect(found.originals).toEqual([a]);
    expect(found.exceptions).toHaveLength(1);
    expect(found.effective).toMatchObject({ source: 'exception', event_data: '{"Status":"Failed"}' });
    expect((await lookupEvent(ctx, a.event_id, '2026-03-14 10:00:00.123457')).originals).toEqual([]);
  });
});

describe('update', () => {
  it('writes the edited document as an exception with before/after, microseconds intact', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event({ event_created_at: '2024-02-03 15:38:21.224000', data: { Status: 'Pending', amount: 12345678901234567890n.toString() } });
    const raw = { ...a, event_data: '{"Status":"Pending","big":12345678901234567890}' };
    await insertOriginals(warehouse, [raw]);
    const plan = await buildUpdatePlan(ctx, stage, { keys: [{ event_id: a.event_id, event_created_at: '2024-02-03 15:38:21.224' }] }, setStatus('Failed'), 'Remittance was never sent updates');
    expect(plan.changes).toEqual([
      { event_id: a.event_id, event_created_at: '2024-02-03 15:38:21.224000', before: raw.event_data, after: '{"Status":"Failed","big":12345678901234567890}' },
    ]);
    const result = await applyPlan(ctx, plan);
    expect(result.rerun.current_date_offset).toBe(771);
    const [row] = await query(
      warehouse,
      `SELECT strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created, CAST(event_data AS VARCHAR) AS data, exception_description, is_event_update,
              strftime(exception_added_timestamp, '%Y-%m-%d %H:%M:%S.%f') AS added FROM s3.backend_events_exceptions`,
    );
    expect(row).toEqual({
      created: '2024-02-03 15:38:21.224000',
      data: '{"Status":"Failed","big":12345678901234567890}',
      exception_description: 'Remittance was never sent updates',
      is_event_update: true,
      added: '2026-03-15 12:00:00.000000',
    });
    await rerunStage(ctx, stage, { offset: result.rerun.current_date_offset });
    expect(await stageRows(warehouse, stage.name)).toEqual([
      { event_id: a.event_id, created: '2024-02-03 15:38:21.224000', data: '{"Status":"Failed","big":12345678901234567890}', is_exception: true },
    ]);
  });

  it('edits the latest exception, not the original, and skips events already as requested', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    const b = event({ data: { Status: 'Failed' } });
    await insertOriginals(warehouse, [a, b]);
    await insertException(warehouse, { ...a, event_data: '{"Status":"Sent","note":"fixed"}' }, '2026-03-15 01:00:00.000000');
    const plan = await buildUpdatePlan(ctx, stage, { keys: [a, b] }, setStatus('Failed'), 'fix');
    expect(plan.changes.map((c) => c.after)).toEqual(['{"Status":"Failed","note":"fixed"}']);
    expect(plan.skipped).toEqual([{ event_id: b.event_id, event_created_at: b.event_created_at, reason: 'event_data already as requested' }]);
    await expect(buildUpdatePlan(ctx, stage, { keys: [b] }, setStatus('Failed'), 'fix')).rejects.toThrow('nothing to do');
  });

  it('selects events by a structured filter', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const pending = event({ data: { Status: 'Pending' } });
    const sent = event({ data: { Status: 'Sent' } });
    const oldPending = event({ event_created_at: '2026-01-01 00:00:00.000000', data: { Status: 'Pending' } });
    await insertOriginals(warehouse, [pending, sent, oldPending]);
    const plan = await buildUpdatePlan(ctx, stage, { filter: { path: '$.Status', value: '"Pending"' } }, setStatus('Failed'), 'stuck');
    expect(plan.changes.map((c) => c.event_id)).toEqual([pending.event_id]);
    const wide = await buildUpdatePlan(ctx, stage, { filter: { path: '$.Status', value: '"Pending"', from: '2025-12-01' } }, setStatus('Failed'), 'stuck');
    expect(wide.changes.map((c) => c.event_id).sort()).toEqual([pending.event_id, oldPending.event_id].sort());
  });

  it('refuses bad input with one message naming it, before writing anything', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event({ data: { Status: 'Pending', amount: 3 } });
    await insertOriginals(warehouse, [a]);
    const keys = { keys: [a] };
    await expect(buildUpdatePlan(ctx, stage, keys, setStatus('Failed'), '')).rejects.toThrow('description: is required');
    await expect(buildUpdatePlan(ctx, stage, keys, [], 'x')).rejects.toThrow('give at least one change');
    await expect(buildUpdatePlan(ctx, stage, keys, [{ op: 'set', path: 'Status', value: '1', createIfMissing: true }], 'x')).rejects.toThrow('set path: "Status" is not a JSON path');
    await expect(buildUpdatePlan(ctx, stage, keys, [{ op: 'set', path: '$.a', value: 'Failed', createIfMissing: true }], 'x')).rejects.toThrow('value for $.a: invalid JSON');
    await expect(buildUpdatePlan(ctx, stage, keys, [{ op: 'set', path: '$.amount.x', value: '1', createIfMissing: true }], 'x')).rejects.toThrow(
      `event ${a.event_id}: set $.amount.x: $.amount is a number, not an object`,
    );
    await expect(buildUpdatePlan(ctx, stage, { keys: [{ ...a, event_created_at: '2026-03-14 10:00:00.123457' }] }, setStatus('Failed'), 'x')).rejects.toThrow('is not in remittance_was_sent_event');
    expect(await tableCounts(warehouse)).toEqual({ events: 1, exceptions: 0, exclusions: 0 });
  });
});

describe('insert', () => {
  it('adds missing events as exceptions and refuses ones that exist', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'card_was_shipped_event');
    const existing = event({ event_name: 'CardWasShipped' });
    await insertOriginals(warehouse, [existing]);
    const file = join(tempDir(), 'missing.jsonl');
    const id = uuid();
    writeFileSync(file, `{"event_id":"${id}","event_created_at":"2026-03-14 08:00:00.000001","user_id":"u1","event_data":{"carrier":"DHL","n":98765432109876543210}}\n`);
    const plan = await buildInsertPlan(ctx, stage, readEventFile(file), file, 'Lost in outage');
    expect(plan.exceptions).toEqual([
      {
        event_created_at: '2026-03-14 08:00:00.000001', event_id: id, event_name: 'CardWasShipped', user_id: 'u1', event_external_reference_id: null,
        event_advisor_id: null, event_data: '{"carrier":"DHL","n":98765432109876543210}', event_ingested_at: '2026-03-15 12:00:00.000000',
        exception_description: 'Lost in outage', is_event_update: false,
      },
    ]);
    await applyPlan(ctx, plan);
    await rerunStage(ctx, stage, { offset: 2 });
    expect((await stageRows(warehouse, stage.name)).map((r) => r.event_id)).toContain(id);

    writeFileSync(file, `{"event_id":"${existing.event_id}","event_created_at":"${existing.event_created_at}","event_data":{}}\n`);
    await expect(buildInsertPlan(ctx, stage, readEventFile(file), file, 'x')).rejects.toThrow('already exists');
  });

  it.each([
    ['{"event_id":"nope","event_created_at":"2026-03-14","event_data":{}}', 'entry 1: event_id: "nope" is not a UUID'],
    ['{"event_id":"00000000-0000-4000-8000-000000000999","event_created_at":"soon","event_data":{}}', 'event_created_at: "soon" is not a timestamp'],
    ['{"event_id":"00000000-0000-4000-8000-000000000999","event_created_at":"2026-03-14","event_data":[1]}', 'event_data must be a JSON object'],
    ['{"event_id":"00000000-0000-4000-8000-000000000999","event_created_at":"2026-03-14","event_data":{},"colour":"red"}', 'unknown column "colour"'],
    ['{"event_id":"00000000-0000-4000-8000-000000000999","event_created_at":"2026-03-14","event_name":"X","event_data":{}}', 'holds CardWasShipped events'],
  ])('refuses a bad record: %s', async (line, message) => {
    const { ctx, config, warehouse } = await makeWarehouse();
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, line + '\n');
    await expect(buildInsertPlan(ctx, stageNamed(config, 'card_was_shipped_event'), readEventFile(file), file, 'x')).rejects.toThrow(message);
    expect(await tableCounts(warehouse)).toEqual({ events: 0, exceptions: 0, exclusions: 0 });
  });

  it('reads CSV with quoted fields', async () => {
    const file = join(tempDir(), 'keys.csv');
    writeFileSync(file, 'event_id,event_created_at,event_data\n00000000-0000-4000-8000-000000000001,2026-03-14 10:00:00,"{""a"":""x,y""}"\n');
    expect(readEventFile(file)).toEqual([
      { line: 2, fields: { event_id: '00000000-0000-4000-8000-000000000001', event_created_at: '2026-03-14 10:00:00', event_data: '{"a":"x,y"}' } },
    ]);
  });
});

describe('apply', () => {
  it('journals every attempt in a private file', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    await insertOriginals(warehouse, [a]);
    const journal = new Journal(join(tempDir(), 'state', 'evfix', 'journal.jsonl'));
    const plan = await buildUpdatePlan(ctx, stage, { keys: [a] }, setStatus('Failed'), 'fix');
    await applyPlan(ctx, plan, journal);
    await applyPlan(ctx, plan, journal);
    expect(journal.read().map((e) => e.result)).toEqual(['already-applied', 'started', 'applied', 'started']);
    expect(journal.read()[2]).toMatchObject({ plan_id: plan.id, operator: 'tester', counts: { exclusions: 0, exceptions: 1 }, rerun: { stage: stage.name, current_date_offset: 1 } });
    expect(statSync(journal.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(journal.path, '..')).mode & 0o777).toBe(0o700);
  });

  it('refuses plans for another warehouse, hand-edited plans, and read-only mode', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    await insertOriginals(warehouse, [a]);
    const plan = await buildUpdatePlan(ctx, stage, { keys: [a] }, setStatus('Failed'), 'fix');
    expect(parsePlan(serializePlan(plan))).toEqual(plan);
    const edited = serializePlan(plan).replace('\\"Failed\\"', '\\"Sent\\"');
    expect(() => parsePlan(edited, 'plan.json')).toThrow('plan.json: the plan was changed after it was made');
    expect(() => parsePlan('{"format":"evfix-plan/1"}', 'plan.json')).toThrow(/^plan\.json: id: /);
    await expect(applyPlan(ctx, { ...plan, warehouse: 'duckdb:/elsewhere.duckdb' })).rejects.toThrow('was made on duckdb:/elsewhere.duckdb');
    await expect(applyPlan({ ...ctx, config: { ...config, read_only: true } }, plan)).rejects.toThrow('read-only');
    expect((await tableCounts(warehouse)).exceptions).toBe(0);
  });
});
