/**
 * BigQuery cost, checked structurally (there is no cloud here): every
 * statement the engine sends for the reads of each operation is captured by
 * the loopback BigQuery, and each reference to a partitioned table must bound
 * event_created_at by parameters, so a dry run scans only the lookback's
 * partitions. The report lists which statements scan what.
 */
import { bigqueryTables, BigqueryWarehouse } from '../src/data/bigquery/engine.js';
import { ConfigSchema, DEMO_STAGES, type Config } from '../src/data/config.js';
import { findBusinessKeyDuplicates } from '../src/data/operations/businessKeys.js';
import type { Context } from '../src/data/operations/context.js';
import { findEventIdDuplicates } from '../src/data/operations/duplicates.js';
import { lookupEvent } from '../src/data/operations/lookup.js';
import { rerunStage } from '../src/data/operations/rerun.js';
import { answerFrom } from '../test/helpers/bigqueryStore.js';
import { startFakeBigquery } from '../test/helpers/fakeBigquery.js';
import { clock } from './lib/events.js';
import type { Figure } from './report.js';

export type ScanLine = { statement: string; table: string; bound: string | null };

export async function bigqueryCostBenchmark(): Promise<{ figures: Figure[]; scans: ScanLine[] }> {
  const fake = await startFakeBigquery();
  try {
    const config = {
      ...ConfigSchema.parse({ engine: { type: 'bigquery', project: 'dw-prod-gwiiag', api_endpoint: fake.endpoint }, stages: DEMO_STAGES }),
      source: 'bench',
    } as Config & { engine: { type: 'bigquery' } };
    const warehouse = new BigqueryWarehouse(config, clock, { authClient: fake.authClient, sleep: async () => undefined });
    const ctx: Context = { config, warehouse, now: clock, operator: 'bench' };
    fake.respond = answerFrom({ sources: [], exceptions: [], exclusions: [], fingerprint: '0:0|0:0|0:0' });
    const stage = config.stages[0]!;
    await warehouse.stageSummary(stage, '2026-03-17 00:00:00.000000');
    await findEventIdDuplicates(ctx, stage);
    await findBusinessKeyDuplicates(ctx, stage, '$.remittance_id');
    await lookupEvent(ctx, '11111111-1111-4111-8111-111111111111');
    await lookupEvent(ctx, '11111111-1111-4111-8111-111111111111', '2026-03-20 10:00:00.000000');
    await warehouse.readState(['11111111-1111-4111-8111-111111111111'], '2026-03-17 00:00:00.000000', '9999-12-31 23:59:59.999999');
    await rerunStage(ctx, stage, { offset: 14 });

    const tables = bigqueryTables(config);
    const scans: ScanLine[] = [];
    const seen = new Set<string>();
    for (const job of fake.jobs.filter((j) => !j.dryRun && j.query)) {
      for (const statement of job.query!.split(/;\n/)) {
        for (const table of [tables.events, tables.exceptions, tables.exclusions]) {
          for (const m of statement.matchAll(new RegExp(`\`${table.replace(/\./g, '\\.')}\` AS (\\w)`, 'g'))) {
            const bound = new RegExp(`${m[1]}\\.event_created_at >= (@\\w+) AND ${m[1]}\\.event_created_at < (@\\w+)`).exec(statement);
            const kind = statement.trim().split('\n')[0]!.slice(0, 60);
            const line = { statement: kind, table, bound: bound ? `${bound[1]} .. ${bound[2]}` : null };
            const key = JSON.stringify(line);
            if (!seen.has(key)) {
              seen.add(key);
              scans.push(line);
            }
          }
        }
      }
    }
    const unbounded = scans.filter((s) => !s.bound).length;
    return {
      scans,
      figures: [
        { name: 'BigQuery: partitioned-table reads checked', unit: 'count', value: scans.length },
        { name: 'BigQuery: reads not bounded by event_created_at parameters', unit: 'count', value: unbounded, budget: { max: 0 } },
      ],
    };
  } finally {
    await fake.close();
  }
}
