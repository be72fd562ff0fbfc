/** The headless CLI, in-process against a real DuckDB file: output, exit codes and what is written. */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tuiOptions, type CliIO } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { confirmWords } from '../../src/cli/format.js';
import { DEMO_STAGES } from '../../src/data/config.js';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { loadConfig } from '../../src/data/config.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { NOW, query, tempDir } from '../helpers/warehouse.js';

/** `asked`: the questions put to the terminal, as the operator reads them. */
type Run = { code: number; out: string; err: string; asked: string[] };

function setup(extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  writeFileSync(join(dir, 'evfix.config.json'), JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: DEMO_STAGES, ...extra }));
  const env = { XDG_STATE_HOME: join(dir, 'state'), XDG_DATA_HOME: join(dir, 'data'), EVFIX_OPERATOR: 'ops@example' };
  /** `sql`, when given, collects the text of every statement the embedded warehouse runs. */
  const run = async (args: string[], answer?: string, sql?: string[]): Promise<Run> => {
    let out = '',
      err = '';
    const asked: string[] = [];
    const io: CliIO = {
      out: (t) => (out += `${t}\n`),
      err: (t) => (err += `${t}\n`),
      ask:
        answer === undefined
          ? undefined
          : async (question) => {
              asked.push(question);
              return answer;
            },
      env,
      cwd: dir,
      now: () => parseTimestamp(NOW),
      ...(sql ? { engine: { duckdb: { onSql: (text: string) => sql.push(text) } } } : {}),
    };
    return { code: await runCli(args, io), out, err, asked };
  };
  const warehouse = () => new DuckdbEngine(loadConfig({ cwd: dir }) as never);
  return { dir, env, run, warehouse };
}

async function counts(w: DuckdbEngine) {
  const [row] = await query(
    w,
    `SELECT (SELECT count(*) FROM s3.backend_events_exceptions)::INT AS exceptions, (SELECT count(*) FROM s3.backend_events_exclusions)::INT AS exclusions`,
  );
  return row;
}

async function pendingRemittance(w: DuckdbEngine) {
  const [row] = await query(
    w,
    `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created FROM kinesis.backend_events
     WHERE event_name = 'RemittanceWasSent' AND json_extract_string(event_data, '$.Status') = 'Pending' ORDER BY event_created_at LIMIT 1`,
  );
  return row as { event_id: string; created: string };
}

describe('evfix CLI', () => {
  it('shows help with an example for every command', async () => {
    const { run } = setup();
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    for (const c of COMMANDS) {
      expect(main.out).toContain(`evfix ${c.name}`);
      const help = await run([c.name, '--help']);
      expect(help.out).toContain(`Example:\n  evfix ${c.name}`);
    }
  });

  it('opens the TUI only without a command', () => {
    expect(tuiOptions([])).toEqual({ readOnly: false });
    expect(tuiOptions(['--config', 'x.json', '--read-only'])).toEqual({ configFile: 'x.json', readOnly: true });
    expect(tuiOptions(['stages'])).toBeUndefined();
  });

  it('seeds the demo deterministically and lists stage tables', async () => {
    const a = setup();
    const b = setup();
    expect((await a.run(['demo', '--events', '3000', '--seed', '7'])).code).toBe(0);
    expect((await b.run(['demo', '--events', '3000', '--seed', '7'])).code).toBe(0);
    const dupA = await a.run(['duplicates', 'card_was_shipped_event', '--lookback', '30']);
    expect(dupA.out).toBe((await b.run(['duplicates', 'card_was_shipped_event', '--lookback', '30'])).out);
    const stages = await a.run(['stages', '--json']);
    expect(JSON.parse(stages.out).stages.map((s: { stage: string }) => s.stage)).toEqual(DEMO_STAGES.map((s) => s.name));
    const again = await a.run(['demo']);
    expect(again).toMatchObject({ code: 1 });
    expect(again.err).toContain('already holds 3000 events; use --reset');
  });

  it('does the manual Status fix end to end: update, apply, rerun, stage row updated', async () => {
    const { run, warehouse } = setup();
    await run(['demo', '--events', '3000']);
    const w = warehouse();
    const target = await pendingRemittance(w);
    expect((await run(['lookup', target.event_id])).out).toMatch(/The stage table is built from the original:\n[\s\S]*"Status": "Pending"/);
    const update = await run([
      'update',
      'remittance_was_sent_event',
      '--event-id',
      target.event_id,
      '--created-at',
      target.created,
      '--set',
      '$.Status="Failed"',
      '--description',
      'Remittance was never sent updates',
      '--yes',
    ]);
    expect(update.err).toBe('');
    expect(update.code).toBe(0);
    expect(update.out).toContain('-   "Status": "Pending",\n    +   "Status": "Failed",');
    // Before the rerun, too: lookup says what the stage table is built from, not what it shows today.
    expect((await run(['lookup', target.event_id])).out).toMatch(/The stage table is built from the exception:\n[\s\S]*"Status": "Failed"/);
    const since = /evfix rerun remittance_was_sent_event --since (\S+)/.exec(update.out)![1]!;
    expect((await run(['stages'])).out).toContain(`1 applied plan(s) not in the stage table yet; run: evfix rerun remittance_was_sent_event --since ${since}`);
    const rerun = await run(['rerun', 'remittance_was_sent_event', '--since', since, '--yes']);
    expect(rerun.code).toBe(0);
    const rows = await query(w, `SELECT status, is_exception FROM stage.remittance_was_sent_event WHERE event_id = '${target.event_id}'`);
    expect(rows).toEqual([{ status: 'Failed', is_exception: true }]);
    const history = await run(['history']);
    expect(history.out).toMatch(/update\s+remittance_was_sent_event\s+plan [0-9a-f]{16}\s+by ops@example@\S+\s+\(0 exclusions, 1 exceptions\)\s+\[in stage\]/);
    expect((await run(['stages'])).out).toMatch(/remittance_was_sent_event .* up to date/);
  });

  it('applies an update made with --yes in the snapshot it was planned in; one confirmed at the terminal is re-checked first', async () => {
    const { run, warehouse } = setup();
    await run(['demo', '--events', '3000']);
    const update = (status: string, to: string) => ['update', 'remittance_was_sent_event', '--where', `$.Status="${status}"`, '--set', `$.Status="${to}"`];
    const chosen = (sql: string[]) => sql.filter((s) => s.startsWith('CREATE OR REPLACE TEMP TABLE evfix_selected')).length;
    const rechecked = (sql: string[]) => sql.filter((s) => s.startsWith('SELECT count(*)::VARCHAR')).length;
    const atOnce: string[] = [];
    const yes = await run([...update('Pending', 'Failed'), '--description', 'pending never sent', '--yes'], undefined, atOnce);
    expect(yes.code).toBe(0);
    const wrote = Number(/wrote 0 exclusion row\(s\) and (\d+) exception row\(s\)/.exec(yes.out)?.[1]);
    expect(wrote).toBeGreaterThan(0);
    expect([chosen(atOnce), rechecked(atOnce)]).toEqual([1, 0]);
    const [failed] = await query(
      warehouse(),
      `SELECT count(*)::INT AS n FROM s3.backend_events_exceptions WHERE json_extract_string(event_data, '$.Status') = 'Failed'`,
    );
    expect(failed).toEqual({ n: wrote });

    const asked: string[] = [];
    const confirmed = await run([...update('Failed', 'Cancelled'), '--description', 'cancelled after all'], 'y', asked);
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toContain(`wrote 0 exclusion row(s) and ${wrote} exception row(s)`);
    // Planned, previewed (the impact), then applied: each reads the selection again, and the apply re-checks it.
    expect(chosen(asked)).toBe(3);
    expect(rechecked(asked)).toBe(2);
  });

  it('marks a reverted plan in history, refuses a second revert naming the first, and offers the original again', async () => {
    const { run, warehouse } = setup();
    await run(['demo', '--events', '3000']);
    const target = await pendingRemittance(warehouse());
    const update = await run([
      'update',
      'remittance_was_sent_event',
      '--event-id',
      target.event_id,
      '--created-at',
      target.created,
      '--set',
      '$.Status="Failed"',
      '--description',
      'never sent',
      '--yes',
    ]);
    const updateId = /Applied plan ([0-9a-f]{16})/.exec(update.out)![1]!;
    const revert = await run(['revert', updateId, '--yes']);
    expect(revert.code).toBe(0);
    const revertId = /Applied plan ([0-9a-f]{16})/.exec(revert.out)![1]!;
    const history = (await run(['history'])).out;
    expect(history).toMatch(new RegExp(`update\\s+remittance_was_sent_event\\s+plan ${updateId}.*REVERTED by plan ${revertId}`));
    expect(history).toMatch(new RegExp(`revert\\s+remittance_was_sent_event\\s+plan ${revertId}.*reverts plan ${updateId}`));
    const again = await run(['revert', updateId, '--yes']);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`plan ${updateId} was already reverted by plan ${revertId}`);
    // Reverting the revert shows the update made again, and asks (here, says no).
    const undo = await run(['revert', revertId], 'n');
    expect(undo.out).toContain(`plan ${updateId} again, undoing its revert ${revertId}`);
    expect(undo.out).toMatch(/Plan [0-9a-f]{16}: update on remittance_was_sent_event/);
    expect(await counts(warehouse())).toEqual({ exceptions: 0, exclusions: 0 });
  });

  it('asks in words that say what happens: a write, a delete (a revert), or both', async () => {
    const { run, warehouse } = setup();
    await run(['demo', '--events', '2000']);
    const target = await pendingRemittance(warehouse());
    const exclude = ['exclude', 'remittance_was_sent_event', '--event-id', target.event_id, '--lookback', '30', '--description', 'sent twice'];
    const declined = await run(exclude, 'n');
    expect(declined.asked).toEqual(['Write these rows? [y/N] ']);
    expect(declined.err).toContain('Not applied: nothing was written.');
    const excludeId = /Applied plan ([0-9a-f]{16})/.exec((await run([...exclude, '--yes'])).out)![1]!;

    // The revert only deletes the rows the exclusion wrote: it is asked about as a delete, everywhere.
    const revert = await run(['revert', excludeId], 'n');
    expect(revert.out).toContain('1 row(s) deleted from s3.backend_events_exclusions');
    expect(revert.asked).toEqual(['Delete these rows? [y/N] ']);
    expect(revert.err).toContain('Not applied: nothing was deleted.');
    expect(revert.err).not.toMatch(/writ/);
    const noTty = await run(['revert', excludeId]);
    expect(noTty.code).toBe(1);
    expect(noTty.err).toContain('there is no terminal to confirm on, so nothing was deleted; pass --yes to delete');
    expect(await counts(warehouse())).toEqual({ exceptions: 0, exclusions: 1 });

    // The revert applied, reverting it writes the exclusion again: a write.
    const revertId = /Applied plan ([0-9a-f]{16})/.exec((await run(['revert', excludeId, '--yes'])).out)![1]!;
    expect((await run(['revert', revertId], 'n')).asked).toEqual(['Write these rows? [y/N] ']);

    // No plan kind both writes and deletes yet; one that did would say so.
    const counts0 = { exceptions: 0, exclusions: 0, deleted: { exceptions: 0, exclusions: 0 } };
    expect(confirmWords({ counts: { ...counts0, exceptions: 2, deleted: { exceptions: 1, exclusions: 0 } } as never })).toEqual({
      verb: 'write and delete',
      question: 'Write and delete these rows? [y/N] ',
      nothing: 'nothing was written or deleted',
    });
  });

  it('in production, asks for the stage table name with the words of what happens', async () => {
    const { run, warehouse } = setup({ environment: 'prod' });
    await run(['demo', '--events', '2000']);
    const target = await pendingRemittance(warehouse());
    const exclude = ['exclude', 'remittance_was_sent_event', '--event-id', target.event_id, '--lookback', '30', '--description', 'sent twice'];
    expect((await run(exclude, 'no')).asked).toEqual(['Production: type the stage table name (remittance_was_sent_event) to write: ']);
    const excludeId = /Applied plan ([0-9a-f]{16})/.exec((await run(exclude, 'remittance_was_sent_event')).out)![1]!;
    const revert = await run(['revert', excludeId], 'no');
    expect(revert.asked).toEqual(['Production: type the stage table name (remittance_was_sent_event) to delete: ']);
    expect(revert.err).toContain('Not applied: nothing was deleted.');
    const rerun = await run(['rerun', 'remittance_was_sent_event'], 'no');
    expect(rerun.asked).toEqual(['Production: type the stage table name (remittance_was_sent_event) to rebuild it: ']);
  });

  it('writes nothing without --yes and no terminal, on --dry-run, in read-only mode, or when the operator says no', async () => {
    const { run, warehouse } = setup();
    await run(['demo', '--events', '2000']);
    const w = warehouse();
    const args = ['dedupe', 'card_was_shipped_event', '--lookback', '30'];
    const noTty = await run(args);
    expect(noTty.code).toBe(1);
    expect(noTty.err).toContain('pass --yes to write');
    const dry = await run([...args, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('INSERT INTO "s3"."backend_events_exclusions"');
    expect((await run([...args, '--read-only', '--yes'])).err).toContain('Read-only mode: nothing was written');
    expect((await run(args, 'n')).err).toContain('Not applied');
    expect(await counts(w)).toEqual({ exceptions: 0, exclusions: 0 });
    const yes = await run(args, 'y');
    expect(yes.code).toBe(0);
    expect((await counts(w))!.exceptions).toBeGreaterThan(0);
  });

  it('treats a rerun as a write: --dry-run and --plan-out write nothing, and it needs --yes or a terminal', async () => {
    const { run, warehouse, dir } = setup();
    await run(['demo', '--events', '2000']);
    const w = warehouse();
    const stageRows = async () =>
      (
        await query(
          w,
          `SELECT count(*)::INT AS n, coalesce(sum(hash(event_id, event_created_at, is_exception)), 0)::VARCHAR AS h FROM stage.card_was_shipped_event`,
        )
      )[0];
    // A dedupe changes what the stage table should hold, so a real rerun would change it.
    expect((await run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--yes'])).code).toBe(0);
    const before = await stageRows();
    const args = ['rerun', 'card_was_shipped_event', '--offset', '30'];

    const dry = await run([...args, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/Rerun of card_was_shipped_event from \d{4}-\d{2}-\d{2} 00:00:00\.000000 \(current_date_offset = 30\)/);
    expect(dry.out).toMatch(/removes \d+ row\(s\) of the stage table in the window and writes \d+/);
    expect(dry.out).toContain('DELETE FROM "stage"."card_was_shipped_event"');
    expect(dry.out).toContain('Dry run: nothing was rebuilt.');
    const preview = JSON.parse((await run([...args, '--dry-run', '--json'])).out);
    expect(preview).toMatchObject({ stage: 'card_was_shipped_event', current_date_offset: 30, runner: 'sql' });
    expect(preview.removes).toBe(before!.n);
    expect(preview.writes).toBeLessThan(preview.removes);

    const planOut = await run([...args, '--plan-out', join(dir, 'rerun.json')]);
    expect(planOut.code).toBe(2);
    expect(planOut.err).toContain('a rerun has none to save');
    expect(existsSync(join(dir, 'rerun.json'))).toBe(false);

    const noTty = await run(args);
    expect(noTty.code).toBe(1);
    expect(noTty.err).toContain('there is no terminal to confirm on, so nothing was rebuilt; pass --yes to rebuild it');
    expect((await run(args, 'n')).err).toContain('Not rebuilt');
    expect((await run([...args, '--read-only', '--yes'])).err).toContain('read-only mode; the stage table was not rebuilt');
    expect(await stageRows()).toEqual(before);

    const done = await run(args, 'y');
    expect(done.code).toBe(0);
    expect(done.out).toContain(`${preview.removes.toLocaleString('en-US')} row(s) removed, ${preview.writes.toLocaleString('en-US')} row(s) written`);
    expect((await stageRows())!.n).toBe(preview.writes);
  });

  it('confirms a production rerun as it confirms a production plan', async () => {
    const { run, warehouse } = setup({ environment: 'prod', prod_yes_max_rows: 10 });
    await run(['demo', '--events', '2000']);
    const w = warehouse();
    const [{ n: before }] = (await query(w, 'SELECT count(*)::INT AS n FROM stage.card_was_shipped_event')) as { n: number }[];
    const args = ['rerun', 'card_was_shipped_event', '--offset', '30'];
    expect((await run(args, 'y')).code).toBe(1);
    const capped = await run([...args, '--yes']);
    expect(capped.code).toBe(1);
    expect(capped.err).toContain('more than --yes alone may (10); add --confirm-table card_was_shipped_event');
    expect((await run([...args, '--yes', '--confirm-table', 'user_was_registered_event'])).err).toContain('does not name this stage table');
    await query(w, 'DELETE FROM stage.card_was_shipped_event');
    expect((await run(args, 'card_was_shipped_event')).code).toBe(0);
    const [{ n: after }] = (await query(w, 'SELECT count(*)::INT AS n FROM stage.card_was_shipped_event')) as { n: number }[];
    expect(after).toBeGreaterThan(0);
    expect(before).toBeGreaterThanOrEqual(after);
    await query(w, 'DELETE FROM stage.card_was_shipped_event');
    expect((await run([...args, '--yes', '--confirm-table', 'card_was_shipped_event'])).code).toBe(0);
  });

  it('asks for the stage table name in production', async () => {
    const { run, warehouse } = setup({ environment: 'prod' });
    await run(['demo', '--events', '2000']);
    const args = ['dedupe', 'card_was_shipped_event', '--lookback', '30'];
    expect((await run(args, 'y')).code).toBe(1);
    expect(await counts(warehouse())).toEqual({ exceptions: 0, exclusions: 0 });
    expect((await run(args, 'card_was_shipped_event')).code).toBe(0);
  });

  it('saves a plan, applies it once, and refuses it when edited', async () => {
    const { run, dir } = setup();
    await run(['demo', '--events', '2000']);
    const planFile = join(dir, 'plan.json');
    const saved = await run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--plan-out', planFile]);
    expect(saved.err).toContain(`apply it with: evfix apply ${planFile}`);
    expect(existsSync(planFile)).toBe(true);
    // It holds event documents (the sample): readable by the operator only.
    expect(statSync(planFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(planFile, 'utf8');
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, text.replace(/"operator": "[^"]*"/, '"operator": "mallory"'));
    const refused = await run(['apply', edited, '--yes']);
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.err).toContain('the plan was changed after it was made');
    expect((await run(['apply', planFile, '--yes'])).out).toContain('Applied plan');
    expect((await run(['apply', planFile, '--yes'])).out).toMatch(/was already applied at .*; nothing was written this time/);
  });

  it.each([
    [['dedupe'], 2, 'takes STAGE'],
    [['dedupe', 'card_was_shipped_event', '--colour'], 2, "Unknown option '--colour'"],
    [['frobnicate'], 2, 'unknown command "frobnicate"'],
    [['duplicates', 'nope'], 1, 'unknown stage table "nope"'],
    [['lookup', 'not-a-uuid'], 1, 'event_id: "not-a-uuid" is not a UUID'],
    [
      [
        'update',
        'remittance_was_sent_event',
        '--event-id',
        '00000000-0000-4000-8000-000000000001',
        '--created-at',
        'noon',
        '--set',
        '$.a=1',
        '--description',
        'x',
      ],
      1,
      'event_created_at: "noon" is not a timestamp',
    ],
    [
      [
        'update',
        'remittance_was_sent_event',
        '--event-id',
        '00000000-0000-4000-8000-000000000001',
        '--created-at',
        '2026-03-14',
        '--set',
        '$.Status=Failed',
        '--description',
        'x',
      ],
      1,
      'strings need quotes',
    ],
    [
      ['update', 'remittance_was_sent_event', '--where', '$.Status=="Sent"', '--set', '$.Status="Failed"', '--description', 'x'],
      1,
      'where: "$.Status==\\"Sent\\"": the value is not JSON: invalid JSON at character 1: unexpected "=" (compare with one =: $.Status="Sent")',
    ],
    [
      ['update', 'remittance_was_sent_event', '--event-id', '00000000-0000-4000-8000-000000000001', '--set', '$.a=1', '--description', 'x'],
      2,
      'each --event-id needs its --created-at',
    ],
    [['exclude', 'card_was_shipped_event', '--event-id', '00000000-0000-4000-8000-000000000001'], 1, 'description: is required'],
    [['rerun', 'card_was_shipped_event', '--offset', 'three'], 2, '--offset three: expected a whole number'],
    [['apply', '/nonexistent/plan.json'], 1, '/nonexistent/plan.json: cannot be read'],
  ])('%j exits %i with one clear message', async (args, code, message) => {
    const { run } = setup();
    await run(['demo', '--events', '500']);
    const result = await run(args as string[]);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
    expect(result.err.trim().split('\n')).toHaveLength(1);
  });
});
