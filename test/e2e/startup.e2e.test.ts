/**
 * The TUI draws its first frame before it opens the warehouse (src/tui.tsx): bin/evfix in a real
 * pseudo-terminal. What the opening finds out still reaches the operator: an apply interrupted last time is
 * reconciled before anything else is asked of the warehouse and shown on the first screen, and a warehouse
 * that cannot be opened ends the start with its reason, as a bad config does.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_STAGES } from '../../src/data/config.js';
import { Journal } from '../../src/data/journal.js';
import { installation } from '../helpers/cliProcess.js';
import { EvfixTerminal, expectRestored } from '../helpers/pty.js';

const BIN = join(process.cwd(), 'bin', 'evfix');
const oneLine = (text: string) => text.replace(/\s+/g, ' ');

describe('the first frame comes before the warehouse is opened', () => {
  it('reconciles an interrupted apply, shows its outcome on the first screen and again after quitting', async () => {
    const inst = installation();
    expect(inst.run(['demo', '--events', '10']).code).toBe(0);
    // A "started" line with no outcome, of a process that is gone: what a SIGKILL mid-apply leaves.
    const journalFile = join(inst.dir, 'state', 'evfix', 'journal.jsonl');
    new Journal(journalFile).append({
      time: '2026-12-01 09:00:00.000000',
      plan_id: 'p-interrupted-1',
      kind: 'update',
      stage: 'remittance_was_sent_event',
      operator: 'ops',
      description: 'never finished',
      warehouse: inst.warehouse().label,
      result: 'started',
      pid: 2 ** 22 + 1, // above Linux's pid_max: no such process
    });
    const t = new EvfixTerminal({
      env: { ...inst.env, NO_COLOR: '1' },
      command: 'bash',
      args: ['-c', `cd "${inst.dir}" && "${process.execPath}" "${BIN}"; echo EXIT=$?; sleep 5`],
    });
    await t.waitFor('interrupted apply of plan p-interrupted-1');
    // The notice wraps at 80 columns: read as one line.
    expect(oneLine(t.text())).toContain('· interrupted apply of plan p-interrupted-1 (started 2026-12-01 09:00:00): rolled back.');
    // The stage tables are read as well, after the reconciling.
    await t.waitFor(/remittance_was_sent_event\s+\d+/);
    await t.press('q');
    await t.waitFor('EXIT=0');
    const afterQuit = t.raw.slice(t.raw.lastIndexOf('\x1b[?1049l'));
    expect(afterQuit).toContain('evfix: interrupted apply of plan p-interrupted-1 (started 2026-12-01 09:00:00): rolled back.');
    t.proc.kill();
    expect(readFileSync(journalFile, 'utf8')).toContain('"result":"rolled-back"');
  });

  it('ends the start with the reason when the warehouse cannot be opened, and leaves the terminal as it was', async () => {
    const inst = installation();
    const dbt = join(inst.dir, 'dbt');
    mkdirSync(dbt);
    writeFileSync(join(dbt, 'dbt_project.yml'), 'name: analytics\nprofile: warehouse\n');
    writeFileSync(
      join(dbt, 'profiles.yml'),
      'warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      method: service-account\n      keyfile: keys/missing.json\n      project: dw-prod-gwiiag\n      dataset: stage\n      location: EU\n',
    );
    writeFileSync(
      inst.configFile,
      JSON.stringify({
        engine: { type: 'bigquery', from_dbt_profile: true },
        stages: DEMO_STAGES.slice(0, 2),
        rerun: { runner: 'sql', dbt: { project_dir: 'dbt' } },
      }),
    );
    const t = new EvfixTerminal({
      env: { ...inst.env, NO_COLOR: '1' },
      command: 'bash',
      args: ['-c', `cd "${inst.dir}" && "${process.execPath}" "${BIN}"; echo EXIT=$?; stty -a; sleep 5`],
    });
    await t.waitFor('EXIT=1');
    expect(oneLine(t.text())).toContain(
      `evfix: ${join(dbt, 'profiles.yml')}: warehouse.outputs.prod.keyfile: cannot read ${join(dbt, 'keys', 'missing.json')}: ENOENT`,
    );
    await expectRestored(t, expect);
    t.proc.kill();
  });
});
