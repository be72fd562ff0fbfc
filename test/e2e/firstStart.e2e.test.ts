/**
 * A newcomer's first start: bin/evfix in a real pseudo-terminal at 80x24 with no demo warehouse yet. The
 * TUI starts at once, shows the demo being created, then the stage tables.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/warehouse.js';
import { EvfixTerminal, expectRestored } from '../helpers/pty.js';

const BIN = join(process.cwd(), 'bin', 'evfix');

function freshHome() {
  const dir = tempDir();
  return { env: { XDG_DATA_HOME: join(dir, 'data'), XDG_STATE_HOME: join(dir, 'state'), NO_COLOR: '1' }, demoDir: join(dir, 'data', 'evfix') };
}

describe('a first start, without a demo warehouse', () => {
  it('shows the demo being created in the TUI, then the stage tables', async () => {
    const { env, demoDir } = freshHome();
    // A smaller demo than the default 50,000 events keeps the test quick; the screens are the same.
    const t = new EvfixTerminal({ env: { ...env, EVFIX_DEMO_EVENTS: '6000' } });
    await t.waitFor(/remittance_was_sent_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    // Everything drawn so far, in order: the progress came first, in the alternate screen, counted in events.
    const progress = t.raw.search(/creating the demo warehouse… [\d,]+ \/ 6,000 events/);
    expect(progress).toBeGreaterThanOrEqual(0);
    expect(progress).toBeLessThan(t.raw.indexOf('evfix · stage tables'));
    expect(t.raw.indexOf('\x1b[?1049h')).toBeLessThan(progress);
    expect(t.text()).toContain(`· created the demo warehouse at ${join(demoDir, 'demo.duckdb')}`);
    await t.press('q');
    expect((await t.exited).exitCode).toBe(0);
    // The warehouse and its spill folder (kept, empty: see connection.ts), nothing of the file it was made under.
    expect(readdirSync(demoDir).sort()).toEqual(['demo.duckdb', 'demo.duckdb.tmp']);
    expect(readdirSync(join(demoDir, 'demo.duckdb.tmp'))).toEqual([]);
  });

  it('leaves no half-made demo when q is pressed while it is created', async () => {
    const { env, demoDir } = freshHome();
    const t = new EvfixTerminal({ env, command: 'bash', args: ['-c', `"${process.execPath}" "${BIN}"; echo EXIT=$?; stty -a; sleep 5`] });
    await t.waitFor(/creating the demo warehouse… [1-9][\d,]* \/ 50,000 events/);
    await t.press('q');
    await t.waitFor('EXIT=0');
    await expectRestored(t, expect);
    t.proc.kill();
    expect(existsSync(join(demoDir, 'demo.duckdb'))).toBe(false);

    // The next start clears what was left and creates the demo.
    const again = new EvfixTerminal({ env: { ...env, EVFIX_DEMO_EVENTS: '2000' } });
    await again.waitFor(/account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    await again.press('q');
    expect((await again.exited).exitCode).toBe(0);
    expect(readdirSync(demoDir).sort()).toEqual(['demo.duckdb', 'demo.duckdb.tmp']);
  });
});
