import { describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../src/data/demo/generate.js';
import { seedDemo } from '../../src/data/demo/seed.js';
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
    const stuck = events.filter((e) => e.event_name === 'RemittanceWasSent' && JSON.parse(e.event_data).Status === 'Pending' && e.event_created_at < '2026-03-10');
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
});
