/**
 * Stage rerun: rebuild a stage table's window with the create_stage_table
 * semantics, as dbt's incremental model does with `current_date_offset`.
 * Two runners: `sql` (the engine runs the statements itself) and `dbt`
 * (evfix runs `dbt run --select <model>` and streams its output).
 */
import type { StageConfig } from '../config.js';
import { thousands } from '../counts.js';
import { downstreamModels, readManifest } from '../dbt/manifest.js';
import { dbtCommandLine, runDbt } from '../dbt/runner.js';
import { describeError, inputError, refused } from '../errors.js';
import { addDays, daysBetween, formatTimestamp, parseTimestamp, startOfDay } from '../timestamp.js';
import type { Context } from './context.js';
import { describeEstimate, estimateRerun, type ScanEstimate } from './estimate.js';

export type RerunWindow = { offset?: number; since?: string };
export type RerunResult = { stage: string; since: string; runner: 'sql' | 'dbt'; deleted?: number; inserted?: number };

/** The window's first instant: midnight UTC of `current_date - offset`, or of the since-date. */
export function rerunStart(ctx: Context, window: RerunWindow): string {
  if (window.offset !== undefined && window.since !== undefined) throw inputError('offset', 'give --offset or --since, not both');
  if (window.since !== undefined) return formatTimestamp(startOfDay(parseTimestamp(window.since, 'since')));
  const offset = window.offset ?? ctx.config.lookback_days;
  if (!Number.isInteger(offset) || offset < 0 || offset > 36500) throw inputError('offset', `${offset} is not a whole number of days (0 or more)`);
  return formatTimestamp(startOfDay(addDays(ctx.now(), -offset)));
}

/** A rerun described before it runs: the window, what runs, and the rows it would remove and write. */
export type RerunPreview = {
  stage: string;
  since: string;
  current_date_offset: number;
  runner: 'sql' | 'dbt';
  /** The statements (runner sql) or the dbt command line (runner dbt), exactly as they would run. */
  runs: string;
  /** Rows of the stage table in the window now: the rerun deletes them. */
  removes: number;
  /** Rows the create_stage_table rules give for the window: the rerun writes them. */
  writes: number;
  downstream: Downstream;
  /** runner sql on an engine that bills by bytes: what the rerun script would scan (a dry run). */
  estimate?: ScanEstimate;
};

/**
 * The dbt models that read the stage table (from the manifest's child_map), and whether the rerun rebuilds them
 * (runner dbt with `downstream: true` selects `model+`). Without a manifest evfix cannot know, and says so.
 */
export type Downstream = { known: false; reason: string } | { known: true; included: boolean; models: { name: string; depth: number; table?: string }[] };

export function downstreamOf(ctx: Context, stage: StageConfig): Downstream {
  const dbt = ctx.config.rerun.dbt;
  if (!dbt?.manifest)
    return { known: false, reason: 'no dbt manifest is configured (rerun.dbt.manifest), so evfix cannot know which models read this stage table' };
  try {
    const models = downstreamModels(readManifest(dbt.manifest), stage.name).map((m) => ({
      name: m.name,
      depth: m.depth,
      ...(m.relation ? { table: `${m.relation.project}.${m.relation.dataset}.${m.relation.table}` } : {}),
    }));
    return { known: true, included: ctx.config.rerun.runner === 'dbt' && dbt.downstream, models };
  } catch (error) {
    return { known: false, reason: describeError(error) };
  }
}

/** The downstream models in one line or two, for the CLI and the TUI. */
export function describeDownstream(d: Downstream, max = 5): string {
  if (!d.known) return `downstream models: unknown: ${d.reason}`;
  if (d.models.length === 0) return 'downstream models: none read this stage table (dbt manifest)';
  const names =
    d.models
      .slice(0, max)
      .map((m) => m.name)
      .join(', ') + (d.models.length > max ? ` and ${d.models.length - max} more` : '');
  return `downstream models: ${d.models.length} (${names}); ${
    d.included ? 'the rerun rebuilds them too (dbt --select model+)' : 'the rerun does not rebuild them: they stay out of date until dbt runs them'
  }`;
}

/** What `rerunStage` would do for this window, read from the warehouse without writing anything. */
export async function previewRerun(ctx: Context, stage: StageConfig, window: RerunWindow): Promise<RerunPreview> {
  const since = rerunStart(ctx, window);
  const offset = Math.max(0, daysBetween(parseTimestamp(since), ctx.now()));
  const dbt = ctx.config.rerun.runner === 'dbt' ? ctx.config.rerun.dbt : undefined;
  const counts = await ctx.engine.rerunPreview(stage, since);
  const estimate = dbt ? undefined : await estimateRerun(ctx, stage, since);
  return {
    stage: stage.name,
    since,
    current_date_offset: offset,
    runner: dbt ? 'dbt' : 'sql',
    runs: dbt ? dbtCommandLine(dbt, stage, offset) : ctx.engine.rerunSql(stage),
    ...counts,
    downstream: downstreamOf(ctx, stage),
    ...(estimate ? { estimate } : {}),
  };
}

/** The preview in words, for the CLI's --dry-run and its confirmation. */
export function describeRerunPreview(p: RerunPreview): string {
  return [
    `Rerun of ${p.stage} from ${p.since} (current_date_offset = ${p.current_date_offset}):`,
    `  removes ${p.removes} row(s) of the stage table in the window and writes ${p.writes}` +
      (p.runner === 'dbt' ? ' (as evfix computes the stage rules; dbt runs the model itself)' : ''),
    `  ${describeDownstream(p.downstream)}`,
    ...(p.estimate ? [`  ${describeEstimate(p.estimate)}`] : []),
    p.runner === 'dbt' ? `  runs: ${p.runs}` : `  runs:\n${p.runs.replace(/^/gm, '    ')}`,
  ].join('\n');
}

export async function rerunStage(ctx: Context, stage: StageConfig, window: RerunWindow, onLine?: (line: string) => void): Promise<RerunResult> {
  if (ctx.config.read_only) throw refused('evfix is in read-only mode; the stage table was not rebuilt');
  const since = rerunStart(ctx, window);
  const dbt = ctx.config.rerun.dbt;
  if (ctx.config.rerun.runner === 'dbt' && dbt) {
    // dbt takes the offset in days; a --since date becomes the offset that reaches it.
    const offset = Math.max(0, daysBetween(parseTimestamp(since), ctx.now()));
    await runDbt(dbt, stage, offset, onLine);
    // dbt rebuilt the window: an engine that keeps its own rebuild times notes it, so the plans show as in the stage.
    await ctx.engine.recordRebuild?.(stage, since);
    return { stage: stage.name, since, runner: 'dbt' };
  }
  const counts = await ctx.engine.rerunStage(stage, since);
  return { stage: stage.name, since, runner: 'sql', ...counts };
}

/** One line saying what a rerun did, for the CLI and the TUI. */
export function describeRerun(r: RerunResult): string {
  if (r.runner === 'dbt') return `Rebuilt ${r.stage} from ${r.since} with dbt.`;
  if (r.deleted === undefined || r.inserted === undefined) return `Rebuilt ${r.stage} from ${r.since}.`;
  return `Rebuilt ${r.stage} from ${r.since}: ${thousands(r.deleted)} row(s) removed, ${thousands(r.inserted)} row(s) written.`;
}
