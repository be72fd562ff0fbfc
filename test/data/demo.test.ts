import { describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../src/data/demo/generate.js';
import { seedDemo, type SeedProgress } from '../../src/data/demo/seed.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { NOW, makeWarehouse, query } from '../helpers/warehouse.js';

const now = parseTimestamp(NOW);

describe('demo data', () => {
  const events = generateDemoEvents({ events: 50_000, seed: 42, now });

  it('is deterministic for a seed and day', () => {
    expect(generateDemoEvents({ events: 50_000, seed: 42, now })).toEqual(events);
    expect(generateDemoEvents({ events: 50_000, seed: 43, now })).not.toEqual(events);
  });

  it('has the faults evfix fixes, in realistic proportions', () => {
    expect(events).toHaveLength(50_000);
    expect(new Set(events.map((e) => e.event_name)).size).toBeGreaterThanOrEqual(5);
    const byId = new Map<string, typeof events>();
    for (const e of events) byId.set(e.event_id, [...(byId.get(e.event_id) ?? []), e]);
    const groups = [...byId.values()].filter((g) => g.length > 1);
    expect(groups.length / events.length).toBeGreaterThan(0.003);
    expect(groups.length / events.length).toBeLessThan(0.007);
    expect(groups.some((g) => g[0]!.event_data === g[1]!.event_data)).toBe(true);
    expect(groups.some((g) => g[0]!.event_data !== g[1]!.event_data)).toBe(true);
    const txIds = events.filter((e) => e.event_name === 'TransactionWasCreated').map((e) => JSON.parse(e.event_data).transaction_id);
    expect(txIds.length - new Set(txIds).size).toBeGreaterThan(10);
    const stuck = events.filter(
      (e) => e.event_name === 'RemittanceWasSent' && JSON.parse(e.event_data).Status === 'Pending' && e.event_created_at < '2026-03-10',
    );
    expect(stuck.length).toBeGreaterThan(50);
    expect(events.some((e) => e.event_created_at < '2026-03-01')).toBe(true);
    expect(events.every((e) => e.event_created_at >= '2026-02-13 12:00:00.000000' && e.event_created_at <= NOW)).toBe(true);
  });

  it('seeds a warehouse and builds every stage table', async () => {
    const { config, warehouse } = await makeWarehouse();
    const result = await seedDemo(config, { events: 2_000, now });
    expect(result.events).toBe(2_000);
    const total = result.stages.reduce((s, x) => s + x.rows, 0);
    expect(total).toBe(2_000);
    const [row] = await query(warehouse, 'SELECT count(*)::INT AS n FROM stage.remittance_was_sent_event');
    expect(row!.n).toBe(result.stages.find((s) => s.stage === 'remittance_was_sent_event')!.rows);
  });

  it('writes its events in slices, saying how far it has got, and they are the events of the seed', async () => {
    const { config, warehouse } = await makeWarehouse();
    const seen: SeedProgress[] = [];
    await seedDemo(config, { events: 2_500, now, onProgress: (p) => seen.push(p) });
    const written = seen.filter((p) => p.step === 'events').map((p) => p.done);
    expect(written[0]).toBe(0);
    expect(written.at(-1)).toBe(2_500);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(new Set(written).size).toBeGreaterThan(2);
    expect(seen.every((p) => p.total === (p.step === 'events' ? 2_500 : config.stages.length))).toBe(true);
    expect(seen.at(-1)).toEqual({ step: 'stages', done: config.stages.length, total: config.stages.length });

    const key = (e: { event_id: unknown; event_ingested_at: unknown; event_data: unknown }) => `${e.event_id} ${e.event_ingested_at} ${e.event_data}`;
    const stored = await query(
      warehouse,
      `SELECT event_id, strftime(event_ingested_at, '%Y-%m-%d %H:%M:%S.%f') AS event_ingested_at, CAST(event_data AS VARCHAR) AS event_data FROM kinesis.backend_events`,
    );
    expect(stored.map(key).sort()).toEqual(generateDemoEvents({ events: 2_500, seed: 42, now }).map(key).sort());
  });
});
