/** A temporary evfix installation (config, warehouse, state) driven through bin/evfix in child processes. */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_STAGES, loadConfig, type Config } from '../../src/data/config.js';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { tempDir } from './warehouse.js';

export const BIN = join(process.cwd(), 'bin', 'evfix');

export function installation(extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const configFile = join(dir, 'evfix.config.json');
  writeFileSync(configFile, JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: DEMO_STAGES, ...extra }));
  const env = { ...process.env, XDG_STATE_HOME: join(dir, 'state'), XDG_DATA_HOME: join(dir, 'data'), EVFIX_OPERATOR: 'ops' } as Record<string, string>;
  const config = (): Config => loadConfig({ configFile });
  return {
    dir,
    env,
    configFile,
    db: join(dir, 'wh.duckdb'),
    config,
    warehouse: () => new DuckdbEngine(config() as never),
    /** Runs evfix to completion; returns exit code and output. */
    run(args: string[]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    /** Starts evfix and returns the child, for tests that kill it mid-way. */
    start(args: string[]) {
      return spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}
