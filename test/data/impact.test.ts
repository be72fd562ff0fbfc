/**
 * The impact preview against what really happens: on random warehouses (duplicates, copies of unknown
 * ingestion time, earlier corrections, exclusions, a stage table left stale by an earlier plan), a random plan's
 * preview must equal the difference between the stage table before it and the stage table after the plan is
 * applied and the stage rerun, counted here independently from the rows read back; and the preview writes nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/data/model.js';
import { describeImpact } from '../../src/data/operations/impact.js';
import { Rng } from '../helpers/rng.js';
import { insertException, insertExclusion, insertOriginals, makeWarehouse, query, tableCounts, tempDir, type TestWarehouse } from '../helpers/warehouse.js';

const STAGE = 'remittance_was_sent_event';
const DAYS = ['2026-03-02', '2026-03-05', '2026-03-08', '2026-03-11', '2026-03-13', '2026-03-14'];

const at = (r: Rng) => `${r.pick(DAYS)} ${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(10, 59))}:00.${String(r.int(0, 999999)).padStart(6, '0')}`;

async function randomWarehouse(seed: number): Promise<{ w: TestWarehouse; events: EventRow[] }> {
  const r = new Rng(seed);
  const w = await makeWarehouse();
  const events: EventRow[] = [];
  let n = 0;
  const id = () => `${(seed >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
  for (let i = r.int(8, 25); i > 0; i--) {
    const created = at(r);
    const e: EventRow = {
      event_created_at: created,
      event_id: id(),
      event_name: r.chance(0.1) ? 'CardWasShipped' : 'RemittanceWasSent',
      user_id: r.pick(['u1', 'u2', null]),
      event_external_reference_id: null,
      event_advisor_id: null,
      event_data: JSON.stringify({ remittance_id: `rm_${r.int(1, 5)}`, Status: r.pick(['Pending', 'Sent', 'Failed']), amount: r.int(1, 99) }),
      event_ingested_at: r.chance(0.15) ? null : `${created.slice(0, 11)}23:59:59.000000`,
    };
    events.push(e);
    // Redeliveries: the same event again, ingested later (sometimes with another document).
    for (let c = r.chance(0.3) ? r.int(1, 2) : 0; c > 0; c--) {
      events.push({
        ...e,
        event_ingested_at: `${created.slice(0, 11)}23:59:5${c}.500000`,
        event_data: r.chance(0.3) ? JSON.stringify({ Status: 'Sent', copy: c }) : e.event_data,
      });
    }
  }
  await insertOriginals(w.warehouse, events);
  for (const e of events) {
    if (e.event_name === 'RemittanceWasSent' && r.chance(0.1))
      await insertException(w.warehouse, { ...e, event_data: JSON.stringify({ Status: 'Corrected' }) }, '2026-03-14 01:00:00.000000');
    if (r.chance(0.05)) await insertExclusion(w.warehouse, e);
  }
  await w.service.call('rerun', { stage: STAGE, offset: 14 });
  return { w, events };
}

/** The stage table's rows created since `since`, each as the columns the stage holds from the sources. */
async function staged(w: TestWarehouse, since: string): Promise<string[][]> {
  const rows = await query(
    w.warehouse,
    `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created,
       json_array(event_name, user_id, event_external_reference_id, event_advisor_id, CAST(event_data AS VARCHAR),
                  strftime(event_ingested_at, '%Y-%m-%d %H:%M:%S.%f'), is_exception)::VARCHAR AS content
     FROM stage."${STAGE}" WHERE event_created_at >= '${since}'`,
  );
  return rows.map((r) => [`${r.event_id} ${r.created}`, String(r.content), String(JSON.parse(String(r.content))[4])]);
}

/** The impact rule, counted from rows: per key, alike rows are the same; of the rest, pairs are changed. */
function difference(before: string[][], after: string[][]) {
  const byKey = new Map<string, { b: string[]; a: string[] }>();
  for (const [k, c] of before) (byKey.get(k!) ?? byKey.set(k!, { b: [], a: [] }).get(k!)!).b.push(c!);
  for (const [k, c] of after) (byKey.get(k!) ?? byKey.set(k!, { b: [], a: [] }).get(k!)!).a.push(c!);
  const out = { added: 0, removed: 0, changed: 0, unchanged: 0, keys: new Set<string>() };
  for (const [key, { b, a }] of byKey) {
    const left = [...a];
    let same = 0;
    for (const c of b) {
      const i = left.indexOf(c);
      if (i >= 0) {
        left.splice(i, 1);
        same++;
      }
    }
    const aLeft = left.length;
    const bLeft = b.length - same;
    const changed = Math.min(aLeft, bLeft);
    out.unchanged += same;
    out.changed += changed;
    out.added += aLeft - changed;
    out.removed += bLeft - changed;
    if (aLeft + bLeft > 0) out.keys.add(key);
  }
  return out;
}

type Request = Parameters<TestWarehouse['service']['call']>[1];

function randomPlan(r: Rng, events: EventRow[]): Request {
  const remittances = events.filter((e) => e.event_name === 'RemittanceWasSent');
  const some = () => [...new Set(Array.from({ length: r.int(1, 3) }, () => r.pick(remittances)))];
  switch (r.int(0, 4)) {
    case 0:
      return {
        op: 'update',
        stage: STAGE,
        selection: { keys: some().map((e) => ({ event_id: e.event_id, event_created_at: e.event_created_at })) },
        edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
        description: 'keys',
      };
    case 1:
      return {
        op: 'update',
        stage: STAGE,
        selection: { where: ['$.Status="Pending"'] },
        edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
        description: 'where',
        skipProblems: true,
      };
    case 2:
      return { op: 'dedupe', stage: STAGE, keep: r.pick(['earliest', 'latest'] as const), description: 'dedupe' };
    case 3:
      return { op: 'exclude', stage: STAGE, eventIds: some().map((e) => e.event_id), description: 'exclude' };
    default: {
      const file = join(tempDir(), 'insert.jsonl');
      writeFileSync(
        file,
        `${JSON.stringify({ event_id: `ffffffff-0000-4000-8000-${String(r.int(1, 999999)).padStart(12, '0')}`, event_created_at: `${r.pick(DAYS)} 06:00:00.000000`, event_data: { Status: 'Sent' } })}\n`,
      );
      return { op: 'insert', stage: STAGE, file, description: 'insert' };
    }
  }
}

describe('the impact preview', () => {
  it.each(Array.from({ length: 24 }, (_, i) => i + 1))('equals the stage table the apply and the rerun then make (seed %i)', async (seed) => {
    const r = new Rng(seed * 7919);
    const { w, events } = await randomWarehouse(seed);
    // Sometimes an earlier plan was applied and never rerun: the stage table is stale, and the preview says
    // what the rerun will change, that plan's rows included.
    if (r.chance(0.4)) {
      const earlier = await w.service.call('makePlan', randomPlan(r, events) as never).catch(() => undefined);
      if (earlier && earlier.counts.exceptions + earlier.counts.exclusions > 0) await w.service.call('applyPlan', { plan: earlier.id });
    }
    // A plan evfix refuses to make (nothing matches, an exclusion that an exception row would outlive) has no preview.
    const plan = await w.service.call('makePlan', randomPlan(r, events) as never).catch(() => undefined);
    if (!plan || plan.counts.exceptions + plan.counts.exclusions === 0) return;
    const counts = await tableCounts(w.warehouse);
    const impact = await w.service.call('planImpact', { plan: plan.id });
    // Nothing was kept: the tables hold what they held, and the plan still applies.
    expect(await tableCounts(w.warehouse)).toEqual(counts);
    const before = await staged(w, impact.since);

    expect((await w.service.call('applyPlan', { plan: plan.id })).status).toBe('applied');
    await w.service.call('rerun', { stage: STAGE, since: impact.since.slice(0, 10) });
    const after = await staged(w, impact.since);
    const real = difference(before, after);

    expect({ added: impact.added, removed: impact.removed, changed: impact.changed, unchanged: impact.unchanged }, describeImpact(impact)).toEqual({
      added: real.added,
      removed: real.removed,
      changed: real.changed,
      unchanged: real.unchanged,
    });
    for (const row of impact.sample) {
      const key = `${row.event_id} ${row.event_created_at}`;
      expect(real.keys.has(key)).toBe(true);
      // The documents shown are the key's, from the stage table now (before) and after the rerun (after).
      if (row.before !== null) expect(before.filter(([k]) => k === key).map(([, , doc]) => doc)).toContain(row.before);
      if (row.after !== null) expect(after.filter(([k]) => k === key).map(([, , doc]) => doc)).toContain(row.after);
      expect(row.before === null).toBe(row.change === 'added');
      expect(row.after === null).toBe(row.change === 'removed');
    }
    expect(impact.sample.length).toBe(Math.min(10, real.keys.size));
  });

  it('is refused for a plan that is stale, as apply would refuse it, and writes nothing', async () => {
    const { w, events } = await randomWarehouse(99);
    const target = events.find((e) => e.event_name === 'RemittanceWasSent')!;
    const key = { event_id: target.event_id, event_created_at: target.event_created_at };
    const plan = await w.service.call('makePlan', {
      op: 'update',
      stage: STAGE,
      selection: { keys: [key] },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'x',
    });
    // Another operator corrects the event meanwhile.
    await insertException(w.warehouse, { ...target, event_data: '{"Status":"Sent"}' }, '2026-03-15 11:00:00.000000');
    const counts = await tableCounts(w.warehouse);
    await expect(w.service.call('planImpact', { plan: plan.id })).rejects.toThrow(/changed since/);
    expect(await tableCounts(w.warehouse)).toEqual(counts);
    expect((await w.service.call('applyPlan', { plan: plan.id }).catch((e: Error) => ({ status: e.message }))).status).not.toBe('applied');
  });
});
