/**
 * Promises 2 and 3: the same plan applied twice writes once; a plan made
 * stale by another operator's write is refused with what changed; two
 * processes share one embedded warehouse, taking turns.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installation } from '../helpers/cliProcess.js';
import { EvfixTerminal } from '../helpers/pty.js';
import { tableCounts } from '../helpers/warehouse.js';

describe('two processes', () => {
  it('apply the same plan at once: one writes, the other writes nothing and says so', async () => {
    const inst = installation();
    inst.run(['demo', '--events', '4000']);
    const planFile = join(inst.dir, 'plan.json');
    expect(inst.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--plan-out', planFile]).code).toBe(0);
    const a = inst.start(['apply', planFile, '--yes']);
    const b = inst.start(['apply', planFile, '--yes']);
    const out = await Promise.all(
      [a, b].map(
        (child) =>
          new Promise<string>((resolve) => {
            let text = '';
            child.stdout!.on('data', (d) => (text += d));
            child.stderr!.on('data', (d) => (text += d));
            child.once('exit', (code) => resolve(`${code}:${text}`));
          }),
      ),
    );
    expect(out.filter((o) => o.startsWith('0:') && o.includes('Applied plan'))).toHaveLength(1);
    expect(out.filter((o) => o.startsWith('0:') && o.includes('already applied'))).toHaveLength(1);
    const counts = await tableCounts(inst.warehouse());
    const plan = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(planFile, 'utf8')));
    expect(counts.exceptions).toBe(plan.counts.exceptions);
  });

  it("refuse a plan made stale by another operator's exclusion, writing nothing", async () => {
    const inst = installation();
    inst.run(['demo', '--events', '4000']);
    const planFile = join(inst.dir, 'plan.json');
    inst.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--plan-out', planFile]);
    const plan = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(planFile, 'utf8')));
    const id = plan.sample[0].event_id;
    // The other operator dedupes one of the same groups first.
    expect(inst.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--event-id', id, '--yes']).code).toBe(0);
    const before = await tableCounts(inst.warehouse());
    const stale = inst.run(['apply', planFile, '--yes']);
    expect(stale.code).toBe(1);
    // Two copies of one group left the plan's rows: counted.
    expect(stale.stderr).toMatch(new RegExp(`is stale: the rows it touches went from ${plan.counts.events} to ${plan.counts.events - 2}`));
    expect(stale.stderr).toContain('Nothing was written');
    expect(await tableCounts(inst.warehouse())).toEqual(before);
  });

  it('two TUIs on one file both work, each holding it only while it reads', async () => {
    const inst = installation();
    inst.run(['demo', '--events', '4000']);
    const env = { ...inst.env };
    const args = (cfg: string) => [join(process.cwd(), 'bin', 'evfix'), '--config', cfg];
    const a = new EvfixTerminal({ env, args: args(inst.configFile) });
    const b = new EvfixTerminal({ env, args: args(inst.configFile) });
    await a.waitFor(/account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    await b.waitFor(/account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    expect(a.text()).not.toContain('failed');
    expect(b.text()).not.toContain('failed');
    // While both are open, a headless write still gets the file.
    expect(inst.run(['rerun', 'card_was_shipped_event', '--offset', '3', '--yes']).code).toBe(0);
    await a.press('q');
    await b.press('q');
    await Promise.all([a.exited, b.exited]);
  });
});
