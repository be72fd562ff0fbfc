/** The stage rerun of a 30-day window at 10M events, against the same statements run directly. */
import { join } from 'node:path';
import { DuckdbEngine } from '../src/data/duckdb/engine.js';
import { createStageSql, rerunStageSql } from '../src/data/duckdb/stageSql.js';
import { rerunStage } from '../src/data/operations/rerun.js';
import type { Context } from '../src/data/operations/context.js';
import { benchConfig, clock, copyOf, eventsFile } from './lib/events.js';
import { plainSession } from './lib/plainDuckdb.js';
import { median } from './lib/stats.js';
import { stagePaths, windowValues } from './lib/window.js';
import type { Figure } from './report.js';

export async function rerunBenchmarks(dataDir: string, events: number, runs: number): Promise<Figure[]> {
  const source = await eventsFile(dataDir, events);
  const scratch = join(dataDir, 'rerun-scratch.duckdb');
  const subject: number[] = [],
    reference: number[] = [];
  for (let i = 0; i < runs; i++) {
    const config = benchConfig(copyOf(source, scratch));
    const stage = config.stages.find((s) => s.name === 'transaction_was_created_event')!;
    const ctx: Context = { config, engine: new DuckdbEngine(config, clock), now: clock, operator: 'bench' };
    let t0 = performance.now();
    const result = await rerunStage(ctx, stage, { offset: 30 });
    subject.push(performance.now() - t0);

    const tables = { ...config.tables, stageSchema: config.stage_schema };
    const q = rerunStageSql(tables, stage);
    copyOf(source, scratch);
    t0 = performance.now();
    await plainSession(scratch, async (run) => {
      await run('BEGIN TRANSACTION');
      await run(createStageSql(tables, stage));
      await run(q.remove, { from: result.since });
      await run(q.insert, { ...windowValues(config, stage, result.since), ...stagePaths(stage) });
      await run('COMMIT');
    });
    reference.push(performance.now() - t0);
  }
  const label = `${events / 1e6}M`;
  return [
    {
      name: `rerun 30-day window, ${label} events`,
      unit: 'ms',
      value: median(subject),
      reference: median(reference),
      ratio: median(subject) / median(reference),
      budget: { ratio: 1.2 },
    },
  ];
}
