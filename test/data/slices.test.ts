/** Work done in slices gives exactly what the one-shot versions give. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sealPlan, sealPlanAsync, type PlanDraft } from '../../src/data/plan.js';
import { mapInSlices, sortInSlices } from '../../src/data/slices.js';
import { redescribe } from '../../src/data/operations/redescribe.js';
import { event, uuid } from '../helpers/warehouse.js';

describe('slices', () => {
  it('sortInSlices sorts like Array.prototype.sort, stably', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.nat())), fc.integer({ min: 1, max: 7 }), async (rows, slice) => {
        const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0];
        expect(await sortInSlices(rows, cmp, slice)).toEqual([...rows].sort(cmp));
      }),
    );
  });

  it('mapInSlices maps like Array.prototype.map', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer()), async (rows) => {
        expect(await mapInSlices(rows, (x) => x * 2)).toEqual(rows.map((x) => x * 2));
      }),
    );
  });

  it('sealPlanAsync gives the same plan and id as sealPlan, at a size where it slices', async () => {
    const exceptions = Array.from({ length: 2_500 }, (_, i) => ({ ...event({ data: { n: i, big: 12345678901234567890n.toString() } }), exception_description: 'd', is_event_update: true }));
    const draft: PlanDraft = {
      kind: 'update',
      stage: 'remittance_was_sent_event',
      event_name: 'RemittanceWasSent',
      created_at: '2026-03-15 12:00:00.000000',
      operator: 'tester',
      description: 'd',
      warehouse: 'duckdb:x',
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      exclusions: [],
      exceptions,
      changes: exceptions.map((r) => ({ event_id: r.event_id, event_created_at: r.event_created_at, before: r.event_data, after: r.event_data })),
      skipped: [{ event_id: uuid(), event_created_at: '2026-03-14 10:00:00.123456', reason: 'already so' }],
      removals: { exclusions: [], exceptions: [] },
      preconditions: {
        event_ids: exceptions.map((r) => r.event_id).sort(),
        from: '2026-03-14 00:00:00.000000',
        until: '2026-03-15 00:00:00.000000',
        state: { sources: exceptions.map((r) => ({ event_id: r.event_id, event_created_at: r.event_created_at, at: r.event_ingested_at, digest: 'x' })), exceptions: [], exclusions: [] },
      },
    };
    const sync = sealPlan(draft);
    const sliced = await sealPlanAsync(draft);
    expect(sliced.id).toBe(sync.id);
    expect(sliced).toEqual(sync);
    await expect(sealPlanAsync({ ...draft, operator: '' })).rejects.toThrow();

    // A new description goes on every row and reseals, in slices; the same description is the same plan.
    expect(await redescribe(sync, 'd')).toBe(sync);
    const described = await redescribe(sync, 'late but right');
    expect(described).toEqual(sealPlan({ ...draft, description: 'late but right', exceptions: exceptions.map((r) => ({ ...r, exception_description: 'late but right' })) }));
    await expect(redescribe(sync, '   ')).rejects.toThrow(/description/);
  });
});
