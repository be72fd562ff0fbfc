/**
 * Pending reruns: an applied plan is "rerun pending" until a rebuild after it covers the oldest event it wrote
 * for; the stage list, `evfix stages`, doctor and history all read this one answer.
 */
import { describe, expect, it } from 'vitest';
import { rerunStates } from '../../src/data/operations/pending.js';
import { event, insertOriginals, makeWarehouse } from '../helpers/warehouse.js';

const REMITTANCE = 'remittance_was_sent_event';
const CARD = 'card_was_shipped_event';
const key = (e: { event_id: string; event_created_at: string }) => ({ event_id: e.event_id, event_created_at: e.event_created_at });
const setStatus = (value: string) => [{ op: 'set' as const, path: '$.Status', value: JSON.stringify(value), createIfMissing: true }];

async function applied(service: Awaited<ReturnType<typeof makeWarehouse>>['service'], request: Parameters<typeof service.call<'makePlan'>>[1]) {
  const plan = await service.call('makePlan', request);
  const result = await service.call('applyPlan', { plan: plan.id });
  expect(result.status).toBe('applied');
  return plan;
}

describe('pending reruns', () => {
  it('names the plans a stage does not show yet, until a rerun from their oldest day', async () => {
    const { service, warehouse } = await makeWarehouse();
    const early = event({ event_created_at: '2026-03-05 08:00:00.000000' });
    const late = event({ event_created_at: '2026-03-12 09:00:00.000000' });
    await insertOriginals(warehouse, [early, late, event({ event_name: 'CardWasShipped', event_created_at: '2026-03-10 00:00:00.000000' })]);
    await service.call('rerun', { stage: REMITTANCE, offset: 14 });
    expect(await service.call('pendingReruns', {})).toEqual([]);

    const first = await applied(service, {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [key(early)] },
      edits: setStatus('Failed'),
      description: 'first',
    });
    const second = await applied(service, {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [key(late)] },
      edits: setStatus('Failed'),
      description: 'second',
    });
    const [pending, ...others] = await service.call('pendingReruns', {});
    expect(others).toEqual([]);
    expect(pending).toMatchObject({
      stage: REMITTANCE,
      since: '2026-03-05 00:00:00.000000',
      current_date_offset: 10,
      command: `evfix rerun ${REMITTANCE} --since 2026-03-05`,
    });
    expect(pending!.plans.map((p) => p.plan_id)).toEqual([second.id, first.id]);

    // A rebuild from a later day brings in the later plan only.
    await service.call('rerun', { stage: REMITTANCE, since: '2026-03-10' });
    const [still] = await service.call('pendingReruns', { stage: REMITTANCE });
    expect(still!.plans.map((p) => p.plan_id)).toEqual([first.id]);
    const history = await service.call('history', {});
    expect(history.map((e) => [e.plan_id, e.rerun_state])).toEqual([
      [second.id, 'in stage'],
      [first.id, 'rerun pending'],
    ]);

    await service.call('rerun', { stage: REMITTANCE, since: pending!.since });
    expect(await service.call('pendingReruns', {})).toEqual([]);
    expect((await service.call('history', {})).map((e) => e.rerun_state)).toEqual(['in stage', 'in stage']);
    // Another stage's rebuilds say nothing about this one's plans, and the other way round.
    expect(await service.call('pendingReruns', { stage: CARD })).toEqual([]);
  });

  it('tells duplicates unresolved in the sources from those the stage table still holds', async () => {
    const { service, warehouse } = await makeWarehouse();
    const copy = event({ event_created_at: '2026-03-10 08:00:00.000000' });
    await insertOriginals(warehouse, [copy, { ...copy, event_ingested_at: '2026-03-10 09:00:00.000000' }]);
    await service.call('rerun', { stage: REMITTANCE, offset: 14 });
    expect(await service.call('stageSummary', { stage: REMITTANCE })).toMatchObject({ duplicateGroups: 1, stageDuplicateGroups: 1 });

    await applied(service, { op: 'dedupe', stage: REMITTANCE, description: 'dedupe' });
    expect(await service.call('stageSummary', { stage: REMITTANCE })).toMatchObject({ duplicateGroups: 0, stageDuplicateGroups: 1 });
    expect(await service.call('pendingReruns', { stage: REMITTANCE })).toHaveLength(1);

    await service.call('rerun', { stage: REMITTANCE, offset: 14 });
    expect(await service.call('stageSummary', { stage: REMITTANCE })).toMatchObject({ duplicateGroups: 0, stageDuplicateGroups: 0 });
    expect(await service.call('pendingReruns', { stage: REMITTANCE })).toEqual([]);
  });

  it('says a stage table never built is not built, rather than failing the list', async () => {
    const { service, warehouse } = await makeWarehouse();
    await warehouse.session((conn) => conn.run('DROP TABLE stage.remittance_was_sent_event'));
    expect(await service.call('stageSummary', { stage: REMITTANCE })).toMatchObject({ stageDuplicateGroups: null });
  });

  it('counts a plan and its revert, both not in the stage yet, as nothing to rerun', async () => {
    const { service, warehouse } = await makeWarehouse();
    const e = event({ event_created_at: '2026-03-10 08:00:00.000000' });
    await insertOriginals(warehouse, [e]);
    await service.call('rerun', { stage: REMITTANCE, offset: 14 });
    const plan = await applied(service, { op: 'update', stage: REMITTANCE, selection: { keys: [key(e)] }, edits: setStatus('Failed'), description: 'oops' });
    expect(await service.call('pendingReruns', {})).toHaveLength(1);
    await applied(service, { op: 'revert', planId: plan.id });
    expect(await service.call('pendingReruns', {})).toEqual([]);
  });

  it('takes a rebuild of unknown window (BigQuery last_modified_time) to cover every plan before it', () => {
    const entry = (plan_id: string, applied_at: string, oldest: string) => ({
      plan_id,
      kind: 'update',
      applied_at,
      oldest,
      revert_of: null,
      counts: { exceptions: 1, exclusions: 0, deleted: { exceptions: 0, exclusions: 0 } },
    });
    const entries = [
      entry('b', '2026-03-15 12:00:00.000000', '2026-03-01 00:00:00.000000'),
      entry('a', '2026-03-15 10:00:00.000000', '2026-02-01 00:00:00.000000'),
    ];
    const states = rerunStates(entries, [{ at: '2026-03-15 11:00:00.000000', since: null }]);
    expect([...states]).toEqual([
      ['b', 'rerun pending'],
      ['a', 'in stage'],
    ]);
    // A plan that wrote nothing needs no rerun.
    expect(
      rerunStates(
        [
          {
            ...entry('c', '2026-03-15 12:00:00.000000', '2026-03-01 00:00:00.000000'),
            counts: { exceptions: 0, exclusions: 0, deleted: { exceptions: 0, exclusions: 0 } },
          },
        ],
        [],
      ).get('c'),
    ).toBe('in stage');
  });
});
