/**
 * Find events end to end: bin/evfix in a real pseudo-terminal at 80x24 with NO_COLOR on a fresh demo
 * warehouse, every step one write (conditions and the search, the marks and the exclusion with its
 * description and the y), then the warehouse read back.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { tempDir } from '../helpers/warehouse.js';
import { EvfixTerminal } from '../helpers/pty.js';

const BIN = join(process.cwd(), 'bin', 'evfix');

function home() {
  const dir = tempDir();
  const env = { XDG_DATA_HOME: join(dir, 'data'), XDG_STATE_HOME: join(dir, 'state'), EVFIX_OPERATOR: 'e2e' };
  execFileSync(process.execPath, [BIN, 'demo', '--events', '8000'], { env: { ...process.env, ...env } });
  return { env, db: join(dir, 'data', 'evfix', 'demo.duckdb') };
}

async function sql(db: string, text: string) {
  const instance = await DuckDBInstance.create(db);
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(text)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The event_ids of the list's rows as drawn, top to bottom, with whether each is marked. */
const rowsOnScreen = (text: string) =>
  [...text.matchAll(/\[( |x)\] \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ([0-9a-f-]{36})/g)].map((m) => ({ marked: m[1] === 'x', id: m[2]! }));

async function excludeInBursts(env: Record<string, string>, db: string) {
  const t = new EvfixTerminal({ env: { ...env, NO_COLOR: '1' } });
  await t.waitFor(/remittance_was_sent_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
  // The actions menu and its fourth row, Find events.
  t.proc.write('\rjjj\r');
  await t.waitFor('> where:');
  // Two conditions, the search, and marks on the first two rows, in one write: the marks wait for the list.
  t.proc.write('$.Status="Pending"\r$.amount>100\r\r j ');
  const listed = await t.waitFor(/2 marked · 2\/\d+/);
  const total = Number(/2 marked · 2\/([\d,]+)/.exec(listed)![1]!.replace(/,/g, ''));
  expect(total).toBeGreaterThan(2);
  const rows = rowsOnScreen(listed);
  expect(rows.slice(0, 3).map((r) => r.marked)).toEqual([true, true, false]);
  const [first, second] = rows;
  // Exclude them with a description, and write: one write.
  t.proc.write('xSent twice by the gateway\ry');
  await t.waitFor('Applied plan');
  t.proc.write('n');
  await t.waitFor('evfix · stage tables');
  t.proc.write('q');
  expect((await t.exited).exitCode).toBe(0);
  // NO_COLOR: not one colour escape in the whole session.
  expect(t.raw).not.toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/);
  const excluded = await sql(
    db,
    `SELECT event_id, exclusion_description AS why FROM s3.backend_events_exclusions WHERE exclusion_description = 'Sent twice by the gateway' ORDER BY event_id`,
  );
  expect(excluded.map((r) => r.event_id)).toEqual([first!.id, second!.id].sort());
  // What was listed matched the conditions.
  const docs = await sql(db, `SELECT CAST(event_data AS VARCHAR) AS d FROM kinesis.backend_events WHERE event_id IN ('${first!.id}', '${second!.id}')`);
  for (const { d } of docs) {
    const data = JSON.parse(String(d)) as { Status: string; amount: number };
    expect(data.Status).toBe('Pending');
    expect(data.amount).toBeGreaterThan(100);
  }
}

/** Two processes spinning on the machine's two cores for as long as `work` runs. */
async function underLoad(work: () => Promise<void>) {
  const spinners = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  try {
    await work();
  } finally {
    for (const s of spinners) s.kill('SIGKILL');
  }
}

describe('find events in a terminal, in bursts', () => {
  it('finds by two conditions, marks two rows and excludes them, each step one write', async () => {
    const { env, db } = home();
    await excludeInBursts(env, db);
  });

  it('does the same with two busy processes loading the machine', async () => {
    const { env, db } = home();
    await underLoad(() => excludeInBursts(env, db));
  });
});
