/**
 * Promise 4: for each screen, SIGINT, SIGTERM and SIGHUP (the SSH link
 * dropping) leave the terminal restored: main screen, cursor shown, cooked
 * mode; and the warehouse consistent.
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installation } from '../helpers/cliProcess.js';
import { EvfixTerminal, expectRestored } from '../helpers/pty.js';
import { tableCounts } from '../helpers/warehouse.js';

/** evfix's TUI on a fresh demo warehouse in a pty, under a shell that prints its exit code and terminal modes after it. */
async function tuiOnDemo(events: number) {
  const inst = installation();
  inst.run(['demo', '--events', String(events)]);
  const before = await tableCounts(inst.warehouse());
  const bin = join(process.cwd(), 'bin', 'evfix');
  const t = new EvfixTerminal({
    env: inst.env,
    command: 'bash',
    args: ['-c', `"${process.execPath}" "${bin}" --config "${inst.configFile}"; echo EXIT=$?; stty -a; sleep 5`],
  });
  await t.waitFor(/account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
  return { inst, before, t };
}

const SCREENS: { name: string; keys: string[]; shows: string | RegExp }[] = [
  { name: 'stage tables', keys: [], shows: /account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/ },
  { name: 'duplicates', keys: ['j', '\r', '\r'], shows: /0 marked · 1\/\d+/ },
  { name: 'lookup form', keys: ['\r', 'jj', '\r'], shows: '> event_id' },
  { name: 'confirm', keys: ['j', '\r', '\r', 'a', 'd'], shows: 'Write these rows?' },
];

describe.each(['SIGHUP', 'SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  it.each(SCREENS)('on $name restores the terminal and leaves the warehouse as it was', async ({ keys, shows }) => {
    const { inst, before, t } = await tuiOnDemo(3000);
    for (const k of keys) await t.press(k);
    await t.waitFor(shows);
    const node = execSync(`pgrep -P ${t.proc.pid}`, { encoding: 'utf8' }).trim().split('\n')[0]!;
    process.kill(Number(node), signal);
    await t.waitFor(/EXIT=1\d\d/);
    await expectRestored(t, expect);
    t.proc.kill();
    expect(await tableCounts(inst.warehouse())).toEqual(before);
  });
});

describe('Ctrl-C', () => {
  it('with no write in flight exits 130 (interrupted) and restores the terminal', async () => {
    const { inst, before, t } = await tuiOnDemo(3000);
    // On the duplicates list with every group marked: Ctrl-C is the way out that does not ask.
    for (const k of ['j', '\r', '\r', 'a']) await t.press(k);
    await t.waitFor(/(\d+) marked · 1\/\1/);
    t.proc.write('\x03');
    await t.waitFor('EXIT=130');
    await expectRestored(t, expect);
    t.proc.kill();
    expect(await tableCounts(inst.warehouse())).toEqual(before);
  });
});

describe('a signal while a write is in flight', () => {
  it.each(['SIGHUP', 'SIGTERM'] as const)('%s lets the apply commit, journals it, then restores the terminal', async (signal) => {
    const { inst, before, t } = await tuiOnDemo(20000);
    // Dedupe every group of a stage: mark all, plan, and confirm; the signal arrives as the write starts.
    for (const k of ['j', '\r', '\r', 'a', 'd']) await t.press(k);
    await t.waitFor('Write these rows?');
    const node = execSync(`pgrep -P ${t.proc.pid}`, { encoding: 'utf8' }).trim().split('\n')[0]!;
    t.proc.write('y');
    // The signal as soon as the apply screen says the write runs (not a fixed 15 ms, which a loaded machine
    // outlasts before the write has even started). The screen says so only once the write is tracked
    // (test/screens/ApplyScreen.test.tsx), so the signal always finds a write to let finish.
    while (!t.text().includes('in one transaction')) {
      await t.screen.write('');
      await new Promise((r) => setTimeout(r, 2));
    }
    process.kill(Number(node), signal);
    await t.waitFor(/EXIT=1\d\d/);
    await expectRestored(t, expect);
    t.proc.kill();
    // The write was let finish: every row of the plan is there, and the journal says it was applied.
    const after = await tableCounts(inst.warehouse());
    expect(after.exclusions).toBeGreaterThan(before.exclusions);
    expect(after.exceptions).toBeGreaterThan(before.exceptions);
    const journal = readFileSync(join(inst.env.XDG_STATE_HOME!, 'evfix', 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(journal.map((e) => e.result)).toEqual(['started', 'applied']);
    expect(journal[1].counts).toEqual({
      exclusions: after.exclusions - before.exclusions,
      exceptions: after.exceptions - before.exceptions,
      deleted: { exclusions: 0, exceptions: 0 },
    });
    // The stage table was not rebuilt: the stage list and `evfix stages` say a rerun is pending.
    expect(inst.run(['stages']).stdout).toMatch(
      /rerun needed \(1 plan, offset \d+\)\n\s+1 applied plan\(s\) not in the stage table yet; run: evfix rerun \w+ --since/,
    );
  });
});
