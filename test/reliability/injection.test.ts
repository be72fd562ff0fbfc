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
import { DuckdbWarehouse } from '../../src/data/duckdb/engine.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { NOW, query, tempDir } from '../helpers/warehouse.js';

const PAYLOADS = [
  "'; DROP TABLE kinesis.backend_events; --",
  '"); DELETE FROM s3.backend_events_exceptions; --',
  '`; DROP SCHEMA s3 CASCADE; --',
  "x' OR '1'='1",
  '/* comment */ UNION SELECT 1 --',
  '\\\'; ATTACH \'evil.db\'; --',
];

function setup() {
  const dir = tempDir();
  writeFileSync(join(dir, 'evfix.config.json'), JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: DEMO_STAGES }));
  const statements: string[] = [];
  const env = { XDG_STATE_HOME: join(dir, 'state'), XDG_DATA_HOME: join(dir, 'data') };
  // A clock that moves a second per call, so successive plans have distinct apply times.
  let clock = parseTimestamp(NOW);
  const run = async (args: string[]) => {
    let out = '', err = '';
    const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env, cwd: dir, now: () => (clock += 1_000_000n) });
    return { code, out, err };
  };
  const config = () => readConfigFile(join(dir, 'evfix.config.json'));
  const observed = () => new DuckdbWarehouse(config() as never, undefined, { onSql: (s) => statements.push(s) });
  return { dir, run, statements, observed, config };
}

async function tables(w: DuckdbWarehouse) {
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
        'update', 'remittance_was_sent_event', '--event-id', id, '--created-at', created,
        '--set', `$.note=${JSON.stringify(payload)}`, '--description', payload, '--yes',
      ]);
      expect(r.code, r.err).toBe(0);
      const [row] = await query(w, `SELECT exception_description AS d, json_extract_string(event_data, '$.note') AS note FROM s3.backend_events_exceptions ORDER BY exception_added_timestamp DESC LIMIT 1`);
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
      expect((await run(['update', 'remittance_was_sent_event', '--event-id', '00000000-0000-4000-8000-000000000001', '--created-at', payload, '--set', '$.a=1', '--description', 'x'])).err).toContain('event_created_at:');
      expect((await run(['duplicates', 'transaction_was_created_event', '--by-key', payload])).err).toContain('is not a JSON path');
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: DEMO_STAGES, tables: { events: `kinesis.backend_events${payload}` } }));
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
    const c = { config, warehouse: w, now: () => parseTimestamp(NOW), operator: 'ops' };
    const stage = config.stages.find((s) => s.name === 'remittance_was_sent_event')!;
    const [{ event_id: id, created }] = (await query(
      w,
      `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created FROM kinesis.backend_events WHERE event_name = 'RemittanceWasSent' LIMIT 1`,
    )) as [{ event_id: string; created: string }];
    statements.length = 0;
    const { findEventIdDuplicates } = await import('../../src/data/operations/duplicates.js');
    const { findBusinessKeyDuplicates } = await import('../../src/data/operations/businessKeys.js');
    const { buildUpdatePlan } = await import('../../src/data/operations/update.js');
    const { buildDedupePlan } = await import('../../src/data/operations/dedupe.js');
    const { applyPlan } = await import('../../src/data/operations/apply.js');
    const { lookupEvent } = await import('../../src/data/operations/lookup.js');
    const { rerunStage } = await import('../../src/data/operations/rerun.js');
    await w.stageSummary(stage, '2026-01-01 00:00:00.000000');
    await findEventIdDuplicates(c, stage, 30);
    await findBusinessKeyDuplicates(c, stage, '$.remittance_id', 30);
    await lookupEvent(c, id, created);
    const update = await buildUpdatePlan(c, stage, { keys: [{ event_id: id, event_created_at: created }] }, [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }], 'SECRET-DESCRIPTION');
    await applyPlan(c, update);
    await buildUpdatePlan(c, stage, { filter: { path: '$.Status', value: '"Pending"', from: '2026-01-01' } }, [{ op: 'set', path: '$.x', value: '1', createIfMissing: true }], 'd').catch(() => undefined);
    const tx = config.stages.find((s) => s.name === 'transaction_was_created_event')!;
    await applyPlan(c, await buildDedupePlan(c, tx, { lookbackDays: 30, description: 'DEDUPE-DESCRIPTION' }));
    await rerunStage(c, stage, { offset: 30 });
    expect(statements.length).toBeGreaterThan(10);
    const values = [id, created, created.slice(0, 10), 'SECRET-DESCRIPTION', 'DEDUPE-DESCRIPTION', 'Failed', 'Pending', 'RemittanceWasSent', '$.Status', '$.remittance_id'];
    for (const sql of statements) {
      for (const v of values) expect(sql, sql).not.toContain(v);
      // The only quoted literals are the fixed timestamp format and the fingerprint's separators.
      const literals = sql.match(/'[^']*'/g) ?? [];
      for (const l of literals) expect(["'%Y-%m-%d %H:%M:%S.%f'", "':'", "'|'"]).toContain(l);
    }
  });
});
