/**
 * The CLI with a BigQuery config, on the BigQuery emulator: every subcommand reaches it through the real
 * client and its SQL really runs, `doctor` reports one line per check, and reruns run dbt, a stand-in on PATH
 * that records its arguments.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli, type CliIO } from '../../src/cli/main.js';
import { DEMO_STAGES, readConfigFile } from '../../src/data/config.js';
import { Journal } from '../../src/data/journal.js';
import type { Fault } from '../helpers/bigqueryEmulator.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { makeBigquery, REGION, tableCounts, type MakeBigquery, type TestBigquery } from '../helpers/bigquery.js';
import { bigqueryManifest, modelId, writeManifest } from '../helpers/dbtManifest.js';
import { event, NOW, tempDir } from '../helpers/warehouse.js';

const ID = '3c3c3c3c-0000-4000-8000-000000000042';
const R = 'remittance_was_sent_event';
let bq: TestBigquery;
let dir: string;
const savedPath = process.env.PATH;

async function warehouse(options: MakeBigquery = {}) {
  bq = await makeBigquery(options);
}

beforeEach(async () => {
  dir = tempDir();
  // The dbt stand-in: records its arguments, prints dbt-like lines, exits with $DBT_EXIT.
  mkdirSync(join(dir, 'bin'));
  writeFileSync(
    join(dir, 'bin', 'dbt'),
    `#!/bin/sh
if [ "$1" = "--version" ]; then echo "Core:"; echo "  - installed: 1.8.7"; exit 0; fi
printf '%s\\n' "$@" > "${dir}/dbt-args"
echo "Running with dbt=1.8.7"
echo "1 of 1 START sql incremental model stage.$3 ..... [RUN]"
if [ -n "$DBT_EXIT" ]; then echo "Database Error in model $3"; exit "$DBT_EXIT"; fi
echo "1 of 1 OK created sql incremental model stage.$3 ..... [MERGE (12.0 rows, 1.2 MiB processed) in 3.21s]"
`,
  );
  chmodSync(join(dir, 'bin', 'dbt'), 0o755);
  process.env.PATH = `${join(dir, 'bin')}:${savedPath}`;
  mkdirSync(join(dir, 'dbt'));
});
afterEach(() => {
  process.env.PATH = savedPath;
  delete process.env.DBT_EXIT;
});

function writeConfig(extra: Record<string, unknown> = {}, engine: Record<string, unknown> = {}) {
  writeFileSync(
    join(dir, 'evfix.config.json'),
    JSON.stringify({
      engine: { type: 'bigquery', project: bq.config.engine.project, location: REGION, api_endpoint: bq.bq.endpoint, ...engine },
      stages: DEMO_STAGES.slice(0, 2),
      rerun: { runner: 'dbt', dbt: { project_dir: 'dbt', target: 'prod' } },
      ...extra,
    }),
  );
}

/** `authClient` null: none handed in, so the engine builds its own (from the dbt profile, or ADC). */
async function run(args: string[], authClient: unknown = bq.bq.authClient, ask?: (question: string) => Promise<string>) {
  let out = '';
  let err = '';
  const io: CliIO = {
    ...(ask
      ? {
          ask: async (question: string) => {
            out += question;
            return ask(question);
          },
        }
      : {}),
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    env: { XDG_STATE_HOME: join(dir, 'state'), XDG_DATA_HOME: join(dir, 'data'), EVFIX_OPERATOR: 'ops' },
    cwd: dir,
    now: () => parseTimestamp(NOW),
    engine: { bigquery: { authClient: authClient ?? undefined, sleep: async () => undefined, retryOptions: { maxRetryDelay: 0.01 } } },
  };
  return { code: await runCli(args, io), out, err };
}

describe('evfix doctor on BigQuery', () => {
  test('every check passes: one ok line each, exit 0', async () => {
    await warehouse();
    writeConfig();
    const r = await run(['doctor']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.map((l) => l.slice(0, 4))).toEqual(Array(lines.length).fill('ok  '));
    expect(r.out).toContain('access: credentials work and can create query jobs in dw-prod-gwiiag');
    expect(r.out).toContain('table exceptions: s3.backend_events_exceptions: 11 columns as expected');
    expect(r.out).toContain('table audit: s3.evfix_audit: 20 columns as expected');
    expect(r.out).toContain('stage card_was_shipped_event: stage.card_was_shipped_event exists');
    expect(r.out).toContain(
      "partitioning events: kinesis.backend_events: partitioned by event_created_at, with require_partition_filter; evfix's reads are pruned to their window",
    );
    expect(r.out).toContain("cost: warning: engine.maximum_bytes_billed is not set, so a job's bytes are not capped (environment dev)");
    expect(r.out).toMatch(/dbt: - installed: 1\.8\.7; reruns run: dbt run --select remittance_was_sent_event --vars '\{"current_date_offset":3\}'/);
    // INFORMATION_SCHEMA of each dataset, in the datasets' region.
    expect(
      bq.bq.jobs
        .filter((j) => /^SELECT table_name, column_name, data_type\nFROM `[^`]*INFORMATION_SCHEMA\.COLUMNS`/.test(j.query ?? ''))
        .map((j) => j.location),
    ).toEqual([REGION, REGION, REGION]);
  });

  test('in prod every job is capped: 1 TiB unless the config says otherwise, and doctor says which', async () => {
    await warehouse();
    writeConfig({ environment: 'prod' });
    let r = await run(['doctor']);
    expect(r.out).toContain("ok    cost: every job is capped at 1 TiB billed (evfix's prod default; set engine.maximum_bytes_billed to choose)");
    // The cap reaches BigQuery with every job.
    expect(bq.bq.jobs.filter((j) => !j.dryRun).every((j) => j.maximumBytesBilled === String(1024 ** 4))).toBe(true);
    writeConfig({ environment: 'prod' }, { maximum_bytes_billed: 50 * 1024 ** 3 });
    r = await run(['doctor']);
    expect(r.out).toMatch(/ok {4}cost: every job is capped at 50 GiB billed\n/);
  });

  test('a wrong type, a missing column, a missing stage table and no dbt each say what to fix, exit 1', async () => {
    await warehouse({
      tables: (tables) =>
        tables
          .filter((t) => !t.path.endsWith('.card_was_shipped_event'))
          .map((t) =>
            t.path.endsWith('.backend_events')
              ? { ...t, schema: t.schema.map((f) => (f.name === 'event_data' ? { ...f, type: 'STRING' } : f)) }
              : t.path.endsWith('.backend_events_exceptions')
                ? { ...t, schema: t.schema.filter((f) => f.name !== 'is_event_update') }
                : t,
          ),
    });
    writeConfig({ rerun: { runner: 'dbt', dbt: { project_dir: 'dbt', executable: 'dbt-not-installed' } } });
    const r = await run(['doctor']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL  table events: kinesis.backend_events: event_data is STRING, expected JSON');
    expect(r.out).toContain('FAIL  table exceptions: s3.backend_events_exceptions: is_event_update is missing');
    expect(r.out).toContain('ok    table exclusions');
    expect(r.out).toContain('FAIL  stage card_was_shipped_event: stage.card_was_shipped_event does not exist');
    expect(r.out).toContain('FAIL  dbt: "dbt-not-installed" was not found on PATH');
  });

  test('partitioning from INFORMATION_SCHEMA: ingestion time or another column fails and refuses plans; none is a warning; the stage tables are checked too', async () => {
    await warehouse({
      tables: (tables) =>
        tables.map((t) =>
          t.path.endsWith('.backend_events')
            ? { ...t, partitioning: { type: 'DAY' as const } }
            : t.path.endsWith('.backend_events_exceptions')
              ? { ...t, partitioning: { type: 'DAY' as const, field: 'event_ingested_at' }, requirePartitionFilter: false }
              : t.path.endsWith('.backend_events_exclusions')
                ? { ...t, partitioning: undefined, requirePartitionFilter: false }
                : t.path.endsWith('.card_was_shipped_event')
                  ? { ...t, partitioning: { type: 'DAY' as const } }
                  : t,
        ),
    });
    writeConfig();
    const r = await run(['doctor']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "FAIL  partitioning events: kinesis.backend_events: partitioned by ingestion time (_PARTITIONTIME), so evfix's reads, which bound event_created_at, cannot prune it and with require_partition_filter every one of them fails. evfix does not support it: re-create the table partitioned by DATE(event_created_at)",
    );
    expect(r.out).toContain(
      "FAIL  partitioning exceptions: s3.backend_events_exceptions: partitioned by event_ingested_at, so evfix's reads, which bound event_created_at, cannot prune it and each would scan the whole table.",
    );
    expect(r.out).toContain('ok    partitioning exclusions: s3.backend_events_exclusions: warning: not partitioned, so every read scans the whole table');
    expect(r.out).toContain(
      "ok    partitioning remittance_was_sent_event: stage.remittance_was_sent_event: partitioned by event_created_at; evfix's reads are pruned to their window",
    );
    expect(r.out).toContain('ok    partitioning card_was_shipped_event: stage.card_was_shipped_event: warning: partitioned by ingestion time (_PARTITIONTIME)');
    // Planning is refused before any event is read, naming the table and what to do; nothing is written.
    const planned = await run(['exclude', R, '--event-id', ID, '--description', 'test', '--yes']);
    expect(planned.code).toBe(1);
    expect(planned.err).toContain('evfix exclude: tables.events kinesis.backend_events is partitioned by ingestion time (_PARTITIONTIME)');
    expect(planned.err).toContain('nothing was planned (`evfix doctor` checks every table)');
    expect(tableCounts(bq)).toEqual({ events: 0, exceptions: 0, exclusions: 0 });
    // Doctor read the metadata and the audit table; no job touched the events.
    expect(bq.bq.jobs.filter((j) => /backend_events/.test(j.query ?? '')).map((j) => j.query)).toEqual([]);
  });

  test('refused credentials: the access check says to run gcloud auth application-default login, and nothing else is tried', async () => {
    await warehouse();
    writeConfig();
    const { OAuth2Client } = await import('google-auth-library');
    const expired = new OAuth2Client();
    expired.setCredentials({ access_token: 'expired-token', expiry_date: Date.now() + 3_600_000 });
    const r = await run(['doctor'], expired);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /FAIL {2}access: checking credentials and bigquery\.jobs\.create: the credentials were refused \(expired\?\)\. Run `gcloud auth application-default login`/,
    );
    expect(r.out).not.toContain('table events');
  });
});

describe('subcommands on BigQuery', () => {
  test('stages, duplicates, lookup, dedupe, update --where and rerun run their jobs on BigQuery and write what they say', async () => {
    const first = event({
      event_id: ID,
      event_created_at: '2026-03-12 04:05:06.000007',
      event_ingested_at: '2026-03-12 04:05:07.000000',
      data: { remittance_id: 'rm_cli', Status: 'Pending' },
    });
    const other = event({ event_created_at: '2026-03-13 01:00:00.000000', data: { remittance_id: 'rm_other', Status: 'Pending' } });
    await warehouse({
      events: [first, { ...first, event_ingested_at: '2026-03-12 05:00:00.000000', event_data: '{"remittance_id":"rm_cli","Status":"Sent"}' }, other],
    });
    // No location in the config: evfix finds the datasets' region itself.
    writeConfig({ rerun: { runner: 'sql' } }, { location: undefined });

    const stages = await run(['stages']);
    expect(stages.code).toBe(0);
    expect(stages.out).toMatch(/remittance_was_sent_event\s+RemittanceWasSent\s+3 events\s+duplicates 1 \/ 0\s+up to date/);
    const dups = await run(['duplicates', R]);
    expect(dups.code).toBe(0);
    expect(dups.out).toContain(ID);
    const found = await run(['lookup', ID]);
    expect(found.out).toContain('2026-03-12 04:05:06.000007');

    const deduped = await run(['dedupe', R, '--event-id', ID, '--keep', 'latest', '--yes']);
    expect(deduped.err).toBe('');
    expect(deduped.code).toBe(0);
    expect(deduped.out).toMatch(/Applied plan [0-9a-f]{16}: wrote 1 exclusion row\(s\) and 1 exception row\(s\)\./);
    expect(bq.bq.rows(bq.tables.exceptions).map((r) => [r.event_id, r.event_data, r.is_event_update])).toEqual([
      [ID, '{"Status":"Sent","remittance_id":"rm_cli"}', false],
    ]);

    const updated = await run(['update', R, '--where', '$.Status="Pending"', '--set', '$.Status="Failed"', '--description', 'Never sent', '--yes']);
    expect(updated.err).toBe('');
    expect(updated.code).toBe(0);
    expect(updated.out).toMatch(/Applied plan [0-9a-f]{16}: wrote 0 exclusion row\(s\) and 1 exception row\(s\)\./);
    expect(tableCounts(bq)).toEqual({ events: 3, exceptions: 2, exclusions: 1 });

    // Both plans are in the sources, not yet in the stage table: the stage table's last_modified_time says so.
    const pending = await run(['stages']);
    expect(pending.out).toMatch(/remittance_was_sent_event\s+RemittanceWasSent\s+2 events\s+duplicates 0 \/ 0\s+rerun needed \(2 plans, offset 3\)/);
    expect(pending.out).toContain(`run: evfix rerun ${R} --since 2026-03-12`);
    const rerun = await run(['rerun', R, '--offset', '3', '--yes']);
    expect(rerun.err).toBe('');
    expect((await run(['stages'])).out).toMatch(/remittance_was_sent_event\s+.*up to date/);
    expect(rerun.out).toContain('Rebuilt remittance_was_sent_event from 2026-03-12 00:00:00.000000.');
    const staged = bq.bq
      .rows(bq.tables.stage(R))
      .map((r) => [r.event_id, JSON.parse(r.event_data as string).Status, r.is_exception, r.status])
      .sort();
    expect(staged).toEqual(
      [
        [ID, 'Sent', true, 'Sent'],
        [other.event_id, 'Failed', true, 'Failed'],
      ].sort(),
    );

    const history = await run(['history']);
    expect(history.out).toContain('Never sent');
    const kinds = bq.bq.jobs.filter((j) => !j.dryRun).map((j) => j.labels?.evfix);
    expect(kinds.filter((k) => k === 'apply')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'rerun')).toHaveLength(1);
    expect(bq.bq.jobs.every((j) => j.location === REGION)).toBe(true);
  });
});

describe('cost shown before a write', () => {
  test("the apply script's dry-run estimate is in the plan output before `Write these rows?`, and over the threshold it says the write is refused", async () => {
    await warehouse({
      events: [event({ event_id: ID, event_created_at: '2026-03-12 04:05:06.000007', data: { remittance_id: 'rm_cli', Status: 'Pending' } })],
    });
    writeConfig({}, { dry_run_threshold_bytes: 2 * 1024 ** 3 });
    bq.bq.estimate = (job) => (job.dryRun && /^BEGIN TRANSACTION;\n/.test(job.query ?? '') ? 1_288_490_189n : undefined);
    const args = ['update', R, '--event-id', ID, '--created-at', '2026-03-12 04:05:06.000007', '--set', '$.Status="Failed"', '--description', 'Never sent'];
    const declined = await run(args, undefined, async () => 'n');
    expect(declined.code).toBe(1);
    expect(declined.out).toMatch(/\nBigQuery estimate: 1\.2 GiB scanned \(threshold 2\.0 GiB\)\n[\s\S]*Write these rows\? \[y\/N\] $/);
    expect(tableCounts(bq).exceptions).toBe(0);
    // --dry-run shows it too.
    const dry = await run([...args, '--dry-run']);
    expect(dry.out).toContain('BigQuery estimate: 1.2 GiB scanned (threshold 2.0 GiB)\n');
    // Over the threshold: the operator reads why before answering, and the apply is refused with nothing written.
    bq.bq.estimate = (job) => (job.dryRun && /^BEGIN TRANSACTION;\n/.test(job.query ?? '') ? 3n * 1024n ** 3n : undefined);
    const over = await run(args, undefined, async () => 'y');
    expect(over.out).toContain('BigQuery estimate: 3.0 GiB scanned (threshold 2.0 GiB); over engine.dry_run_threshold_bytes, so writing is refused');
    expect(over.code).toBe(1);
    expect(over.err).toMatch(/BigQuery estimates 3\.0 GiB scanned, over engine\.dry_run_threshold_bytes \(2\.0 GiB\); nothing ran/);
    expect(tableCounts(bq).exceptions).toBe(0);
  });

  test('the runner: sql rerun preview shows its dry-run estimate; runner dbt has none (dbt runs its own SQL)', async () => {
    await warehouse({ events: [event({ event_created_at: '2026-03-12 04:05:06.000007' })] });
    writeConfig({ rerun: { runner: 'sql' } });
    bq.bq.estimate = (job) => (job.dryRun && /DELETE FROM/.test(job.query ?? '') ? 5n * 1024n ** 2n : undefined);
    const r = await run(['rerun', R, '--offset', '3', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('  BigQuery estimate: 5.0 MiB scanned (threshold 50.0 GiB)\n');
    writeConfig();
    expect((await run(['rerun', R, '--offset', '3', '--dry-run'])).out).not.toContain('BigQuery estimate');
  });
});

describe('faults BigQuery answers with, through `evfix exclude --yes` (no engine.location: found from the dataset; one row per result page)', () => {
  const script = (r: { dryRun?: boolean; query?: string }) => !r.dryRun && /^BEGIN TRANSACTION/.test(r.query ?? '');
  const read = (r: { dryRun?: boolean; query?: string }) => !r.dryRun && !/^BEGIN TRANSACTION/.test(r.query ?? '');
  type Case = { faults: Fault[]; estimate?: bigint; code: number; says: RegExp; journal: string[]; written: number };
  const cases: [string, Case][] = [
    [
      'lost response: the job was created, the answer was a 503, the retry met 409 Already Exists',
      {
        faults: [{ on: 'jobs.insert', match: script, effect: 'unavailable-after' }],
        code: 0,
        says: /Applied plan/,
        journal: ['applied', 'started'],
        written: 1,
      },
    ],
    [
      'connection reset after the job was created',
      { faults: [{ on: 'jobs.insert', match: script, effect: 'reset-after' }], code: 0, says: /Applied plan/, journal: ['applied', 'started'], written: 1 },
    ],
    [
      'a transient 500 before the job was created (retried by the client)',
      { faults: [{ on: 'jobs.insert', match: script, effect: 'internal-error' }], code: 0, says: /Applied plan/, journal: ['applied', 'started'], written: 1 },
    ],
    [
      '503 on every submission: the job never existed',
      {
        faults: [{ on: 'jobs.insert', match: script, times: Infinity, effect: 'unavailable-before' }],
        code: 1,
        says: /BigQuery is rate-limiting or busy \(backendError\); evfix retried and gave up/,
        journal: ['failed', 'started'],
        written: 0,
      },
    ],
    [
      'rateLimitExceeded (429) on a read: retried with backoff',
      {
        faults: [{ on: 'jobs.insert', match: read, times: 2, effect: { rateLimitExceeded: 429 } }],
        code: 0,
        says: /Applied plan/,
        journal: ['applied', 'started'],
        written: 1,
      },
    ],
    [
      'quotaExceeded on every read: not retried, nothing planned',
      {
        faults: [{ on: 'jobs.insert', match: read, times: Infinity, effect: 'quotaExceeded' }],
        code: 1,
        says: /\(quotaExceeded\); evfix retried and gave up\. Try again in a minute/,
        journal: [],
        written: 0,
      },
    ],
    [
      'bytesBilledLimitExceeded: the script bills over engine.maximum_bytes_billed',
      {
        faults: [],
        estimate: 2_000_000_000n,
        code: 1,
        says: /the query would bill more than engine\.maximum_bytes_billed allows; nothing ran/,
        journal: ['failed', 'started'],
        written: 0,
      },
    ],
    [
      'the transaction aborted by a concurrent update',
      {
        faults: [{ on: 'jobs.insert', match: script, effect: 'concurrent-update' }],
        code: 1,
        says: /another job changed the same table at the same moment, so BigQuery aborted this transaction\. Nothing was written; run it again/,
        journal: ['failed', 'started'],
        written: 0,
      },
    ],
  ];
  test.each(cases)('%s', async (_name, c) => {
    const first = event({ event_id: ID, event_created_at: '2026-03-12 04:05:06.000007' });
    await warehouse({
      pageSize: 1,
      events: [first, { ...first, event_ingested_at: '2026-03-12 05:00:00.000000' }, event({ event_created_at: '2026-03-12 06:00:00.000000' })],
    });
    writeConfig({ rerun: { runner: 'sql' } }, { location: undefined, maximum_bytes_billed: 1_000_000_000 });
    // Results come a row per page: every read follows pageToken.
    expect((await run(['stages'])).out).toMatch(/remittance_was_sent_event\s+RemittanceWasSent\s+3 events\s+duplicates 1 \/ 0/);
    for (const f of c.faults) bq.bq.faults.add(f);
    if (c.estimate) bq.bq.estimate = (job) => (!job.dryRun && /^BEGIN TRANSACTION/.test(job.query ?? '') ? c.estimate : undefined);
    const r = await run(['exclude', R, '--event-id', ID, '--description', 'fault test', '--yes']);
    expect(r.code).toBe(c.code);
    expect(c.code ? r.err : r.out).toMatch(c.says);
    expect(new Journal(join(dir, 'state', 'evfix', 'journal.jsonl')).read().map((e) => e.result)).toEqual(c.journal);
    expect(bq.bq.rows(bq.tables.exclusions)).toHaveLength(c.written);
    expect(bq.bq.rows(bq.tables.audit)).toHaveLength(c.written);
    // Every job ran, and was looked up, in the datasets' region.
    expect(bq.bq.jobs.every((j) => j.location === REGION)).toBe(true);
  });
});

describe('reruns with dbt', () => {
  test('runs dbt run --select MODEL --vars with the offset, streams its output, succeeds on exit 0', async () => {
    await warehouse({ events: [event({ event_created_at: '2026-03-12 04:05:06.000007' })] });
    writeConfig({ rerun: { runner: 'dbt', dbt: { project_dir: 'dbt', profiles_dir: 'dbt', target: 'prod', downstream: true } } });
    const r = await run(['rerun', R, '--offset', '5', '--yes']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'dbt-args'), 'utf8').trim().split('\n')).toEqual([
      'run',
      '--select',
      'remittance_was_sent_event+',
      '--vars',
      '{"current_date_offset":5}',
      '--project-dir',
      join(dir, 'dbt'),
      '--profiles-dir',
      join(dir, 'dbt'),
      '--target',
      'prod',
    ]);
    expect(r.err).toContain('  1 of 1 OK created sql incremental model stage.remittance_was_sent_event');
    expect(r.out).toContain('Rebuilt remittance_was_sent_event from 2026-03-10 00:00:00.000000 with dbt.');
    // The preview reads the warehouse (what the rerun would remove and write); only dbt writes.
    expect(r.out).toContain('removes 0 row(s) of the stage table in the window and writes 1');
    expect(bq.bq.jobs.filter((j) => !j.dryRun && j.labels?.evfix !== 'read')).toEqual([]);
    expect(bq.bq.rows(bq.tables.stage(R))).toEqual([]);
  });

  test('a failing dbt run fails the rerun with its last lines', async () => {
    await warehouse();
    writeConfig();
    process.env.DBT_EXIT = '2';
    const r = await run(['rerun', R, '--offset', '1', '--yes']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /dbt run --select remittance_was_sent_event exited with code 2; the stage table may be partly rebuilt, rerun it\.\n[\s\S]*Database Error in model remittance_was_sent_event/,
    );
  });
});

describe('the config from dbt', () => {
  test('project, dataset and location from profiles.yml; stage tables from the manifest by tag', () => {
    writeFileSync(join(dir, 'dbt', 'dbt_project.yml'), 'name: analytics\nprofile: warehouse\n');
    writeFileSync(
      join(dir, 'dbt', 'profiles.yml'),
      "warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      method: oauth\n      project: \"{{ env_var('EVFIX_TEST_PROJECT', 'dw-prod-gwiiag') }}\"\n      dataset: stage\n      location: EU\n",
    );
    writeManifest(
      join(dir, 'dbt'),
      bigqueryManifest(12, [
        {
          name: 'remittance_was_sent_event',
          tags: ['evfix_stage'],
          path: 'models/stage/r.sql',
          meta: { event_name: 'RemittanceWasSent', business_keys: ['$.remittance_id'] },
        },
        { name: 'report', path: 'models/marts/report.sql', materialized: 'table', dependsOn: [modelId('remittance_was_sent_event')] },
      ]),
    );
    writeFileSync(
      join(dir, 'evfix.config.json'),
      JSON.stringify({
        engine: { type: 'bigquery', from_dbt_profile: true },
        stages_from_manifest: { tag: 'evfix_stage' },
        rerun: { runner: 'dbt', dbt: { project_dir: 'dbt', profiles_dir: 'dbt', manifest: 'dbt/manifest.json' } },
      }),
    );
    const config = readConfigFile(join(dir, 'evfix.config.json'));
    expect(config.engine).toMatchObject({ type: 'bigquery', project: 'dw-prod-gwiiag', location: 'EU' });
    expect(config.stage_schema).toBe('stage');
    expect(config.stages).toEqual([
      {
        name: 'remittance_was_sent_event',
        event_name: 'RemittanceWasSent',
        business_keys: ['$.remittance_id'],
        columns: [],
        relation: { project: 'dw-prod-gwiiag', dataset: 'stage', table: 'remittance_was_sent_event', source: 'relation_name' },
      },
    ]);
  });
});

describe('credentials from the dbt profile', () => {
  const EMAIL = 'evfix-writer@dw-prod-gwiiag.iam.gserviceaccount.com';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

  /** A dbt project whose prod target is a service account key file, with jobs in another project; evfix's config takes its connection from it. */
  function profileConfig() {
    mkdirSync(join(dir, 'dbt', 'keys'));
    writeFileSync(
      join(dir, 'dbt', 'keys', 'evfix.json'),
      JSON.stringify({
        type: 'service_account',
        project_id: 'dw-prod-gwiiag',
        private_key_id: 'k1',
        private_key: privateKey,
        client_email: EMAIL,
        token_uri: 'https://oauth2.googleapis.com/token',
      }),
    );
    writeFileSync(join(dir, 'dbt', 'dbt_project.yml'), 'name: analytics\nprofile: warehouse\n');
    writeFileSync(
      join(dir, 'dbt', 'profiles.yml'),
      `warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      method: service-account\n      keyfile: keys/evfix.json\n      project: dw-prod-gwiiag\n      execution_project: dw-jobs-gwiiag\n      dataset: stage\n      location: ${REGION}\n`,
    );
    writeFileSync(
      join(dir, 'evfix.config.json'),
      JSON.stringify({
        engine: { type: 'bigquery', from_dbt_profile: true, api_endpoint: bq.bq.endpoint },
        stages: DEMO_STAGES.slice(0, 2),
        rerun: { runner: 'sql', dbt: { project_dir: 'dbt' } },
      }),
    );
  }

  test("method service-account: every request is signed with the profile's key file, and jobs run in its execution_project", async () => {
    await warehouse({ events: [event({ event_id: ID, event_created_at: '2026-03-12 04:05:06.000007' })] });
    profileConfig();
    bq.bq.addServiceAccount(EMAIL, publicKey);
    // No auth client handed in: the engine builds its own from the profile.
    const doctor = await run(['doctor'], null);
    expect(doctor.err).toBe('');
    expect(doctor.out).toContain(
      `ok    access: credentials work and can create query jobs in dw-jobs-gwiiag as service account ${EMAIL} (keyfile ${join(dir, 'dbt', 'keys', 'evfix.json')}), from dbt profile warehouse.prod`,
    );
    const excluded = await run(['exclude', R, '--event-id', ID, '--description', 'test event', '--yes'], null);
    expect(excluded.err).toBe('');
    expect(excluded.code).toBe(0);
    expect(bq.bq.rows(bq.tables.exclusions).map((r) => r.event_id)).toEqual([ID]);
    // Who BigQuery saw: the key file's service account on every request, never anything else.
    expect(bq.bq.traffic.requests.length).toBeGreaterThan(5);
    expect(new Set(bq.bq.traffic.requests.map((r) => r.principal))).toEqual(new Set([EMAIL]));
    // Jobs in the execution project (billing), tables in the data project.
    expect(new Set(bq.bq.jobs.map((j) => j.projectId))).toEqual(new Set(['dw-jobs-gwiiag']));
    expect(bq.bq.jobs.find((j) => j.labels?.evfix === 'apply')?.query).toContain('`dw-prod-gwiiag.s3.backend_events_exclusions`');
  });

  test('a key BigQuery does not know is refused, and doctor says the credentials were refused', async () => {
    await warehouse();
    profileConfig();
    const doctor = await run(['doctor'], null);
    expect(doctor.code).toBe(1);
    expect(doctor.out).toMatch(
      /FAIL {2}access: checking credentials and bigquery\.jobs\.create: the credentials were refused \(service account \S+ \(keyfile [^)]+\), from dbt profile [\w.]+\)\. Check that key or account in the dbt profile/,
    );
    // gcloud's login would not fix a profile's key: evfix does not send the operator there.
    expect(doctor.out).not.toContain('gcloud auth application-default login');
  });
});
