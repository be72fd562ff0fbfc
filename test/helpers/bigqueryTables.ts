/**
 * The production tables as the BigQuery emulator holds them: the three event tables partitioned by day on
 * event_created_at with require_partition_filter, the audit and approvals tables, and the stage tables. Kept apart from
 * bigquery.ts (which registers vitest hooks) so the benchmarks can build the same warehouse.
 */
import type { bigqueryTables } from '../../src/data/bigquery/engine.js';
import type { StageConfig } from '../../src/data/config.js';
import { TABLE_SPECS } from '../../src/data/model.js';
import type { EmulatorTable, SchemaField } from './bigqueryEmulator.js';

const field = (c: { name: string; type: string; nullable: boolean }): SchemaField => ({
  name: c.name,
  type: c.type,
  mode: c.nullable ? 'NULLABLE' : 'REQUIRED',
});
const DAY = { field: 'event_created_at', type: 'DAY' } as const;

/** The production tables as the emulator holds them. */
export function productionTables(t: ReturnType<typeof bigqueryTables>, stages: readonly StageConfig[]): EmulatorTable[] {
  const stageSchema = [...TABLE_SPECS.events.map(field), { name: 'is_exception', type: 'BOOL', mode: 'REQUIRED' as const }];
  return [
    { path: t.events, schema: TABLE_SPECS.events.map(field), partitioning: DAY, requirePartitionFilter: true },
    { path: t.exceptions, schema: TABLE_SPECS.exceptions.map(field), partitioning: DAY, requirePartitionFilter: true },
    { path: t.exclusions, schema: TABLE_SPECS.exclusions.map(field), partitioning: DAY, requirePartitionFilter: true },
    { path: t.audit, schema: TABLE_SPECS.audit.map(field) },
    { path: t.approvals, schema: TABLE_SPECS.approvals.map(field) },
    ...stages.map((s) => ({
      path: `${t.stageDataset}.${s.name}`,
      schema: [...stageSchema, ...s.columns.map((c) => ({ name: c.name, type: 'STRING', mode: 'NULLABLE' as const }))],
      partitioning: DAY,
    })),
  ];
}
