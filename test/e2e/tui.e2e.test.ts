/**
 * End to end: bin/evfix in a real pseudo-terminal at 80x24 on a fresh demo
 * warehouse, driven with keys only, then the warehouse read back.
 */
import { execFileSync, execSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { tempDir } from '../helpers/warehouse.js';
import { EvfixTerminal, expectRestored } from '../helpers/pty.js';

const KEY = { enter: '\r', escape: '\x1b', down: '\x1b[B' };
const BIN = join(process.cwd(), 'bin', 'evfix');

function home() {
  const dir = tempDir();
  const env = { XDG_DATA_HOME: join(dir, 'data'), XDG_STATE_HOME: join(dir, 'state'), EVFIX_OPERATOR: 'e2e' };
  // A smaller demo than the default keeps the suite quick; the flows are the same.
  execFileSync(process.execPath, [BIN, 'demo', '--events', '8000'], { env: { ...process.env, ...env } });
  return { env, db: join(dir, 'data', 'evfix', 'demo.duckdb') };
}

async function sql(db: string, text: string) {
  const instance = await DuckDBInstance.create(db);
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(text)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    // Both closed, so the file lock is released before evfix opens the file.
    conn.closeSync();
    instance.closeSync();
  }
}

const cli = (env: Record<string, string>, ...args: string[]) =>
  execFileSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

describe('evfix in a terminal', () => {
  it('(a) dedupes a stage table with keys, reruns it, and the warehouse holds the rows', async () => {
    const { env, db } = home();
    const ids = (JSON.parse(cli(env, 'duplicates', 'card_was_shipped_event', '--json')) as { event_id: string }[]).map((g) => g.event_id);
    const groups = ids.length;
    expect(groups).toBeGreaterThan(0);
    const t = new EvfixTerminal({ env: { ...env, NO_COLOR: '1' } });
    await t.waitFor(/card_was_shipped_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    await t.press('j', KEY.enter);
    await t.waitFor('Duplicates by event_id');
    await t.press(KEY.enter);
    await t.waitFor(`0 marked · 1/${groups}`);
    await t.press('a', 'd');
    await t.waitFor('Write these rows?');
    expect(t.text()).toContain(`${groups} row(s) -> s3.backend_events_exceptions`);
    await t.press('y');
    await t.waitFor('Applied plan');
    await t.press('y');
    await t.waitFor('Rebuild card_was_shipped_event');
    await t.press('y');
    await t.waitFor('Rebuilt card_was_shipped_event');
    await t.press(KEY.enter);
    await t.waitFor('stage tables');
    await t.press('q');
    expect((await t.exited).exitCode).toBe(0);
    // NO_COLOR: not one colour escape in the whole session.
    expect(t.raw).not.toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/);
    expect(JSON.parse(cli(env, 'duplicates', 'card_was_shipped_event', '--json'))).toEqual([]);
    const [counts] = await sql(
      db,
      `SELECT (SELECT count(*) FROM s3.backend_events_exceptions)::INT AS c, (SELECT count(*) FROM s3.backend_events_exclusions)::INT AS x`,
    );
    expect(counts).toEqual({ c: groups, x: groups });
    // Each deduped event_id is in the stage table once, as its re-added copy.
    const inStage = await sql(
      db,
      `SELECT event_id, count(*)::INT AS n, bool_and(is_exception) AS readded FROM stage.card_was_shipped_event WHERE event_id IN (${ids.map((i) => `'${i}'`).join(',')}) GROUP BY event_id`,
    );
    expect(inStage).toHaveLength(groups);
    expect(inStage.every((r) => r.n === 1 && r.readded === true)).toBe(true);
  });

  it('(a2) quitting at the rerun prompt says which stage needs a rerun, and the exact command', async () => {
    const { env } = home();
    const t = new EvfixTerminal({ env: { ...env, NO_COLOR: '1' } });
    await t.waitFor(/card_was_shipped_event\s+\d+\s+\d+\s+\d+\s+no/);
    await t.press('j', KEY.enter);
    await t.waitFor('Duplicates by event_id');
    await t.press(KEY.enter);
    await t.waitFor(/0 marked · 1\/\d+/);
    await t.press('a', 'd');
    await t.waitFor('Write these rows?');
    await t.press('y');
    await t.waitFor('Applied plan');
    await t.press('q');
    expect((await t.exited).exitCode).toBe(0);
    // One line, wrapped by the 80-column terminal.
    expect(t.text().replace(/\n/g, '')).toMatch(
      /evfix: card_was_shipped_event does not show 1 applied plan\(s\) yet; run: evfix rerun card_was_shipped_event --since \d{4}-\d\d-\d\d/,
    );
    // The next start shows it in the stage list, and the CLI agrees.
    const again = new EvfixTerminal({ env: { ...env, NO_COLOR: '1' } });
    await again.waitFor(/card_was_shipped_event\s+\d+\s+0\s+\d+\s+1 plan, offset \d+/);
    await again.press('q');
    await again.exited;
    expect(cli(env, 'stages')).toMatch(/card_was_shipped_event .* rerun needed \(1 plan, offset \d+\)/);
  });

  it('(b) sets $.Status to "Failed" on a remittance, shows the diff, and the rerun updates the stage row', async () => {
    const { env, db } = home();
    const [target] = await sql(
      db,
      `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created FROM stage.remittance_was_sent_event WHERE status = 'Pending' ORDER BY event_created_at LIMIT 1`,
    );
    const { event_id: id, created } = target as { event_id: string; created: string };
    const t = new EvfixTerminal({ env });
    await t.waitFor(/remittance_was_sent_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    await t.press(KEY.enter);
    await t.waitFor('Update event data');
    await t.press('jj', KEY.enter);
    await t.waitFor('> event_id');
    await t.press(id, KEY.enter, created, KEY.enter);
    await t.waitFor('"Status": "Pending"');
    await t.press('s');
    await t.waitFor('> path: $.');
    await t.press('Status', KEY.enter);
    await t.waitFor('> value (string)');
    await t.press('Failed', KEY.enter);
    await t.waitFor('1. set $.Status = "Failed"');
    await t.press(KEY.enter);
    await t.waitFor('summary/1');
    expect(t.text()).toContain('"Pending" -> "Failed"   ×1');
    await t.press('n');
    await t.waitFor('event 1/1');
    expect(t.text()).toContain('-   "Status": "Pending",');
    expect(t.text()).toContain('+   "Status": "Failed",');
    await t.press(KEY.enter);
    await t.waitFor('> exception_description');
    await t.press('Remittance was never sent updates', KEY.enter);
    await t.waitFor('Write these rows?');
    await t.press('y');
    await t.waitFor('Applied plan');
    await t.press('y');
    await t.waitFor('Rebuild remittance_was_sent_event');
    await t.press('y');
    await t.waitFor('Rebuilt remittance_was_sent_event');
    await t.press('q');
    await t.exited;
    const rows = await sql(db, `SELECT status, is_exception FROM stage.remittance_was_sent_event WHERE event_id = '${id}'`);
    expect(rows).toEqual([{ status: 'Failed', is_exception: true }]);
  });

  it('(c) writes nothing when the operator presses Esc at the confirm screen', async () => {
    const { env, db } = home();
    const t = new EvfixTerminal({ env });
    await t.waitFor(/account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    await t.press(KEY.enter);
    await t.waitFor('Duplicates by event_id');
    await t.press(KEY.enter);
    await t.waitFor(/0 marked · 1\/\d+/);
    await t.press('a', 'd');
    await t.waitFor('Write these rows?');
    await t.press(KEY.escape);
    await t.waitFor('marked');
    // Every group is still marked: q asks before dropping them, and y quits.
    await t.press('q');
    await t.waitFor(/quit and discard \d+ marked groups\? y\/N/);
    await t.press('y');
    expect((await t.exited).exitCode).toBe(0);
    const [counts] = await sql(
      db,
      `SELECT (SELECT count(*) FROM s3.backend_events_exceptions)::INT AS c, (SELECT count(*) FROM s3.backend_events_exclusions)::INT AS x`,
    );
    expect(counts).toEqual({ c: 0, x: 0 });
  });

  it('(d) keeps its layout through resizes, and says plainly when the terminal is too small', async () => {
    const { env } = home();
    const t = new EvfixTerminal({ env });
    await t.waitFor(/account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    await t.press(KEY.enter, KEY.enter);
    await t.waitFor(/0 marked · 1\/\d+/);
    t.resize(100, 30);
    await t.waitFor(/duplicates\s{30,}0 marked/);
    let lines = t.screen.lines();
    expect(lines[0]).toMatch(/^remittance_was_sent_event · duplicates/);
    expect(lines[28]).toMatch(/^j\/k move/);
    t.resize(60, 20);
    await t.waitFor('Terminal is 60x20; evfix needs at least 80x24');
    t.resize(80, 24);
    await t.waitFor(/^remittance_was_sent_event · duplicates/);
    lines = t.screen.lines();
    expect(lines.filter((l) => l.startsWith('remittance_was_sent_event · duplicates'))).toHaveLength(1);
    expect(lines[22]).toMatch(/^j\/k move/);
    await t.press('q');
    await t.exited;
  });

  it('hands the terminal to $EDITOR and takes it back with the screen intact', async () => {
    const { env, db } = home();
    const dir = tempDir();
    const editor = join(dir, 'fake-editor.mjs');
    writeFileSync(
      editor,
      `import { readFileSync, writeFileSync } from 'node:fs';\nconst f = process.argv[2];\nprocess.stdout.write('\\x1b[2J EDITOR RUNNING');\nwriteFileSync(f, readFileSync(f, 'utf8').replace('"Pending"', '"Failed"'));\n`,
    );
    const [target] = await sql(db, `SELECT event_id FROM stage.remittance_was_sent_event WHERE status = 'Pending' ORDER BY event_created_at LIMIT 1`);
    const t = new EvfixTerminal({ env: { ...env, EDITOR: `${process.execPath} ${editor}` } });
    await t.waitFor(/remittance_was_sent_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    await t.press(KEY.enter);
    await t.waitFor('Update event data');
    await t.press('jj', KEY.enter);
    await t.waitFor('> event_id');
    await t.press(String(target!.event_id), KEY.enter, KEY.enter);
    await t.waitFor('"Status": "Pending"');
    await t.press('e');
    await t.waitFor('1. set $.Status = "Failed"');
    const lines = t.screen.lines();
    expect(lines[0]).toMatch(/^evfix · update event data · remittance_was_sent_event/);
    expect(t.text()).not.toContain('EDITOR RUNNING');
    expect(t.screen.term.buffer.active.type).toBe('alternate');
    expect(lines[22]).toMatch(/^s set {2}x remove {2}e \$EDITOR {2}a add event {2}enter diff/);
    await t.press('q');
    await t.waitFor('quit and discard 1 change? y/N');
    await t.press('y');
    expect((await t.exited).exitCode).toBe(0);
  });

  it('(e) SIGHUP leaves the terminal restored: main screen, cursor shown, raw mode off', async () => {
    const { env } = home();
    const t = new EvfixTerminal({ env, command: 'bash', args: ['-c', `"${process.execPath}" "${BIN}"; echo EXIT=$?; stty -a; sleep 5`] });
    await t.waitFor(/account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    expect(t.screen.term.buffer.active.type).toBe('alternate');
    const node = execSync(`pgrep -P ${t.proc.pid}`, { encoding: 'utf8' }).trim().split('\n')[0]!;
    process.kill(Number(node), 'SIGHUP');
    await t.waitFor('EXIT=129');
    await expectRestored(t, expect);
    t.proc.kill();
  });
});

/** The update flow driven by whole bursts, each in one write to the terminal, as a paste or a fast typist over SSH sends them. */
async function updateInBursts(env: Record<string, string>, db: string) {
  const [target] = await sql(
    db,
    `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created FROM stage.remittance_was_sent_event WHERE status = 'Pending' ORDER BY event_created_at LIMIT 1`,
  );
  const { event_id: id, created } = target as { event_id: string; created: string };
  const t = new EvfixTerminal({ env });
  await t.waitFor(/remittance_was_sent_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
  t.proc.write('\rjj\r');
  await t.waitFor('> event_id');
  // `?` cannot be part of an event_id: it opens help instead of being typed; F1 does from any field.
  t.proc.write('?');
  await t.waitFor('Keys: evfix · update event data');
  t.proc.write(KEY.escape);
  await t.waitFor('> event_id');
  expect(t.text()).not.toContain('is not a UUID');
  t.proc.write(`${id}\r${created}\r`);
  await t.waitFor('"Status": "Pending"');
  expect(t.text()).toContain(`${id} @ ${created} (original)`);
  t.proc.write('sStatus\rFailed\r');
  await t.waitFor('1. set $.Status = "Failed"');
  expect(t.text()).toContain('"Status": "Failed"');
  // Enter to the diff (its summary first), n to the event, enter to the description: one burst.
  t.proc.write('\rn\r');
  await t.waitFor('> exception_description');
  expect(t.text()).toContain('-   "Status": "Pending",');
  t.proc.write('Sent by hand after the outage\ry');
  await t.waitFor('Applied plan');
  expect(t.text()).toMatch(/1 exception row\(s\) -> s3\.backend_events_exceptions/);
  t.proc.write('n');
  await t.waitFor('evfix · stage tables');
  t.proc.write('q');
  expect((await t.exited).exitCode).toBe(0);
  const rows = await sql(
    db,
    `SELECT CAST(event_data AS VARCHAR) AS d, exception_description AS why FROM s3.backend_events_exceptions WHERE event_id = '${id}'`,
  );
  expect(rows).toHaveLength(1);
  expect(JSON.parse(String(rows[0]!.d)).Status).toBe('Failed');
  expect(rows[0]!.why).toBe('Sent by hand after the outage');
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

describe('bursts in one write', () => {
  it('fills event_id and event_created_at, sets a value and writes, each burst in one write', async () => {
    const { env, db } = home();
    await updateInBursts(env, db);
  });

  it('does the same with two busy processes loading the machine', async () => {
    const { env, db } = home();
    await underLoad(() => updateInBursts(env, db));
  });
});
