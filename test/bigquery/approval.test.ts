/**
 * Four-eyes on BigQuery, on the emulator: the approvals table created by doctor --create-audit, an approval
 * recorded by a second operator with the server's clock after apply's re-checks, an apply refused without one
 * (and by the script's own check inside its transaction), and the audit row naming the approver.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Journal } from '../../src/data/journal.js';
import { serializePlan } from '../../src/data/plan.js';
import { createService } from '../../src/data/service/service.js';
import { insertEvents, makeBigquery, tableCounts, type TestBigquery } from '../helpers/bigquery.js';
import type { EmulatorJob } from '../helpers/bigqueryEmulator.js';
import { event, tempDir } from '../helpers/warehouse.js';

const R = 'remittance_was_sent_event';
const isScript = (j: EmulatorJob) => !j.dryRun && /^BEGIN TRANSACTION;/.test(j.query ?? '');

/** Another operator on the same warehouse, with a state folder of their own. */
function operator(t: TestBigquery, name: string) {
  const journal = new Journal(join(tempDir(), 'state', 'journal.jsonl'));
  return { service: createService({ ...t.ctx, operator: name }, journal), journal };
}

/** The author's plan as the file they hand over, read by another operator's evfix. */
async function handOver(t: TestBigquery, to: ReturnType<typeof operator>, planId: string) {
  const plan = await t.service.call('describePlan', { plan: planId, description: 'remittances never sent' });
  const file = join(tempDir(), 'plan.json');
  writeFileSync(file, serializePlan(plan));
  await to.service.call('readPlanFile', { file });
  return { plan, file };
}

describe('approval on BigQuery', () => {
  test('doctor --create-audit creates the audit and approvals tables, once, with the columns doctor checks', async () => {
    const t = await makeBigquery({ config: { approval: 'required' }, tables: (tables) => tables.filter((x) => !/evfix_(audit|approvals)$/.test(x.path)) });
    const before = await t.service.call('doctor', {});
    expect(before.find((c) => c.name === 'table approvals')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('create it once with `evfix doctor --create-audit`, or with:\nCREATE TABLE `dw-prod-gwiiag.s3.evfix_approvals`'),
    });
    const created = await t.service.call('doctor', { createAudit: true });
    expect(created.find((c) => c.name === 'create audit')).toEqual({
      name: 'create audit',
      ok: true,
      detail: `created ${t.tables.audit} and ${t.tables.approvals}`,
    });
    expect(created.find((c) => c.name === 'table audit')).toMatchObject({ ok: true, detail: 's3.evfix_audit: 20 columns as expected' });
    expect(created.find((c) => c.name === 'table approvals')).toMatchObject({ ok: true, detail: 's3.evfix_approvals: 10 columns as expected' });
    const again = await t.service.call('doctor', { createAudit: true });
    expect(again.find((c) => c.name === 'create audit')!.detail).toBe(
      `${t.config.tables.audit} and ${t.config.tables.approvals} exist already; nothing created`,
    );
  });

  test('an apply without approval is refused; the author cannot approve; a second operator can; the author applies and the audit row names the approver', async () => {
    const t = await makeBigquery({ config: { approval: 'required' } });
    const a = event();
    await insertEvents(t, [a]);
    const made = await t.service.call('makePlan', {
      op: 'update',
      stage: R,
      selection: { keys: [{ event_id: a.event_id, event_created_at: a.event_created_at }] },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'fix',
    });
    const reviewer = operator(t, 'reviewer');
    const { plan, file } = await handOver(t, reviewer, made.id);
    // The script carries the approval check; the plan shows it.
    expect(plan.sql.statements.map((s) => s.label)).toContain('refuse a plan no second operator approved (approval: required)');

    await expect(t.service.call('applyPlan', { plan: plan.id, file })).rejects.toThrow(
      `plan ${plan.id} needs a second operator's approval (approval: required), and s3.evfix_approvals holds none of this plan by anyone but you (tester); a second operator approves it with: evfix approve ${file}. Nothing was written`,
    );
    expect(t.journal.read()[0]).toMatchObject({ plan_id: plan.id, result: 'refused' });
    await expect(t.service.call('approvePlan', { plan: plan.id })).rejects.toThrow(`plan ${plan.id} was made by you (tester)`);
    expect(t.bq.rows(t.tables.approvals)).toEqual([]);

    // The reviewer approves: one script job (apply's re-checks, then the row), the time the server's.
    const approval = await reviewer.service.call('approvePlan', { plan: plan.id, note: 'checked with payments' });
    expect(approval).toMatchObject({
      plan_id: plan.id,
      fingerprint: plan.fingerprint,
      approved_by: 'reviewer',
      author: 'tester',
      note: 'checked with payments',
    });
    const approveJob = t.bq.jobs.find((j) => !j.dryRun && j.labels?.evfix === 'approve')!;
    expect(approveJob.query).toMatch(/refuse a plan applied already|evfix-already-applied/);
    expect(approveJob.query).toContain("ERROR(CONCAT('evfix-stale ', fingerprint))");
    expect(approveJob.query).toContain('CURRENT_TIMESTAMP()');
    expect(t.bq.rows(t.tables.approvals)).toEqual([
      expect.objectContaining({ plan_id: plan.id, approved_by: 'reviewer', approved_at: approval.approved_at, kind: 'update', stage: R }),
    ]);
    expect(tableCounts(t).exceptions).toBe(0);
    await expect(reviewer.service.call('approvePlan', { plan: plan.id })).rejects.toThrow(`you (reviewer) approved plan ${plan.id} already`);
    // The approver does not apply what they approved.
    await expect(reviewer.service.call('applyPlan', { plan: plan.id })).rejects.toThrow(
      'holds none of this plan by anyone but its author (tester) and you (reviewer)',
    );

    const applied = await t.service.call('applyPlan', { plan: plan.id });
    expect(applied.status).toBe('applied');
    const [audit] = t.bq.rows(t.tables.audit);
    expect(audit).toMatchObject({ plan_id: plan.id, operator: 'tester', approved_by: 'reviewer', approved_at: approval.approved_at });
    const script = t.bq.jobs.filter(isScript).at(-1)!;
    expect(script.query).toContain("ERROR('evfix-not-approved')");
    await expect(reviewer.service.call('history', {})).resolves.toMatchObject([
      { plan_id: plan.id, operator: 'tester', approved_by: 'reviewer', approved_at: approval.approved_at },
    ]);
  });

  test("the apply script's own check refuses when the approvals table no longer holds the approval evfix read before the job", async () => {
    const t = await makeBigquery({ config: { approval: 'required' } });
    const a = event();
    await insertEvents(t, [a]);
    const made = await t.service.call('makePlan', {
      op: 'update',
      stage: R,
      selection: { keys: [{ event_id: a.event_id, event_created_at: a.event_created_at }] },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'fix',
    });
    const reviewer = operator(t, 'reviewer');
    const { plan } = await handOver(t, reviewer, made.id);
    const approval = await reviewer.service.call('approvePlan', { plan: plan.id });
    // The approval as read before the job, then gone from the table (deleted by hand) before the job runs: the
    // transaction finds nothing and the script refuses, so nothing is written.
    const read = t.engine.approvals.bind(t.engine);
    t.engine.approvals = async (p) => {
      const found = await read(p);
      await t.engine.client.read(`DELETE FROM \`${t.tables.approvals}\` WHERE TRUE`, [], 'deleting the approvals by hand');
      return found;
    };
    expect(approval.approved_by).toBe('reviewer');
    await expect(t.service.call('applyPlan', { plan: plan.id })).rejects.toThrow(`plan ${plan.id} needs a second operator's approval`);
    expect(t.bq.jobs.filter(isScript).at(-1)!.error?.message).toMatch(/evfix-not-approved/);
    expect(tableCounts(t).exceptions).toBe(0);
    expect(t.bq.rows(t.tables.audit)).toEqual([]);
  });
});
