/**
 * The create_stage_table rules in GoogleSQL (see duckdb/stageSql.ts for the rules in words; both engines are
 * held to one model of them). Every read of the three tables bounds event_created_at by parameters, so daily
 * partitions are pruned and tables with require_partition_filter accept the query:
 *  - originals and exclusions by the window [@from, @until),
 *  - exceptions from @horizon (the window start minus exception_horizon_days), since an event's latest
 *    exception decides what it is wherever it falls.
 */
import type { StageConfig } from '../config.js';
import { EVENT_COLUMN_NAMES } from '../model.js';
import { quoteIdent, quoteTable, type BigqueryTables } from './names.js';

const RAW = EVENT_COLUMN_NAMES.join(', ');
const cols = (alias: string) => EVENT_COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', ');

/** `project.dataset.table` of a stage table: the manifest's relation, else the stage dataset and the model name. */
export function stageTable(t: BigqueryTables, stage: StageConfig): string {
  if (!stage.relation) return `${t.stageDataset}.${stage.name}`;
  return `${stage.relation.project ?? t.stageDataset.split('.')[0]}.${stage.relation.dataset}.${stage.relation.table}`;
}

export const inWindow = (alias: string, from = '@from', until = '@until') => `${alias}.event_created_at >= ${from} AND ${alias}.event_created_at < ${until}`;

/** Originals (as `e`) of @event_name in the window that no exclusion and no exception resolves (rules 1 and 2). */
export function unresolvedOriginals(t: BigqueryTables): string {
  return `${quoteTable(t.events)} AS e
  WHERE e.event_name = @event_name AND ${inWindow('e')}
    AND NOT EXISTS (SELECT 1 FROM ${quoteTable(t.exclusions)} AS x
                    WHERE x.event_id = e.event_id AND x.event_created_at = e.event_created_at AND ${inWindow('x')})
    AND NOT EXISTS (SELECT 1 FROM ${quoteTable(t.exceptions)} AS c
                    WHERE c.event_id = e.event_id AND c.event_name = @event_name AND c.event_created_at >= @horizon)`;
}

export function effectiveCte(t: BigqueryTables): string {
  return `effective AS (
  SELECT ${cols('e')}, FALSE AS is_exception
  FROM ${unresolvedOriginals(t)}
  UNION ALL
  SELECT ${RAW}, TRUE AS is_exception
  FROM (SELECT ${cols('c')} FROM ${quoteTable(t.exceptions)} AS c
        WHERE c.event_name = @event_name AND c.event_created_at >= @horizon
        QUALIFY ROW_NUMBER() OVER (PARTITION BY c.event_id
                  ORDER BY c.exception_added_timestamp DESC, c.event_ingested_at DESC) = 1) AS latest
  WHERE ${inWindow('latest')}
)`;
}

/** The stage rerun without dbt: the window deleted and recomputed, in one transaction. */
export function rerunStageScript(t: BigqueryTables, stage: StageConfig) {
  const target = quoteTable(stageTable(t, stage));
  const flatNames = stage.columns.map((c) => `, ${quoteIdent(c.name)}`).join('');
  const flatValues = stage.columns.map((_, i) => `, JSON_VALUE(event_data, @path_${i})`).join('');
  return [
    { label: 'begin', sql: 'BEGIN TRANSACTION' },
    { label: 'delete window', sql: `DELETE FROM ${target} WHERE event_created_at >= @from` },
    {
      label: 'insert window',
      sql: `INSERT INTO ${target} (${RAW}, is_exception${flatNames})
WITH ${effectiveCte(t)}
SELECT ${RAW}, is_exception${flatValues}
FROM effective`,
    },
    { label: 'commit', sql: 'COMMIT TRANSACTION' },
  ];
}

/** What a rerun would do, counted without writing: the window's rows now, and the rows it would write. */
export function rerunPreviewSql(t: BigqueryTables, stage: StageConfig): string {
  return `WITH ${effectiveCte(t)}
SELECT (SELECT COUNT(*) FROM ${quoteTable(stageTable(t, stage))} WHERE event_created_at >= @from) AS removes,
       (SELECT COUNT(*) FROM effective) AS writes`;
}
