/**
 * The CLI with a BigQuery config: every subcommand reaches the loopback
 * BigQuery through the real client, `doctor` reports one line per check, and
 * reruns run dbt, a stand-in on PATH that records its arguments.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli, type CliIO } from '../../src/cli/main.js';
import { DEMO_STAGES, readConfigFile } from '../../src/data/config.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { answerFrom, type Store } from '../helpers/bigqueryStore.js';
import { bigqueryManifest, modelId, writeManifest } from '../helpers/dbtManifest.js';
import { startFakeBigquery, type FakeBigquery, type ReceivedJob } from '../helpers/fakeBigquery.js';
import { event, NOW, tempDir } from '../helpers/warehouse.js';

const ID = '3c3c3c3c-0000-4000-8000-000000000042';
let fake: FakeBigquery;
let dir: string;
const savedPath = process.env.PATH;

beforeEach(async () => {
  fake = await startFakeBigquery();
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
afterEach(async () => {
  process.env.PATH = savedPath;
  delete process.env.DBT_EXIT;
  await fake.close();
});

function writeConfig(extra: Record<string, unknown> = {}) {
  writeFileSync(
    join(dir, 'evfix.config.json'),
    JSON.stringify({
      engine: { type: 'bigquery', project: 'dw-prod-gwiiag', location: 'EU', api_endpoint: fake.endpoint },
      stages: DEMO_STAGES.slice(0, 2),
      rerun: { runner: 'dbt', dbt: { project_dir: 'dbt', target: 'prod' } },
      ...extra,
    }),
  );
}

async function run(args: string[]) {
  let out = '', err = '';
  const io: CliIO = {
    out: (t) => (out += t + '\n'),
    err: (t) => (err += t + '\n'),
    env: { XDG_STATE_HOME: join(dir, 'state'), XDG_DATA_HOME: join(dir, 'data'), EVFIX_OPERATOR: 'ops' },
    cwd: dir,
    now: () => parseTimestamp(NOW),
    engine: { bigquery: { authClient: fake.authClient, sleep: async () => undefined } },
  };
  return { code: await runCli(args, io), out, err };
}

const COLUMNS = {
  backend_events: ['event_created_at:TIMESTAMP', 'event_id:STRING', 'event_name:STRING', 'user_id:STRING', 'event_external_reference_id:STRING', 'event_advisor_id:STRING', 'event_data:JSON', 'event_ingested_at:TIMESTAMP'],
};
const exceptionsColumns = [...COLUMNS.backend_events, 'exception_added_timestamp:TIMESTAMP', 'exception_description:STRING', 'is_event_update:BOOL'];
const exclusionsColumns = ['event_created_at:TIMESTAMP', 'event_id:STRING', 'event_name:STRING', 'exclusion_added_timestamp:TIMESTAMP', 'exclusion_description:STRING'];

function schemaAnswer(tables: Record<string, string[]>) {
  return (job: ReceivedJob) => {
    if (!/INFORMATION_SCHEMA\.COLUMNS/.test(job.query ?? '')) return { rows: [] };
    const wanted = (job.params.find((p) => p.name === 'tables')?.parameterValue.arrayValues ?? []).map((v) => v.value);
    return {
      rows: Object.entries(tables)
        .filter(([t]) => wanted.includes(t))
        .flatMap(([t, cols]) => cols.map((c) => ({ table_name: t, column_name: c.split(':')[0]!, data_type: c.split(':')[1]! }))),
    };
  };
}

describe('evfix doctor on BigQuery', () => {
  test('every check passes: one ok line each, exit 0', async () => {
    writeConfig();
    fake.respond = schemaAnswer({
      backend_events: COLUMNS.backend_events,
      backend_events_exceptions: exceptionsColumns,
      backend_events_exclusions: exclusionsColumns,
      remittance_was_sent_event: ['event_id:STRING'],
      card_was_shipped_event: ['event_id:STRING'],
    });
    const r = await run(['doctor']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.map((l) => l.slice(0, 4))).toEqual(Array(lines.length).fill('ok  '));
    expect(r.out).toContain('access: credentials work and can create query jobs in dw-prod-gwiiag');
    expect(r.out).toContain('table exceptions: s3.backend_events_exceptions: 11 columns as expected');
    expect(r.out).toContain('stage card_was_shipped_event: stage.card_was_shipped_event exists');
    expect(r.out).toMatch(/dbt: - installed: 1\.8\.7; reruns run: dbt run --select remittance_was_sent_event --vars '\{"current_date_offset":3\}'/);
  });

  test('a wrong type, a missing column, a missing stage table and no dbt each say what to fix, exit 1', async () => {
    writeConfig({ rerun: { runner: 'dbt', dbt: { project_dir: 'dbt', executable: 'dbt-not-installed' } } });
    fake.respond = schemaAnswer({
      backend_events: COLUMNS.backend_events.map((c) => (c === 'event_data:JSON' ? 'event_data:STRING' : c)),
      backend_events_exceptions: exceptionsColumns.filter((c) => !c.startsWith('is_event_update')),
      backend_events_exclusions: exclusionsColumns,
      remittance_was_sent_event: ['event_id:STRING'],
    });
    const r = await run(['doctor']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL  table events: kinesis.backend_events: event_data is STRING, expected JSON');
    expect(r.out).toContain('FAIL  table exceptions: s3.backend_events_exceptions: is_event_update is missing');
    expect(r.out).toContain('ok    table exclusions');
    expect(r.out).toContain('FAIL  stage card_was_shipped_event: stage.card_was_shipped_event does not exist');
    expect(r.out).toContain('FAIL  dbt: "dbt-not-installed" was not found on PATH');
  });

  test('refused credentials: the access check says to run gcloud auth application-default login', async () => {
    writeConfig();
    fake.failDryRuns = { code: 401, reason: 'authError', message: 'Request had invalid authentication credentials.' };
    const r = await run(['doctor']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL  access: .*Run `gcloud auth application-default login`/);
    expect(r.out).not.toContain('table events');
  });
});

describe('subcommands on BigQuery', () => {
  const store = (): Store => {
    const first = event({ event_id: ID, event_created_at: '2026-03-12 04:05:06.000007', data: { remittance_id: 'rm_cli', Status: 'Pending' } });
    return { sources: [first, { ...first, event_ingested_at: '2026-03-12 05:00:00.000000' }], exceptions: [], exclusions: [], fingerprint: '2:5|0:0|0:0' };
  };

  test('stages, duplicates, lookup, dedupe and rerun all run their jobs on BigQuery', async () => {
    writeConfig({ rerun: { runner: 'sql' } });
    fake.respond = answerFrom(store());
    expect((await run(['stages'])).code).toBe(0);
    const dups = await run(['duplicates', 'remittance_was_sent_event']);
    expect(dups.code).toBe(0);
    expect(dups.out).toContain(ID);
    const found = await run(['lookup', ID]);
    expect(found.out).toContain('2026-03-12 04:05:06.000007');
    const applied = await run(['dedupe', 'remittance_was_sent_event', '--event-id', ID, '--yes']);
    expect(applied.err).toBe('');
    expect(applied.code).toBe(0);
    const rerun = await run(['rerun', 'remittance_was_sent_event', '--offset', '3', '--yes']);
    expect(rerun.out).toContain('Rebuilt remittance_was_sent_event from 2026-03-12 00:00:00.000000.');
    const kinds = fake.jobs.filter((j) => !j.dryRun).map((j) => j.labels?.evfix);
    expect(kinds).toContain('apply');
    expect(kinds).toContain('rerun');
    expect(fake.jobs.every((j) => j.authorization === 'Bearer test-access-token')).toBe(true);
  });
});

describe('reruns with dbt', () => {
  test('runs dbt run --select MODEL --vars with the offset, streams its output, succeeds on exit 0', async () => {
    writeConfig({ rerun: { runner: 'dbt', dbt: { project_dir: 'dbt', profiles_dir: 'dbt', target: 'prod', downstream: true } } });
    const r = await run(['rerun', 'remittance_was_sent_event', '--offset', '5', '--yes']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'dbt-args'), 'utf8').trim().split('\n')).toEqual([
      'run', '--select', 'remittance_was_sent_event+', '--vars', '{"current_date_offset":5}',
      '--project-dir', join(dir, 'dbt'), '--profiles-dir', join(dir, 'dbt'), '--target', 'prod',
    ]);
    expect(r.err).toContain('  1 of 1 OK created sql incremental model stage.remittance_was_sent_event');
    expect(r.out).toContain('Rebuilt remittance_was_sent_event from 2026-03-10 00:00:00.000000 with dbt.');
    // The preview reads the warehouse (what the rerun would remove and write); only dbt writes.
    expect(fake.jobs.filter((j) => !j.dryRun && j.labels?.evfix !== 'read')).toEqual([]);
  });

  test('a failing dbt run fails the rerun with its last lines', async () => {
    writeConfig();
    process.env.DBT_EXIT = '2';
    const r = await run(['rerun', 'remittance_was_sent_event', '--offset', '1', '--yes']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/dbt run --select remittance_was_sent_event exited with code 2; the stage table may be partly rebuilt, rerun it\.\n[^]*Database Error in model remittance_was_sent_event/);
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
        { name: 'remittance_was_sent_event', tags: ['evfix_stage'], path: 'models/stage/r.sql', meta: { event_name: 'RemittanceWasSent', business_keys: ['$.remittance_id'] } },
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
