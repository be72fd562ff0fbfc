/** Two processes on one embedded warehouse: the second is told who holds the file. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { event, insertOriginals, makeWarehouse, stageNamed } from '../helpers/warehouse.js';

describe('a warehouse file held by another process', () => {
  it('is reported with the PID of the process holding it', async () => {
    const { warehouse, config } = await makeWarehouse();
    await insertOriginals(warehouse, [event()]);
    const path = (config.engine as { path: string }).path;
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'; await DuckDBInstance.create(${JSON.stringify(path)}); console.log('held'); setTimeout(() => {}, 60000);`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      await expect(warehouse.stageSummary(stageNamed(config, 'remittance_was_sent_event'), '2026-01-01 00:00:00.000000')).rejects.toThrow(
        `is in use by another process (PID ${holder.pid})`,
      );
    } finally {
      holder.kill();
      await new Promise((r) => holder.once('exit', r));
    }
    // Once the other process is gone, the file opens again.
    expect((await warehouse.stageSummary(stageNamed(config, 'remittance_was_sent_event'), '2026-01-01 00:00:00.000000')).events).toBe(1);
  });
});
