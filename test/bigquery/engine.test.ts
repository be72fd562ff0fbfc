/**
 * The BigQuery engine on the BigQuery emulator: the real client library, the SQL really run (ZetaSQL's
 * reference evaluator) on the production schema in a regional location. What every read sends, that the same
 * warehouse gives the same facts and the same rows written as the embedded DuckDB engine, what an apply is
 * (one script job, one transaction, re-checked, recorded in the audit table), and what happens when BigQuery
 * loses an answer, aborts a transaction, is cancelled, refuses, or a process dies mid-apply.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BigqueryEngine } from '../../src/data/bigquery/engine.js';
import type { QueryParameter } from '../../src/data/bigquery/params.js';
import { DEMO_STAGES } from '../../src/data/config.js';
import { Journal } from '../../src/data/journal.js';
import { applyPlan } from '../../src/data/operations/apply.js';
import { reconcileJournal } from '../../src/data/operations/reconcile.js';
import { stableJson, type Plan } from '../../src/data/plan.js';
import type { PlanRequest } from '../../src/data/operations/makePlan.js';
import type { PageKey } from '../../src/data/engine.js';
import type { EffectiveEvent } from '../../src/data/model.js';
import type { Reply } from '../../src/data/service/requests.js';
import { createService, type Service } from '../../src/data/service/service.js';
import {
  insertEvents,
  insertExceptions,
  loadRows,
  makeBigquery,
  paramValue,
  PROJECT,
  random,
  randomWarehouse,
  REGION,
  sentParams,
  tableCounts,
  tablesOf,
  type TestBigquery,
  type WarehouseRows,
} from '../helpers/bigquery.js';
import type { EmulatorJob } from '../helpers/bigqueryEmulator.js';
import { event, insertOriginals, makeWarehouse, query, tempDir, type TestWarehouse } from '../helpers/warehouse.js';

const R = 'remittance_was_sent_event';
const setStatus = (value: string) => [{ op: 'set' as const, path: '$.Status', value: JSON.stringify(value), createIfMissing: true }];
const key = (e: { event_id: string; event_created_at: string }) => ({ event_id: e.event_id, event_created_at: e.event_created_at });
const updateByKey = (t: { service: Service }, e: { event_id: string; event_created_at: string }, description = 'fix') =>
  t.service.call('makePlan', { op: 'update', stage: R, selection: { keys: [key(e)] }, edits: setStatus('Failed'), description });

const isScript = (j: EmulatorJob) => !j.dryRun && /^BEGIN TRANSACTION;/.test(j.query ?? '');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 1000 && !condition(); i++) await wait(5);
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

const TYPES = new Set(['STRING', 'INT64', 'FLOAT64', 'BOOL', 'TIMESTAMP', 'JSON', 'ARRAY', 'STRUCT']);
const typed = (p: QueryParameter): boolean =>
  TYPES.has(p.parameterType.type) &&
  (p.parameterType.type !== 'ARRAY' || TYPES.has(p.parameterType.arrayType.type)) &&
  (p.parameterType.type !== 'STRUCT' || p.parameterType.structTypes.every((f) => TYPES.has(f.type.type)));

describe('reads', () => {
  test('every read is a dry run, then a labelled, capped query job with typed named parameters, in the region; old partitions are never read', async () => {
    const t = await makeBigquery();
    const a = event({ data: { remittance_id: 'rm_1', Status: 'Pending' } });
    await insertEvents(t, [
      a,
      { ...a, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: '{"remittance_id":"rm_1","Status":"Sent"}' },
      event({ data: { remittance_id: 'rm_1' } }),
    ]);
    const reads = async () => {
      const from = t.bq.jobs.length;
      await t.service.call('stageSummary', { stage: R });
      const [group] = await t.service.call('duplicateGroups', { stage: R });
      await t.service.call('groupCopies', { stage: R, eventIds: [group!.event_id] });
      await t.service.call('businessKeyGroups', { stage: R, path: '$.remittance_id' });
      await t.service.call('lookup', { eventId: a.event_id });
      await t.service.call('lookup', { eventId: a.event_id, createdAt: a.event_created_at });
      await t.service.call('findEvents', { stage: R, selection: { where: ['$.Status="Pending"'] }, limit: 10 });
      await t.service.call('history', {});
      return t.bq.jobs.slice(from);
    };
    const jobs = await reads();
    const real = jobs.filter((j) => !j.dryRun);
    expect(real.length).toBeGreaterThan(8);
    for (const job of real) {
      const dry = jobs[jobs.indexOf(job) - 1]!;
      expect(dry, job.query).toMatchObject({ dryRun: true, query: job.query, params: job.params });
      expect(job.jobId).toMatch(/^evfix_read_[0-9a-f]{32}$/);
      expect(job.labels).toEqual({ evfix: 'read' });
      expect(job.maximumBytesBilled).toBe('5000000000');
      expect(job.location).toBe(REGION);
      expect(sentParams(job).every(typed), job.query).toBe(true);
      expect(job.state).toBe('DONE');
      expect(job.error).toBeUndefined();
    }
    const summary = real[0]!;
    expect(sentParams(summary).map((p) => [p.name, p.parameterType.type])).toEqual([
      ['event_name', 'STRING'],
      ['from', 'TIMESTAMP'],
      ['until', 'TIMESTAMP'],
      ['horizon', 'TIMESTAMP'],
    ]);
    expect(paramValue(sentParams(summary), 'from')).toBe('2026-03-01 00:00:00.000000');
    expect(summary.query).toContain(`\`${PROJECT}.kinesis.backend_events\` AS e`);

    // Rows far outside every window (a year back, big documents) change no estimate: their partitions are never read.
    const estimates = (js: EmulatorJob[]) => js.filter((j) => j.dryRun).map((j) => BigInt(j.totalBytesProcessed!));
    const before = estimates(jobs);
    const old = Array.from({ length: 50 }, () =>
      event({ event_created_at: '2024-06-01 10:00:00.000000', data: { remittance_id: 'rm_1', Status: 'Pending', blob: 'x'.repeat(2000) } }),
    );
    await insertEvents(t, old);
    await insertExceptions(
      t,
      old.map((e) => ({ ...e, exception_added_timestamp: '2024-06-02 00:00:00.000000', exception_description: 'old', is_event_update: true })),
    );
    expect(estimates(await reads())).toEqual(before);
    // ... while rows in the window do (the estimate really counts what is read).
    await insertEvents(t, [event({ data: { remittance_id: 'rm_2', blob: 'y'.repeat(2000) } })]);
    expect(estimates(await reads())[0]).toBeGreaterThan(before[0]!);
  });

  test('a read estimated over the dry-run threshold is refused with the bytes named, and nothing runs', async () => {
    const t = await makeBigquery({ engine: { dry_run_threshold_bytes: 1024 ** 3 } });
    t.bq.estimate = () => 3n * 1024n ** 4n;
    await expect(t.service.call('duplicateGroups', { stage: R })).rejects.toThrow(
      /listing duplicates of remittance_was_sent_event: BigQuery estimates 3\.0 TiB scanned, over engine\.dry_run_threshold_bytes \(1\.0 GiB\); nothing ran/,
    );
    expect(t.bq.jobs.length).toBeGreaterThan(0);
    expect(t.bq.jobs.every((j) => j.dryRun)).toBe(true);
  });

  test('Esc (cancelReads) stops the read in flight: BigQuery is told to stop the job, and the read says cancelled', async () => {
    const t = await makeBigquery();
    t.bq.faults.add({ on: 'jobs.insert', match: (r) => !r.dryRun, effect: { slow: 1_000_000 } });
    const reading = t.service.call('duplicateGroups', { stage: R });
    // The job is held; once evfix waits on its results, the operator leaves the screen.
    await until(() => t.bq.traffic.requests.some((r) => r.api === 'jobs.getQueryResults'), 'the read to wait on its job');
    await t.service.cancelReads();
    await expect(reading).rejects.toThrow('listing duplicates of remittance_was_sent_event: cancelled; BigQuery stopped the job');
    const [job] = t.bq.jobs.filter((j) => !j.dryRun);
    expect(job).toMatchObject({ cancelRequested: true, state: 'DONE', error: { reason: 'stopped' } });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The same warehouse, both engines.

const canonical = (text: string | null) => (text === null ? null : stableJson(JSON.parse(text)));
const masked = (text: string) => text.replace(/\b[0-9a-f]{16}\b/g, '<plan>').replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}/g, '<time>');

/** What a plan found, without what names the engine (fingerprint, id, SQL) and with documents compared as JSON. */
const facts = (p: Plan) => ({
  counts: p.counts,
  extent: p.extent,
  notes: p.summary.notes.map(masked),
  paths: p.summary.paths.map((x) => ({ ...x, changes: x.changes.map((c) => ({ ...c, before: canonical(c.before), after: canonical(c.after) })) })),
  sample: p.sample.map((c) => ({ ...c, before: canonical(c.before), after: canonical(c.after) })),
  problems: p.problems,
});

async function loadDuckdb(w: TestWarehouse, rows: WarehouseRows) {
  await insertOriginals(w.warehouse, rows.originals);
  await w.warehouse.session(async (conn) => {
    for (const c of rows.exceptions) {
      await conn.run('INSERT INTO s3.backend_events_exceptions VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
        c.event_created_at,
        c.event_id,
        c.event_name,
        c.user_id,
        c.event_external_reference_id,
        c.event_advisor_id,
        c.event_data,
        c.event_ingested_at,
        c.exception_added_timestamp,
        c.exception_description,
        c.is_event_update,
      ]);
    }
    for (const x of rows.exclusions) {
      await conn.run('INSERT INTO s3.backend_events_exclusions VALUES ($1, $2, $3, $4, $5)', [
        x.event_created_at,
        x.event_id,
        x.event_name,
        x.exclusion_added_timestamp,
        x.exclusion_description,
      ]);
    }
  });
}

/** The exceptions and exclusions rows, as sorted lines: every column but the added timestamps, event_data as canonical JSON. */
async function duckdbWritten(w: TestWarehouse) {
  const ts = (c: string) => `strftime(${c}, '%Y-%m-%d %H:%M:%S.%f')`;
  const exceptions = await query(
    w.warehouse,
    `SELECT ${ts('event_created_at')} AS created, event_id, event_name, user_id, event_external_reference_id AS ext, event_advisor_id AS advisor,
            CAST(event_data AS VARCHAR) AS data, ${ts('event_ingested_at')} AS ingested, exception_description AS description, is_event_update AS update
     FROM s3.backend_events_exceptions`,
  );
  const exclusions = await query(
    w.warehouse,
    `SELECT ${ts('event_created_at')} AS created, event_id, event_name, exclusion_description AS description FROM s3.backend_events_exclusions`,
  );
  return {
    exceptions: exceptions.map((r) => stableJson({ ...r, data: canonical(r.data as string) })).sort(),
    exclusions: exclusions.map((r) => stableJson(r)).sort(),
  };
}
function bigqueryWritten(t: TestBigquery) {
  const exceptions = t.bq.rows(t.tables.exceptions).map((r) => ({
    created: r.event_created_at,
    event_id: r.event_id,
    event_name: r.event_name,
    user_id: r.user_id,
    ext: r.event_external_reference_id,
    advisor: r.event_advisor_id,
    data: canonical(r.event_data as string),
    ingested: r.event_ingested_at,
    description: r.exception_description,
    update: r.is_event_update,
  }));
  const exclusions = t.bq
    .rows(t.tables.exclusions)
    .map((r) => ({ created: r.event_created_at, event_id: r.event_id, event_name: r.event_name, description: r.exclusion_description }));
  return { exceptions: exceptions.map((r) => stableJson(r)).sort(), exclusions: exclusions.map((r) => stableJson(r)).sort() };
}

const events = <T extends { event_data: string }>(xs: readonly T[]) => xs.map((e) => ({ ...e, event_data: canonical(e.event_data) }));

describe('the same warehouse on DuckDB and on BigQuery', () => {
  /** One random-ish warehouse in both engines, and ways to call both and compare. */
  async function twins(rows: WarehouseRows) {
    const bq = await makeBigquery();
    const duck = await makeWarehouse();
    await loadRows(bq, rows);
    await loadDuckdb(duck, rows);
    const both = async <T>(call: (s: Service) => Promise<T>): Promise<[T, T]> => [await call(bq.service), await call(duck.service)];
    const same = async (label: string, call: (s: Service) => Promise<unknown>, normal: (x: never) => unknown = (x) => x) => {
      const [b, d] = await both(call);
      expect(normal(b as never), label).toEqual(normal(d as never));
      return d;
    };
    /** Plans the request on both, compares what each found, applies both and compares what each wrote. */
    const planAndApply = async (label: string, request: PlanRequest) => {
      const [b, d] = await both((s) => s.call('makePlan', request));
      expect(facts(b), label).toEqual(facts(d));
      // The impact preview (the plan written in a transaction that is rolled back, the stage rules read over it).
      const [ib, id] = [await bq.service.call('planImpact', { plan: b.id }), await duck.service.call('planImpact', { plan: d.id })];
      // Which copy's document a sample row shows, when several copies of one key differ, is either engine's choice.
      const impact = (i: Reply<'planImpact'>) => ({
        ...i,
        sample: i.sample.map(({ before, after, ...x }) => ({ ...x, before: before !== null, after: after !== null })),
      });
      expect(impact(ib), `impact of ${label}`).toEqual(impact(id));
      const [ab, ad] = [await bq.service.call('applyPlan', { plan: b.id }), await duck.service.call('applyPlan', { plan: d.id })];
      expect({ ...ab, plan_id: b.id === ab.plan_id, appliedAt: undefined }, label).toEqual({ ...ad, plan_id: d.id === ad.plan_id, appliedAt: undefined });
      expect(bigqueryWritten(bq), label).toEqual(await duckdbWritten(duck));
      return { b, d };
    };
    /** Every event of the window, as the find-events screen lists them (pages of 1,000), the same on both. */
    const listAll = async () => {
      const out: EffectiveEvent[] = [];
      for (let after: PageKey | undefined; ; ) {
        const page = (await same(
          `events after ${after?.event_id}`,
          (s) => s.call('findEvents', { stage: R, selection: {}, limit: 1000, after }),
          (p: { events: { event_data: string }[] }) => ({ ...p, events: events(p.events) }),
        )) as { events: EffectiveEvent[] };
        out.push(...page.events);
        if (page.events.length < 1000) return out;
        after = key(page.events.at(-1)!);
      }
    };
    return { bq, duck, both, same, planAndApply, listAll };
  }

  test('the same duplicate groups, plan facts, changes and rows written, for every kind of plan, and the same after a revert', async () => {
    const rows = randomWarehouse(7, 450);
    const { bq, duck, both, same, planAndApply, listAll } = await twins(rows);
    // Stage tables built, so each plan's impact preview compares with a stage table that holds rows.
    await both((s) => s.call('rerun', { stage: R, offset: 30 }));

    await same('summary', (s) => s.call('stageSummary', { stage: R }));
    const groups = (await same('duplicate groups', (s) => s.call('duplicateGroups', { stage: R }))) as Reply<'duplicateGroups'>;
    expect(groups.length).toBeGreaterThan(10);
    await same(
      'group copies',
      (s) => s.call('groupCopies', { stage: R, eventIds: groups.slice(0, 8).map((g) => g.event_id) }),
      (g: { copies: { event_data: string }[] }[]) => g.map((x) => ({ ...x, copies: events(x.copies) })),
    );
    // The copies of an unresolved duplicate share their key, time and id: neither engine orders them further.
    const copyOrder = (a: { event_ingested_at: string | null }, b: { event_ingested_at: string | null }) =>
      String(a.event_ingested_at).localeCompare(String(b.event_ingested_at));
    const byKey = (x: { event_created_at: string; event_id: string }) => `${x.event_created_at}@${x.event_id}`;
    await same(
      'business keys',
      (s) => s.call('businessKeyGroups', { stage: R, path: '$.remittance_id' }),
      (g: { events: { event_data: string; event_created_at: string; event_id: string; event_ingested_at: string | null }[] }[]) =>
        g.map((x) => ({ ...x, events: events(x.events).sort((a, b) => byKey(a).localeCompare(byKey(b)) || copyOrder(a, b)) })),
    );
    const all = await listAll();
    expect(all.length).toBeGreaterThan(350);
    const unknownIngestion = rows.originals.filter((e) => e.event_ingested_at === null && e.event_created_at >= '2026-03');
    expect(unknownIngestion.filter((e) => groups.some((g) => g.event_id === e.event_id)).length).toBeGreaterThan(0);
    for (const e of [...all.slice(0, 3), ...unknownIngestion.slice(0, 4)]) {
      await same(
        'lookup',
        (s) => s.call('lookup', { eventId: e.event_id }),
        (l: { originals: { event_data: string }[]; exceptions: { event_data: string }[]; effective: { event_data: string }[] }) => ({
          ...l,
          originals: events(l.originals),
          exceptions: events(l.exceptions),
          effective: events(l.effective),
        }),
      );
    }

    await planAndApply('dedupe, chosen groups, a chosen copy', {
      op: 'dedupe',
      stage: R,
      eventIds: groups.slice(0, 4).map((g) => g.event_id),
      keep: 'latest',
      choices: [[groups[0]!.event_id, 0]],
      description: 'dedupe some',
    });
    await planAndApply('dedupe, every group', { op: 'dedupe', stage: R });
    const singles = all.filter((e) => e.source === 'original' && !groups.some((g) => g.event_id === e.event_id)).slice(-3);
    await planAndApply('exclude', { op: 'exclude', stage: R, eventIds: singles.map((e) => e.event_id), description: 'exclude three' });
    const predicate = await planAndApply('update by predicate, leaving out the events it cannot change', {
      op: 'update',
      stage: R,
      selection: { where: ['$.Status="Pending"', '$.amount>100'] },
      edits: [...setStatus('Failed'), { op: 'set', path: '$.meta.b', value: '2', createIfMissing: true }],
      description: 'by predicate',
      skipProblems: true,
    });
    expect(predicate.d.counts.problems).toBeGreaterThan(0);
    expect(predicate.d.counts.exceptions).toBeGreaterThan(50);
    // The changes beyond the plan's sample are read from the warehouse as it is now.
    const last = predicate.d.sample.at(-1)!;
    const changes = (s: Service, plan: Plan) => s.call('planChanges', { plan: plan.id, after: key(last), limit: 50 });
    const more = [await changes(bq.service, predicate.b), await changes(duck.service, predicate.d)] as const;
    expect(more[0].map((c) => ({ ...c, before: canonical(c.before), after: canonical(c.after) }))).toEqual(
      more[1].map((c) => ({ ...c, before: canonical(c.before), after: canonical(c.after) })),
    );
    const withCurrency = all.filter((e) => !singles.includes(e) && JSON.parse(e.event_data).currency !== undefined).slice(0, 5);
    await planAndApply('update by keys', {
      op: 'update',
      stage: R,
      selection: { keys: withCurrency.map(key) },
      edits: [
        { op: 'set', path: '$.note', value: '{"k":[1,2]}', createIfMissing: true },
        { op: 'remove', path: '$.currency' },
      ],
      description: 'by keys',
    });
    // The same object set again: every event is already as asked (BigQuery compares the object as it writes it,
    // keys ordered), so both refuse it, in the same words, writing nothing.
    const again = await both((s) =>
      s
        .call('makePlan', {
          op: 'update',
          stage: R,
          selection: { keys: withCurrency.map(key) },
          edits: [{ op: 'set', path: '$.note', value: '{"k":[1,2]}', createIfMissing: true }],
          description: 'again',
        })
        .then(
          (plan) => `made plan ${JSON.stringify(plan.counts)} ${JSON.stringify(plan.sample.slice(0, 2))}`,
          (error: Error) => error.message,
        ),
    );
    expect(again[0]).toBe(again[1]);
    expect(again[0]).toBe(`nothing to write: the ${withCurrency.length} selected RemittanceWasSent event(s) in ${R} are already as asked; nothing to do`);
    expect(bigqueryWritten(bq)).toEqual(await duckdbWritten(duck));
    const inserts = join(tempDir(), 'new.jsonl');
    writeFileSync(
      inserts,
      `${[0, 1].map((i) => JSON.stringify({ event_id: `ffffffff-0000-4000-8000-00000000000${i}`, event_created_at: `2026-03-1${i} 01:02:03.00000${i}`, event_data: { remittance_id: `rm_new_${i}`, Status: 'Sent' } })).join('\n')}\n`,
    );
    await planAndApply('insert', { op: 'insert', stage: R, file: inserts, description: 'lost in an outage' });

    // Revert the predicate update: its rows, found by their time and description, deleted.
    const [hb, hd] = await both((s) => s.call('history', {}));
    const revertB = await bq.service.call('makePlan', { op: 'revert', planId: hb.find((e) => e.description === 'by predicate')!.plan_id });
    const revertD = await duck.service.call('makePlan', { op: 'revert', planId: hd.find((e) => e.description === 'by predicate')!.plan_id });
    expect(facts(revertB)).toEqual(facts(revertD));
    await bq.service.call('applyPlan', { plan: revertB.id });
    await duck.service.call('applyPlan', { plan: revertD.id });
    expect(bigqueryWritten(bq)).toEqual(await duckdbWritten(duck));
    await same('summary after', (s) => s.call('stageSummary', { stage: R }));
    await same('duplicate groups after', (s) => s.call('duplicateGroups', { stage: R }));
  }, 120_000);

  test('an update from a key file of more than 1,000 keys (read into a session table at plan and apply) finds and writes the same', async () => {
    const { bq, planAndApply, listAll } = await twins(randomWarehouse(11, 1300));
    // Unresolved duplicates left out: the embedded engine's sample shows either copy's document for them.
    const duplicated = new Set((await bq.service.call('duplicateGroups', { stage: R })).map((g) => g.event_id));
    const all = (await listAll()).filter((e) => !duplicated.has(e.event_id));
    expect(all.length).toBeGreaterThan(1000);
    const file = join(tempDir(), 'keys.csv');
    const r = random(3);
    writeFileSync(
      file,
      `event_id,event_created_at,$.Status:string,$.extra\n${all
        .slice(0, 1001)
        .map((e) => `${e.event_id},${e.event_created_at},S${r.int(4)},${r.int(3)}`)
        .join('\n')}\n`,
    );
    const { b } = await planAndApply('update from a key file', { op: 'update', stage: R, selection: { file }, edits: [], description: 'from a file' });
    expect(b.selection.keys).toMatchObject({ kind: 'file', rows: 1001 });
    expect(b.counts.exceptions).toBeGreaterThan(900);
    // Every read of the file (plan, impact preview, apply) went through a session's temporary table, loaded by INSERT jobs.
    const loads = bq.bq.jobs.filter((j) => /^INSERT INTO evfix_keys /.test(j.query ?? ''));
    expect(loads.length).toBe(3);
    expect(new Set(loads.map((j) => j.sessionId)).size).toBe(3);
    // The impact preview's writes (rolled back) ran in its session; the apply script in the last one.
    const [preview, script] = bq.bq.jobs.filter(isScript);
    expect(preview!.sessionId).toBe(loads[1]!.sessionId);
    expect(script!.sessionId).toBe(loads[2]!.sessionId);
    expect(script!.query).toContain('JOIN evfix_keys AS k');
    expect(bq.bq.jobs.some((j) => j.type === 'LOAD')).toBe(false);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------------

describe('apply', () => {
  test('is one script job under the journaled job id, labelled with the plan; no load job, no table made; the SQL run is the SQL shown', async () => {
    const long = { name: `${'very_long_stage_name_'.repeat(5)}event`, event_name: 'RemittanceWasSent', business_keys: [], columns: [] };
    const t = await makeBigquery({ config: { stages: [...DEMO_STAGES, long] } });
    const a = event();
    await insertEvents(t, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: '{"Status":"Sent"}' }]);
    const tables = await tablesOf(t);
    const plan = await t.service.call('makePlan', { op: 'dedupe', stage: long.name, description: 'dedupe "quoted" `tick` \n newline' });
    const before = t.bq.jobs.length;
    const result = await t.service.call('applyPlan', { plan: plan.id });
    expect(result).toMatchObject({ status: 'applied', written: { exclusions: 1, exceptions: 1 } });

    const during = t.bq.jobs.slice(before);
    const scripts = during.filter(isScript);
    expect(scripts).toHaveLength(1);
    const [script] = scripts;
    const started = t.journal.read().find((e) => e.result === 'started')!;
    expect(script!.jobId).toBe(started.job_id);
    expect(script!.jobId).toMatch(new RegExp(`^evfix_apply_${plan.id}_[0-9a-f]{12}$`));
    expect(script!.labels).toEqual({ evfix: 'apply', evfix_plan: plan.id, evfix_kind: 'dedupe', evfix_stage: long.name.slice(0, 63) });
    expect(Object.values(script!.labels!).every((v) => v.length <= 63)).toBe(true);
    expect(script!.query).toBe(plan.sql.statements.map((s) => `${s.sql};`).join('\n'));
    expect(t.statements.at(-1)).toEqual({ sql: script!.query, params: sentParams(script!) });
    expect(script!.insertRequests).toBe(1);
    expect(during.filter((j) => !j.dryRun && j !== script).every((j) => j.labels?.evfix === 'read')).toBe(true);
    expect(t.bq.jobs.some((j) => j.type === 'LOAD')).toBe(false);
    expect(await tablesOf(t)).toEqual(tables);
    // The description is a parameter, never text of the script.
    expect(script!.query).not.toContain('quoted');
    expect(paramValue(sentParams(script!), 'description')).toBe('dedupe "quoted" `tick` \n newline');
    // The rows and the audit row carry one time, the transaction's.
    const [audit] = t.bq.rows(t.tables.audit);
    expect(audit).toMatchObject({ plan_id: plan.id, kind: 'dedupe', stage: long.name, job_id: script!.jobId, operator: 'tester' });
    expect(t.bq.rows(t.tables.exceptions).map((r) => r.exception_added_timestamp)).toEqual([audit!.applied_at]);
    expect(t.bq.rows(t.tables.exclusions).map((r) => r.exclusion_added_timestamp)).toEqual([audit!.applied_at]);
    expect(result.appliedAt).toBe(audit!.applied_at);
    await expect(t.service.call('history', {})).resolves.toMatchObject([{ plan_id: plan.id, job_id: script!.jobId, applied_at: audit!.applied_at }]);
  });

  test('without the audit table, an apply is refused with the statement that creates it, and writes nothing', async () => {
    const t = await makeBigquery({ tables: (tables) => tables.filter((x) => !x.path.endsWith('.evfix_audit')) });
    const a = event();
    await insertEvents(t, [a]);
    const plan = await updateByKey(t, a);
    const refusal = t.service.call('applyPlan', { plan: plan.id });
    await expect(refusal).rejects.toThrow(
      `plan ${plan.id}: the audit table ${t.tables.audit} does not exist, and every apply records itself in it; create it once with \`evfix doctor --create-audit\`, or with\nCREATE TABLE \`${t.tables.audit}\` (\n  \`plan_id\` STRING NOT NULL,`,
    );
    await expect(refusal).rejects.toThrow(/\n {2}`plan` STRING NOT NULL\n\);\nNothing was written$/);
    expect(t.bq.jobs.filter(isScript)).toEqual([]);
    expect(tableCounts(t).exceptions).toBe(0);
    // Once doctor --create-audit made the table, the same plan applies.
    await expect(t.service.call('doctor', { createAudit: true })).resolves.toContainEqual({
      name: 'create audit',
      ok: true,
      detail: `created ${t.tables.audit}`,
    });
    await expect(t.service.call('applyPlan', { plan: plan.id })).resolves.toMatchObject({ status: 'applied' });
  });

  test('a plan made stale by a write between plan and apply is refused with what changed, and nothing is written', async () => {
    const t = await makeBigquery();
    const a = event();
    const b = event();
    await insertEvents(t, [a, b]);
    const plan = await t.service.call('makePlan', {
      op: 'update',
      stage: R,
      selection: { where: ['$.Status="Pending"'] },
      edits: setStatus('Failed'),
      description: 'fix',
    });
    expect(plan.counts.exceptions).toBe(2);
    await insertEvents(t, [event()]);
    await expect(t.service.call('applyPlan', { plan: plan.id })).rejects.toThrow(
      /^plan [0-9a-f]{16} is stale: the rows it touches went from 2 to 3 since it was made at 2026-03-15 12:00:00\.000000\. Nothing was written; make a new plan\.$/,
    );
    expect(tableCounts(t)).toEqual({ events: 3, exceptions: 0, exclusions: 0 });
    expect(t.bq.rows(t.tables.audit)).toEqual([]);
    expect(t.journal.read()[0]).toMatchObject({ plan_id: plan.id, result: 'refused' });

    // Another operator corrects one of the events: the same count, but changed.
    const again = await updateByKey(t, a);
    await insertExceptions(t, [
      {
        ...a,
        event_data: '{"Status":"Sent"}',
        exception_added_timestamp: '2026-03-15 11:00:00.000000',
        exception_description: 'someone else',
        is_event_update: true,
      },
    ]);
    await expect(t.service.call('applyPlan', { plan: again.id })).rejects.toThrow('1 row(s) it touches are still there, but some changed');
    expect(tableCounts(t).exceptions).toBe(1);
  });

  test('a plan applied already is answered from the audit table, from any evfix, and writes nothing', async () => {
    const t = await makeBigquery();
    const a = event();
    await insertEvents(t, [a]);
    const plan = await updateByKey(t, a);
    const first = await t.service.call('applyPlan', { plan: plan.id });
    // Another operator's evfix, on another host: its own engine and journal, the same plan file.
    const other = new BigqueryEngine(t.config, t.ctx.now, { authClient: t.bq.authClient, sleep: async () => undefined });
    const journal = new Journal(join(tempDir(), 'journal.jsonl'));
    const again = await applyPlan({ ...t.ctx, engine: other, operator: 'someone' }, plan, journal);
    expect(again).toMatchObject({ status: 'already-applied', written: { exceptions: 0, exclusions: 0 } });
    expect(again.message).toBe(`plan ${plan.id} was already applied at ${first.appliedAt}; nothing was written this time`);
    expect(journal.read()[0]).toMatchObject({ result: 'already-applied' });
    expect(tableCounts(t).exceptions).toBe(1);
    expect(t.bq.rows(t.tables.audit)).toHaveLength(1);
  });

  test('a lost answer to jobs.insert (the job ran; the retry met 409 Already Exists) is applied, journaled applied, and can be reverted', async () => {
    const t = await makeBigquery();
    const a = event();
    await insertEvents(t, [a]);
    const plan = await updateByKey(t, a);
    const lost = t.bq.faults.add({ on: 'jobs.insert', match: (r) => !r.dryRun && /^BEGIN TRANSACTION/.test(r.query ?? ''), effect: 'unavailable-after' });
    const result = await t.service.call('applyPlan', { plan: plan.id });
    expect(lost.hits).toBe(1);
    const [script] = t.bq.jobs.filter(isScript);
    expect(script!.insertRequests).toBe(2); // created once; the retry was told 409
    expect(result).toMatchObject({ status: 'applied', written: { exceptions: 1 } });
    expect(t.journal.read().map((e) => e.result)).toEqual(['applied', 'started']);
    expect(t.journal.read()[1]!.job_id).toBe(script!.jobId);
    expect(tableCounts(t).exceptions).toBe(1);

    // A dropped connection on the revert's submission: the same.
    const revert = await t.service.call('makePlan', { op: 'revert', planId: plan.id });
    t.bq.faults.add({ on: 'jobs.insert', match: (r) => !r.dryRun && /^BEGIN TRANSACTION/.test(r.query ?? ''), effect: 'reset-after' });
    await expect(t.service.call('applyPlan', { plan: revert.id })).resolves.toMatchObject({ status: 'applied', written: { deleted: { exceptions: 1 } } });
    expect(tableCounts(t).exceptions).toBe(0);
    expect(t.bq.jobs.filter(isScript).map((j) => j.insertRequests)).toEqual([2, 2]);
  });

  test('a job BigQuery never created (503 on every try) fails plainly; one whose outcome cannot be learnt says so and names the job', async () => {
    const t = await makeBigquery();
    const a = event();
    await insertEvents(t, [a]);
    const plan = await updateByKey(t, a);
    const script = (r: { dryRun?: boolean; query?: string }) => !r.dryRun && /^BEGIN TRANSACTION/.test(r.query ?? '');
    t.bq.faults.add({ on: 'jobs.insert', match: script, times: Infinity, effect: 'unavailable-before' });
    await expect(t.service.call('applyPlan', { plan: plan.id })).rejects.toThrow(/BigQuery is rate-limiting or busy \(backendError\)/);
    expect(t.bq.jobs.filter(isScript)).toEqual([]);
    t.bq.faults.clear();

    t.bq.faults.add({ on: 'jobs.insert', match: script, effect: 'reset-after' });
    t.bq.faults.add({ on: ['jobs.get', 'jobs.getQueryResults'], times: Infinity, effect: 'unavailable-before' });
    const [failure] = await Promise.allSettled([t.service.call('applyPlan', { plan: plan.id })]);
    const [job] = t.bq.jobs.filter(isScript);
    expect((failure as PromiseRejectedResult).reason.message).toBe(
      `applying plan ${plan.id}: job ${job!.jobId} was submitted, but BigQuery cannot be asked whether it finished (backendError: Error encountered during execution. Retrying may solve the problem.). ` +
        'It may still commit: evfix checks the job again on its next start, and `evfix history` lists the plan once it has. Applying the plan again is safe (it is refused if this one committed).',
    );
    // Journaled as unknown with its job, not as failed: the next start asks BigQuery and finds it committed.
    expect(t.journal.read()[0]).toMatchObject({ result: 'unknown', job_id: job!.jobId });
    t.bq.faults.clear();
    await t.bq.idle();
    // A status read may still answer RUNNING (as BigQuery does for a while): each start checks again until it is known.
    let reconciled = await t.service.call('reconcile', {});
    for (let start = 0; start < 5 && reconciled[0]?.outcome === 'unknown'; start++) reconciled = await t.service.call('reconcile', {});
    expect(reconciled).toMatchObject([{ plan_id: plan.id, outcome: 'committed' }]);
    expect(t.journal.read()[0]).toMatchObject({ result: 'applied' });
    await expect(t.service.call('applyPlan', { plan: plan.id })).resolves.toMatchObject({ status: 'already-applied' });
  });

  test('a transaction aborted by a concurrent update is reported plainly, writes nothing, and applying again works', async () => {
    const t = await makeBigquery();
    const a = event();
    await insertEvents(t, [a]);
    const plan = await updateByKey(t, a);
    t.bq.faults.add({ on: 'jobs.insert', match: (r) => !r.dryRun && /^BEGIN TRANSACTION/.test(r.query ?? ''), effect: 'concurrent-update' });
    await expect(t.service.call('applyPlan', { plan: plan.id })).rejects.toThrow(
      `applying plan ${plan.id}: another job changed the same table at the same moment, so BigQuery aborted this transaction. Nothing was written; run it again.`,
    );
    expect(t.journal.read()[0]).toMatchObject({ result: 'failed' });
    expect(tableCounts(t).exceptions).toBe(0);
    expect(t.bq.rows(t.tables.audit)).toEqual([]);
    await expect(t.service.call('applyPlan', { plan: plan.id })).resolves.toMatchObject({ status: 'applied' });
  });
});

describe('after a crash mid-apply, in a regional dataset, with no engine.location', () => {
  /** An apply whose process dies once it has submitted the script and asked about it once. */
  async function crashed(t: TestBigquery, plan: Plan, hold: number) {
    t.bq.faults.add({ on: 'jobs.insert', match: (r) => !r.dryRun && /^BEGIN TRANSACTION/.test(r.query ?? ''), effect: { slow: hold } });
    const dying = new BigqueryEngine(t.config, t.ctx.now, { authClient: t.bq.authClient, sleep: () => new Promise<void>(() => undefined) });
    void applyPlan({ ...t.ctx, engine: dying }, plan, t.journal).catch(() => undefined);
    await until(
      () => t.bq.traffic.requests.some((r) => r.api === 'jobs.getQueryResults' && r.path.includes('/queries/evfix_apply_')),
      'the dying apply to wait on its job',
    );
    expect(t.journal.read().map((e) => e.result)).toEqual(['started']);
  }
  /** The next start: a new process, whose engine knows no location but the datasets'. */
  const nextStart = (t: TestBigquery) =>
    reconcileJournal({ ...t.ctx, engine: new BigqueryEngine(t.config, t.ctx.now, { authClient: t.bq.authClient, sleep: async () => undefined }) }, t.journal);

  test('a job still running is found in its region and left to finish; once it commits, the journal says applied', async () => {
    const t = await makeBigquery({ noLocation: true });
    expect(t.config.engine.location).toBeUndefined();
    const a = event();
    await insertEvents(t, [a]);
    const plan = await updateByKey(t, a);
    await crashed(t, plan, 3);
    const [running] = await nextStart(t);
    expect(running).toMatchObject({ plan_id: plan.id, outcome: 'unknown' });
    expect(running!.message).toMatch(/^job evfix_apply_[0-9a-f_]+ is still running; evfix will check it again on the next start$/);
    expect(t.journal.read()[0]).toMatchObject({ result: 'started' });
    // The job was looked up where it runs (a regional job looked up without its location is a 404).
    const lookups = t.bq.traffic.requests.filter((r) => r.api === 'jobs.get' && r.path.includes('/jobs/evfix_apply_'));
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.map((r) => r.status)).toEqual(lookups.map(() => 200));
    await nextStart(t); // its third status read lets the job run
    await t.bq.idle();
    expect(tableCounts(t).exceptions).toBe(1);
    const [committed] = await nextStart(t);
    expect(committed).toMatchObject({ plan_id: plan.id, outcome: 'committed' });
    expect(t.journal.read()[0]).toMatchObject({ result: 'applied', applied_at: t.bq.rows(t.tables.audit)[0]!.applied_at });
    await expect(nextStart(t)).resolves.toEqual([]);
  });

  test('a job that committed, and one never created, are told apart by the audit table', async () => {
    const t = await makeBigquery({ noLocation: true });
    const a = event();
    const b = event();
    await insertEvents(t, [a, b]);
    const done = await updateByKey(t, a, 'committed');
    await crashed(t, done, 1);
    await t.bq.idle();
    // The process that never reached BigQuery: a journaled job id no job carries.
    const never = await updateByKey(t, b, 'never sent');
    t.journal.savePlan(never);
    t.journal.append({
      time: '2026-03-15 12:00:00.000000',
      plan_id: never.id,
      kind: 'update',
      stage: R,
      operator: 'tester',
      description: never.description,
      warehouse: never.warehouse,
      result: 'started',
      job_id: `evfix_apply_${never.id}_000000000000`,
    });
    const outcomes = await nextStart(t);
    expect(Object.fromEntries(outcomes.map((o) => [o.plan_id, o.outcome]))).toEqual({ [done.id]: 'committed', [never.id]: 'rolled back' });
    expect(tableCounts(t).exceptions).toBe(1);
  });
});

describe('traffic', () => {
  test('a predicate plan and its apply send and receive a few kilobytes, whether 1,000 or 5,000 events match', async () => {
    const measure = async (matching: number) => {
      const t = await makeBigquery();
      const rows = Array.from({ length: matching }, (_, i) =>
        event({
          event_created_at: `2026-03-${String(2 + (i % 12)).padStart(2, '0')} 10:00:00.${String(i).padStart(6, '0')}`,
          data: { remittance_id: `rm_${i}`, Status: 'Pending', amount: 100 + (i % 7) },
        }),
      );
      await insertEvents(t, rows);
      t.bq.traffic.reset();
      const plan = await t.service.call('makePlan', {
        op: 'update',
        stage: R,
        selection: { where: ['$.Status="Pending"'] },
        edits: setStatus('Failed'),
        description: 'all of them',
      });
      await t.service.call('applyPlan', { plan: plan.id });
      expect(plan.counts.exceptions).toBe(matching);
      expect(tableCounts(t).exceptions).toBe(matching);
      return { bytes: t.bq.traffic.bytesIn + t.bq.traffic.bytesOut, requests: t.bq.traffic.requests.length };
    };
    const small = await measure(1000);
    const large = await measure(5000);
    // Most of it is the plan itself (its 200-document sample), sent as the audit row's copy with the apply
    // script (dry run, then the job), each echoed back by BigQuery in the job resource.
    expect(small.bytes).toBeLessThan(600_000);
    expect(Math.abs(large.bytes - small.bytes)).toBeLessThan(small.bytes * 0.02);
    expect(large.requests).toBe(small.requests);
  }, 120_000);
});

describe('errors an operator can act on', () => {
  test('an integer beyond 64 bits in an edit is refused at plan time, naming the edit; nothing runs', async () => {
    const t = await makeBigquery();
    const a = event();
    await insertEvents(t, [a]);
    await expect(
      t.service.call('makePlan', {
        op: 'update',
        stage: R,
        selection: { keys: [{ event_id: a.event_id, event_created_at: a.event_created_at }] },
        edits: [{ op: 'set', path: '$.n', value: '123456789012345678901234', createIfMissing: true }],
        description: 'x',
      }),
    ).rejects.toThrow("value for $.n: 123456789012345678901234 is an integer beyond 64 bits, which BigQuery's JSON cannot hold");
    expect(t.bq.jobs.filter((j) => !j.dryRun)).toEqual([]);
  });

  test('permission denied names the permission and the project', async () => {
    const t = await makeBigquery();
    t.bq.faults.add({
      on: 'jobs.insert',
      effect: {
        error: {
          code: 403,
          reason: 'accessDenied',
          message: `Access Denied: Project ${PROJECT}: User does not have bigquery.jobs.create permission in project ${PROJECT}.`,
        },
      },
    });
    await expect(t.service.call('duplicateGroups', { stage: R })).rejects.toThrow(
      /^listing duplicates of remittance_was_sent_event: permission denied: bigquery\.jobs\.create is missing on project dw-prod-gwiiag\./,
    );
  });

  test('a missing table says which, where, and what to check', async () => {
    const t = await makeBigquery();
    const engine = new BigqueryEngine({ ...t.config, tables: { ...t.config.tables, events: 'kinesis.backend_events_v2' } }, t.ctx.now, {
      authClient: t.bq.authClient,
    });
    const service = createService({ ...t.ctx, engine });
    await expect(service.call('stageSummary', { stage: R })).rejects.toThrow(
      `counting remittance_was_sent_event: not found: Not found: Table ${PROJECT}:kinesis.backend_events_v2 was not found in location ${REGION}. Check the table names in the config (\`evfix doctor\` lists them).`,
    );
  });

  test('rate limits on reads are retried with backoff; a quota is not, and says so', async () => {
    const t = await makeBigquery();
    const real = (r: { dryRun?: boolean }) => !r.dryRun;
    const limited = t.bq.faults.add({ on: 'jobs.insert', match: real, times: 6, effect: 'rateLimitExceeded' });
    await expect(t.service.call('duplicateGroups', { stage: R })).resolves.toEqual([]);
    expect(limited.hits).toBe(6);
    expect(t.bq.jobs.filter((j) => !j.dryRun)).toHaveLength(1);
    t.bq.faults.add({ on: 'jobs.insert', match: real, times: Infinity, effect: 'quotaExceeded' });
    await expect(t.service.call('duplicateGroups', { stage: R })).rejects.toThrow(
      /BigQuery is rate-limiting or busy \(quotaExceeded\); evfix retried and gave up\. Try again in a minute\. BigQuery said: Quota exceeded/,
    );
  });

  test('maximum_bytes_billed: a query over it fails before it runs, naming the setting', async () => {
    const t = await makeBigquery({ engine: { maximum_bytes_billed: 1000 } });
    await expect(t.service.call('stageSummary', { stage: R })).rejects.toThrow(
      /counting remittance_was_sent_event: the query would bill more than engine\.maximum_bytes_billed allows; nothing ran\. BigQuery said: Query exceeded limit for bytes billed: 1000\./,
    );
  });

  test('credentials refused: the message says to log in again', async () => {
    const t = await makeBigquery();
    const { OAuth2Client } = await import('google-auth-library');
    const stale = new OAuth2Client();
    stale.setCredentials({ access_token: 'expired-token', expiry_date: Date.now() + 3_600_000 });
    const engine = new BigqueryEngine(t.config, t.ctx.now, { authClient: stale });
    await expect(engine.checkAccess()).rejects.toThrow(
      'checking credentials and bigquery.jobs.create: the credentials were refused (expired?). Run `gcloud auth application-default login` and try again.',
    );
    expect(t.bq.traffic.requests.map((r) => r.status)).toEqual([401]);
  });

  test('no Application Default Credentials: the message says how to log in', async () => {
    const t = await makeBigquery();
    const saved = { ...process.env };
    process.env.HOME = tempDir();
    process.env.METADATA_SERVER_DETECTION = 'none';
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    delete process.env.CLOUDSDK_CONFIG;
    try {
      await expect(new BigqueryEngine(t.config).checkAccess()).rejects.toThrow(/no usable Google credentials\. Run `gcloud auth application-default login`/);
    } finally {
      process.env = saved;
    }
  });
});
