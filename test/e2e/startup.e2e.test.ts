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
import { Journal, type JournalEntry } from '../../src/data/journal.js';
import { installation } from '../helpers/cliProcess.js';
import { EvfixTerminal, expectRestored } from '../helpers/pty.js';

const BIN = join(process.cwd(), 'bin', 'evfix');
const oneLine = (text: string) => text.replace(/\s+/g, ' ');

/** A "started" line with no outcome, of a process that is gone: what a SIGKILL mid-apply leaves. */
const interrupted = (planId: string, warehouse: string): JournalEntry => ({
  time: '2026-12-01 09:00:00.000000',
  plan_id: planId,
  kind: 'update',
  stage: 'remittance_was_sent_event',
  operator: 'ops',
  description: 'never finished',
  warehouse,
  result: 'started',
  pid: 2 ** 22 + 1, // above Linux's pid_max: no such process
});

/** bin/evfix in the installation's folder, then its exit status on the screen. */
const startIn = (inst: ReturnType<typeof installation>) =>
  new EvfixTerminal({
    env: { ...inst.env, NO_COLOR: '1' },
    command: 'bash',
    args: ['-c', `cd "${inst.dir}" && "${process.execPath}" "${BIN}"; echo EXIT=$?; sleep 5`],
  });

describe('the TUI opens the warehouse after its first frame, and what the opening finds still reaches the operator', () => {
  it('reconciles an interrupted apply, shows its outcome on the first screen and again after quitting', async () => {
    const inst = installation();
    expect(inst.run(['demo', '--events', '10']).code).toBe(0);
    const journalFile = join(inst.dir, 'state', 'evfix', 'journal.jsonl');
    new Journal(journalFile).append(interrupted('p-interrupted-1', inst.warehouse().label));
    const t = startIn(inst);
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

  it('quits at once when q comes before the opening is done, and still tells what the opening found', async () => {
    const inst = installation();
    expect(inst.run(['demo', '--events', '10']).code).toBe(0);
    const journalFile = join(inst.dir, 'state', 'evfix', 'journal.jsonl');
    const journal = new Journal(journalFile);
    // Many applies on record make the opening's reconcile read for a while: q lands before it is done.
    for (let i = 0; i < 20_000; i++) {
      journal.append({
        time: '2026-11-01 09:00:00.000000',
        plan_id: `p-old-${i}`,
        kind: 'update',
        stage: 'remittance_was_sent_event',
        operator: 'ops',
        description: 'applied long ago',
        warehouse: inst.warehouse().label,
        result: 'applied',
      });
    }
    journal.append(interrupted('p-interrupted-2', inst.warehouse().label));
    const t = startIn(inst);
    await t.waitFor('evfix · stage tables');
    t.proc.write('q');
    await t.waitFor('EXIT=0');
    const afterQuit = t.raw.slice(t.raw.lastIndexOf('\x1b[?1049l'));
    expect(afterQuit).toContain('evfix: interrupted apply of plan p-interrupted-2 (started 2026-12-01 09:00:00): rolled back.');
    t.proc.kill();
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
