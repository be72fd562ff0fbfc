/**
 * Packed staging writes exactly the rows the value-by-value appender writes,
 * whatever the values hold, and a value holding a separator sends an apply
 * the slow way with nothing lost or doubled.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { join } from 'node:path';
import { DuckdbFile } from '../../src/data/duckdb/connection.js';
import { insertPacked, PackCollision, stageIdsPacked, stageRows, type StageColumn } from '../../src/data/duckdb/staging.js';
import { buildUpdatePlan } from '../../src/data/operations/update.js';
import { applyPlan } from '../../src/data/operations/apply.js';
import { event, insertOriginals, makeWarehouse, query, stageNamed, tempDir } from '../helpers/warehouse.js';

type Row = { made_at: string; id: string; text: string | null; doc: string; flag: boolean | null };

const COLUMNS: StageColumn<Row>[] = [
  { name: 'made_at', type: 'TIMESTAMP', value: (r) => r.made_at },
  { name: 'id', type: 'VARCHAR', value: (r) => r.id, perRow: true },
  { name: 'text', type: 'VARCHAR', value: (r) => r.text },
  { name: 'doc', type: 'JSON', value: (r) => r.doc },
  { name: 'flag', type: 'BOOLEAN', value: (r) => r.flag },
];
const TABLE = '(made_at TIMESTAMP, id VARCHAR, text VARCHAR, doc JSON, flag BOOLEAN)';

// Strings from the whole of Unicode plus the separators themselves, empty strings and look-alikes of NULL.
const text = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('\x1d', '\x1e', '\x1f', 'a', ',', '"', '\\', '\n') }),
  fc.constantFrom('', 'NULL', 'null', '\x1d', 'true'),
);
const row = fc.record({
  made_at: fc.date({ min: new Date('1901-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => `${d.toISOString().replace('T', ' ').slice(0, 23)}123`),
  id: text,
  text: fc.option(text),
  doc: fc.jsonValue().map((v) => JSON.stringify(v)),
  flag: fc.option(fc.boolean()),
});

async function readBack(conn: DuckDBConnection, table: string) {
  const reader = await conn.runAndReadAll(`SELECT strftime(made_at, '%Y-%m-%d %H:%M:%S.%f') AS made_at, id, text, CAST(doc AS VARCHAR) AS doc, flag FROM ${table} ORDER BY ALL`);
  return reader.getRowObjectsJS();
}

describe('packed staging', () => {
  const file = new DuckdbFile(join(tempDir(), 'staging.duckdb'));

  it('writes what value-by-value appending writes, or says a value holds a separator', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 40 }), async (rows) => {
        await file.session(async (conn) => {
          await conn.run(`CREATE OR REPLACE TABLE packed ${TABLE}`);
          let collided = false;
          try {
            const n = await insertPacked(conn, 't', COLUMNS, rows, (select) => `INSERT INTO packed ${select}`, {});
            expect(n).toBe(rows.length);
          } catch (error) {
            if (!(error instanceof PackCollision)) throw error;
            collided = true;
          }
          const separator = (v: string | null) => v !== null && /[\x1d-\x1f]/.test(v);
          // A collision only ever comes from a separator; one in a column that travels packed (the id always does)
          // always is one. Columns alike in every row are parameters, whatever they hold.
          if (collided) expect(rows.some((r) => [r.id, r.text, r.doc].some(separator))).toBe(true);
          if (rows.some((r) => separator(r.id))) expect(collided).toBe(true);
          const staged = await stageRows(conn, 'evfix_t', COLUMNS, rows);
          await conn.run(`CREATE OR REPLACE TABLE appended ${TABLE}`);
          await conn.run(`INSERT INTO appended ${staged.select}`, staged.params);
          const appended = await readBack(conn, 'appended');
          expect(appended).toHaveLength(rows.length);
          if (!collided) expect(await readBack(conn, 'packed')).toEqual(appended);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('carries many packs, and columns alike in every row as one parameter, to the same rows', async () => {
    const rows: Row[] = Array.from({ length: 20_000 }, (_, i) => ({
      made_at: `2026-03-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00.${String(i).padStart(6, '0')}`,
      id: `id-${i}`,
      text: 'the same description',
      doc: JSON.stringify({ n: i }),
      flag: null,
    }));
    await file.session(async (conn) => {
      await conn.run(`CREATE OR REPLACE TABLE packed ${TABLE}`);
      const statements: string[] = [];
      const n = await insertPacked(conn, 't', COLUMNS, rows, (select) => (statements.push(select), `INSERT INTO packed ${select}`), {});
      expect(n).toBe(20_000);
      expect(statements[0]).toContain('$t_text');
      const [counts] = (await conn.runAndReadAll(`SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS ids, count(flag)::INT AS flags, min(text) AS text FROM packed`)).getRowObjectsJS();
      expect(counts).toEqual({ n: 20_000, ids: 20_000, flags: 0, text: 'the same description' });
    });
  });
});

describe('packed ids', () => {
  it('stages each id once across packs, and refuses an id holding the separator', async () => {
    const file = new DuckdbFile(join(tempDir(), 'ids.duckdb'));
    await file.session(async (conn) => {
      const ids = Array.from({ length: 20_000 }, (_, i) => `id-${i % 15_000}`);
      await stageIdsPacked(conn, 'ids', ids);
      const [row] = (await conn.runAndReadAll('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS d, max(length(event_id))::INT AS l FROM ids')).getRowObjectsJS();
      expect(row).toEqual({ n: 15_000, d: 15_000, l: 'id-14999'.length });
      await expect(stageIdsPacked(conn, 'ids', ['a', 'b\x1ec'])).rejects.toBeInstanceOf(PackCollision);
      await stageIdsPacked(conn, 'ids', []);
      expect((await conn.runAndReadAll('SELECT count(*)::INT AS n FROM ids')).getRowObjectsJS()).toEqual([{ n: 0 }]);
    });
  });
});

describe('apply with a value that cannot be packed', () => {
  it('writes every row once, value by value', async () => {
    const { ctx, warehouse, config } = await makeWarehouse();
    const stage = stageNamed(config, 'remittance_was_sent_event');
    const rows = Array.from({ length: 3 }, (_, i) =>
      event({ user_id: i === 1 ? 'user\x1ewith a record separator' : `user-${i}`, data: { remittance_id: `rm_${i}`, Status: 'Pending' } }),
    );
    await insertOriginals(warehouse, rows);
    const plan = await buildUpdatePlan(ctx, stage, { filter: { path: '$.Status', value: '"Pending"' } }, [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }], 'fix\x1fstatus');
    const result = await applyPlan(ctx, plan);
    expect(result.written.exceptions).toBe(3);
    const written = await query(warehouse, 'SELECT user_id, exception_description, CAST(event_data AS VARCHAR) AS d FROM s3.backend_events_exceptions ORDER BY user_id');
    expect(written.map((r) => r.user_id)).toEqual(['user-0', 'user-2', 'user\x1ewith a record separator'].sort());
    expect(new Set(written.map((r) => r.exception_description))).toEqual(new Set(['fix\x1fstatus']));
    expect(written.every((r) => JSON.parse(r.d as string).Status === 'Failed')).toBe(true);
  });
});
