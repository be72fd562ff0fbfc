/** Every operation on a real DuckDB file, through the service: what it plans, and what the warehouse holds after apply. */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/data/journal.js';
import { parsePlan, serializePlan } from '../../src/data/plan.js';
import { applyPlan } from '../../src/data/operations/apply.js';
import { readEventFile } from '../../src/data/operations/eventFile.js';
import { createService } from '../../src/data/service/service.js';
import { event, insertException, insertExclusion, insertOriginals, makeWarehouse, query, stageRows, tableCounts, tempDir, uuid } from '../helpers/warehouse.js';

const setStatus = (value: string) => [{ op: 'set' as const, path: '$.Status', value: JSON.stringify(value), createIfMissing: true }];
const REMITTANCE = 'remittance_was_sent_event';
/** An event's key, as a selection names it. */
const key = (e: { event_id: string; event_created_at: string }) => ({ event_id: e.event_id, event_created_at: e.event_created_at });

describe('duplicates by event_id', () => {
  it('groups copies, flags identical or differing, and skips resolved and old groups', async () => {
    const { service, warehouse } = await makeWarehouse();
    const same = event();
    const differ = event({ data: { Status: 'Pending', amount: 10 } });
    const resolved = event();
    const old = event({ event_created_at: '2026-02-01 00:00:00.000000' });
    await insertOriginals(warehouse, [
      same,
      { ...same, event_ingested_at: '2026-03-14 12:00:00.000000' },
      differ,
      { ...differ, event_ingested_at: '2026-03-14 13:00:00.000000', event_data: '{"Status":"Sent","amount":10}' },
      resolved,
      { ...resolved, event_ingested_at: '2026-03-14 14:00:00.000000' },
      old,
      { ...old, event_ingested_at: '2026-02-02 00:00:00.000000' },
      event(),
    ]);
    await insertExclusion(warehouse, resolved);
    await insertException(warehouse, resolved, '2026-03-15 00:00:00.000000', 'dedupe', false);

    const summaries = await service.call('duplicateGroups', { stage: REMITTANCE });
    expect(summaries.map((g) => g.event_id).sort()).toEqual([same.event_id, differ.event_id].sort());
    const groups = await service.call('groupCopies', { stage: REMITTANCE, eventIds: summaries.map((g) => g.event_id) });
    expect(groups.find((g) => g.event_id === same.event_id)).toMatchObject({
      identical: true,
      differences: [],
      firstIngested: same.event_ingested_at,
      lastIngested: '2026-03-14 12:00:00.000000',
    });
    expect(groups.find((g) => g.event_id === differ.event_id)).toMatchObject({ identical: false, differences: ['event_data.Status'] });
    expect(await service.call('duplicateGroups', { stage: REMITTANCE, lookbackDays: 60 })).toHaveLength(3);
  });
});

describe('dedupe', () => {
  it('excludes every copy, re-adds the earliest, and the rerun shows the event once', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    const later = { ...a, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: '{"Status":"Sent"}' };
    await insertOriginals(warehouse, [a, later, event()]);

    const plan = await service.call('makePlan', { op: 'dedupe', stage: REMITTANCE });
    expect(plan.counts).toMatchObject({ events: 2, exclusions: 1, exceptions: 1 });
    expect(plan.sample.map((c) => c.note)).toEqual(['copy 1 of 2, kept', 'copy 2 of 2, excluded']);

    const result = await service.call('applyPlan', { plan: plan.id });
    expect(result).toMatchObject({ status: 'applied', written: { exclusions: 1, exceptions: 1 }, rerun: { stage: REMITTANCE, current_date_offset: 1 } });
    const [excluded] = await query(
      warehouse,
      `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created FROM s3.backend_events_exclusions`,
    );
    expect(excluded).toEqual({ event_id: a.event_id, created: a.event_created_at });
    const [kept] = await query(warehouse, `SELECT CAST(event_data AS VARCHAR) AS d, is_event_update FROM s3.backend_events_exceptions`);
    expect(kept).toEqual({ d: a.event_data, is_event_update: false });
    await service.call('rerun', { stage: REMITTANCE, offset: result.rerun.current_date_offset });
    const rows = (await stageRows(warehouse, REMITTANCE)).filter((r) => r.event_id === a.event_id);
    expect(rows).toEqual([{ event_id: a.event_id, created: a.event_created_at, data: a.event_data, is_exception: true }]);
    expect(await service.call('duplicateGroups', { stage: REMITTANCE })).toEqual([]);

    const again = await service.call('applyPlan', { plan: plan.id });
    expect(again).toMatchObject({ status: 'already-applied', written: { exclusions: 0, exceptions: 0 } });
    expect(again.message).toContain('already applied');
    expect(await tableCounts(warehouse)).toEqual({ events: 3, exceptions: 1, exclusions: 1 });
  });

  it('keeps the latest copy on request, the copy chosen per group, and only the chosen groups', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    const b = event();
    const c = event();
    const aLater = { ...a, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: '{"Status":"Sent"}' };
    const cLater = { ...c, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: '{"Status":"Third"}' };
    await insertOriginals(warehouse, [a, aLater, b, { ...b, event_ingested_at: '2026-03-14 12:00:00.000000' }, c, cLater]);
    const plan = await service.call('makePlan', {
      op: 'dedupe',
      stage: REMITTANCE,
      eventIds: [a.event_id, c.event_id],
      keep: 'latest',
      choices: [[c.event_id, 0]],
      description: 'keep newest',
    });
    expect(plan.counts).toMatchObject({ exclusions: 2, exceptions: 2 });
    await service.call('applyPlan', { plan: plan.id });
    const kept = await query(warehouse, `SELECT event_id, CAST(event_data AS VARCHAR) AS d FROM s3.backend_events_exceptions ORDER BY event_id`);
    expect(kept).toEqual(
      [
        { event_id: a.event_id, d: aLater.event_data },
        { event_id: c.event_id, d: c.event_data },
      ].sort((x, y) => (x.event_id < y.event_id ? -1 : 1)),
    );
    await expect(service.call('makePlan', { op: 'dedupe', stage: REMITTANCE, eventIds: [uuid()] })).rejects.toThrow('has no unresolved duplicates');
    await expect(service.call('makePlan', { op: 'dedupe', stage: REMITTANCE, eventIds: [b.event_id], choices: [[b.event_id, 5]] })).rejects.toThrow(
      'has 2 copies; there is no copy 6',
    );
  });

  it('refuses a stale plan, says what changed, and writes nothing', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    await insertOriginals(warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }]);
    const plan = await service.call('makePlan', { op: 'dedupe', stage: REMITTANCE });
    // Another operator excludes the same event first.
    await insertExclusion(warehouse, a);
    const before = await tableCounts(warehouse);
    await expect(service.call('applyPlan', { plan: plan.id })).rejects.toThrow(
      /is stale: the rows it touches went from 2 to 0 since it was made at .* Nothing was written/,
    );
    expect(await tableCounts(warehouse)).toEqual(before);
  });

  it('refuses an update whose source rows changed', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    await insertOriginals(warehouse, [a]);
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [key(a)] },
      edits: setStatus('Failed'),
      description: 'fix',
    });
    await warehouse.session((c) => c.run(`UPDATE kinesis.backend_events SET event_data = '{"Status":"Sent"}'`));
    await expect(service.call('applyPlan', { plan: plan.id })).rejects.toThrow('1 row(s) it touches are still there, but some changed');
    expect((await tableCounts(warehouse)).exceptions).toBe(0);
  });
});

describe('business-key duplicates and exclusions', () => {
  it('groups different event_ids sharing a key and excludes the chosen ones', async () => {
    const { service, warehouse } = await makeWarehouse();
    const stage = 'transaction_was_created_event';
    const tx = (id: string, extra = {}) => event({ event_name: 'TransactionWasCreated', data: { transaction_id: id, amount: 5, ...extra } });
    const first = tx('tx_1');
    const second = tx('tx_1', { amount: 6 });
    await insertOriginals(warehouse, [first, second, tx('tx_2')]);

    const groups = await service.call('businessKeyGroups', { stage, path: '$.transaction_id' });
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ key: 'tx_1', differences: ['$.amount'] });
    expect(groups[0]!.events.map((e) => e.event_id).sort()).toEqual([first.event_id, second.event_id].sort());

    const plan = await service.call('makePlan', { op: 'exclude', stage, eventIds: [second.event_id], description: 'Duplicate transaction_id' });
    expect(plan.counts).toMatchObject({ exclusions: 1, exceptions: 0 });
    await service.call('applyPlan', { plan: plan.id });
    const [row] = await query(warehouse, `SELECT event_id, event_name, exclusion_description FROM s3.backend_events_exclusions`);
    expect(row).toEqual({ event_id: second.event_id, event_name: 'TransactionWasCreated', exclusion_description: 'Duplicate transaction_id' });
    expect(await service.call('businessKeyGroups', { stage, path: '$.transaction_id' })).toEqual([]);
    await service.call('rerun', { stage, offset: 2 });
    expect((await stageRows(warehouse, stage)).map((r) => r.event_id)).not.toContain(second.event_id);
  });

  it('reports events already excluded and excludes the others, without calling the plan stale', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    const b = event();
    await insertOriginals(warehouse, [a, b]);
    await insertExclusion(warehouse, b);
    const plan = await service.call('makePlan', { op: 'exclude', stage: REMITTANCE, eventIds: [a.event_id, b.event_id], description: 'both' });
    expect(plan.counts).toMatchObject({ exclusions: 1, skipped: 1 });
    expect(plan.summary.notes.join(' ')).toContain(`already excluded, left alone: ${b.event_id}`);
    expect(await service.call('applyPlan', { plan: plan.id })).toMatchObject({ status: 'applied', written: { exclusions: 1 } });
  });

  it('refuses exclusions that would not take effect or name the wrong events', async () => {
    const { service, warehouse } = await makeWarehouse();
    const withException = event();
    const card = event({ event_name: 'CardWasShipped' });
    await insertOriginals(warehouse, [withException, card]);
    await insertException(warehouse, withException, '2026-03-15 00:00:00.000000');
    const exclude = (id: string, description = 'x') => service.call('makePlan', { op: 'exclude', stage: REMITTANCE, eventIds: [id], description });
    await expect(exclude(withException.event_id)).rejects.toThrow('has an exception row');
    await expect(exclude(card.event_id)).rejects.toThrow('is a CardWasShipped event, not RemittanceWasSent');
    await expect(exclude(uuid())).rejects.toThrow('has no original rows');
    await expect(exclude(card.event_id, '  ')).rejects.toThrow('description: is required');
  });
});

describe('lookup', () => {
  it('shows originals, exceptions, exclusions and the effective version', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    await insertOriginals(warehouse, [a]);
    expect((await service.call('lookup', { eventId: a.event_id })).effective).toEqual([{ ...a, source: 'original' }]);
    await insertException(warehouse, { ...a, event_data: '{"Status":"Failed"}' }, '2026-03-15 01:00:00.000000');
    const found = await service.call('lookup', { eventId: a.event_id, createdAt: a.event_created_at });
    expect(found.originals).toEqual([a]);
    expect(found.exceptions).toHaveLength(1);
    expect(found.effective).toMatchObject([{ source: 'exception', event_data: '{"Status":"Failed"}' }]);
    expect((await service.call('lookup', { eventId: a.event_id, createdAt: '2026-03-14 10:00:00.123457' })).originals).toEqual([]);
  });

  it('shows both copies of an unresolved duplicate, as the stage table does', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    await insertOriginals(warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }]);
    expect((await service.call('lookup', { eventId: a.event_id })).effective).toHaveLength(2);
  });
});

describe('update', () => {
  it('writes the edited document as an exception, microseconds and big integers intact', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event({ event_created_at: '2024-02-03 15:38:21.224000' });
    const raw = { ...a, event_data: '{"Status":"Pending","big":12345678901234567890}' };
    await insertOriginals(warehouse, [raw]);
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [{ event_id: a.event_id, event_created_at: '2024-02-03 15:38:21.224' }] },
      edits: setStatus('Failed'),
      description: 'Remittance was never sent updates',
    });
    expect(plan.sample).toEqual([
      { event_id: a.event_id, event_created_at: '2024-02-03 15:38:21.224000', before: raw.event_data, after: '{"Status":"Failed","big":12345678901234567890}' },
    ]);
    expect(plan.summary.paths).toEqual([{ path: '$.Status', changes: [{ before: '"Pending"', after: '"Failed"', events: 1 }], more: { pairs: 0, events: 0 } }]);
    const result = await service.call('applyPlan', { plan: plan.id });
    expect(result.rerun.current_date_offset).toBe(771);
    const [row] = await query(
      warehouse,
      `SELECT strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created, CAST(event_data AS VARCHAR) AS data, exception_description, is_event_update,
              strftime(exception_added_timestamp, '%Y-%m-%d %H:%M:%S.%f') AS added FROM s3.backend_events_exceptions`,
    );
    expect(row).toMatchObject({
      created: '2024-02-03 15:38:21.224000',
      exception_description: 'Remittance was never sent updates',
      is_event_update: true,
      added: '2026-03-15 12:00:00.000000',
    });
    expect(JSON.parse(String(row!.data).replace(/12345678901234567890/, '"big"'))).toEqual({ Status: 'Failed', big: 'big' });
    expect(String(row!.data)).toContain('12345678901234567890');
    await service.call('rerun', { stage: REMITTANCE, offset: result.rerun.current_date_offset });
    expect((await stageRows(warehouse, REMITTANCE)).map((r) => ({ id: r.event_id, exception: r.is_exception }))).toEqual([{ id: a.event_id, exception: true }]);
  });

  it('edits the latest exception, not the original, and counts events already as requested', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    const b = event({ data: { Status: 'Failed' } });
    await insertOriginals(warehouse, [a, b]);
    await insertException(warehouse, { ...a, event_data: '{"Status":"Sent","note":"fixed"}' }, '2026-03-15 01:00:00.000000');
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [key(a), key(b)] },
      edits: setStatus('Failed'),
      description: 'fix',
    });
    expect(plan.sample.map((c) => c.after)).toEqual(['{"Status":"Failed","note":"fixed"}']);
    expect(plan.counts).toMatchObject({ events: 2, exceptions: 1, unchanged: 1 });
  });

  it('refuses an update that would write nothing, naming why, and writes nothing', async () => {
    const { service, warehouse } = await makeWarehouse();
    const failed = event({ data: { Status: 'Failed' } });
    const scalar = event({ data: { Status: 'Failed', meta: 5 } });
    await insertOriginals(warehouse, [failed, scalar]);
    const request = { op: 'update', stage: REMITTANCE, selection: { keys: [key(failed)] }, edits: setStatus('Failed'), description: 'x' } as const;
    // Every selected event is already as asked: no plan of no rows, no audit row, no rerun asked for.
    await expect(service.call('makePlan', request)).rejects.toThrow(
      'nothing to write: the 1 selected RemittanceWasSent event(s) in remittance_was_sent_event are already as asked; nothing to do',
    );
    // One already as asked, one that cannot change: the plan is made (it refuses the problem and shows it);
    // leaving that one out leaves nothing to write.
    const both = {
      ...request,
      selection: { keys: [key(failed), key(scalar)] },
      edits: [
        { op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true },
        { op: 'set', path: '$.meta.b', value: '2', createIfMissing: true },
      ],
    } as const;
    const plan = await service.call('makePlan', both);
    expect(plan.counts).toMatchObject({ events: 2, exceptions: 1, problems: 1 });
    await expect(
      service.call('makePlan', {
        ...both,
        edits: [{ op: 'set', path: '$.meta.b', value: '2', createIfMissing: true }],
        selection: { keys: [key(scalar)] },
        skipProblems: true,
      }),
    ).rejects.toThrow(
      'nothing to write: of the 1 selected RemittanceWasSent event(s) in remittance_was_sent_event, 1 cannot be changed as asked (left out); nothing to do',
    );
    expect(await query(warehouse, 'SELECT count(*)::INTEGER AS n FROM s3.backend_events_exceptions')).toEqual([{ n: 0 }]);
  });

  it('selects events by conditions on event_data paths and on columns', async () => {
    const { service, warehouse } = await makeWarehouse();
    const pending = event({ data: { Status: 'Pending', amount: 150 } });
    const small = event({ data: { Status: 'Pending', amount: 5 } });
    const sent = event({ data: { Status: 'Sent', amount: 500 } });
    const noStatus = event({ data: { amount: 1 }, user_id: 'user-2' });
    const oldPending = event({ event_created_at: '2026-01-01 00:00:00.000000', data: { Status: 'Pending' } });
    await insertOriginals(warehouse, [pending, small, sent, noStatus, oldPending]);
    const ids = async (where: string[], extra: { from?: string; until?: string } = {}) =>
      (await service.call('findEvents', { stage: REMITTANCE, selection: { where, ...extra }, limit: 100 })).events.map((e) => e.event_id).sort();
    expect(await ids(['$.Status="Pending"'])).toEqual([pending.event_id, small.event_id].sort());
    expect(await ids(['$.Status="Pending"'], { from: '2025-12-01' })).toEqual([pending.event_id, small.event_id, oldPending.event_id].sort());
    expect(await ids(['$.Status="Pending"', '$.amount>100'])).toEqual([pending.event_id]);
    expect(await ids(['$.amount<=5'])).toEqual([small.event_id, noStatus.event_id].sort());
    expect(await ids(['$.Status in ["Sent","Nope"]'])).toEqual([sent.event_id]);
    expect(await ids(['$.Status is missing'])).toEqual([noStatus.event_id]);
    expect(await ids(['$.Status exists', '$.Status!="Pending"'])).toEqual([sent.event_id]);
    expect(await ids(['user_id=user-2'])).toEqual([noStatus.event_id]);
    expect(await ids(['event_ingested_at>=2026-03-14 10:00:00'])).toHaveLength(4);
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { where: ['$.Status="Pending"'] },
      edits: setStatus('Failed'),
      description: 'stuck',
    });
    expect(plan.counts.exceptions).toBe(2);
    expect(plan.selection.conditions).toEqual([{ on: 'data', path: '$.Status', op: '=', values: ['"Pending"'] }]);
  });

  it('takes keys and per-event values from a CSV file', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event({ data: { Status: 'Pending' } });
    const b = event({ data: { Status: 'Pending' } });
    await insertOriginals(warehouse, [a, b, event()]);
    const file = join(tempDir(), 'fixes.csv');
    writeFileSync(
      file,
      `event_id,event_created_at,$.Status,$.reason:string\n${a.event_id},${a.event_created_at},"""Failed""",bank said no\n${b.event_id},${b.event_created_at},"""Sent""",ok\n`,
    );
    const plan = await service.call('makePlan', { op: 'update', stage: REMITTANCE, selection: { file }, edits: [], description: 'from file' });
    expect(plan.selection.keys).toMatchObject({
      kind: 'keys',
      columns: [
        { name: '$.Status', type: 'json' },
        { name: '$.reason', type: 'string' },
      ],
    });
    expect(plan.counts.exceptions).toBe(2);
    await service.call('applyPlan', { plan: plan.id });
    const docs = (await query(warehouse, `SELECT event_id, CAST(event_data AS VARCHAR) AS d FROM s3.backend_events_exceptions`)).map((r) => [
      r.event_id,
      JSON.parse(String(r.d)),
    ]);
    expect(Object.fromEntries(docs)).toEqual({ [a.event_id]: { Status: 'Failed', reason: 'bank said no' }, [b.event_id]: { Status: 'Sent', reason: 'ok' } });
  });

  it('names a large key file by its digest, reads it again at apply, and refuses it changed', async () => {
    const { service, warehouse } = await makeWarehouse();
    const rows = Array.from({ length: 1_200 }, () => event({ data: { Status: 'Pending' } }));
    await insertOriginals(warehouse, rows);
    const file = join(tempDir(), 'many.csv');
    const text = `event_id,event_created_at\n${rows.map((r) => `${r.event_id},${r.event_created_at}`).join('\n')}\n`;
    writeFileSync(file, text);
    const plan = await service.call('makePlan', { op: 'update', stage: REMITTANCE, selection: { file }, edits: setStatus('Failed'), description: 'many' });
    expect(plan.selection.keys).toMatchObject({ kind: 'file', file, rows: 1_200 });
    expect(serializePlan(plan).length).toBeLessThan(200_000);
    writeFileSync(file, text.replace(rows[5]!.event_id, rows[6]!.event_id));
    await expect(service.call('applyPlan', { plan: plan.id })).rejects.toThrow('changed since the plan was made');
    expect((await tableCounts(warehouse)).exceptions).toBe(0);
    writeFileSync(file, text);
    expect(await service.call('applyPlan', { plan: plan.id })).toMatchObject({ written: { exceptions: 1_200 } });
  });

  it('takes keys and values from a table of the warehouse', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event({ data: { Status: 'Pending' } });
    await insertOriginals(warehouse, [a, event()]);
    await warehouse.session(async (c) => {
      await c.run('CREATE TABLE s3.fixes (event_id VARCHAR, event_created_at TIMESTAMP, status VARCHAR, amount DOUBLE, seen_at TIMESTAMP)');
      await c.run(`INSERT INTO s3.fixes VALUES ('${a.event_id}', '${a.event_created_at}', 'Failed', 12.5, now())`);
    });
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { table: 's3.fixes' },
      edits: [
        { op: 'set-from', path: '$.Status', column: 'status' },
        { op: 'set-from', path: '$.amount', column: 'amount' },
      ],
      description: 'from table',
    });
    expect(plan.counts.exceptions).toBe(1);
    await service.call('applyPlan', { plan: plan.id });
    const [row] = await query(warehouse, `SELECT CAST(event_data AS VARCHAR) AS d FROM s3.backend_events_exceptions`);
    expect(JSON.parse(String(row!.d))).toMatchObject({ Status: 'Failed', amount: 12.5 });
    const update = (table: string, column: string) =>
      service.call('makePlan', { op: 'update', stage: REMITTANCE, selection: { table }, edits: [{ op: 'set-from', path: '$.x', column }], description: 'x' });
    await expect(update('s3.fixes', 'colour')).rejects.toThrow('s3.fixes has no column colour');
    await expect(update('s3.fixes', 'seen_at')).rejects.toThrow('s3.fixes.seen_at is TIMESTAMP; a value column must be');
    await expect(update('s3.nope', 'status')).rejects.toThrow('s3.nope does not exist');
  });

  it('tells an object from anything else whatever whitespace a document starts with', async () => {
    const { service, warehouse } = await makeWarehouse();
    const spaced = event({ event_data: ' \n\t{"Status":"Pending","a":1}' });
    const array = event({ event_data: '\r\n [1,2]' });
    await insertOriginals(warehouse, [spaced, array]);
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [spaced, array].map((e) => ({ event_id: e.event_id, event_created_at: e.event_created_at })) },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'x',
    });
    expect(plan.counts).toMatchObject({ events: 2, exceptions: 1, problems: 1 });
    expect(plan.problems).toEqual([
      { event_id: array.event_id, event_created_at: array.event_created_at, reason: expect.stringContaining('not a JSON object') },
    ]);
  });

  it('counts the events JSON_SET would leave unchanged, refuses the plan by default, and leaves them out on request', async () => {
    const { service, warehouse } = await makeWarehouse();
    const ok = event({ data: { Status: 'Pending', meta: { a: 1 } } });
    const scalar = event({ data: { Status: 'Pending', meta: 5 } });
    await insertOriginals(warehouse, [ok, scalar]);
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { where: ['$.Status="Pending"'] },
      edits: [{ op: 'set', path: '$.meta.b', value: '2', createIfMissing: true }],
      description: 'x',
    });
    expect(plan.counts).toMatchObject({ events: 2, exceptions: 1, problems: 1 });
    expect(plan.problems).toEqual([
      { event_id: scalar.event_id, event_created_at: scalar.event_created_at, reason: 'set $.meta.b: $.meta is a number, not an object' },
    ]);
    await expect(service.call('applyPlan', { plan: plan.id })).rejects.toThrow('1 selected event(s) cannot be changed as asked');
    const skipping = await service.call('remakePlan', { plan: plan.id, onProblem: 'skip' });
    expect(await service.call('applyPlan', { plan: skipping.id })).toMatchObject({ written: { exceptions: 1 } });
    const [row] = await query(warehouse, `SELECT event_id, CAST(event_data AS VARCHAR) AS d FROM s3.backend_events_exceptions`);
    expect(row).toEqual({ event_id: ok.event_id, d: '{"Status":"Pending","meta":{"a":1,"b":2}}' });
  });

  it('runs edits json_merge_patch cannot express through evfix_edit (arrays, objects, nulls)', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event({ data: { Status: 'Pending', items: [1, 2], old: true } });
    await insertOriginals(warehouse, [a]);
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [key(a)] },
      edits: [
        { op: 'set', path: '$.items[3]', value: '"x"', createIfMissing: true },
        { op: 'set', path: '$.meta', value: '{"k":null}', createIfMissing: true },
        { op: 'remove', path: '$.old' },
      ],
      description: 'x',
    });
    await service.call('applyPlan', { plan: plan.id });
    const [row] = await query(warehouse, `SELECT CAST(event_data AS VARCHAR) AS d FROM s3.backend_events_exceptions`);
    expect(JSON.parse(String(row!.d))).toEqual({ Status: 'Pending', items: [1, 2, null, 'x'], meta: { k: null } });
    expect(row!.d).toBe(plan.sample[0]!.after);
  });

  it('applies edits in the order given, refuses a second replacement, and keeps event_data an object', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    await insertOriginals(warehouse, [a]);
    const make = (edits: object[]) =>
      service.call('makePlan', { op: 'update', stage: REMITTANCE, selection: { keys: [key(a)] }, edits: edits as never, description: 'x' });
    await expect(
      make([
        { op: 'set', path: '$.x', value: '1', createIfMissing: true },
        { op: 'replace', document: '{"y":2}' },
      ]),
    ).rejects.toThrow('comes after set $.x = 1, which it would throw away');
    await expect(
      make([
        { op: 'replace', document: '{"y":2}' },
        { op: 'replace', document: '{"z":3}' },
      ]),
    ).rejects.toThrow('a second replacement');
    await expect(make([{ op: 'set', path: '$', value: '1', createIfMissing: true }])).rejects.toThrow('event_data must stay a JSON object');
    await expect(make([{ op: 'remove', path: '$' }])).rejects.toThrow('event_data must stay a JSON object');
    await expect(
      make([
        { op: 'set', path: '$.a', value: '{}', createIfMissing: true },
        { op: 'set', path: '$.a.b', value: '1', createIfMissing: true },
      ]),
    ).rejects.toThrow('touch the same value');
    const plan = await make([
      { op: 'replace', document: '{"y":2}' },
      { op: 'set', path: '$.z', value: '3', createIfMissing: true },
    ]);
    expect(plan.sample[0]!.after).toBe('{"y":2,"z":3}');
    expect((await tableCounts(warehouse)).exceptions).toBe(0);
  });

  it('refuses bad input with one message naming it, before writing anything', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event({ data: { Status: 'Pending', amount: 3 } });
    await insertOriginals(warehouse, [a]);
    const keys = { keys: [key(a)] };
    const update = (edits: object[], description = 'x', selection: object = keys) =>
      service.call('makePlan', { op: 'update', stage: REMITTANCE, selection: selection as never, edits: edits as never, description });
    await expect(update(setStatus('Failed'), '')).rejects.toThrow('description: is required');
    await expect(update([])).rejects.toThrow('give at least one change');
    await expect(update([{ op: 'set', path: 'Status', value: '1', createIfMissing: true }])).rejects.toThrow('set path: "Status" is not a JSON path');
    await expect(update([{ op: 'set', path: '$.a', value: 'Failed', createIfMissing: true }])).rejects.toThrow('value for $.a: invalid JSON');
    await expect(update(setStatus('Failed'), 'x', { keys: [{ event_id: a.event_id, event_created_at: '2026-03-14 10:00:00.123457' }] })).rejects.toThrow(
      'not in remittance_was_sent_event',
    );
    await expect(update(setStatus('Failed'), 'x', { where: ['$.Stauts="Pending"'] })).rejects.toThrow('match the selection; nothing to do');
    await expect(update(setStatus('Failed'), 'x', {})).rejects.toThrow('name the events to change');
    await expect(update(setStatus('Failed'), 'x', { where: ['$.Status=Pending'] })).rejects.toThrow(
      'where: "$.Status=Pending": the value is not JSON: invalid JSON',
    );
    await expect(update([{ op: 'set', path: '$.note', value: '"half \\ud800 pair"', createIfMissing: true }])).rejects.toThrow(
      'value for $.note: a string holds a lone UTF-16 surrogate',
    );
    // Big integers are kept on the embedded warehouse (BigQuery refuses them: test/bigquery/engine.test.ts).
    await expect(update([{ op: 'set', path: '$.n', value: '123456789012345678901234', createIfMissing: true }])).resolves.toMatchObject({
      counts: { exceptions: 1 },
    });
    expect(await tableCounts(warehouse)).toEqual({ events: 1, exceptions: 0, exclusions: 0 });
  });
});

describe('insert', () => {
  it('adds missing events as exceptions and refuses ones that exist, at any created_at', async () => {
    const { service, warehouse } = await makeWarehouse();
    const stage = 'card_was_shipped_event';
    const existing = event({ event_name: 'CardWasShipped' });
    await insertOriginals(warehouse, [existing]);
    const file = join(tempDir(), 'missing.jsonl');
    const id = uuid();
    writeFileSync(
      file,
      `{"event_id":"${id}","event_created_at":"2026-03-14 08:00:00.000001","user_id":"u1","event_data":{"carrier":"DHL","n":98765432109876543210}}\n`,
    );
    const plan = await service.call('makePlan', { op: 'insert', stage, file, description: 'Lost in outage' });
    expect(plan.rows).toEqual([
      {
        event_created_at: '2026-03-14 08:00:00.000001',
        event_id: id,
        user_id: 'u1',
        event_external_reference_id: null,
        event_advisor_id: null,
        event_data: '{"carrier":"DHL","n":98765432109876543210}',
        event_ingested_at: '2026-03-15 12:00:00.000000',
      },
    ]);
    await service.call('applyPlan', { plan: plan.id });
    const [row] = await query(warehouse, `SELECT event_name, CAST(event_data AS VARCHAR) AS d, is_event_update FROM s3.backend_events_exceptions`);
    expect(row).toEqual({ event_name: 'CardWasShipped', d: '{"carrier":"DHL","n":98765432109876543210}', is_event_update: false });
    await service.call('rerun', { stage, offset: 2 });
    expect((await stageRows(warehouse, stage)).map((r) => r.event_id)).toContain(id);

    writeFileSync(file, `{"event_id":"${existing.event_id}","event_created_at":"2026-03-01 00:00:00","event_data":{}}\n`);
    await expect(service.call('makePlan', { op: 'insert', stage, file, description: 'x' })).rejects.toThrow(
      `event ${existing.event_id} already exists (created at ${existing.event_created_at})`,
    );
  });

  it.each([
    ['{"event_id":"nope","event_created_at":"2026-03-14","event_data":{}}', 'entry 1: event_id: "nope" is not a UUID'],
    ['{"event_id":"00000000-0000-4000-8000-000000000999","event_created_at":"soon","event_data":{}}', 'event_created_at: "soon" is not a timestamp'],
    ['{"event_id":"00000000-0000-4000-8000-000000000999","event_created_at":"2026-03-14","event_data":[1]}', 'event_data must be a JSON object'],
    ['{"event_id":"00000000-0000-4000-8000-000000000999","event_created_at":"2026-03-14","event_data":{},"colour":"red"}', 'unknown column "colour"'],
    ['{"event_id":"00000000-0000-4000-8000-000000000999","event_created_at":"2026-03-14","event_name":"X","event_data":{}}', 'holds CardWasShipped events'],
  ])('refuses a bad record: %s', async (line, message) => {
    const { service, warehouse } = await makeWarehouse();
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, `${line}\n`);
    await expect(service.call('makePlan', { op: 'insert', stage: 'card_was_shipped_event', file, description: 'x' })).rejects.toThrow(message);
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
  it('journals every attempt in a private file and records the plan in the audit table', async () => {
    const w = await makeWarehouse();
    const a = event();
    await insertOriginals(w.warehouse, [a]);
    const journal = new Journal(join(tempDir(), 'state', 'evfix', 'journal.jsonl'));
    const service = createService(w.ctx, journal);
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [key(a)] },
      edits: setStatus('Failed'),
      description: 'fix',
    });
    await service.call('applyPlan', { plan: plan.id });
    await service.call('applyPlan', { plan: plan.id });
    expect(journal.read().map((e) => e.result)).toEqual(['already-applied', 'started', 'applied', 'started']);
    expect(journal.read()[2]).toMatchObject({
      plan_id: plan.id,
      operator: 'tester',
      counts: { exclusions: 0, exceptions: 1 },
      rerun: { stage: REMITTANCE, current_date_offset: 1 },
    });
    expect(statSync(journal.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(journal.path, '..')).mode & 0o777).toBe(0o700);
    const [audited] = await service.call('history', {});
    expect(audited).toMatchObject({
      plan_id: plan.id,
      kind: 'update',
      stage: REMITTANCE,
      operator: 'tester',
      counts: { exceptions: 1 },
      applied_at: '2026-03-15 12:00:00.000000',
    });
  });

  it('refuses plans for another warehouse, hand-edited plans, plans of the first format, and read-only mode', async () => {
    const w = await makeWarehouse();
    const a = event();
    await insertOriginals(w.warehouse, [a]);
    const plan = await w.service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [key(a)] },
      edits: setStatus('Failed'),
      description: 'fix',
    });
    expect(parsePlan(serializePlan(plan))).toEqual(plan);
    const edited = serializePlan(plan).replace('"fix"', '"fix!"');
    expect(() => parsePlan(edited, 'plan.json')).toThrow('plan.json: the plan was changed after it was made');
    expect(() => parsePlan('{"format":"evfix-plan/1"}', 'plan.json')).toThrow('plan.json: a plan of the first format (evfix-plan/1)');
    await expect(applyPlan(w.ctx, { ...plan, warehouse: 'duckdb:/elsewhere.duckdb' })).rejects.toThrow('was made on duckdb:/elsewhere.duckdb');
    await expect(applyPlan({ ...w.ctx, config: { ...w.config, read_only: true } }, plan)).rejects.toThrow('read-only');
    expect((await tableCounts(w.warehouse)).exceptions).toBe(0);
  });

  it('keeps a plan of a million-event selection small: no rows travel into it', async () => {
    const { service, warehouse } = await makeWarehouse();
    await warehouse.session((c) =>
      c.run(`INSERT INTO kinesis.backend_events SELECT TIMESTAMP '2026-03-10' + to_microseconds(i * 1000), uuid()::VARCHAR, 'RemittanceWasSent', 'u', NULL, NULL,
             json_object('Status', 'Pending', 'amount', i), TIMESTAMP '2026-03-10' FROM range(50000) t(i)`),
    );
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { where: ['$.Status="Pending"'] },
      edits: setStatus('Failed'),
      description: 'all',
    });
    expect(plan.counts.exceptions).toBe(50_000);
    expect(plan.sample).toHaveLength(200);
    expect(serializePlan(plan).length).toBeLessThan(100_000);
  });
});

describe('revert', () => {
  it('deletes exactly the rows an applied plan wrote, once, and history marks it', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    const b = event();
    await insertOriginals(warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }, b]);
    const update = await service.call('makePlan', {
      op: 'update',
      stage: REMITTANCE,
      selection: { keys: [key(b)] },
      edits: setStatus('Failed'),
      description: 'fix',
    });
    await service.call('applyPlan', { plan: update.id });
    const dedupe = await service.call('makePlan', { op: 'dedupe', stage: REMITTANCE });
    await service.call('applyPlan', { plan: dedupe.id });
    expect(await tableCounts(warehouse)).toEqual({ events: 3, exceptions: 2, exclusions: 1 });
    const revert = await service.call('makePlan', { op: 'revert', planId: dedupe.id });
    expect(revert.counts.deleted).toEqual({ exceptions: 1, exclusions: 1 });
    expect(revert.description).toBe(`Revert of plan ${dedupe.id}: ${dedupe.description}`);
    expect(await service.call('applyPlan', { plan: revert.id })).toMatchObject({ status: 'applied', written: { deleted: { exceptions: 1, exclusions: 1 } } });
    expect(await tableCounts(warehouse)).toEqual({ events: 3, exceptions: 1, exclusions: 0 });
    const history = await service.call('history', {});
    expect(history.find((e) => e.plan_id === dedupe.id)).toMatchObject({ reverted_by: revert.id });
    expect(history.find((e) => e.plan_id === revert.id)).toMatchObject({ kind: 'revert', revert_of: dedupe.id });
    await expect(service.call('makePlan', { op: 'revert', planId: dedupe.id })).rejects.toThrow(`was already reverted by plan ${revert.id}`);
    // A revert of the revert is the dedupe made again now: a new plan of its kind, saying so, written like any other.
    const again = await service.call('makePlan', { op: 'revert', planId: revert.id });
    expect(again).toMatchObject({ kind: 'dedupe', counts: { exceptions: 1, exclusions: 1 } });
    expect(again.id).not.toBe(dedupe.id);
    expect(again.summary.notes[0]).toBe(`plan ${dedupe.id} again, undoing its revert ${revert.id}`);
    expect(again.description).toBe(`Plan ${dedupe.id} again (its revert ${revert.id} undone): ${dedupe.description}`);
    expect(await service.call('applyPlan', { plan: again.id })).toMatchObject({ status: 'applied' });
    expect(await tableCounts(warehouse)).toEqual({ events: 3, exceptions: 2, exclusions: 1 });
    await expect(service.call('makePlan', { op: 'revert', planId: 'ffffffffffffffff' })).rejects.toThrow('only applied plans can be reverted');
  });

  it('refuses the second of two reverts planned before either was applied, naming the first', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    await insertOriginals(warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }]);
    const dedupe = await service.call('makePlan', { op: 'dedupe', stage: REMITTANCE });
    await service.call('applyPlan', { plan: dedupe.id });
    const first = await service.call('makePlan', { op: 'revert', planId: dedupe.id });
    // The same revert made twice is one plan (applied twice, it writes once). Another operator's, with their own
    // description, is another plan.
    const made = await service.call('makePlan', { op: 'revert', planId: dedupe.id });
    expect(made.id).toBe(first.id);
    const second = await service.call('describePlan', { plan: made.id, description: 'undo the dedupe of the 14th' });
    expect(second.id).not.toBe(first.id);
    await service.call('applyPlan', { plan: first.id });
    await expect(service.call('applyPlan', { plan: second.id })).rejects.toThrow(
      `plan ${dedupe.id} was already reverted by plan ${first.id}; nothing was written`,
    );
    expect(await tableCounts(warehouse)).toEqual({ events: 2, exceptions: 0, exclusions: 0 });
  });

  it('refuses a revert made stale by a later write to the same rows', async () => {
    const { service, warehouse } = await makeWarehouse();
    const a = event();
    await insertOriginals(warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }]);
    const dedupe = await service.call('makePlan', { op: 'dedupe', stage: REMITTANCE });
    await service.call('applyPlan', { plan: dedupe.id });
    const revert = await service.call('makePlan', { op: 'revert', planId: dedupe.id });
    await warehouse.session((c) => c.run(`DELETE FROM s3.backend_events_exclusions`));
    await expect(service.call('applyPlan', { plan: revert.id })).rejects.toThrow('is stale');
    expect(await tableCounts(warehouse)).toEqual({ events: 2, exceptions: 1, exclusions: 0 });
  });
});
