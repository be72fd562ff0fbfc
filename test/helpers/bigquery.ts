/** A BigQuery-configured context whose client talks to the loopback fake BigQuery. */
import { afterEach } from 'vitest';
import { BigqueryWarehouse } from '../../src/data/bigquery/engine.js';
import { ConfigSchema, DEMO_STAGES, type Config } from '../../src/data/config.js';
import type { Context } from '../../src/data/operations/context.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { startFakeBigquery, type FakeBigquery } from './fakeBigquery.js';
import { NOW } from './warehouse.js';

const servers: FakeBigquery[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

export type TestBigquery = { fake: FakeBigquery; warehouse: BigqueryWarehouse; ctx: Context; config: Config & { engine: { type: 'bigquery' } }; statements: { sql: string; params: unknown[] }[] };

export async function makeBigquery(engine: Record<string, unknown> = {}, overrides: Partial<Config> = {}): Promise<TestBigquery> {
  const fake = await startFakeBigquery();
  servers.push(fake);
  const config = {
    ...ConfigSchema.parse({
      engine: { type: 'bigquery', project: 'dw-prod-gwiiag', location: 'EU', maximum_bytes_billed: 5_000_000_000, api_endpoint: fake.endpoint, ...engine },
      stages: DEMO_STAGES,
    }),
    source: 'test',
    ...overrides,
  } as Config & { engine: { type: 'bigquery' } };
  const now = parseTimestamp(NOW);
  const statements: TestBigquery['statements'] = [];
  const warehouse = new BigqueryWarehouse(config, () => now, {
    authClient: fake.authClient,
    sleep: async () => undefined,
    onSql: (sql, params) => statements.push({ sql, params: [...params] }),
  });
  const ctx: Context = { config, warehouse, now: () => now, operator: 'tester' };
  return { fake, warehouse, ctx, config, statements };
}
