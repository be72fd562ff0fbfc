/**
 * Promise 1: a plan is applied whole or not at all. A 50,000-row apply is
 * killed with SIGKILL at many points; each time the tables hold all of the
 * plan's rows and its audit row, or none of them, the next start reports what
 * really happened, and applying again completes the plan without duplicating
 * anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializePlan } from '../../src/data/plan.js';
import { createService } from '../../src/data/service/service.js';
import { nowMicros } from '../../src/data/timestamp.js';
import { installation } from '../helpers/cliProcess.js';
import { event, query, tableCounts } from '../helpers/warehouse.js';

const ROWS = 50_000;

describe('atomic apply under SIGKILL', () => {
  it('leaves all or none of a 50,000-row plan at every kill point, and re-apply completes it once', async () => {
    const inst = installation();
    expect(inst.run(['demo', '--events', '10']).code).toBe(0); // creates the tables
    const warehouse = inst.warehouse();
    const today = new Date().toISOString().slice(0, 10);
    const rows = Array.from({ length: ROWS }, (_, i) =>
      event({
        event_created_at: `${today} 00:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}:00.${String(i).padStart(6, '0')}`,
        data: { Status: 'Pending', n: i },
      }),
    );
    await warehouse.appendEvents(rows);
    const service = createService({ config: inst.config(), engine: warehouse, now: nowMicros, operator: 'ops' });
    const big = await service.call('makePlan', {
      op: 'update',
      stage: 'remittance_was_sent_event',
      selection: { where: ['$.Status="Pending"'], from: today },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'bulk fix',
    });
    expect(big.counts.exceptions).toBe(ROWS);
    const planFile = join(inst.dir, 'plan.json');
    writeFileSync(planFile, serializePlan(big));

    const journalFile = join(inst.dir, 'state', 'evfix', 'journal.jsonl');
    const startedLines = () => {
      try {
        return readFileSync(journalFile, 'utf8').split('"result":"started"').length - 1;
      } catch {
        return 0;
      }
    };
    const outcomes = new Set<string>();
    // Kill points: before the write starts, then at growing delays after the journal says it started.
    for (const delay of [-1, 0, 100, 300, 600, 900, 1200]) {
      const before = startedLines();
      const child = inst.start(['apply', planFile, '--yes']);
      const exited = new Promise((r) => child.once('exit', r));
      if (delay >= 0) {
        for (let i = 0; i < 1000 && startedLines() === before; i++) await new Promise((r) => setTimeout(r, 2));
        await new Promise((r) => setTimeout(r, delay));
      }
      child.kill('SIGKILL');
      await exited;
      const counts = await tableCounts(inst.warehouse());
      // All or nothing, never part of the plan; the audit row with the rows, never without them.
      expect([0, ROWS]).toContain(counts.exceptions);
      const [audit] = await query(inst.warehouse(), 'SELECT count(*)::INT AS n FROM s3.evfix_audit').catch(() => [{ n: 0 }]);
      expect(audit!.n).toBe(counts.exceptions ? 1 : 0);
      outcomes.add(counts.exceptions === ROWS ? 'committed' : 'none');
      // The next start reports an interrupted attempt with what the warehouse holds.
      const next = inst.run(['history']);
      if (next.stderr.includes('interrupted apply')) {
        expect(next.stderr).toContain(counts.exceptions ? ': committed.' : ': rolled back.');
      }
      if (counts.exceptions === ROWS) break;
    }
    // Some kills must have hit before the commit; the test proves nothing otherwise.
    expect(outcomes.has('none')).toBe(true);

    // Whatever the kills left, applying again finishes the plan exactly once.
    const again = inst.run(['apply', planFile, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    const counts = await tableCounts(inst.warehouse());
    expect(counts.exceptions).toBe(ROWS);
    const [dups] = await query(
      inst.warehouse(),
      'SELECT count(*)::INT AS n FROM (SELECT event_id FROM s3.backend_events_exceptions GROUP BY event_id HAVING count(*) > 1)',
    );
    expect(dups!.n).toBe(0);
    expect(inst.run(['apply', planFile, '--yes']).stdout).toContain('already applied');
  }, 180_000);

  it('reconciles an interrupted apply as rolled back or committed, from the warehouse', async () => {
    const inst = installation();
    inst.run(['demo', '--events', '10']);
    const warehouse = inst.warehouse();
    const today = new Date().toISOString().slice(0, 10);
    const rows = Array.from({ length: 20_000 }, (_, i) => event({ event_created_at: `${today} 01:00:00.${String(i).padStart(6, '0')}` }));
    await warehouse.appendEvents(rows);
    const service = createService({ config: inst.config(), engine: warehouse, now: nowMicros, operator: 'ops' });
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: 'remittance_was_sent_event',
      selection: { where: ['$.Status="Pending"'], from: today },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'bulk',
    });
    const planFile = join(inst.dir, 'plan.json');
    writeFileSync(planFile, serializePlan(plan));
    const journalFile = join(inst.dir, 'state', 'evfix', 'journal.jsonl');

    // Kill as soon as the journal says "started": the transaction cannot have committed yet.
    const child = inst.start(['apply', planFile, '--yes']);
    const exited = new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 400; i++) {
      try {
        if (readFileSync(journalFile, 'utf8').includes('"result":"started"')) break;
      } catch {
        // not written yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    const counts = await tableCounts(inst.warehouse());
    const next = inst.run(['history']);
    const expected = counts.exceptions ? 'committed' : 'rolled back';
    expect(next.stderr).toContain(`interrupted apply of plan ${plan.id}`);
    expect(next.stderr).toContain(`: ${expected}.`);
    expect(readFileSync(journalFile, 'utf8')).toContain(expected === 'committed' ? '"result":"applied"' : '"result":"rolled-back"');
    // Reported once, not on every start.
    expect(inst.run(['history']).stderr).not.toContain('interrupted apply');
  });
});
