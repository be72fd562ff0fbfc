/**
 * `{project}.{dataset}.INFORMATION_SCHEMA.{COLUMNS,TABLES,TABLE_OPTIONS}`
 * synthesised from the emulator's tables, so they can be queried (WHERE,
 * parameters, joins) like any table. The columns are those of BigQuery's
 * views; values the emulator has no notion of (collation, rounding mode)
 * are BigQuery's defaults.
 */
import { pseudoColumns, tablePath, type Store, type Table } from './store.js';
import { sqlTypeName } from './types.js';
import { timestampValue, type TypeProto, type ValueProto } from './values.js';

export function informationSchema(
  store: Store,
  project: string,
  dataset: string,
  view: string,
): { columns: { name: string; type: TypeProto }[]; rows: ValueProto[][] } | undefined {
  const tables = [...store.tables.values()].filter((t) => t.project === project && t.dataset === dataset).sort((a, b) => (a.name < b.name ? -1 : 1));
  const S = { typeKind: 'TYPE_STRING' },
    I = { typeKind: 'TYPE_INT64' },
    TS = { typeKind: 'TYPE_TIMESTAMP' };
  const str = (s: string | null): ValueProto => (s === null ? {} : { stringValue: s });
  const head = (t: Table) => [str(t.project), str(t.dataset), str(t.name)];
  const headColumns = [
    { name: 'table_catalog', type: S },
    { name: 'table_schema', type: S },
    { name: 'table_name', type: S },
  ];
  switch (view.toUpperCase()) {
    case 'COLUMNS':
      return {
        columns: [
          ...headColumns,
          ...[
            'column_name',
            'ordinal_position',
            'is_nullable',
            'data_type',
            'is_generated',
            'generation_expression',
            'is_stored',
            'is_hidden',
            'is_updatable',
            'is_system_defined',
            'is_partitioning_column',
            'clustering_ordinal_position',
            'collation_name',
            'column_default',
            'rounding_mode',
          ].map((name) => ({ name, type: name === 'ordinal_position' || name === 'clustering_ordinal_position' ? I : S })),
        ],
        rows: tables.flatMap((t) => {
          const columns = [
            ...t.schema.map((f, i) => ({ name: f.name, type: t.types[i]!, nullable: f.mode !== 'REQUIRED', system: false })),
            // Ingestion-time partitioned tables list their pseudo-columns as hidden, system-defined columns.
            ...pseudoColumns(t).map((p) => ({ ...p, nullable: true, system: true })),
          ];
          return columns.map((c, i) => [
            ...head(t),
            str(c.name),
            { int64Value: String(i + 1) },
            str(c.nullable ? 'YES' : 'NO'),
            str(sqlTypeName(c.type)),
            str('NEVER'),
            {},
            {},
            str(c.system ? 'YES' : 'NO'),
            {},
            str(c.system ? 'YES' : 'NO'),
            str((t.partitioning?.field ?? '_PARTITIONTIME') === c.name && t.partitioning ? 'YES' : 'NO'),
            {},
            str('NULL'),
            str('NULL'),
            {},
          ]);
        }),
      };
    case 'TABLES':
      return {
        columns: [
          ...headColumns,
          { name: 'table_type', type: S },
          { name: 'is_insertable_into', type: S },
          { name: 'is_typed', type: S },
          { name: 'creation_time', type: TS },
          { name: 'ddl', type: S },
          { name: 'default_collation_name', type: S },
        ],
        rows: tables.map((t) => [...head(t), str('BASE TABLE'), str('YES'), str('NO'), timestampValue(t.creationTime * 1000n), str(ddl(t)), str('NULL')]),
      };
    case 'TABLE_OPTIONS':
      return {
        columns: [...headColumns, { name: 'option_name', type: S }, { name: 'option_type', type: S }, { name: 'option_value', type: S }],
        rows: tables.flatMap((t) => (t.requirePartitionFilter ? [[...head(t), str('require_partition_filter'), str('BOOL'), str('true')]] : [])),
      };
    default:
      return undefined;
  }
}

/** INFORMATION_SCHEMA.TABLES.ddl: the CREATE TABLE statement BigQuery prints for a table. */
function ddl(t: Table): string {
  const columns = t.schema.map((f, i) => `  ${f.name} ${sqlTypeName(t.types[i]!)}${f.mode === 'REQUIRED' ? ' NOT NULL' : ''}`).join(',\n');
  const p = t.partitioning;
  let partition = '';
  if (p) {
    const column = p.field ?? '_PARTITIONTIME';
    const isDate = p.field && /^DATE$/i.test(t.schema.find((f) => f.name === p.field)!.type);
    partition = isDate
      ? p.type === 'DAY'
        ? column
        : `DATE_TRUNC(${column}, ${p.type})`
      : p.type === 'DAY'
        ? p.field
          ? `DATE(${column})`
          : '_PARTITIONDATE'
        : `TIMESTAMP_TRUNC(${column}, ${p.type})`;
  }
  return `CREATE TABLE \`${tablePath(t)}\`\n(\n${columns}\n)${p ? `\nPARTITION BY ${partition}` : ''}${t.requirePartitionFilter ? '\nOPTIONS(\n  require_partition_filter=true\n)' : ''};`;
}
