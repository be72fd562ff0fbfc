/**
 * An update made to be applied at once (`--yes`: makePlan with applyNext): the DuckDB engine keeps the plan's
 * snapshot and applies the plan in it. What it writes must be what a plan applied later writes; the snapshot must
 * be given up by anything else asked of the engine (so a write in between is still caught as stale), and when
 * the plan is not applied at all.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { Journal } from '../../src/data/journal.js';
import { createService } from '../../src/data/service/service.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { event, insertException, insertOriginals, makeWarehouse, NOW, query, tableCounts } from '../helpers/warehouse.js';

const STAGE = 'remittance_was_sent_event';
const update = (applyNext: boolean) => ({
  op: 'update' as const,
  stage: STAGE,
  selection: { where: ['$.Status="Pending"'] },
  edits: [{ op: 'set' as const, path: '$.Status', value: '"Failed"', createIfMissing: true }],
  description: 'pending never sent',
  applyNext,
});

// Pending and sent remittances, one pending event delivered twice (its later copy sent): the same in every warehouse.
const pending = [event(), event({ event_created_at: '2026-03-14 11:00:00.000000' }), event({ event_created_at: '2026-03-13 09:30:00.000000' })];
const events = [
  ...pending,
  { ...pending[0]!, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: '{"Status":"Sent"}' },
  event({ data: { Status: 'Sent' } }),
];

/** A warehouse of those events, observed statement by statement. */
async function observed() {
  const t = await makeWarehouse();
  await insertOriginals(t.warehouse, events);
  const statements: string[] = [];
  const engine = new DuckdbEngine(t.config as never, () => parseTimestamp(NOW), { onSql: (s) => statements.push(s) });
  const service = createService({ ...t.ctx, engine }, new Journal(join(t.dir, 'state', 'held.jsonl')));
  const count = (start: string) => statements.filter((s) => s.startsWith(start)).length;
  return {
    ...t,
    engine,
    service,
    chosen: () => count('CREATE OR REPLACE TEMP TABLE evfix_selected'),
    rechecked: () => count('SELECT count(*)::VARCHAR'),
  };
}

const written = (t: { warehouse: DuckdbEngine }) =>
  query(
    t.warehouse,
    `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created, CAST(event_data AS VARCHAR) AS data, is_event_update
     FROM s3.backend_events_exceptions ORDER BY event_id, created`,
  );

describe('an update applied at once (--yes)', () => {
  it('is applied in the snapshot it was planned in: the selection is read once, and it writes what a later apply writes', async () => {
    const held = await observed();
    const plan = await held.service.call('makePlan', update(true));
    expect(plan.counts).toMatchObject({ events: 3, exceptions: 3 });
    // The SQL the operator reads carries no raw tab or carriage return (JSON's whitespace is named by code).
    expect(plan.sql.statements.filter((s) => /[\t\r]/.test(s.sql))).toEqual([]);
    const result = await held.service.call('applyPlan', { plan: plan.id });
    expect(result).toMatchObject({ status: 'applied', written: { exceptions: 3, exclusions: 0 } });
    expect(held.chosen()).toBe(1);
    expect(held.rechecked()).toBe(0);

    const later = await observed();
    const again = await later.service.call('makePlan', update(false));
    await later.service.call('applyPlan', { plan: again.id });
    expect(later.chosen()).toBe(2);
    expect(later.rechecked()).toBe(1);

    const rows = await written(held);
    expect(rows).toEqual(await written(later));
    expect(rows.map((r) => r.event_id).sort()).toEqual(pending.map((e) => e.event_id).sort());
    expect(rows.every((r) => JSON.parse(String(r.data)).Status === 'Failed')).toBe(true);
    // Applied once: the audit row answers a second apply.
    expect(await held.service.call('applyPlan', { plan: plan.id })).toMatchObject({ status: 'already-applied' });
  });

  it('gives the snapshot up when the engine is asked anything else first: a write in between is refused as stale', async () => {
    const t = await observed();
    const plan = await t.service.call('makePlan', update(true));
    // A correction of one selected event, written between the plan and its apply (its own session).
    await insertException(t.engine, { ...pending[1]!, event_data: '{"Status":"Sent"}' }, '2026-03-15 01:00:00.000000', 'meanwhile');
    await expect(t.service.call('applyPlan', { plan: plan.id })).rejects.toThrow(/is stale: the rows it touches went from 3 to 2/);
    expect(t.rechecked()).toBe(1);
    expect(await tableCounts(t.warehouse)).toMatchObject({ exceptions: 1, exclusions: 0 });
  });

  it('is given up when the plan is not applied: closing the engine releases the file to another process', async () => {
    const t = await observed();
    await t.service.call('makePlan', update(true));
    await t.engine.close();
    const other = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { DuckDBInstance } = await import('@duckdb/node-api');
         const i = await DuckDBInstance.create(${JSON.stringify(t.config.engine.type === 'duckdb' ? t.config.engine.path : '')});
         const c = await i.connect();
         console.log(String((await c.runAndReadAll('SELECT count(*) FROM s3.backend_events_exceptions')).getRows()[0][0]));`,
      ],
      { encoding: 'utf8', cwd: process.cwd() },
    );
    expect(other.stderr).toBe('');
    expect(other.stdout.trim()).toBe('0');
  });

  // The file runs one session at a time and the snapshot holds that turn: it must never keep a call waiting.
  it('never keeps a call waiting: a read asked while the plan is made runs, and the plan is applied', async () => {
    const t = await observed();
    let read: Promise<number> | undefined;
    const engine: DuckdbEngine = new DuckdbEngine(t.config as never, () => parseTimestamp(NOW), {
      onSql: (s) => {
        if (!read && s.startsWith('CREATE OR REPLACE TEMP TABLE evfix_selected')) read = engine.countEvents();
      },
    });
    const service = createService({ ...t.ctx, engine }, new Journal(join(t.dir, 'state', 'read.jsonl')));
    const plan = await service.call('makePlan', update(true));
    // The read waited for the plan's turn only, not for its apply (before, it waited until the engine closed).
    expect(await read!).toBe(events.length);
    const applied = await service.call('applyPlan', { plan: plan.id });
    expect(applied.status).toBe('applied');
    expect((await tableCounts(t.warehouse)).exceptions).toBe(pending.length);
    await engine.close();
  });

  it('never keeps a write waiting: writes queued before the plan run, and the plan is applied after them', async () => {
    const t = await observed();
    const stage = t.config.stages.find((s) => s.name === STAGE)!;
    const since = '2026-01-01 00:00:00.000000';
    const first = t.engine.rerunStage(stage, since);
    const second = t.engine.rerunStage(stage, since);
    const plan = await t.service.call('makePlan', update(true));
    const applied = t.service.call('applyPlan', { plan: plan.id });
    // Before, the apply waited for the second rerun, which waited for the turn the plan's snapshot held.
    const [, , outcome] = await Promise.all([first, second, applied]);
    expect(outcome.status).toBe('applied');
    expect((await tableCounts(t.warehouse)).exceptions).toBe(pending.length);
    await t.engine.close();
  });
});
