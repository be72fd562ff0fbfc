/**
 * What a statement would read, as a dry run reports it, and the
 * require_partition_filter check — both from the resolved AST (ast.ts), not
 * from the text:
 *
 * - bytes: for every table scan, the logical bytes (values.ts valueBytes) of
 *   the columns the scan reads (all columns of a DELETE/UPDATE target, as
 *   BigQuery's DML pricing says), over the partitions the WHERE bounds select
 *   when the bounds are parameters or literals; other constant bounds
 *   (CURRENT_TIMESTAMP() - ...) satisfy the filter requirement but prune
 *   nothing here. Each scan counts, so a table read twice counts twice.
 * - the requirement: a scan of a require_partition_filter table needs a
 *   WHERE conjunct comparing its partitioning column (_PARTITIONTIME /
 *   _PARTITIONDATE for ingestion-time tables) with a constant. JOIN ... ON
 *   conditions do not count, as in BigQuery.
 * - bytes billed: on-demand pricing rounds each referenced table up to a MiB
 *   with a 10 MiB minimum ("minimum 10 MB data processed per table
 *   referenced by the query").
 */
import { boundsOf, scansOf, type Bound } from './ast.js';
import { rowsRead, type Scope } from './catalog.js';
import { errors } from './errors.js';
import type { Prepared } from './statements.js';
import { nextPartition, partitionOf, rowBytes, tablePath, type PartitionUnit, type Table } from './store.js';
import { MICROS_PER_DAY } from './civil.js';
import { timestampMicros, type ValueProto } from './values.js';

export type Estimate = { bytes: bigint; perTable: Map<Table, bigint> };

const MiB = 1n << 20n;
export const billedBytes = (perTable: Iterable<bigint>) => {
  let total = 0n;
  for (const b of perTable) total += b < 10n * MiB ? 10n * MiB : ((b + MiB - 1n) / MiB) * MiB;
  return total;
};

const microsOf = (v: ValueProto | undefined): bigint | undefined =>
  v?.timestampValue ? timestampMicros(v) : v?.dateValue !== undefined ? BigInt(v.dateValue) * MICROS_PER_DAY : undefined;

/** Does the partition starting at `start` hold a value the bounds admit? (The NULL partition never does once bounded.) */
function admits(start: bigint | null, unit: PartitionUnit, bounds: readonly Bound[]): boolean {
  if (start === null) return bounds.length === 0;
  const end = nextPartition(start, unit);
  return bounds.every((b) => {
    const v = microsOf(b.value);
    if (v === undefined) return true;
    switch (b.op) {
      case 'ge':
        return end > v;
      case 'gt':
        return end - 1n > v;
      case 'le':
        return start <= v;
      case 'lt':
        return start < v;
      case 'eq':
        return start <= v && v < end;
      default:
        return true;
    }
  });
}

export function estimate(prepared: Prepared, ast: Record<string, unknown>, scope: Scope): Estimate {
  const bounds = boundsOf(ast, scope.params);
  const perTable = new Map<Table, bigint>();
  for (const scan of scansOf(ast)) {
    const table = prepared.sources.find((s) => s.key === scan.table)?.table;
    if (!table) continue; // INFORMATION_SCHEMA views read metadata, not table data
    let rows = rowsRead(table, scope);
    if (table.partitioning) {
      const field = table.partitioning.field;
      const onPartition = scan.columns.filter((c) => (field ? c.name === field : c.name === '_PARTITIONTIME' || c.name === '_PARTITIONDATE'));
      const bs = onPartition.flatMap((c) => bounds.get(c.id) ?? []);
      if (table.requirePartitionFilter && !bs.length) {
        throw errors.partitionFilter(tablePath(table), field ? [field] : ['_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME']);
      }
      rows = rows.filter((r) => admits(partitionOf(table, r), table.partitioning!.type, bs));
    }
    const read = scan.target ? undefined : new Set(scan.columns.map((c) => table.schema.findIndex((f) => f.name === c.name)).filter((i) => i >= 0));
    const bytes = rows.reduce((n, r) => n + BigInt(rowBytes(table, r, read)), 0n);
    perTable.set(table, (perTable.get(table) ?? 0n) + bytes);
  }
  let bytes = 0n;
  for (const b of perTable.values()) bytes += b;
  return { bytes, perTable };
}
