/**
 * Promise 6: no injection. Classic payloads go through every field that can
 * reach SQL; they are rejected or stored as literal data, the tables stay
 * intact, and no statement evfix runs carries a value in its text.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { DEMO_STAGES, readConfigFile } from '../../src/data/config.js';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { createService } from '../../src/data/service/service.js';
import { NOW, query, tempDir } from '../helpers/warehouse.js';

const PAYLOADS = [
  "'; DROP TABLE kinesis.backend_events; --",
  '"); DELETE FROM s3.backend_events_exceptions; --',
  '`; DROP SCHEMA s3 CASCADE; --',
  "x' OR '1'='1",
  '/* comment */ UNION SELECT 1 --',
  "\\'; ATTACH 'evil.db'; --",
];

function setup() {
  const dir = tempDir();
  writeFileSync(join(dir, 'evfix.config.json'), JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: DEMO_STAGES }));
  const statements: string[] = [];
  const env = { XDG_STATE_HOME: join(dir, 'state'), XDG_DATA_HOME: join(dir, 'data') };
  // A clock that moves a second per call, so successive plans have distinct apply times.
  let clock = parseTimestamp(NOW);
  const run = async (args: string[]) => {
    let out = '',
      err = '';
    const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env, cwd: dir, now: () => (clock += 1_000_000n) });
    return { code, out, err };
  };
  const config = () => readConfigFile(join(dir, 'evfix.config.json'));
  const observed = () => new DuckdbEngine(config() as never, undefined, { onSql: (s) => statements.push(s) });
  return { dir, run, statements, observed, config };
}

async function tables(w: DuckdbEngine) {
  return query(w, `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables ORDER BY 1`);
}

describe('injection', () => {
  it('stores payloads in descriptions and values as literal data and leaves every table intact', async () => {
    const { run, observed } = setup();
    await run(['demo', '--events', '2000']);
    const w = observed();
    const before = await tables(w);
    const [{ event_id: id, created }] = (await query(
      w,
      `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created FROM kinesis.backend_events WHERE event_name = 'RemittanceWasSent' LIMIT 1`,
    )) as [{ event_id: string; created: string }];
    for (const payload of PAYLOADS) {
      const r = await run([
        'update',
        'remittance_was_sent_event',
        '--event-id',
        id,
        '--created-at',
        created,
        '--set',
        `$.note=${JSON.stringify(payload)}`,
        '--description',
        payload,
        '--yes',
      ]);
      expect(r.code, r.err).toBe(0);
      const [row] = await query(
        w,
        `SELECT exception_description AS d, json_extract_string(event_data, '$.note') AS note FROM s3.backend_events_exceptions ORDER BY exception_added_timestamp DESC LIMIT 1`,
      );
      expect(row).toEqual({ d: payload, note: payload });
    }
    expect(await tables(w)).toEqual(before);
    const [counts] = await query(w, 'SELECT count(*)::INT AS n FROM kinesis.backend_events');
    expect(counts!.n).toBe(2000);
  });

  it('rejects payloads in identifiers, ids, timestamps and paths with a message naming the field', async () => {
    const { run, dir } = setup();
    await run(['demo', '--events', '500']);
    for (const payload of PAYLOADS) {
      expect((await run(['duplicates', payload])).err).toContain('unknown stage table');
      expect((await run(['lookup', payload])).err).toContain('is not a UUID');
      expect(
        (
          await run([
            'update',
            'remittance_was_sent_event',
            '--event-id',
            '00000000-0000-4000-8000-000000000001',
            '--created-at',
            payload,
            '--set',
            '$.a=1',
            '--description',
            'x',
          ])
        ).err,
      ).toContain('event_created_at:');
      expect((await run(['duplicates', 'transaction_was_created_event', '--by-key', payload])).err).toContain('is not a JSON path');
      writeFileSync(
        join(dir, 'bad.json'),
        JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: DEMO_STAGES, tables: { events: `kinesis.backend_events${payload}` } }),
      );
      expect((await run(['stages', '--config', join(dir, 'bad.json')])).err).toContain('tables.events: must be dataset.table');
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: [{ name: payload, event_name: 'X' }] }));
      expect((await run(['stages', '--config', join(dir, 'bad.json')])).err).toContain('stages[0].name: must be a plain identifier');
    }
  });

  it('never puts a value into the text of a statement', async () => {
    const { run, observed, statements, config: readConfig } = setup();
    await run(['demo', '--events', '2000']);
    // Every operation, through the engine that records the statements.
    const w = observed();
    const config = readConfig();
    const service = createService({ config, engine: w, now: () => parseTimestamp(NOW), operator: 'ops' });
    const stage = 'remittance_was_sent_event';
    const [{ event_id: id, created }] = (await query(
      w,
      `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created FROM kinesis.backend_events WHERE event_name = 'RemittanceWasSent' LIMIT 1`,
    )) as [{ event_id: string; created: string }];
    statements.length = 0;
    await service.call('stageSummary', { stage });
    const groups = await service.call('duplicateGroups', { stage, lookbackDays: 30 });
    await service.call('groupCopies', { stage, eventIds: groups.map((g) => g.event_id), lookbackDays: 30 });
    await service.call('businessKeyGroups', { stage, path: '$.remittance_id', lookbackDays: 30 });
    await service.call('lookup', { eventId: id, createdAt: created });
    const set = [{ op: 'set' as const, path: '$.Status', value: '"Failed"', createIfMissing: true }];
    const update = await service.call('makePlan', {
      op: 'update',
      stage,
      selection: { keys: [{ event_id: id, event_created_at: created }] },
      edits: set,
      description: 'SECRET-DESCRIPTION',
    });
    await service.call('applyPlan', { plan: update.id });
    const byPredicate = await service.call('makePlan', {
      op: 'update',
      stage,
      selection: { where: ['$.Status="Pending"', 'user_id!="u-SECRET"'], from: '2026-01-01' },
      edits: [
        { op: 'set', path: '$.x', value: '"Failed"', createIfMissing: true },
        { op: 'set', path: '$.arr[2]', value: '{"Pending":1}', createIfMissing: true },
      ],
      description: 'd',
    });
    await service.call('planChanges', { plan: byPredicate.id, limit: 5 });
    const dedupe = await service.call('makePlan', {
      op: 'dedupe',
      stage: 'transaction_was_created_event',
      lookbackDays: 30,
      description: 'DEDUPE-DESCRIPTION',
    });
    await service.call('applyPlan', { plan: dedupe.id });
    const revert = await service.call('makePlan', { op: 'revert', planId: update.id });
    await service.call('applyPlan', { plan: revert.id });
    await service.call('rerun', { stage, offset: 30 });
    expect(statements.length).toBeGreaterThan(10);
    const values = [
      id,
      created,
      created.slice(0, 10),
      'SECRET-DESCRIPTION',
      'DEDUPE-DESCRIPTION',
      'Failed',
      'Pending',
      'u-SECRET',
      'RemittanceWasSent',
      '$.Status',
      '/Status',
      '$.remittance_id',
      '/arr/2',
    ];
    // The only quoted literals are evfix's own: the timestamp format, JSON type names, problem codes, separators, JSON's whitespace.
    const OWN =
      /^'(%Y-%m-%d %H:%M:%S\.%f|VARCHAR|OBJECT|NULL|ARRAY|BOOLEAN|BIGINT|UBIGINT|DOUBLE|HUGEINT|root:|e\d+q\d+:|e\d+missing|=|!|:|exception|exclusion|[ \t\n\r]+|{)'$/;
    for (const sql of statements) {
      for (const v of values) expect(sql, sql).not.toContain(v);
      for (const l of sql.match(/'[^']*'/g) ?? []) expect(l, sql).toMatch(OWN);
    }
  });
});
