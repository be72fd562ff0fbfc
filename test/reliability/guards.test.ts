/**
 * Promises 7 and 8: --read-only never writes (the warehouse file is
 * byte-identical after every subcommand); in prod, --yes alone is refused for
 * large plans; nothing secret reaches the output or the journal.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installation } from '../helpers/cliProcess.js';
import { EvfixTerminal } from '../helpers/pty.js';
import { tableCounts } from '../helpers/warehouse.js';

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('read-only', () => {
  it('leaves the warehouse byte-identical through every subcommand and the TUI', async () => {
    const inst = installation();
    inst.run(['demo', '--events', '3000']);
    const planFile = join(inst.dir, 'plan.json');
    inst.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--plan-out', planFile]);
    const before = hash(inst.db);
    const id = JSON.parse(readFileSync(planFile, 'utf8')).sample[0].event_id;
    const commands = [
      ['stages'],
      ['duplicates', 'card_was_shipped_event'],
      ['duplicates', 'transaction_was_created_event', '--by-key', '$.transaction_id'],
      ['dedupe', 'card_was_shipped_event', '--lookback', '30', '--yes'],
      ['exclude', 'card_was_shipped_event', '--event-id', id, '--description', 'x', '--yes'],
      ['update', 'card_was_shipped_event', '--where', '$.carrier="DHL"', '--set', '$.carrier="UPS"', '--description', 'x', '--yes'],
      ['lookup', id],
      ['apply', planFile, '--yes'],
      ['rerun', 'card_was_shipped_event', '--offset', '2'],
      ['history'],
    ];
    for (const args of commands) {
      const r = inst.run([...args, '--read-only']);
      expect(r.stderr, args.join(' ')).not.toMatch(/Error:|at .*\.js:\d+/);
      expect(hash(inst.db), args.join(' ')).toBe(before);
    }
    expect(inst.run(['rerun', 'card_was_shipped_event', '--read-only']).stderr).toContain('read-only');
    const t = new EvfixTerminal({ env: inst.env, args: [join(process.cwd(), 'bin', 'evfix'), '--config', inst.configFile, '--read-only'] });
    await t.waitFor(/account_was_opened_event\s+\d+\s+\d+\s+\d+\s+(?:no|\d+ plans?,)/);
    await t.press('j', '\r', '\r');
    await t.waitFor(/0 marked · 1\/\d+/);
    await t.press('a', 'd');
    await t.waitFor('Read-only mode: this plan cannot be written');
    await t.press('y', 'q');
    await t.exited;
    expect(hash(inst.db)).toBe(before);
  });
});

describe('production guard', () => {
  it('refuses --yes alone for a large plan, and a --confirm-table that names another table', async () => {
    const inst = installation({ environment: 'prod', prod_yes_max_rows: 2 });
    inst.run(['demo', '--events', '3000']);
    const args = ['dedupe', 'card_was_shipped_event', '--lookback', '30', '--yes'];
    const refused = inst.run(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('add --confirm-table card_was_shipped_event');
    const wrong = inst.run([...args, '--confirm-table', 'user_was_registered_event']);
    expect(wrong.stderr).toContain('does not name this stage table');
    expect(await tableCounts(inst.warehouse())).toMatchObject({ exceptions: 0, exclusions: 0 });
    expect(inst.run([...args, '--confirm-table', 'card_was_shipped_event']).code).toBe(0);
  });
});

describe('secrets', () => {
  it('never prints or journals credentials, and keeps the journal private', async () => {
    const inst = installation();
    const secret = '/home/ops/keys/prod-service-account-7f3a.json';
    const env = { ...inst.env, GOOGLE_APPLICATION_CREDENTIALS: secret, EVFIX_TOKEN: 'tok_SECRET' };
    Object.assign(inst.env, env);
    const outputs = [
      inst.run(['demo', '--events', '2000']),
      inst.run(['dedupe', 'card_was_shipped_event', '--lookback', '30', '--yes']),
      inst.run(['history', '--json']),
      inst.run(['lookup', 'not-a-uuid']),
    ];
    const state = join(inst.dir, 'state', 'evfix');
    const files = [join(state, 'journal.jsonl'), ...readdirSync(join(state, 'plans')).map((f) => join(state, 'plans', f))];
    for (const text of [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...files.map((f) => readFileSync(f, 'utf8'))]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('tok_SECRET');
    }
    expect(statSync(state).mode & 0o777).toBe(0o700);
    for (const f of files) expect(statSync(f).mode & 0o777).toBe(0o600);
  });
});
