/**
 * The BigQuery emulator driven through the real @google-cloud/bigquery
 * client. Every expectation is computed here from the rows the test put in
 * (or from the service's documented wording), never read back from the
 * emulator's own helpers, so a wrong answer fails.
 */
import { BigQuery, type Job } from '@google-cloud/bigquery';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import * as p from '../../src/data/bigquery/params.js';
import { startBigqueryEmulator, type BigqueryEmulator, type SchemaField } from '../helpers/bigqueryEmulator.js';

const P = 'dw-prod-gwiiag';
const REGION = 'europe-west1';
const EVENTS = `${P}.kinesis.backend_events`;
const RAW = `${P}.s3.raw_events`;

const EVENT_SCHEMA: SchemaField[] = [
  { name: 'event_created_at', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'event_id', type: 'STRING' },
  { name: 'event_name', type: 'STRING' },
  { name: 'user_id', type: 'STRING' },
  { name: 'event_data', type: 'JSON' },
  { name: 'event_ingested_at', type: 'TIMESTAMP' },
];
const DAYS = ['2026-03-09', '2026-03-10', '2026-03-11'];
const EVENT_ROWS = DAYS.flatMap((d) =>
  [0, 1, 2, 3].map((k) => ({
    event_created_at: `${d} 0${k}:15:30.12345${k}`,
    event_id: `ev-${d.slice(8)}-${k}`,
    event_name: k % 2 ? 'RemittanceWasSent' : 'TransactionWasCreated',
    user_id: `u${k}`,
    // Already canonical (keys sorted, no spaces), so its byte length is what BigQuery stores.
    event_data: `{"day":"${d}","n":${k}}`,
    event_ingested_at: `${d} 23:00:00.000000`,
  })),
);

/** Microseconds since the epoch of canonical text, computed independently of the emulator. */
const micros = (text: string) => {
  const [date, time] = text.split(' ') as [string, string];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hms, frac = '0'] = time.split('.');
  const [hh, mm, ss] = hms!.split(':').map(Number) as [number, number, number];
  return BigInt(Date.UTC(y, m - 1, d, hh, mm, ss)) * 1000n + BigInt(frac.padEnd(6, '0'));
};
const str = (s: string | null) => (s === null ? 0 : 2 + Buffer.byteLength(s));

let bq: BigqueryEmulator;
let client: BigQuery;
let tableNo = 0;

beforeAll(async () => {
  bq = await startBigqueryEmulator({
    project: P,
    datasets: {
      kinesis: { location: REGION },
      s3: { location: REGION },
      stage: { location: REGION },
      us_data: { location: 'US' },
    },
    tables: [
      { path: EVENTS, schema: EVENT_SCHEMA, rows: EVENT_ROWS, partitioning: { field: 'event_created_at', type: 'DAY' }, requirePartitionFilter: true },
      {
        path: RAW,
        schema: [{ name: 'payload', type: 'STRING' }],
        rows: [
          { payload: 'first', _PARTITIONTIME: '2026-03-09 00:00:00' },
          { payload: 'second', _PARTITIONTIME: '2026-03-10 00:00:00' },
        ],
        partitioning: { type: 'DAY' },
        requirePartitionFilter: true,
      },
      { path: `${P}.us_data.things`, schema: [{ name: 'x', type: 'INT64' }], rows: [{ x: 1 }] },
    ],
    pageSize: 3,
  });
  client = new BigQuery({ projectId: P, apiEndpoint: bq.endpoint, authClient: bq.authClient as never, retryOptions: { maxRetryDelay: 0.01 } });
}, 60_000);
afterAll(() => bq?.close());
beforeEach(() => bq.faults.clear());

/** A fresh table in `stage` for a test that writes. */
async function ledger(rows: { id: string; amount: number }[] = []) {
  const path = `${P}.stage.ledger_${++tableNo}`;
  await bq.createTable({
    path,
    schema: [
      { name: 'id', type: 'STRING' },
      { name: 'amount', type: 'INT64' },
    ],
    rows,
  });
  return path;
}

type Options = { params?: p.QueryParameter[]; jobId?: string; location?: string | null; extra?: Record<string, unknown> };
async function submit(query: string, o: Options = {}): Promise<Job> {
  const [job] = await client.createQueryJob({
    query,
    useLegacySql: false,
    ...(o.params ? { parameterMode: 'NAMED', queryParameters: o.params } : {}),
    ...(o.location === null ? {} : { location: o.location ?? REGION }),
    ...(o.jobId ? { jobId: o.jobId } : {}),
    ...o.extra,
  } as never);
  return job;
}
/** Raw REST rows and schema of every page, the way evfix reads them. */
async function raw(job: Job, options: Record<string, unknown> = {}) {
  const [rows, , response] = (await job.getQueryResults({ skipParsing: true, ...options } as never)) as unknown as [
    { f: { v: unknown }[] }[],
    unknown,
    { schema?: { fields: SchemaField[] } },
  ];
  return { cells: rows.map((r) => r.f.map((c) => c.v)), fields: response?.schema?.fields ?? [] };
}
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (e) {
    const err = e as { code?: number; errors?: { reason?: string; message?: string }[]; message: string };
    return { code: err.code, reason: err.errors?.[0]?.reason, message: err.errors?.[0]?.message ?? err.message };
  }
  throw new Error('expected a failure');
};
const status = async (job: Job) => ((await job.getMetadata())[0] as { status: { state: string; errorResult?: { reason: string; message: string } } }).status;

describe('queries', () => {
  test('parameters of every type come back with their types and REST encodings', async () => {
    const ts = '2024-03-10 08:15:30.123456';
    const params: p.QueryParameter[] = [
      p.string('s', "O'Brien; -- not a comment"),
      p.int64('i', 9007199254740993n),
      { name: 'f', parameterType: { type: 'FLOAT64' as never }, parameterValue: { value: '1.5' } },
      { name: 'b', parameterType: { type: 'BOOL' }, parameterValue: { value: 'true' } },
      p.timestamp('ts', ts),
      { name: 'j', parameterType: { type: 'JSON' }, parameterValue: { value: '{"b": 1, "a": [1, 2]}' } },
      { name: 'num', parameterType: { type: 'NUMERIC' as never }, parameterValue: { value: '12.345' } },
      { name: 'd', parameterType: { type: 'DATE' as never }, parameterValue: { value: '2024-03-10' } },
      p.stringArray('arr', ['x', 'y']),
      p.structArray(
        'keys',
        [
          ['event_id', 'STRING'],
          ['event_created_at', 'TIMESTAMP'],
        ] as const,
        [{ event_id: 'e1', event_created_at: ts }],
      ),
      p.string('nul', null),
    ];
    const job = await submit(
      'SELECT @s AS s, @i AS i, @i + 1 AS i1, @f AS f, @b AS b, @ts AS ts, TIMESTAMP_ADD(@ts, INTERVAL 1 MICROSECOND) AS ts1, ' +
        '@j AS j, @num AS num, @d AS d, @arr AS arr, @keys AS keys, @nul AS nul, 1 + 1',
      { params },
    );
    const { cells, fields } = await raw(job);
    expect(fields).toEqual([
      { name: 's', type: 'STRING', mode: 'NULLABLE' },
      { name: 'i', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'i1', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'f', type: 'FLOAT', mode: 'NULLABLE' },
      { name: 'b', type: 'BOOLEAN', mode: 'NULLABLE' },
      { name: 'ts', type: 'TIMESTAMP', mode: 'NULLABLE' },
      { name: 'ts1', type: 'TIMESTAMP', mode: 'NULLABLE' },
      { name: 'j', type: 'JSON', mode: 'NULLABLE' },
      { name: 'num', type: 'NUMERIC', mode: 'NULLABLE' },
      { name: 'd', type: 'DATE', mode: 'NULLABLE' },
      { name: 'arr', type: 'STRING', mode: 'REPEATED' },
      {
        name: 'keys',
        type: 'RECORD',
        mode: 'REPEATED',
        fields: [
          { name: 'event_id', type: 'STRING', mode: 'NULLABLE' },
          { name: 'event_created_at', type: 'TIMESTAMP', mode: 'NULLABLE' },
        ],
      },
      { name: 'nul', type: 'STRING', mode: 'NULLABLE' },
      { name: 'f0_', type: 'INTEGER', mode: 'NULLABLE' },
    ]);
    expect(cells).toEqual([
      [
        "O'Brien; -- not a comment",
        '9007199254740993',
        '9007199254740994',
        '1.5',
        'true',
        String(micros(ts)),
        String(micros(ts) + 1n),
        '{"a":[1,2],"b":1}',
        '12.345',
        '2024-03-10',
        [{ v: 'x' }, { v: 'y' }],
        [{ v: { f: [{ v: 'e1' }, { v: String(micros(ts)) }] } }],
        null,
        '2',
      ],
    ]);
    // Without useInt64Timestamp the REST API sends float seconds; the client library then parses them itself.
    const legacy = await raw(job, { 'formatOptions.useInt64Timestamp': false });
    expect(legacy.cells[0]![5]).toBe('1.710058530123456E9');
    // The library's own parse of the default (int64 micros) encoding keeps the microseconds.
    const [parsed] = await job.getQueryResults();
    expect((parsed[0] as { ts: { value: string } }).ts.value).toBe('2024-03-10T08:15:30.123456000Z');
  });

  test('JSON functions, and JSON_SET leaving a document unchanged where the path runs through a scalar', async () => {
    const job = await submit(
      `SELECT
        TO_JSON_STRING(JSON_SET(JSON '{"a":1}', '$.a.b', 2)) AS through_scalar,
        TO_JSON_STRING(JSON_SET(JSON '{"a":{}}', '$.a.b', 2)) AS created,
        TO_JSON_STRING(JSON_SET(JSON '{"a":{}}', '$.a.b', 2, create_if_missing => TRUE)) AS created_explicitly,
        TO_JSON_STRING(JSON_REMOVE(JSON '{"a":1,"b":2}', '$.a')) AS removed,
        JSON_VALUE(JSON '{"a":{"b":"x"}}', '$.a.b') AS value,
        TO_JSON_STRING(JSON_QUERY(JSON '{"a":{"b":[1,2]}}', '$.a.b')) AS query,
        JSON_TYPE(JSON '{"a":1}') AS type,
        FARM_FINGERPRINT('evfix') = FARM_FINGERPRINT('evfix') AS fingerprint_stable`,
    );
    const { cells } = await raw(job);
    expect(cells).toEqual([['{"a":1}', '{"a":{"b":2}}', '{"a":{"b":2}}', '{"b":2}', 'x', '[1,2]', 'object', 'true']]);

    const refused = await failure(submit(`SELECT JSON_SET(JSON '{}', '$.a', 1, create_if_missing => FALSE)`));
    expect(refused.reason).toBe('invalidQuery');
    expect(refused.message).toMatch(/^bigquery emulator: JSON_SET\(\.\.\., create_if_missing => FALSE\) cannot be emulated/);
  });

  test('pages of getQueryResults, with and without autoPaginate', async () => {
    const all = EVENT_ROWS.map((r) => r.event_id).sort();
    const query = `SELECT event_id FROM \`${EVENTS}\` WHERE event_created_at >= @since ORDER BY event_id`;
    const params = [p.timestamp('since', '2026-03-01 00:00:00')];
    const [rows] = await (await submit(query, { params })).getQueryResults();
    expect(rows.map((r) => r.event_id)).toEqual(all);

    const job = await submit(query, { params });
    const pages: string[][] = [];
    let pageToken: string | undefined;
    for (;;) {
      const [page, , response] = (await job.getQueryResults({ autoPaginate: false, ...(pageToken ? { pageToken } : {}) } as never)) as unknown as [
        { event_id: string }[],
        unknown,
        { jobComplete: boolean; pageToken?: string; totalRows?: string },
      ];
      if (response.jobComplete === false) continue;
      expect(response.totalRows).toBe(String(all.length));
      pages.push(page.map((r) => r.event_id));
      pageToken = response.pageToken;
      if (!pageToken) break;
    }
    expect(pages.map((x) => x.length)).toEqual([3, 3, 3, 3]); // pageSize 3
    expect(pages.flat()).toEqual(all);
    const [two, next] = (await job.getQueryResults({ autoPaginate: false, maxResults: 2 } as never)) as unknown as [unknown[], { pageToken?: string }];
    expect(two).toHaveLength(2);
    expect(next?.pageToken).toBeTruthy();
  });

  test('a table read has the table schema, typed, and its values', async () => {
    const job = await submit(`SELECT * FROM \`${EVENTS}\` AS e WHERE e.event_created_at = @at`, {
      params: [p.timestamp('at', EVENT_ROWS[5]!.event_created_at)],
    });
    const { cells, fields } = await raw(job);
    expect(fields.map((f) => [f.name, f.type])).toEqual([
      ['event_created_at', 'TIMESTAMP'],
      ['event_id', 'STRING'],
      ['event_name', 'STRING'],
      ['user_id', 'STRING'],
      ['event_data', 'JSON'],
      ['event_ingested_at', 'TIMESTAMP'],
    ]);
    const r = EVENT_ROWS[5]!;
    expect(cells).toEqual([[String(micros(r.event_created_at)), r.event_id, r.event_name, r.user_id, r.event_data, String(micros(r.event_ingested_at))]]);
  });

  test('a query touching a dataset in another location is not found there', async () => {
    const e = await failure(submit(`SELECT x FROM \`${P}.us_data.things\``));
    expect(e).toEqual({ code: undefined, reason: 'notFound', message: `Not found: Dataset ${P}:us_data was not found in location ${REGION}` });
    // Without a location the job goes where its dataset is.
    const [rows] = await (await submit(`SELECT x FROM us_data.things`, { location: null })).getQueryResults();
    expect(rows).toEqual([{ x: 1 }]);
  });
});

describe('scripts and transactions', () => {
  const rowsParam = (rows: { id: string; amount: number }[]) =>
    p.structArray(
      'rows',
      [
        ['id', 'STRING'],
        ['amount', 'INT64'],
      ] as const,
      rows,
    );

  test('BEGIN, an assertion, INSERTs and COMMIT: the rows land, the last SELECT is the result', async () => {
    const path = await ledger();
    const job = await submit(
      `BEGIN TRANSACTION;
       SELECT IF((SELECT COUNT(*) FROM \`${path}\`) = 0, 0, ERROR('evfix: not empty'));
       CREATE TEMP TABLE incoming AS SELECT r.id, r.amount FROM UNNEST(@rows) AS r;
       INSERT INTO \`${path}\` (id, amount) SELECT id, amount * 10 FROM incoming;
       COMMIT TRANSACTION;
       SELECT id, amount FROM \`${path}\` ORDER BY id;`,
      {
        params: [
          rowsParam([
            { id: 'a', amount: 1 },
            { id: 'b', amount: 2 },
          ]),
        ],
      },
    );
    const [rows] = await job.getQueryResults();
    expect(rows).toEqual([
      { id: 'a', amount: 10 },
      { id: 'b', amount: 20 },
    ]);
    expect(bq.rows(path)).toEqual([
      { id: 'a', amount: 10n },
      { id: 'b', amount: 20n },
    ]);
    const [meta] = await job.getMetadata();
    expect(meta.statistics.query.statementType).toBe('SCRIPT');
    expect(meta.statistics.numChildJobs).toBe('6');
  });

  test('a failing statement inside the transaction fails the job and leaves nothing', async () => {
    const path = await ledger([{ id: 'kept', amount: 1 }]);
    const script = `BEGIN TRANSACTION;
INSERT INTO \`${path}\` (id, amount) VALUES ('new', 2);
DELETE FROM \`${path}\` WHERE id = 'kept';
SELECT IF((SELECT COUNT(*) FROM \`${path}\`) = 1, ERROR('evfix: the rows changed'), 0);
COMMIT TRANSACTION;`;
    const job = await submit(script);
    const e = await failure(job.getQueryResults());
    expect(e.reason).toBe('invalidQuery');
    // Script errors carry BigQuery's "Query error: ... at [line:column]" (the failing statement is on line 4).
    expect(e.message).toBe('Query error: evfix: the rows changed at [4:1]');
    expect((await status(job)).errorResult).toEqual({ reason: 'invalidQuery', message: 'Query error: evfix: the rows changed at [4:1]' });
    expect(bq.rows(path)).toEqual([{ id: 'kept', amount: 1n }]);
  });

  test('ASSERT passes, or fails with its description and rolls the transaction back', async () => {
    const path = await ledger([{ id: 'a', amount: 1 }]);
    const script = (n: number) => `BEGIN TRANSACTION;
ASSERT (SELECT COUNT(*) FROM \`${path}\`) = ${n} AS 'evfix: the rows changed; nothing was written';
INSERT INTO \`${path}\` (id, amount) VALUES ('b', 2);
COMMIT TRANSACTION;`;
    const failed = await submit(script(5));
    expect((await failure(failed.getQueryResults())).message).toBe('Query error: evfix: the rows changed; nothing was written at [2:1]');
    expect(bq.rows(path)).toEqual([{ id: 'a', amount: 1n }]);
    await (await submit(script(1))).getQueryResults();
    expect(bq.rows(path)).toEqual([
      { id: 'a', amount: 1n },
      { id: 'b', amount: 2n },
    ]);
  });

  test('DML before a failure and outside a transaction stays, as in BigQuery', async () => {
    const path = await ledger();
    const script = `INSERT INTO \`${path}\` (id, amount) VALUES ('x', 1); SELECT ERROR('later')`;
    const job = await submit(script);
    expect((await failure(job.getQueryResults())).message).toBe(`Query error: later at [1:${script.indexOf('SELECT') + 1}]`);
    expect(bq.rows(path)).toEqual([{ id: 'x', amount: 1n }]);
  });

  test('single DML statements report their affected rows', async () => {
    const path = await ledger([
      { id: 'a', amount: 1 },
      { id: 'b', amount: 2 },
      { id: 'c', amount: 3 },
    ]);
    const job = await submit(`UPDATE \`${path}\` SET amount = amount + 100 WHERE amount >= @min`, { params: [p.int64('min', 2)] });
    await job.getQueryResults();
    const [meta] = await job.getMetadata();
    expect(meta.statistics.query.statementType).toBe('UPDATE');
    expect(meta.statistics.query.numDmlAffectedRows).toBe('2');
    expect(bq.rows(path)).toEqual([
      { id: 'a', amount: 1n },
      { id: 'b', amount: 102n },
      { id: 'c', amount: 103n },
    ]);
  });

  test('DDL on a permanent table inside a transaction is refused as BigQuery refuses it', async () => {
    const job = await submit(`BEGIN TRANSACTION;\nCREATE TABLE \`${P}.stage.nope\` (a INT64);\nCOMMIT TRANSACTION;`);
    expect((await failure(job.getQueryResults())).message).toBe(
      'Query error: DDL statements are not supported in a transaction, except for those creating or droping temporary tables or temporary functions. at [2:1]',
    );
  });

  test('a concurrent update aborts the transaction: the fault, and a real conflicting write from another job', async () => {
    const path = await ledger();
    bq.faults.add({ on: 'jobs.insert', effect: 'concurrent-update' });
    const job = await submit(`BEGIN TRANSACTION; INSERT INTO \`${path}\` (id, amount) VALUES ('a', 1); COMMIT TRANSACTION;`);
    expect((await failure(job.getQueryResults())).message).toMatch(
      new RegExp(`^Transaction is aborted due to concurrent update against table ${path.replace(/[.-]/g, '\\$&')}\\. Transaction ID: [0-9a-f]+$`),
    );
    expect(bq.rows(path)).toEqual([]);

    // A session transaction spans jobs; another job writes the table before its COMMIT.
    const begin = await submit(`BEGIN TRANSACTION; INSERT INTO \`${path}\` (id, amount) VALUES ('mine', 1);`, { extra: { createSession: true } });
    await begin.getQueryResults();
    const sessionId = (await begin.getMetadata())[0].statistics.sessionInfo.sessionId as string;
    await (await submit(`INSERT INTO \`${path}\` (id, amount) VALUES ('theirs', 2)`)).getQueryResults();
    const commit = await submit('COMMIT TRANSACTION', { extra: { connectionProperties: [{ key: 'session_id', value: sessionId }] } });
    expect((await failure(commit.getQueryResults())).message).toMatch(/^Transaction is aborted due to concurrent update against table /);
    expect(bq.rows(path)).toEqual([{ id: 'theirs', amount: 2n }]);
  });

  test('temp tables live on across the jobs of a session, also as _SESSION.name', async () => {
    const first = await submit('CREATE TEMP TABLE picked AS SELECT 7 AS x UNION ALL SELECT 8', { extra: { createSession: true } });
    await first.getQueryResults();
    const [meta] = await first.getMetadata();
    const sessionId = meta.statistics.sessionInfo.sessionId as string;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const inSession = { extra: { connectionProperties: [{ key: 'session_id', value: sessionId }] } };
    const [rows] = await (await submit('SELECT SUM(x) AS total FROM picked', inSession)).getQueryResults();
    expect(rows).toEqual([{ total: 15 }]);
    const [again] = await (await submit('SELECT COUNT(*) AS n FROM _SESSION.picked', inSession)).getQueryResults();
    expect(again).toEqual([{ n: 2 }]);
    const outside = await failure(submit('SELECT COUNT(*) AS n FROM picked'));
    expect(outside.message).toBe('Table "picked" must be qualified with a dataset (e.g. dataset.table).');
  });

  test('MERGE is refused loudly rather than pretended', async () => {
    const path = await ledger();
    const job = await submit(`MERGE \`${path}\` T USING (SELECT 'a' AS id) S ON T.id = S.id WHEN NOT MATCHED THEN INSERT (id, amount) VALUES (S.id, 1)`);
    const e = await failure(job.getQueryResults());
    expect(e.message).toMatch(/^bigquery emulator: MERGE is not emulated/);
  });
});

describe('jobs', () => {
  test('a reused job id is a 409 duplicate', async () => {
    await submit('SELECT 1', { jobId: 'evfix_fixed_1' });
    const e = await failure(submit('SELECT 2', { jobId: 'evfix_fixed_1' }));
    expect(e).toEqual({ code: 409, reason: 'duplicate', message: `Already Exists: Job ${P}:${REGION}.evfix_fixed_1` });
  });

  test('a lost insert response: the client retries, meets 409, and the job really ran once', async () => {
    const path = await ledger();
    bq.faults.add({ on: 'jobs.insert', effect: 'unavailable-after' });
    const e = await failure(submit(`INSERT INTO \`${path}\` (id, amount) VALUES ('once', 1)`, { jobId: 'evfix_lost_1' }));
    expect(e).toEqual({ code: 409, reason: 'duplicate', message: `Already Exists: Job ${P}:${REGION}.evfix_lost_1` });
    await bq.idle();
    expect(bq.rows(path)).toEqual([{ id: 'once', amount: 1n }]);
    const received = bq.jobs.filter((j) => j.jobId === 'evfix_lost_1');
    expect(received).toHaveLength(1);
    expect(received[0]!.insertRequests).toBe(2);

    // A 503 before the job was created: the retry creates it, once.
    bq.faults.add({ on: 'jobs.insert', effect: 'unavailable-before' });
    await (await submit(`INSERT INTO \`${path}\` (id, amount) VALUES ('retried', 3)`, { jobId: 'evfix_lost_2' })).getQueryResults();
    expect(bq.jobs.filter((j) => j.jobId === 'evfix_lost_2').map((j) => j.insertRequests)).toEqual([1]);

    // Without a caller-chosen id the library takes the 409 as "it was created" and fetches the job.
    bq.faults.add({ on: 'jobs.insert', effect: 'reset-after' });
    const job = await submit(`INSERT INTO \`${path}\` (id, amount) VALUES ('also once', 2)`);
    await job.getQueryResults();
    expect(bq.rows(path)).toEqual([
      { id: 'once', amount: 1n },
      { id: 'retried', amount: 3n },
      { id: 'also once', amount: 2n },
    ]);
  });

  test('jobs.get of a regional job without its location is 404; with it, 200', async () => {
    const job = await submit('SELECT 1');
    await job.getQueryResults();
    const e = await failure(client.job(job.id!).getMetadata());
    expect(e).toEqual({ code: 404, reason: 'notFound', message: `Not found: Job ${P}:${job.id}` });
    expect((await failure(client.job(job.id!).cancel())).code).toBe(404);
    expect((await failure(client.job(job.id!).getQueryResults())).message).toBe(`Not found: Job ${P}:${job.id}`);
    const [meta] = await client.job(job.id!, { location: REGION }).getMetadata();
    expect(meta.status).toEqual({ state: 'DONE' });
    expect(meta.jobReference).toEqual({ projectId: P, jobId: job.id, location: REGION });
    // A multi-region (US) job is found without one.
    const us = await submit('SELECT 1', { location: 'US' });
    await us.getQueryResults();
    expect((await client.job(us.id!).getMetadata())[0].status.state).toBe('DONE');
  });

  test('labels are checked as BigQuery checks them', async () => {
    const e = await failure(submit('SELECT 1', { extra: { labels: { Evfix: 'read' } } }));
    expect(e.code).toBe(400);
    expect(e.reason).toBe('invalid');
    await submit('SELECT 1', { extra: { labels: { evfix: 'read', evfix_plan: 'p-123_x' } } });
  });

  test('cancel stops a job that is still running; it then fails as stopped and changed nothing', async () => {
    const path = await ledger();
    bq.faults.add({ on: 'jobs.insert', effect: { slow: 5 } });
    const job = await submit(`INSERT INTO \`${path}\` (id, amount) VALUES ('never', 1)`);
    expect((await status(job)).state).toBe('RUNNING');
    await job.cancel();
    const e = await failure(job.getQueryResults());
    expect(e).toEqual({ code: 400, reason: 'stopped', message: 'Job execution was cancelled: User requested cancellation' });
    expect((await status(job)).errorResult).toEqual({ reason: 'stopped', message: 'Job execution was cancelled: User requested cancellation' });
    await bq.idle();
    expect(bq.rows(path)).toEqual([]);
  });

  test('a slow job answers jobComplete: false for as many reads as asked', async () => {
    bq.faults.add({ on: 'jobs.insert', effect: { slow: 3 } });
    const job = await submit('SELECT 1 AS one');
    const answers: boolean[] = [];
    for (;;) {
      const [rows, , response] = (await job.getQueryResults({ autoPaginate: false } as never)) as unknown as [unknown[], unknown, { jobComplete: boolean }];
      answers.push(response.jobComplete);
      if (response.jobComplete) {
        expect(rows).toEqual([{ one: 1 }]);
        break;
      }
    }
    expect(answers).toEqual([false, false, false, true]);
  });

  test('a cancel can be acknowledged while the job still finishes successfully', async () => {
    const path = await ledger();
    bq.faults.add({ on: 'jobs.insert', effect: { slow: 2 } });
    bq.faults.add({ on: 'jobs.insert', effect: 'cancel-finishes' });
    const job = await submit(`INSERT INTO \`${path}\` (id, amount) VALUES ('anyway', 1)`);
    await job.cancel();
    await job.getQueryResults();
    expect(await status(job)).toEqual({ state: 'DONE' });
    expect(bq.rows(path)).toEqual([{ id: 'anyway', amount: 1n }]);
  });

  test('quotaExceeded is not retried; rateLimitExceeded (403 and 429) and 5xx on reads are', async () => {
    const inserts = () => bq.traffic.requests.filter((r) => r.api === 'jobs.insert').length;
    bq.traffic.reset();
    bq.faults.add({ on: 'jobs.insert', effect: 'quotaExceeded' });
    const q = await failure(submit('SELECT 1'));
    expect(q).toEqual({
      code: 403,
      reason: 'quotaExceeded',
      message:
        'Quota exceeded: Your project exceeded quota for free query bytes scanned. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
    });
    expect(inserts()).toBe(1);

    bq.traffic.reset();
    const rate = bq.faults.add({ on: 'jobs.insert', effect: 'rateLimitExceeded' });
    const rate429 = bq.faults.add({ on: 'jobs.insert', effect: { rateLimitExceeded: 429 } });
    const flaky = bq.faults.add({ on: ['jobs.getQueryResults', 'jobs.get'], times: 2, effect: 'unavailable-before' });
    const [rows] = await (await submit('SELECT 41 + 1 AS answer')).getQueryResults();
    expect(rows).toEqual([{ answer: 42 }]);
    expect([rate.hits, rate429.hits, flaky.hits]).toEqual([1, 1, 2]);
    expect(inserts()).toBe(3);
    expect(bq.traffic.requests.filter((r) => r.status === 403 || r.status === 429 || r.status === 503).map((r) => r.status)).toEqual([403, 429, 503, 503]);
  });

  test('a load job through the upload endpoint is counted and fills its table', async () => {
    const before = bq.jobs.filter((j) => j.type === 'LOAD').length;
    const table = client.dataset('stage', { location: REGION }).table('loaded');
    const job = await new Promise<Job>((resolve, reject) => {
      const stream = table.createWriteStream({
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        schema: {
          fields: [
            { name: 'event_id', type: 'STRING' },
            { name: 'at', type: 'TIMESTAMP' },
          ],
        },
        writeDisposition: 'WRITE_TRUNCATE',
        jobId: 'evfix_load_1',
      } as never);
      stream.on('error', reject);
      stream.on('job', resolve);
      stream.write(`${JSON.stringify({ event_id: 'e1', at: '2026-03-10 08:15:30.123456' })}\n`);
      stream.end();
    });
    expect((await status(job)).state).toBe('DONE');
    expect(bq.jobs.filter((j) => j.type === 'LOAD').length).toBe(before + 1);
    expect(bq.rows(`${P}.stage.loaded`)).toEqual([{ event_id: 'e1', at: '2026-03-10 08:15:30.123456' }]);
  });
});

describe('dry runs, partitions and bytes', () => {
  const dry = async (query: string, params: p.QueryParameter[] = []) => {
    const [job] = await client.createQueryJob({
      query,
      useLegacySql: false,
      parameterMode: 'NAMED',
      queryParameters: params,
      location: REGION,
      dryRun: true,
    } as never);
    return BigInt((job.metadata as { statistics: { totalBytesProcessed: string } }).statistics.totalBytesProcessed);
  };

  test('a dry run rejects what ZetaSQL rejects, worded and located as BigQuery does', async () => {
    expect(await failure(dry(`SELECT nope FROM \`${EVENTS}\` WHERE event_created_at >= @t`, [p.timestamp('t', '2026-03-01 00:00:00')]))).toEqual({
      code: 400,
      reason: 'invalidQuery',
      message: 'Unrecognized name: nope at [1:8]',
    });
    expect((await failure(dry('SELEC 1'))).message).toBe('Syntax error: Unexpected identifier "SELEC" at [1:1]');
    expect(await failure(dry(`SELECT 1 FROM kinesis.nope`))).toEqual({
      code: 404,
      reason: 'notFound',
      message: `Not found: Table ${P}:kinesis.nope was not found in location ${REGION}`,
    });
  });

  test('the estimate counts the columns read, over the partitions the parameters select', async () => {
    const since = '2026-03-10 12:00:00'; // mid-day: the whole 10th is read, partitions are days
    const until = '2026-03-11 00:00:00';
    const inDays = (days: string[]) => EVENT_ROWS.filter((r) => days.includes(r.event_created_at.slice(0, 10)));
    const bytesOf = (rows: typeof EVENT_ROWS) => rows.reduce((n, r) => n + 8 /* event_created_at */ + str(r.event_id) + Buffer.byteLength(r.event_data), 0);
    const sql = `SELECT e.event_id, e.event_data FROM \`${EVENTS}\` AS e WHERE e.event_created_at >= @since AND e.event_created_at < @until`;
    expect(await dry(sql, [p.timestamp('since', since), p.timestamp('until', until)])).toBe(BigInt(bytesOf(inDays(['2026-03-10']))));
    const open = `SELECT e.event_id, e.event_data FROM \`${EVENTS}\` AS e WHERE e.event_created_at >= @since`;
    expect(await dry(open, [p.timestamp('since', since)])).toBe(BigInt(bytesOf(inDays(['2026-03-10', '2026-03-11']))));
    // A bound that is not a parameter still satisfies the requirement but selects every partition here.
    const computed = `SELECT e.event_id, e.event_data FROM \`${EVENTS}\` AS e WHERE e.event_created_at >= TIMESTAMP_SUB(@since, INTERVAL 1 DAY)`;
    expect(await dry(computed, [p.timestamp('since', since)])).toBe(BigInt(bytesOf(EVENT_ROWS)));
    // DELETE bills every column of the partitions it scans.
    const all = (rows: typeof EVENT_ROWS) =>
      rows.reduce((n, r) => n + 8 + str(r.event_id) + str(r.event_name) + str(r.user_id) + Buffer.byteLength(r.event_data) + 8, 0);
    expect(await dry(`DELETE FROM \`${EVENTS}\` WHERE event_created_at = @at`, [p.timestamp('at', '2026-03-09 01:15:30.123451')])).toBe(
      BigInt(all(inDays(['2026-03-09']))),
    );

    bq.estimate = () => 123_456n;
    try {
      expect(await dry(sql, [p.timestamp('since', since), p.timestamp('until', until)])).toBe(123_456n);
    } finally {
      bq.estimate = undefined;
    }
  });

  test('require_partition_filter: no usable filter fails dry runs and real runs alike', async () => {
    const message = `Cannot query over table '${EVENTS}' without a filter over column(s) 'event_created_at' that can be used for partition elimination`;
    expect(await failure(dry(`SELECT COUNT(*) FROM \`${EVENTS}\``))).toEqual({ code: 400, reason: 'invalidQuery', message });
    const real = await failure(submit(`SELECT COUNT(*) FROM \`${EVENTS}\` WHERE event_id = 'x'`));
    expect(real).toEqual({ code: undefined, reason: 'invalidQuery', message });
    // A JOIN ... ON condition does not count, as in BigQuery.
    const onJoin = `SELECT COUNT(*) FROM UNNEST([1]) AS k JOIN \`${EVENTS}\` AS e ON e.event_created_at >= @t`;
    expect((await failure(dry(onJoin, [p.timestamp('t', '2026-03-01 00:00:00')]))).message).toBe(message);
    // Ingestion-time partitioning: the pseudo-columns.
    expect((await failure(dry(`SELECT payload FROM \`${RAW}\``))).message).toBe(
      `Cannot query over table '${RAW}' without a filter over column(s) '_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME' that can be used for partition elimination`,
    );
    const [rows] = await (
      await submit(`SELECT payload FROM \`${RAW}\` WHERE _PARTITIONTIME >= @t`, { params: [p.timestamp('t', '2026-03-10 00:00:00')] })
    ).getQueryResults();
    expect(rows).toEqual([{ payload: 'second' }]);
    expect(await dry(`SELECT payload FROM \`${RAW}\` WHERE _PARTITIONTIME >= @t`, [p.timestamp('t', '2026-03-10 00:00:00')])).toBe(BigInt(str('second')));
  });

  test('maximumBytesBilled: over the limit fails with bytesBilledLimitExceeded', async () => {
    const sql = `SELECT e.event_id FROM \`${EVENTS}\` AS e WHERE e.event_created_at >= @t`;
    const params = [p.timestamp('t', '2026-03-01 00:00:00')];
    // On-demand billing has a 10 MiB minimum per table read.
    expect(await failure(submit(sql, { params, extra: { maximumBytesBilled: '1000' } }))).toEqual({
      code: undefined,
      reason: 'bytesBilledLimitExceeded',
      message: 'Query exceeded limit for bytes billed: 1000. 10485760 or higher required.',
    });
    bq.estimate = () => 50n * 1024n * 1024n + 1n;
    try {
      const e = await failure(submit(sql, { params, extra: { maximumBytesBilled: String(20 * 1024 * 1024) } }));
      expect(e.message).toBe(`Query exceeded limit for bytes billed: ${20 * 1024 * 1024}. ${51 * 1024 * 1024} or higher required.`);
    } finally {
      bq.estimate = undefined;
    }
    const [rows] = await (await submit(sql, { params, extra: { maximumBytesBilled: String(10 * 1024 * 1024) } })).getQueryResults();
    expect(rows).toHaveLength(EVENT_ROWS.length);
  });
});

describe('tables and INFORMATION_SCHEMA', () => {
  test('tables.get: schema, partitioning, counts, and lastModifiedTime moved by DML on the emulator clock', async () => {
    bq.setTime('2026-05-01 10:00:00.000000');
    const path = await ledger([{ id: 'a', amount: 1 }]);
    const name = path.split('.')[2]!;
    const [meta] = await client.dataset('stage').table(name).getMetadata();
    expect(meta).toMatchObject({
      type: 'TABLE',
      location: REGION,
      numRows: '1',
      numBytes: String(str('a') + 8),
      lastModifiedTime: String(Date.UTC(2026, 4, 1, 10)),
      creationTime: String(Date.UTC(2026, 4, 1, 10)),
      schema: {
        fields: [
          { name: 'id', type: 'STRING', mode: 'NULLABLE' },
          { name: 'amount', type: 'INTEGER', mode: 'NULLABLE' },
        ],
      },
    });
    bq.setTime('2026-05-01 11:30:00.000000');
    await (await submit(`SELECT COUNT(*) FROM \`${path}\``)).getQueryResults();
    expect((await client.dataset('stage').table(name).getMetadata())[0].lastModifiedTime).toBe(String(Date.UTC(2026, 4, 1, 10)));
    await (await submit(`DELETE FROM \`${path}\` WHERE TRUE`)).getQueryResults();
    const [after] = await client.dataset('stage').table(name).getMetadata();
    expect([after.lastModifiedTime, after.numRows]).toEqual([String(Date.UTC(2026, 4, 1, 11, 30)), '0']);
    bq.setTime(undefined);

    const [events] = await client.dataset('kinesis').table('backend_events').getMetadata();
    expect(events.timePartitioning).toEqual({ type: 'DAY', field: 'event_created_at' });
    expect(events.requirePartitionFilter).toBe(true);
    expect(events.schema.fields[0]).toEqual({ name: 'event_created_at', type: 'TIMESTAMP', mode: 'REQUIRED' });
    expect(await failure(client.dataset('kinesis').table('missing').getMetadata())).toEqual({
      code: 404,
      reason: 'notFound',
      message: `Not found: Table ${P}:kinesis.missing`,
    });
    const [dataset] = await client.dataset('us_data').getMetadata();
    expect([dataset.id, dataset.location]).toEqual([`${P}:us_data`, 'US']);
    expect(await failure(client.dataset('nope').getMetadata())).toEqual({ code: 404, reason: 'notFound', message: `Not found: Dataset ${P}:nope` });
  });

  test('INFORMATION_SCHEMA.COLUMNS, TABLES and TABLE_OPTIONS are queryable like tables', async () => {
    const columns = await submit(
      `SELECT table_name, column_name, data_type, is_nullable, is_partitioning_column
       FROM \`${P}.kinesis.INFORMATION_SCHEMA.COLUMNS\` WHERE table_name IN UNNEST(@tables) ORDER BY table_name, ordinal_position`,
      { params: [p.stringArray('tables', ['backend_events'])] },
    );
    const [cols] = await columns.getQueryResults();
    expect(cols).toEqual(
      EVENT_SCHEMA.map((f) => ({
        table_name: 'backend_events',
        column_name: f.name,
        data_type: f.type,
        is_nullable: f.mode === 'REQUIRED' ? 'NO' : 'YES',
        is_partitioning_column: f.name === 'event_created_at' ? 'YES' : 'NO',
      })),
    );
    const [tables] = await (await submit(`SELECT table_name, table_type, ddl FROM kinesis.INFORMATION_SCHEMA.TABLES`)).getQueryResults();
    expect(tables).toHaveLength(1);
    expect(tables[0].ddl).toBe(
      `CREATE TABLE \`${EVENTS}\`\n(\n  event_created_at TIMESTAMP NOT NULL,\n  event_id STRING,\n  event_name STRING,\n  user_id STRING,\n  event_data JSON,\n  event_ingested_at TIMESTAMP\n)\nPARTITION BY DATE(event_created_at)\nOPTIONS(\n  require_partition_filter=true\n);`,
    );
    const [options] = await (await submit(`SELECT table_name, option_name, option_value FROM \`${P}\`.s3.INFORMATION_SCHEMA.TABLE_OPTIONS`)).getQueryResults();
    expect(options).toEqual([{ table_name: 'raw_events', option_name: 'require_partition_filter', option_value: 'true' }]);
  });
});

describe('the wire', () => {
  test('requests without the access token get the real 401', async () => {
    const response = await fetch(`${bq.endpoint}/bigquery/v2/projects/${P}/jobs/x`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { errors: { reason: string }[] } }).error.errors[0]!.reason).toBe('required');
  });

  test('traffic counts the bytes of every request and answer', async () => {
    bq.traffic.reset();
    const query = `SELECT event_id, event_data FROM \`${EVENTS}\` WHERE event_created_at >= @t`;
    const job = await submit(query, { params: [p.timestamp('t', '2026-03-01 00:00:00')] });
    const [rows] = await job.getQueryResults();
    expect(rows).toHaveLength(EVENT_ROWS.length);
    const apis = bq.traffic.requests.map((r) => r.api);
    expect(apis[0]).toBe('jobs.insert');
    expect(apis.slice(1).every((a) => a === 'jobs.getQueryResults')).toBe(true);
    const insert = bq.traffic.requests[0]!;
    expect(insert.bytesIn).toBeGreaterThan(Buffer.byteLength(query));
    // The answers carry at least every event_id and event_data text once.
    const payload = EVENT_ROWS.reduce((n, r) => n + Buffer.byteLength(r.event_id) + Buffer.byteLength(JSON.stringify(r.event_data)), 0);
    expect(bq.traffic.bytesOut).toBeGreaterThan(payload);
    expect(bq.traffic.bytesIn).toBe(bq.traffic.requests.reduce((n, r) => n + r.bytesIn, 0));
    expect(bq.traffic.bytesIn + bq.traffic.bytesOut).toBeLessThan(1_000_000);
  });
});
