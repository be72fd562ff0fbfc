/**
 * Plans made on the worker thread (as the TUI makes them) are the plans made
 * here: the same id, rows, summary and SQL; refusals keep their kind and
 * field; apply writes once and is journaled; a plan dropped from the worker's
 * keep is reported as such.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvfixError } from '../../src/data/errors.js';
import { Journal } from '../../src/data/journal.js';
import type { PlanRef } from '../../src/data/plans/planRef.js';
import type { PlanRequest } from '../../src/data/plans/planRequest.js';
import { localPlans } from '../../src/data/plans/plans.js';
import { workerPlans } from '../../src/data/plans/workerPlans.js';
import { PLAN_WORKER } from '../helpers/planWorkerPath.js';
import { event, insertOriginals, makeWarehouse, tableCounts, tempDir, uuid } from '../helpers/warehouse.js';

async function everything(ref: PlanRef) {
  const changes = [];
  for (let i = 0; i <= ref.info.changes; i++) changes.push(await ref.change(i));
  return { info: ref.info, changes, summary: await ref.summary(), sql: await ref.applySql() };
}

async function seeded() {
  const w = await makeWarehouse();
  const dup = event({ event_id: uuid() });
  const rows = [dup, { ...dup, event_ingested_at: '2026-03-14 11:00:00.000000' }];
  for (let i = 0; i < 30; i++) rows.push(event({ event_created_at: `2026-03-14 09:00:${String(i).padStart(2, '0')}.000000`, data: { Status: 'Pending', n: i } }));
  await insertOriginals(w.warehouse, rows);
  return { w, dup };
}

describe('workerPlans', () => {
  it('makes the same plans as this thread does, for every kind the screens ask for', async () => {
    const { w, dup } = await seeded();
    const journal = new Journal(join(tempDir(), 'journal.jsonl'));
    const worker = workerPlans(w.ctx, journal, PLAN_WORKER);
    const local = localPlans(w.ctx, journal);
    const requests: PlanRequest[] = [
      { op: 'dedupe', stage: 'remittance_was_sent_event', eventIds: [dup.event_id], keep: [[dup.event_id, 1]] },
      { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'all groups' },
      {
        op: 'update',
        stage: 'remittance_was_sent_event',
        targets: { filter: { path: '$.Status', value: '"Pending"', from: '2026-03-01' } },
        edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
        description: 'bulk',
      },
      { op: 'insert', stage: 'remittance_was_sent_event', source: JSON.stringify({ event_id: uuid(), event_created_at: '2026-03-14 08:00:00', event_data: { Status: 'Sent', big: 12345678901234567890 } }), description: 'missing' },
      { op: 'exclude', stage: 'remittance_was_sent_event', eventIds: [dup.event_id], description: 'not ours' },
    ];
    try {
      for (const request of requests) {
        const [fromWorker, fromHere] = [await worker.build(request), await local.build(request)];
        expect(await everything(fromWorker)).toEqual(await everything(fromHere));
        const [described, describedHere] = [await fromWorker.redescribe('why it changed'), await fromHere.redescribe('why it changed')];
        expect(described.info.id).not.toBe(fromWorker.info.id);
        expect(await everything(described)).toEqual(await everything(describedHere));
      }
      // The update plan changed the 31 pending events; its changes are read one at a time.
      const update = await worker.build(requests[2]!);
      expect(update.info.changes).toBe(31);
      expect((await update.change(0))?.after).toContain('"Failed"');
      expect(await update.change(31)).toBeUndefined();
    } finally {
      await worker.close();
    }
  });

  it('refuses with the kind and field of the refusal made on the worker', async () => {
    const { w } = await seeded();
    const worker = workerPlans(w.ctx, new Journal(join(tempDir(), 'journal.jsonl')), PLAN_WORKER);
    try {
      const missing = uuid();
      const error = await worker
        .build({ op: 'update', stage: 'remittance_was_sent_event', targets: { keys: [{ event_id: missing, event_created_at: '2026-03-14 10:00:00.123456' }] }, edits: [{ op: 'remove', path: '$.Status' }], description: 'x' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EvfixError);
      expect(error).toMatchObject({ kind: 'input', field: 'event_id' });
      expect((error as Error).message).toContain(`event ${missing} created at 2026-03-14 10:00:00.123456 is not in remittance_was_sent_event`);
      await expect(worker.build({ op: 'insert', stage: 'remittance_was_sent_event', source: '[1]', description: 'x' })).rejects.toThrow('the event must be a JSON object');
      await expect(worker.build({ op: 'dedupe', stage: 'no_such_stage' })).rejects.toThrow('no_such_stage');
    } finally {
      await worker.close();
    }
  });

  it('writes a plan once, journaled, and says when a plan is no longer held', async () => {
    const { w, dup } = await seeded();
    const journal = new Journal(join(tempDir(), 'journal.jsonl'));
    const worker = workerPlans(w.ctx, journal, PLAN_WORKER);
    try {
      const plan = await worker.build({ op: 'dedupe', stage: 'remittance_was_sent_event', eventIds: [dup.event_id] });
      const first = await plan.apply();
      // The two copies share their event_created_at: one exclusion covers both, and one copy is re-added.
      expect(first).toMatchObject({ status: 'applied', written: { exclusions: 1, exceptions: 1 } });
      expect((await plan.apply()).status).toBe('already-applied');
      expect(await tableCounts(w.warehouse)).toMatchObject({ exclusions: 1, exceptions: 1 });
      expect(journal.read().map((e) => e.result).reverse()).toEqual(['started', 'applied', 'started', 'already-applied']);
      expect(journal.loadPlan(plan.info.id).id).toBe(plan.info.id);
      // This thread's own calls work again once the worker is done with the file.
      expect(await w.warehouse.countEvents()).toBe(32);

      // The worker keeps the newest four plans: a fifth drops the oldest.
      const kept = [];
      for (let i = 0; i < 5; i++) kept.push(await plan.redescribe(`description ${i}`));
      await expect(kept[0]!.summary()).rejects.toThrow(`plan ${kept[0]!.info.id} is no longer held`);
      await expect(kept[4]!.summary()).resolves.toMatchObject({ id: kept[4]!.info.id });
      // Back at the stage tables the TUI lets go of every plan.
      await worker.forget();
      await expect(kept[4]!.change(0)).rejects.toThrow(`plan ${kept[4]!.info.id} is no longer held`);
    } finally {
      await worker.close();
    }
  });

  it('fails what was asked of it when it is closed, and starts anew when asked again', async () => {
    const { w } = await seeded();
    const worker = workerPlans(w.ctx, undefined, PLAN_WORKER);
    const pending = worker.build({ op: 'dedupe', stage: 'remittance_was_sent_event', description: 'all' }).catch((e: unknown) => e);
    await worker.close();
    expect(await pending).toMatchObject({ message: 'evfix is closing; the plan was not finished' });
    const again = await worker.build({ op: 'dedupe', stage: 'remittance_was_sent_event', description: 'all' });
    expect(again.info.rows).toBe(2);
    await worker.close();
  });
});
