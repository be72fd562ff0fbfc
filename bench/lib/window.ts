/**
 * The parameters evfix binds for a stage's window, computed the same way for the references, so a reference
 * runs evfix's own statement text with the same values (the comparison is of how evfix runs it, not of SQL).
 */
import type { Config, StageConfig } from '../../src/data/config.js';
import { pointer } from '../../src/data/duckdb/selectionSql.js';
import { parsePath } from '../../src/data/json/path.js';
import { addDays, formatTimestamp, parseTimestamp, startOfDay, FAR_FUTURE } from '../../src/data/timestamp.js';

export function windowValues(config: Config, stage: StageConfig, from: string, until: string = FAR_FUTURE): Record<string, string> {
  const horizon = formatTimestamp(startOfDay(addDays(parseTimestamp(from), -config.exception_horizon_days)));
  return { event_name: stage.event_name, from, until, horizon };
}

export const stagePaths = (stage: StageConfig): Record<string, string> =>
  Object.fromEntries(stage.columns.map((c, i) => [`path_${i}`, pointer(parsePath(c.path))]));
