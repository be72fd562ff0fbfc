import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/data/journal.js';
import { applyPlan } from '../../src/data/operations/apply.js';
import { buildDedupePlan } from '../../src/data/operations/dedupe.js';
import { findEventIdDuplicates } from '../../src/data/operations/duplicates.js';
import { buildRevertPlan } from '../../src/data/operations/revert.js';
import { buildUpdatePlan } from '../../src/data/operations/update.js';
import { event, insertException, insertOriginals, makeWarehouse, stageNamed, tableCounts, tempDir } from '../helpers/warehouse.js';

describe('revert', () => {
  it('deletes exactly the rows an applied plan wrote, once', async () => {
    const { ctx, warehouse, config, setNow } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    const other = event();
    await insertOriginals(warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }, other]);
    // An earlier, unrelated exception for the same event must survive the revert.
    await insertException(warehouse, other, '2026-03-10 00:00:00.000000');
    const journal = new Journal(join(tempDir(), 'journal.jsonl'));
    const dedupe = await buildDedupePlan(ctx, stage, {});
    await applyPlan(ctx, dedupe, journal);
    expect(await tableCounts(warehouse)).toEqual({ events: 3, exceptions: 2, exclusions: 1 });

    setNow('2026-03-15 13:00:00.000000');
    const revert = await buildRevertPlan(ctx, journal, dedupe.id);
    expect(revert).toMatchObject({ kind: 'revert', exclusions: [], exceptions: [] });
    expect(revert.removals.exceptions).toEqual([{ ...dedupe.exceptions[0], exception_added_timestamp: '2026-03-15 12:00:00.000000' }]);
    const result = await applyPlan(ctx, revert, journal);
    expect(result.written.deleted).toEqual({ exclusions: 1, exceptions: 1 });
    expect(await tableCounts(warehouse)).toEqual({ events: 3, exceptions: 1, exclusions: 0 });
    expect((await findEventIdDuplicates(ctx, stage)).map((g) => g.event_id)).toEqual([a.event_id]);
    expect((await applyPlan(ctx, revert, journal)).status).toBe('already-applied');
    await expect(buildRevertPlan(ctx, journal, revert.id)).rejects.toThrow('is itself a revert');
  });

  it('refuses plans that were never applied, and a revert made stale by a later write', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const a = event();
    await insertOriginals(warehouse, [a]);
    const journal = new Journal(join(tempDir(), 'journal.jsonl'));
    await expect(buildRevertPlan(ctx, journal, '0123456789abcdef')).rejects.toThrow('has no applied entry');
    const set = (v: string) => [{ op: 'set' as const, path: '$.Status', value: JSON.stringify(v), createIfMissing: true }];
    const first = await buildUpdatePlan(ctx, stage, { keys: [a] }, set('Failed'), 'one');
    await applyPlan(ctx, first, journal);
    const revert = await buildRevertPlan(ctx, journal, first.id);
    await applyPlan(ctx, await buildUpdatePlan(ctx, stage, { keys: [a] }, set('Sent'), 'two'), journal);
    await expect(applyPlan(ctx, revert, journal)).rejects.toThrow('is stale');
    expect((await tableCounts(warehouse)).exceptions).toBe(2);
  });
});
