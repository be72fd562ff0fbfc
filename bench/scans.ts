/**
 * Duplicate scans on DuckDB at 1M and 10M events (30 days, 14-day lookback),
 * by event_id and by business key, against the same SQL run directly.
 */
import { join } from 'node:path';
import { DuckdbEngine } from '../src/data/duckdb/engine.js';
import * as reads from '../src/data/duckdb/readSql.js';
import { findBusinessKeyDuplicates } from '../src/data/operations/businessKeys.js';
import { lookbackStart, type Context } from '../src/data/operations/context.js';
import { listDuplicateGroups } from '../src/data/operations/duplicates.js';
import { benchConfig, clock, eventsFile } from './lib/events.js';
import { plainSession } from './lib/plainDuckdb.js';
import { versus } from './lib/stats.js';
import { windowValues } from './lib/window.js';
import type { Figure } from './report.js';

/**
 * `runs` per size: a query of about 100 ms (1M events) varies by a fifth from run to run on a shared 2-core
 * machine, so small sizes take more runs for a median that a 1.2x budget can be held to.
 */
export async function scanBenchmarks(dataDir: string, sizes: readonly number[], runs: (events: number) => number): Promise<Figure[]> {
  const figures: Figure[] = [];
  const byEventId: Record<number, number> = {};
  for (const events of sizes) {
    const path = await eventsFile(dataDir, events);
    const config = benchConfig(path);
    const ctx: Context = { config, engine: new DuckdbEngine(config, clock), now: clock, operator: 'bench' };
    const stage = config.stages.find((s) => s.name === 'transaction_was_created_event')!;
    const tables = { ...config.tables, stageSchema: config.stage_schema };
    const since = lookbackStart(ctx);
    const label = events >= 1e6 ? `${events / 1e6}M` : `${events / 1e3}k`;

    const idScan = await versus(
      runs(events),
      () => listDuplicateGroups(ctx, stage),
      () => plainSession(path, (run) => run(reads.duplicateGroupsSql(tables), windowValues(config, stage, since))),
    );
    byEventId[events] = idScan.subject;
    figures.push({
      name: `scan by event_id, ${label} events`,
      unit: 'ms',
      value: idScan.subject,
      reference: idScan.reference,
      ratio: idScan.ratio,
      budget: { ratio: 1.2 },
    });

    const keyScan = await versus(
      runs(events),
      () => findBusinessKeyDuplicates(ctx, stage, '$.transaction_id'),
      () => plainSession(path, (run) => run(reads.businessKeySql(tables), { ...windowValues(config, stage, since), path: '$.transaction_id' })),
    );
    figures.push({
      name: `scan by business key, ${label} events`,
      unit: 'ms',
      value: keyScan.subject,
      reference: keyScan.reference,
      ratio: keyScan.ratio,
      budget: { ratio: 1.2 },
    });
  }
  const [small, large] = sizes;
  if (small && large && byEventId[small] && byEventId[large]) {
    const growth = byEventId[large] / byEventId[small];
    figures.push({
      name: `scan growth ${large / small}x events (linear: at most ${(large / small) * 1.2}x)`,
      unit: 'x',
      value: growth,
      budget: { max: (large / small) * 1.2 },
    });
  }
  return figures;
}

export const scanDataPath = (dir: string, events: number) => join(dir, `events-${events}`);
