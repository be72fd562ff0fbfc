/**
 * create_stage_table semantics, row by row, on a real DuckDB file.
 * Clock: 2026-03-15 12:00 UTC; offset 3 means the window starts 2026-03-12 00:00.
 */
import { describe, expect, it } from 'vitest';
import { rerunStage } from '../../src/data/operations/rerun.js';
import { event, insertException, insertExclusion, insertOriginals, makeWarehouse, stageNamed, stageRows } from '../helpers/warehouse.js';

describe('stage rerun', () => {
  it('follows the create_stage_table rules row by row', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const plain = event({ data: { Status: 'Sent' } });
    const excluded = event({ data: { Status: 'Sent' } });
    const corrected = event({ data: { Status: 'Pending' } });
    const old = event({ event_created_at: '2026-03-01 08:00:00.000001', data: { Status: 'Sent' } });
    const copyA = event({ data: { Status: 'Sent' } });
    const copyB = { ...copyA, event_ingested_at: '2026-03-14 11:00:00.000000' };
    const otherName = event({ event_name: 'CardWasShipped', data: { carrier: 'DHL' } });
    const dayA = event({ event_created_at: '2026-03-13 09:00:00.000000' });
    const dayB = event({ event_created_at: '2026-03-13 17:30:00.500000' });
    await insertOriginals(warehouse, [plain, excluded, corrected, old, copyA, copyB, otherName, dayA, dayB]);

    // Build everything once, as the stage table looked before any fix.
    await rerunStage(ctx, stage, { since: '2000-01-01' });
    expect((await stageRows(warehouse, stage.name)).length).toBe(8);

    await insertExclusion(warehouse, excluded);
    await insertException(warehouse, { ...corrected, event_data: '{"Status":"Failed","v":1}' }, '2026-03-15 09:00:00.000000');
    await insertException(warehouse, { ...corrected, event_data: '{"Status":"Failed","v":2}' }, '2026-03-15 10:00:00.000000');
    const readded = event({ event_created_at: '2026-03-14 12:00:00.000000', data: { Status: 'Sent', readded: true } });
    await insertException(warehouse, readded, '2026-03-15 10:00:00.000000', 'missing event', false);
    // The whole of 2026-03-13 is excluded: the rerun must empty that day.
    await insertExclusion(warehouse, dayA);
    await insertExclusion(warehouse, dayB);
    // Outside the window: the rerun must leave the old row alone.
    await insertExclusion(warehouse, old);

    const result = await rerunStage(ctx, stage, { offset: 3 });
    expect(result.since).toBe('2026-03-12 00:00:00.000000');

    const rows = await stageRows(warehouse, stage.name);
    const byId = (id: string) => rows.filter((r) => r.event_id === id);
    expect(byId(plain.event_id)).toEqual([{ event_id: plain.event_id, created: plain.event_created_at, data: plain.event_data, is_exception: false }]);
    expect(byId(excluded.event_id)).toEqual([]);
    expect(byId(corrected.event_id)).toEqual([
      { event_id: corrected.event_id, created: corrected.event_created_at, data: '{"Status":"Failed","v":2}', is_exception: true },
    ]);
    expect(byId(readded.event_id)).toHaveLength(1);
    expect(byId(readded.event_id)[0]!.is_exception).toBe(true);
    // Unresolved copies stay until someone dedupes them.
    expect(byId(copyA.event_id)).toHaveLength(2);
    expect(byId(otherName.event_id)).toEqual([]);
    expect(rows.filter((r) => (r.created as string).startsWith('2026-03-13'))).toEqual([]);
    expect(byId(old.event_id)).toEqual([{ event_id: old.event_id, created: old.event_created_at, data: old.event_data, is_exception: false }]);
    expect(rows).toHaveLength(6);
    expect(result.inserted).toBe(5);
  });

  it('fills flattened columns from event_data paths', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    await insertOriginals(warehouse, [event({ data: { Status: 'Sent' } })]);
    await rerunStage(ctx, stage, { offset: 1 });
    const [row] = await warehouse.session(async (c) => (await c.runAndReadAll('SELECT status FROM stage.remittance_was_sent_event')).getRowObjectsJS());
    expect(row).toEqual({ status: 'Sent' });
  });

  it('refuses an offset and a since-date together, and bad values', async () => {
    const { ctx, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    await expect(rerunStage(ctx, stage, { offset: 1, since: '2026-01-01' })).rejects.toThrow('not both');
    await expect(rerunStage(ctx, stage, { since: 'last week' })).rejects.toThrow('since: "last week" is not a timestamp');
    await expect(rerunStage(ctx, stage, { offset: -1 })).rejects.toThrow('not a whole number');
  });
});
