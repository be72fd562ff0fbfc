/** bin/evfix as an operator runs it: a real process, no config, the demo warehouse created on first use. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/warehouse.js';

const BIN = join(process.cwd(), 'bin', 'evfix');

function evfix(args: string[], env: Record<string, string>) {
  const cwd = tempDir();
  return spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
}

describe('bin/evfix', () => {
  it('creates the demo warehouse on first use and lists the stage tables', () => {
    const home = tempDir();
    const env = { XDG_DATA_HOME: join(home, 'data'), XDG_STATE_HOME: join(home, 'state') };
    const result = evfix(['stages'], env);
    expect(result.stderr).toContain(`Created the demo warehouse at ${join(home, 'data', 'evfix', 'demo.duckdb')} (50000 events)`);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/remittance_was_sent_event\s+RemittanceWasSent\s+\d+ events\s+duplicates \d+ \/ \d+\s+up to date/);
  });

  it('reads a YAML config (the release bundle runs yaml on its first parse)', () => {
    const home = tempDir();
    const env = { XDG_DATA_HOME: join(home, 'data'), XDG_STATE_HOME: join(home, 'state') };
    const config = join(home, 'evfix.config.yaml');
    writeFileSync(
      config,
      `engine:\n  type: duckdb\n  path: ${join(home, 'w.duckdb')}\nstages:\n  - name: card_was_shipped_event\n    event_name: CardWasShipped\n`,
    );
    expect(evfix(['demo', '--config', config, '--events', '500'], env).status).toBe(0);
    const result = evfix(['stages', '--config', config], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/card_was_shipped_event\s+CardWasShipped\s+\d+ events/);
  });

  it('refuses to open the TUI without a terminal and points to the subcommands', () => {
    const home = tempDir();
    const result = evfix([], { XDG_DATA_HOME: join(home, 'data') });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the interactive screens need a terminal');
    expect(result.stderr).toContain("see 'evfix --help'");
  });
});
