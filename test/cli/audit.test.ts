/**
 * One history for the team, four-eyes approval and tickets, through the CLI: operators with their own state
 * folders (journal, kept plans) on one shared DuckDB warehouse file, each run as it would be on its own host.
 * What is asserted is what each operator sees and what the warehouse and the journals hold afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIO } from '../../src/cli/main.js';
import { DEMO_STAGES, loadConfig } from '../../src/data/config.js';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { BIN, installation } from '../helpers/cliProcess.js';
import { NOW, query, tempDir } from '../helpers/warehouse.js';

type Run = { code: number; out: string; err: string };

/** A warehouse shared by operators, each with a state folder of their own. */
function team(extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  writeFileSync(join(dir, 'evfix.config.json'), JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: DEMO_STAGES, ...extra }));
  const operator = (name: string) => {
    const env = { XDG_STATE_HOME: join(dir, `state-${name}`), XDG_DATA_HOME: join(dir, 'data'), EVFIX_OPERATOR: name };
    const run = async (args: string[], answer?: string): Promise<Run> => {
      let out = '',
        err = '';
      const io: CliIO = {
        out: (t) => (out += `${t}\n`),
        err: (t) => (err += `${t}\n`),
        ask: answer === undefined ? undefined : async () => answer,
        env,
        cwd: dir,
        now: () => parseTimestamp(NOW),
      };
      return { code: await runCli(args, io), out, err };
    };
    /** This operator's journal, oldest first. */
    const journal = () => {
      const file = join(env.XDG_STATE_HOME, 'evfix', 'journal.jsonl');
      return existsSync(file)
        ? readFileSync(file, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { plan_id: string; result: string; operator: string; message?: string })
        : [];
    };
    return { name, env, run, journal };
  };
  const warehouse = () => new DuckdbEngine(loadConfig({ cwd: dir }) as never);
  const written = async () =>
    (
      await query(
        warehouse(),
        'SELECT (SELECT count(*) FROM s3.backend_events_exceptions)::INT AS exceptions, (SELECT count(*) FROM s3.backend_events_exclusions)::INT AS exclusions',
      )
    )[0];
  const audit = async () =>
    query(
      warehouse(),
      `SELECT plan_id, kind, operator, ticket, approved_by, strftime(approved_at, '%Y-%m-%d %H:%M:%S.%f') AS approved_at, revert_of FROM s3.evfix_audit ORDER BY applied_at`,
    );
  return { dir, alice: operator('alice'), bob: operator('bob'), carol: operator('carol'), warehouse, written, audit };
}

const planId = (text: string) => /Applied plan ([0-9a-f]{16})/.exec(text)?.[1];

describe('one history for the team', () => {
  it('two operators on two state folders: one applies, the other sees it in history and reverts it, and the first sees the revert', async () => {
    const { alice, bob, written } = team();
    expect((await alice.run(['demo', '--events', '2000'])).code).toBe(0);
    const applied = await alice.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--description', 'replayed deliveries', '--yes']);
    expect(applied.code).toBe(0);
    const id = planId(applied.out)!;
    expect(id).toBeDefined();

    // Bob's state folder has never heard of the plan: his history is the warehouse's.
    expect(bob.journal()).toEqual([]);
    const seen = JSON.parse((await bob.run(['history', '--json'])).out) as { plan_id: string; operator: string; description: string }[];
    expect(seen).toEqual([expect.objectContaining({ plan_id: id, operator: 'alice', description: 'replayed deliveries' })]);
    expect((await bob.run(['history'])).out).toMatch(new RegExp(`dedupe\\s+card_was_shipped_event\\s+plan ${id}\\s+by alice@`));

    // Bob reverts it from his host: the plan comes from the audit table, not from a file on Alice's host.
    const reverted = await bob.run(['revert', id, '--yes']);
    expect(reverted.code).toBe(0);
    const revertId = planId(reverted.out)!;
    expect(await written()).toEqual({ exceptions: 0, exclusions: 0 });
    expect(bob.journal().map((e) => [e.plan_id, e.result, e.operator])).toEqual([
      [revertId, 'started', 'bob'],
      [revertId, 'applied', 'bob'],
    ]);
    expect(alice.journal().some((e) => e.plan_id === revertId)).toBe(false);

    // Alice's history shows Bob's revert, and her plan as reverted by it.
    const history = (await alice.run(['history'])).out;
    expect(history).toMatch(new RegExp(`revert\\s+card_was_shipped_event\\s+plan ${revertId}\\s+by bob@.*reverts plan ${id}`));
    expect(history).toMatch(new RegExp(`plan ${id}\\s+by alice@.*REVERTED by plan ${revertId}`));
    expect((await alice.run(['history', '--operator', 'bob', '--json'])).out).toContain(`"plan_id": "${revertId}"`);
  });
});

describe('four-eyes approval (approval: required)', () => {
  it('refuses an apply without approval and an approval by the author; a second operator approves; the author applies and history names both', async () => {
    const { dir, alice, bob, carol, written, audit } = team({ approval: 'required' });
    await alice.run(['demo', '--events', '2000']);
    const dedupe = ['dedupe', 'card_was_shipped_event', '--lookback', '30', '--description', 'replayed deliveries'];

    // No approval: refused, journaled refused, nothing written, and the message says what to run.
    const unapproved = await alice.run([...dedupe, '--yes']);
    expect(unapproved.code).toBe(1);
    expect(unapproved.err.trim().split('\n')).toHaveLength(1);
    expect(unapproved.err).toContain(
      "needs a second operator's approval (approval: required), and s3.evfix_approvals holds none of this plan by anyone but you (alice)",
    );
    expect(unapproved.err).toContain('save it with --plan-out FILE, have a second operator run: evfix approve FILE, then apply it with: evfix apply FILE');
    expect(alice.journal().at(-1)).toMatchObject({ result: 'refused', operator: 'alice' });
    expect(await written()).toEqual({ exceptions: 0, exclusions: 0 });
    expect(await audit()).toEqual([]);

    const file = join(dir, 'plan.json');
    expect((await alice.run([...dedupe, '--plan-out', file])).code).toBe(0);
    const id = JSON.parse(readFileSync(file, 'utf8')).id as string;

    // The file applied as it is: the refusal names the file in the command to run.
    const fromFile = await alice.run(['apply', file, '--yes']);
    expect(fromFile.code).toBe(1);
    expect(fromFile.err).toContain(`a second operator approves it with: evfix approve ${file}. Nothing was written`);

    // The author cannot approve her own plan.
    const own = await alice.run(['approve', file, '--yes']);
    expect(own.code).toBe(1);
    expect(own.err).toContain(`plan ${id} was made by you (alice); its approval must come from a second operator. Nothing was approved`);

    // Bob reads it (plan, impact, SQL) and approves when asked; a second approval by him is refused.
    expect((await bob.run(['approve', file], 'n')).err).toContain('Not approved: nothing was written.');
    const approved = await bob.run(['approve', file], 'y');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain(`Plan ${id}: dedupe on card_was_shipped_event`);
    expect(approved.out).toContain('Impact on the stage table');
    expect(approved.out).toContain('approved by a second operator? (approval: required)');
    expect(approved.out).toMatch(
      new RegExp(`Approved plan ${id} as bob at \\d{4}-\\d{2}-\\d{2} .*\\nalice can now apply it with: evfix apply ${file.replace(/[.]/g, '\\.')}`),
    );
    const twice = await bob.run(['approve', file, '--yes']);
    expect(twice.code).toBe(1);
    expect(twice.err).toContain(`you (bob) approved plan ${id} already`);
    expect(await written()).toEqual({ exceptions: 0, exclusions: 0 });

    // Bob approved it, so Bob may not apply it himself: four eyes are two people.
    const byApprover = await bob.run(['apply', file, '--yes']);
    expect(byApprover.code).toBe(1);
    expect(byApprover.err).toContain('holds none of this plan by anyone but its author (alice) and you (bob)');
    expect(bob.journal().at(-1)).toMatchObject({ plan_id: id, result: 'refused' });
    expect(await written()).toEqual({ exceptions: 0, exclusions: 0 });

    // Alice applies it: the audit row names Bob and when he approved.
    const done = await alice.run(['apply', file, '--yes']);
    expect(done.code).toBe(0);
    expect(done.out).toContain(`Applied plan ${id}`);
    const [row] = await audit();
    expect(row).toMatchObject({ plan_id: id, operator: 'alice', approved_by: 'bob' });
    const [approval] = await query(
      new DuckdbEngine(loadConfig({ cwd: dir }) as never),
      `SELECT strftime(approved_at, '%Y-%m-%d %H:%M:%S.%f') AS at, author, kind, stage FROM s3.evfix_approvals WHERE plan_id = '${id}'`,
    );
    expect(approval).toMatchObject({ author: 'alice', kind: 'dedupe', stage: 'card_was_shipped_event' });
    expect(row!.approved_at).toBe(approval!.at);
    const history = await bob.run(['history', '--json']);
    expect(JSON.parse(history.out)[0]).toMatchObject({ plan_id: id, operator: 'alice', approved_by: 'bob', approved_at: approval!.at });
    expect((await bob.run(['history'])).out).toMatch(new RegExp(`plan ${id}\\s+by alice@.*\\n.*\\n\\s+approved by bob at `));

    // Approving a plan applied already is refused.
    const late = await carol.run(['approve', file, '--yes']);
    expect(late.code).toBe(1);
    expect(late.err).toContain(`plan ${id} was already applied at `);
    expect(late.err).toContain('(not approved)');
  });

  it('refuses an approved plan that changed: made again on other data (another id), or made stale by another write', async () => {
    const { dir, alice, bob, carol, warehouse, written } = team({ approval: 'required' });
    await alice.run(['demo', '--events', '2000']);
    const file = join(dir, 'plan.json');
    const dedupe = ['dedupe', 'card_was_shipped_event', '--lookback', '30', '--description', 'replayed deliveries'];
    await alice.run([...dedupe, '--plan-out', file]);
    const approved = await bob.run(['approve', file, '--yes', '--json']);
    expect(approved.code).toBe(0);
    const id = JSON.parse(readFileSync(file, 'utf8')).id as string;
    expect(JSON.parse(approved.out)).toMatchObject({ plan_id: id, approved_by: 'bob', author: 'alice' });

    // Another copy of a shipped card arrives: the approved plan's rows changed under it.
    const [copy] = await query(
      warehouse(),
      `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created FROM kinesis.backend_events WHERE event_name = 'CardWasShipped' ORDER BY event_created_at DESC LIMIT 1`,
    );
    await query(
      warehouse(),
      `INSERT INTO kinesis.backend_events SELECT * REPLACE (event_ingested_at + INTERVAL 1 HOUR AS event_ingested_at) FROM kinesis.backend_events WHERE event_id = '${copy!.event_id}' LIMIT 1`,
    );
    const stale = await alice.run(['apply', file, '--yes']);
    expect(stale.code).toBe(1);
    expect(stale.err).toContain(`plan ${id} is stale`);

    // The same command made again is another plan (other rows, another fingerprint, another id): Bob's approval is not its.
    const remade = join(dir, 'remade.json');
    await alice.run([...dedupe, '--plan-out', remade]);
    const other = JSON.parse(readFileSync(remade, 'utf8')) as { id: string };
    expect(other.id).not.toBe(id);
    const refused = await alice.run(['apply', remade, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`plan ${other.id} needs a second operator's approval`);
    expect(refused.err).toContain(`evfix approve ${remade}`);
    // An approval of the stale plan is refused too, before anything is recorded.
    const staleApproval = await carol.run(['approve', file, '--yes']);
    expect(staleApproval.code).toBe(1);
    expect(staleApproval.err).toContain(`plan ${id} is stale`);
    expect(await written()).toEqual({ exceptions: 0, exclusions: 0 });
  });

  it('needs approval for a revert too: it is a production write', async () => {
    const { dir, alice, bob, written } = team({ approval: 'required' });
    await alice.run(['demo', '--events', '2000']);
    const file = join(dir, 'plan.json');
    await alice.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--description', 'replayed deliveries', '--plan-out', file]);
    await bob.run(['approve', file, '--yes']);
    const id = planId((await alice.run(['apply', file, '--yes'])).out)!;
    const revertFile = join(dir, 'revert.json');
    expect((await bob.run(['revert', id, '--yes'])).err).toContain("needs a second operator's approval");
    await bob.run(['revert', id, '--plan-out', revertFile]);
    expect((await alice.run(['approve', revertFile, '--yes'])).code).toBe(0);
    expect((await bob.run(['apply', revertFile, '--yes'])).code).toBe(0);
    expect(await written()).toEqual({ exceptions: 0, exclusions: 0 });
  });
});

describe('tickets (ticket_pattern)', () => {
  it('refuses a write without a ticket or with one that does not match, and stores a matching one in the audit row', async () => {
    const { dir, alice, written, audit } = team({ ticket_pattern: 'CHG-[0-9]+' });
    await alice.run(['demo', '--events', '2000']);
    const dedupe = ['dedupe', 'card_was_shipped_event', '--lookback', '30', '--yes'];
    const missing = await alice.run(dedupe);
    expect(missing.code).toBe(2);
    expect(missing.err.trim().split('\n')).toEqual([
      'evfix dedupe: a ticket is required for every write (ticket_pattern CHG-[0-9]+): give it with --ticket TICKET; nothing was written',
    ]);
    // Matched whole: a ticket that only contains a match is refused.
    for (const ticket of ['CHG-12x', 'xCHG-12', 'chg-12']) {
      const wrong = await alice.run([...dedupe, '--ticket', ticket]);
      expect(wrong.code).toBe(1);
      expect(wrong.err.trim().split('\n')).toEqual([
        `evfix dedupe: ticket: "${ticket}" does not match ticket_pattern CHG-[0-9]+ (the whole ticket must match); nothing was written`,
      ]);
    }
    expect(await written()).toEqual({ exceptions: 0, exclusions: 0 });
    // What writes nothing needs no ticket.
    expect((await alice.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--dry-run'])).code).toBe(0);
    const file = join(dir, 'plan.json');
    expect((await alice.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--plan-out', file])).code).toBe(0);
    expect((await alice.run(['apply', file, '--yes'])).code).toBe(2);

    const done = await alice.run(['apply', file, '--yes', '--ticket', 'CHG-4711']);
    expect(done.code).toBe(0);
    expect((await audit()).map((r) => r.ticket)).toEqual(['CHG-4711']);
    expect((await alice.run(['history'])).out).toContain('ticket CHG-4711');
  });

  it('refuses a ticket_pattern that is not a regular expression, naming the key', async () => {
    const { alice } = team({ ticket_pattern: 'CHG-[0-9' });
    const r = await alice.run(['stages']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/evfix\.config\.json: ticket_pattern: is not a valid regular expression/);
  });
});

describe('two operators, two processes (bin/evfix, built)', () => {
  it('each with a state folder of their own on one warehouse file: one approves what the other made, history shows both', () => {
    const inst = installation({ approval: 'required' });
    const as = (name: string, args: string[]) => {
      const env = { ...inst.env, XDG_STATE_HOME: join(inst.dir, `state-${name}`), EVFIX_OPERATOR: name };
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: inst.dir, env, encoding: 'utf8', timeout: 120_000 });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    expect(as('alice', ['demo', '--events', '2000']).code).toBe(0);
    const file = join(inst.dir, 'plan.json');
    expect(as('alice', ['dedupe', 'card_was_shipped_event', '--lookback', '30', '--description', 'replayed', '--plan-out', file]).code).toBe(0);
    expect(as('bob', ['approve', file, '--yes']).code).toBe(0);
    const applied = as('alice', ['apply', file, '--yes']);
    expect(applied.code).toBe(0);
    const id = planId(applied.out)!;
    const history = JSON.parse(as('bob', ['history', '--json']).out) as { plan_id: string; operator: string; approved_by: string }[];
    expect(history).toEqual([expect.objectContaining({ plan_id: id, operator: 'alice', approved_by: 'bob' })]);
  });
});
