/**
 * The BigQuery engine through the real client library against the loopback
 * BigQuery: what it sends (job configuration, parameter types, labels, job
 * ids, dry runs), how it reads answers (microseconds, big numbers), and the
 * plans it makes, compared with the embedded engine's for the same rows.
 */
import { describe, expect, test } from 'vitest';
import { PARAMETER_LIMITS } from '../../src/data/bigquery/engine.js';
import { Journal } from '../../src/data/journal.js';
import { applyPlan } from '../../src/data/operations/apply.js';
import { buildDedupePlan } from '../../src/data/operations/dedupe.js';
import { findEventIdDuplicates } from '../../src/data/operations/duplicates.js';
import { lookupEvent } from '../../src/data/operations/lookup.js';
import { reconcileJournal } from '../../src/data/operations/reconcile.js';
import { makeBigquery } from '../helpers/bigquery.js';
import { answerFrom, type Store } from '../helpers/bigqueryStore.js';
import { paramValue } from '../helpers/fakeBigquery.js';
import { event, insertOriginals, makeWarehouse, stageNamed, tempDir } from '../helpers/warehouse.js';
import { join } from 'node:path';

const ID = '7f7f7f7f-0000-4000-8000-000000000001';

function duplicatePair() {
  const first = event({ event_id: ID, event_created_at: '2026-03-10 08:15:30.123456', event_ingested_at: '2026-03-10 08:15:31.000001', data: { remittance_id: 'rm_9', Status: 'Pending', amount: 12345678901234567890 } });
  const second = { ...first, event_ingested_at: '2026-03-10 08:20:00.999999' };
  // 2^64+ stays exact as text: the JSON is written by hand, not by JSON.stringify of a JS number.
  first.event_data = second.event_data = '{"remittance_id":"rm_9","Status":"Pending","amount":12345678901234567890}';
  return [first, second];
}

describe('reads', () => {
  test('every read is a dry run then a labelled, capped query job with typed named parameters', async () => {
    const { fake, ctx, config } = await makeBigquery();
    const store: Store = { sources: duplicatePair(), exceptions: [], exclusions: [], fingerprint: 'x' };
    fake.respond = answerFrom(store);
    const groups = await findEventIdDuplicates(ctx, stageNamed(config, 'remittance_was_sent_event'));

    expect(groups).toHaveLength(1);
    expect(groups[0]!.copies.map((c) => c.event_ingested_at)).toEqual(['2026-03-10 08:15:31.000001', '2026-03-10 08:20:00.999999']);
    expect(groups[0]!.copies[0]!.event_data).toContain('12345678901234567890');

    const [dry, run] = fake.jobs;
    expect(dry!.dryRun).toBe(true);
    expect(run!.dryRun).toBe(false);
    expect(run!.query).toBe(dry!.query);
    expect(run!.jobId).toMatch(/^evfix_read_[0-9a-f]{32}$/);
    expect(run!.labels).toEqual({ evfix: 'read' });
    expect(run!.maximumBytesBilled).toBe('5000000000');
    expect(run!.location).toBe('EU');
    expect(run!.useLegacySql).toBe(false);
    expect(run!.parameterMode).toBe('NAMED');
    expect(run!.authorization).toBe('Bearer test-access-token');
    const types = Object.fromEntries(run!.params.map((p) => [p.name, p.parameterType.type]));
    expect(types).toEqual({ event_name: 'STRING', since: 'TIMESTAMP', until: 'TIMESTAMP', lookup_from: 'TIMESTAMP' });
    expect(paramValue(run!, 'since')).toBe('2026-03-01 00:00:00.000000');
    expect(paramValue(run!, 'lookup_from')).toBe('2026-02-15 00:00:00.000000');
    expect(run!.query).toContain('`dw-prod-gwiiag.kinesis.backend_events`');
  });

  test('a read estimated over the threshold is refused with the bytes named, and never runs', async () => {
    const { fake, ctx, config } = await makeBigquery({ dry_run_threshold_bytes: 1024 ** 3 });
    fake.dryRunBytes = () => 3n * 1024n ** 4n;
    await expect(findEventIdDuplicates(ctx, stageNamed(config, 'remittance_was_sent_event'))).rejects.toThrow(
      /estimates 3\.0 TiB scanned, over engine\.dry_run_threshold_bytes \(1\.0 GiB\); nothing ran/,
    );
    expect(fake.jobs.every((j) => j.dryRun)).toBe(true);
  });

  test('the same rows make the same duplicate groups and dedupe plan as on the embedded warehouse', async () => {
    const rows = duplicatePair();
    const bq = await makeBigquery();
    bq.fake.respond = answerFrom({ sources: rows, exceptions: [], exclusions: [], fingerprint: 'x' });
    const duck = await makeWarehouse();
    await insertOriginals(duck.warehouse, rows);
    const stage = 'remittance_was_sent_event';

    const fromBq = await buildDedupePlan(bq.ctx, stageNamed(bq.config, stage), { description: 'dedupe test' });
    const fromDuck = await buildDedupePlan(duck.ctx, stageNamed(duck.config, stage), { description: 'dedupe test' });
    // The same plan, but for what names the warehouse: its label, the id that hashes it, and DuckDB's own fingerprint.
    const comparable = (p: typeof fromBq) => ({ ...p, id: undefined, warehouse: undefined, preconditions: { ...p.preconditions, fingerprint: undefined } });
    expect(comparable(fromBq)).toEqual(comparable(fromDuck));
    expect(fromBq.warehouse).toBe('bigquery:dw-prod-gwiiag');
  });

  test('a lookup by event_id alone names its partitions: the last lookup_days', async () => {
    const { fake, ctx } = await makeBigquery({ lookup_days: 30 });
    fake.respond = answerFrom({ sources: duplicatePair(), exceptions: [], exclusions: [], fingerprint: 'x' });
    const found = await lookupEvent(ctx, ID);
    expect(found.originals).toHaveLength(2);
    const reads = fake.jobs.filter((j) => !j.dryRun);
    expect(reads.map((j) => paramValue(j, 'from'))).toEqual(Array(3).fill('2026-02-13 00:00:00.000000'));
  });

  test('Esc cancels the read in flight: BigQuery is told to stop the job and the read says cancelled', async () => {
    const { fake, warehouse, config } = await makeBigquery();
    fake.respond = (job) => {
      fake.running.add(job.jobId);
      return { rows: [] };
    };
    const reading = warehouse.eventIdDuplicateCopies(stageNamed(config, 'remittance_was_sent_event'), '2026-03-01 00:00:00.000000');
    while (!fake.jobs.some((j) => !j.dryRun)) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const job = fake.jobs.find((j) => !j.dryRun)!;
    fake.running.delete(job.jobId);
    await warehouse.cancelReads();
    await expect(reading).rejects.toThrow(/cancelled; BigQuery stopped the job/);
    expect(job.cancelled).toBe(true);
  });
});

describe('apply', () => {
  async function planned(engine: Record<string, unknown> = {}) {
    const rows = duplicatePair();
    const bq = await makeBigquery(engine);
    const store: Store = { sources: rows, exceptions: [], exclusions: [], fingerprint: '2:123|0:0|0:0' };
    bq.fake.respond = answerFrom(store);
    const plan = await buildDedupePlan(bq.ctx, stageNamed(bq.config, 'remittance_was_sent_event'), { description: 'dedupe "quoted" `tick` \n newline' });
    const journal = new Journal(join(tempDir(), 'journal.jsonl'));
    return { ...bq, plan, journal, store };
  }

  test('one script job: the journaled job id, plan labels, the fingerprint asserted, rows as ARRAY<STRUCT> parameters', async () => {
    const { fake, ctx, plan, journal } = await planned();
    const before = fake.jobs.length;
    const result = await applyPlan(ctx, plan, journal);
    expect(result.status).toBe('applied');
    // Both copies share event_created_at: one exclusion row covers them, one copy is re-added.
    expect(result.written).toMatchObject({ exclusions: 1, exceptions: 1 });

    const script = fake.jobs.slice(before).find((j) => /BEGIN TRANSACTION/.test(j.query ?? ''))!;
    const started = journal.read().find((e) => e.result === 'started')!;
    expect(script.jobId).toBe(started.job_id);
    expect(script.jobId).toMatch(new RegExp(`^evfix_apply_${plan.id}_[0-9a-f]{12}$`));
    expect(script.labels).toEqual({ evfix: 'apply', evfix_plan: plan.id, evfix_kind: 'dedupe' });
    expect(script.query).toMatch(/^BEGIN TRANSACTION;\nASSERT \(/);
    expect(script.query).toMatch(/COMMIT TRANSACTION;$/);
    expect(paramValue(script, 'expected_fingerprint')).toBe('2:123|0:0|0:0');
    const exceptions = script.params.find((p) => p.name === 'exception_rows')!;
    expect(exceptions.parameterType).toMatchObject({ type: 'ARRAY', arrayType: { type: 'STRUCT' } });
    const row = exceptions.parameterValue.arrayValues![0]!.structValues!;
    expect(row.event_created_at!.value).toBe('2026-03-10 08:15:30.123456');
    expect(row.event_data!.value).toBe('{"remittance_id":"rm_9","Status":"Pending","amount":12345678901234567890}');
    expect(row.exception_description!.value).toBe('dedupe "quoted" `tick` \n newline');
    expect(script.query).not.toContain('rm_9');
    expect(script.query).toContain('PARSE_JSON(r.event_data)');
  });

  test('a plan beyond the parameter limits is loaded into scratch tables first, and is still one script', async () => {
    const saved = PARAMETER_LIMITS.values;
    PARAMETER_LIMITS.values = 5;
    try {
      const { fake, ctx, plan } = await planned();
      await applyPlan(ctx, plan);
      const loads = fake.jobs.filter((j) => j.load);
      expect(loads.map((j) => j.load!.destination).sort()).toEqual(
        ['exceptions', 'exclusions', 'remove_exceptions', 'remove_exclusions'].map((w) => `dw-prod-gwiiag.s3._evfix_${plan.id}_${w}`).sort(),
      );
      expect(loads.find((j) => j.load!.destination.endsWith('_exclusions') && !j.load!.destination.includes('remove'))!.load!.rows).toHaveLength(1);
      const scripts = fake.jobs.filter((j) => /BEGIN TRANSACTION/.test(j.query ?? ''));
      expect(scripts).toHaveLength(1);
      expect(scripts[0]!.query).toContain(`FROM \`dw-prod-gwiiag.s3._evfix_${plan.id}_exceptions\` AS r`);
      expect(scripts[0]!.params.map((p) => p.name)).not.toContain('exception_rows');
    } finally {
      PARAMETER_LIMITS.values = saved;
    }
  });

  test('a write between the check and the script fails the ASSERT: refused, journaled, nothing written', async () => {
    const { fake, ctx, plan, journal, store } = await planned();
    const answer = answerFrom(store);
    fake.respond = (job) =>
      /BEGIN TRANSACTION/.test(job.query ?? '')
        ? { error: { code: 400, reason: 'invalidQuery', message: 'evfix: the rows of the events in this plan changed after they were checked; nothing was written' }, at: 'job' }
        : answer(job);
    await expect(applyPlan(ctx, plan, journal)).rejects.toThrow(/changed after they were checked; nothing was written/);
    expect(journal.read()[0]).toMatchObject({ result: 'failed' });
  });

  test('a concurrent-update abort is reported plainly and can be retried', async () => {
    const { fake, ctx, plan, journal, store } = await planned();
    const answer = answerFrom(store);
    let fail = true;
    fake.respond = (job) => {
      if (/BEGIN TRANSACTION/.test(job.query ?? '') && fail) {
        fail = false;
        return { error: { code: 400, reason: 'invalidQuery', message: 'Transaction is aborted due to concurrent update against table dw-prod-gwiiag:s3.backend_events_exclusions.' }, at: 'job' };
      }
      return answer(job);
    };
    await expect(applyPlan(ctx, plan, journal)).rejects.toThrow(/aborted this transaction\. Nothing was written; run it again/);
    await expect(applyPlan(ctx, plan, journal)).resolves.toMatchObject({ status: 'applied' });
  });
});

describe('after a crash: the journal entry and the job outcome', () => {
  async function interrupted(jobState: 'done-failed' | 'running' | 'missing') {
    const { fake, ctx } = await makeBigquery();
    fake.respond = answerFrom({ sources: duplicatePair(), exceptions: [], exclusions: [], fingerprint: 'x' });
    const plan = await buildDedupePlan(ctx, stageNamed(ctx.config, 'remittance_was_sent_event'));
    const journal = new Journal(join(tempDir(), 'journal.jsonl'));
    journal.savePlan(plan);
    const jobId = `evfix_apply_${plan.id}_abcdefabcdef`;
    journal.append({ time: '2026-03-15 11:00:00.000000', plan_id: plan.id, kind: plan.kind, stage: plan.stage, operator: 'a', description: plan.description, warehouse: plan.warehouse, result: 'started', job_id: jobId });
    if (jobState === 'done-failed') fake.knownJobs.set(jobId, { state: 'DONE', error: { reason: 'invalidQuery', message: 'Transaction is aborted due to concurrent update' } });
    if (jobState === 'running') fake.knownJobs.set(jobId, { state: 'RUNNING' });
    return { reconciled: await reconcileJournal(ctx, journal), journal };
  }

  test('a job that failed rolled back as a whole', async () => {
    const { reconciled, journal } = await interrupted('done-failed');
    expect(reconciled[0]).toMatchObject({ outcome: 'rolled back' });
    expect(reconciled[0]!.message).toMatch(/failed \(Transaction is aborted/);
    expect(journal.read()[0]).toMatchObject({ result: 'rolled-back' });
  });

  test('a job BigQuery never received was never submitted', async () => {
    const { reconciled } = await interrupted('missing');
    expect(reconciled[0]!.message).toMatch(/was never submitted/);
  });

  test('a job still running is left for the next start', async () => {
    const { reconciled, journal } = await interrupted('running');
    expect(reconciled[0]).toMatchObject({ outcome: 'unknown' });
    expect(journal.read()[0]).toMatchObject({ result: 'started' });
  });
});

describe('errors an operator can act on', () => {
  test('permission denied names the permission and the project', async () => {
    const { fake, ctx, config } = await makeBigquery();
    fake.respond = () => ({
      error: { code: 403, reason: 'accessDenied', message: 'Access Denied: Project dw-prod-gwiiag: User does not have bigquery.jobs.create permission in project dw-prod-gwiiag.' },
    });
    fake.dryRunBytes = () => 1n;
    await expect(findEventIdDuplicates(ctx, stageNamed(config, 'remittance_was_sent_event'))).rejects.toThrow(
      /permission denied: bigquery\.jobs\.create is missing on project dw-prod-gwiiag/,
    );
  });

  test('a missing table says which, and where to look', async () => {
    const { fake, ctx, config } = await makeBigquery();
    fake.respond = () => ({ error: { code: 404, reason: 'notFound', message: 'Not found: Table dw-prod-gwiiag:kinesis.backend_events was not found in location EU' } });
    await expect(findEventIdDuplicates(ctx, stageNamed(config, 'remittance_was_sent_event'))).rejects.toThrow(
      /not found: Not found: Table dw-prod-gwiiag:kinesis\.backend_events was not found in location EU\. Check the table names/,
    );
  });

  test('rate limits on reads are retried with backoff', async () => {
    const { fake, ctx, config } = await makeBigquery();
    let refusals = 2;
    fake.respond = () => (refusals-- > 0 ? { error: { code: 403, reason: 'rateLimitExceeded', message: 'Exceeded rate limits: too many concurrent queries' }, at: 'job' } : { rows: [] });
    await expect(findEventIdDuplicates(ctx, stageNamed(config, 'remittance_was_sent_event'))).resolves.toEqual([]);
    expect(fake.jobs.filter((j) => !j.dryRun).length).toBe(3);
  });
});

describe('without credentials', () => {
  test('no Application Default Credentials: the message says how to log in', async () => {
    const saved = { ...process.env };
    process.env.HOME = tempDir();
    process.env.METADATA_SERVER_DETECTION = 'none';
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    delete process.env.CLOUDSDK_CONFIG;
    try {
      const { config } = await makeBigquery();
      const { BigqueryWarehouse } = await import('../../src/data/bigquery/engine.js');
      const warehouse = new BigqueryWarehouse(config);
      await expect(warehouse.checkAccess()).rejects.toThrow(/no usable Google credentials\. Run `gcloud auth application-default login`/);
    } finally {
      process.env = saved;
    }
  });
});
