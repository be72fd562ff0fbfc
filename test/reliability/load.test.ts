/**
 * Promise 9: 100,000 duplicate groups and a 100,000-row update plan go through
 * list, plan, diff paging, apply and rerun without running out of memory.
 * The peak RSS is printed (a figure, not an assertion: budgets live in the benchmarks).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { event, makeWarehouse, stageNamed, tableCounts } from '../helpers/warehouse.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';

const N = 100_000;

describe('load', () => {
  it('handles 100,000 duplicate groups and a 100,000-row update plan end to end', async () => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    // How long the event loop was held at most (the TUI cannot draw or read a key meanwhile): a figure, not
    // an assertion; `npm run bench` reports it with its budget.
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    try {
      const w = await makeWarehouse();
      const stage = stageNamed(w.config, 'remittance_was_sent_event');
      const rows = [];
      for (let i = 0; i < N; i++) {
        const created = `2026-03-14 ${String(Math.floor(i / 3600) % 24).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}`;
        const e = event({ event_created_at: created, data: { Status: 'Pending', n: i } });
        rows.push(e, { ...e, event_ingested_at: '2026-03-14 23:59:59.000000' });
      }
      await w.warehouse.appendEvents(rows);
      // From here on: what an operator's screens do (seeding the warehouse above holds the loop by design).
      stalls.enable();

      // List, mark all, plan, confirm, apply and rerun through the screens.
      const listing = testServices(w);
      const app = renderApp(listing, [{ name: 'duplicates', stage: stage.name }]);
      await app.waitFor(`0 marked · 1/${N}`, 60_000);
      await app.press('G');
      await app.waitFor(`${N}/${N}`);
      await app.press('a', 'd');
      await app.waitFor('Write these rows?', 60_000);
      expect(app.frame()).toContain(`${N.toLocaleString('en-US')} row(s) -> s3.backend_events_exceptions`);
      await app.press('y');
      await app.waitFor('Applied plan', 60_000);
      await app.press('y');
      await app.waitFor('Rebuild remittance_was_sent_event');
      await app.press('y');
      await app.waitFor('Rebuilt remittance_was_sent_event', 60_000);
      app.unmount();
      expect(await tableCounts(w.warehouse)).toEqual({ events: 2 * N, exceptions: N, exclusions: N });

      // A 100,000-row update plan by predicate: diff paging through the screen (past the plan's own sample of
      // 200, read from the warehouse), then apply.
      const services = testServices(w);
      const plan = await services.service.call('makePlan', {
        op: 'update',
        stage: stage.name,
        selection: { where: ['$.Status="Pending"'], from: '2026-03-01' },
        edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
        description: 'bulk',
      });
      expect(plan.counts.exceptions).toBe(N);
      const diff = renderApp(services, [{ name: 'diff', plan }]);
      const total = N.toLocaleString('en-US');
      // The summary first: one pair, every event.
      await diff.waitFor(`summary/${total}`);
      expect(diff.frame()).toContain(`"Pending" -> "Failed"   ×${total}`);
      await diff.press('n');
      await diff.waitFor(`event 1/${total}`);
      await diff.press('n', 'n', 'n');
      await diff.waitFor(`event 4/${total}`);
      await diff.press(...Array.from({ length: 205 }, () => 'n'));
      await diff.waitFor(`event 209/${total}`, 60_000);
      await diff.waitFor('"Status": "Failed"', 60_000);
      // The plan already has its description, so enter goes straight on to confirm.
      await diff.press(KEY.enter);
      await diff.waitFor('Write these rows?', 60_000);
      await diff.press('y');
      await diff.waitFor('Applied plan', 60_000);
      diff.unmount();
      expect((await tableCounts(w.warehouse)).exceptions).toBe(2 * N);
    } finally {
      clearInterval(sampler);
      stalls.disable();
      console.log(`load: peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB, longest event-loop stall ${(stalls.max / 1e6).toFixed(0)} ms`);
    }
  }, 300_000);
});
