/**
 * What a write will scan, shown before the operator confirms it: the engine dry-runs the apply script (or the
 * `runner: sql` rerun script) and says how many bytes it would process, against engine.dry_run_threshold_bytes,
 * over which the write itself is refused. Engines that do not bill by bytes (DuckDB) have no estimate, and
 * nothing is shown.
 */
import { findStage, type StageConfig } from '../config.js';
import type { Plan } from '../plan.js';
import { formatBytes } from '../printable.js';
import type { Context } from './context.js';
import { inputsOf } from './makePlan.js';

/** Bytes as decimal text (they can pass 2^53), and the threshold they are held to. */
export type ScanEstimate = { bytes: string; threshold: string };

const thresholdOf = (ctx: Context) => String(ctx.config.engine.type === 'bigquery' ? ctx.config.engine.dry_run_threshold_bytes : 0);

/** The apply script's estimate, or null when the engine has none. */
export async function estimatePlan(ctx: Context, plan: Plan): Promise<ScanEstimate | null> {
  if (!ctx.engine.estimateApply) return null;
  const bytes = await ctx.engine.estimateApply(findStage(ctx.config, plan.stage), plan, inputsOf(plan));
  return { bytes: String(bytes), threshold: thresholdOf(ctx) };
}

/** The rerun script's estimate (runner sql), or undefined when the engine has none. */
export async function estimateRerun(ctx: Context, stage: StageConfig, since: string): Promise<ScanEstimate | undefined> {
  if (!ctx.engine.estimateRerun) return undefined;
  return { bytes: String(await ctx.engine.estimateRerun(stage, since)), threshold: thresholdOf(ctx) };
}

/** One line for confirm: `BigQuery estimate: 1.2 GiB scanned (threshold 50.0 GiB)`, and what happens over it. */
export function describeEstimate(e: ScanEstimate): string {
  const bytes = BigInt(e.bytes);
  const threshold = BigInt(e.threshold);
  const over = bytes > threshold ? '; over engine.dry_run_threshold_bytes, so writing is refused' : '';
  return `BigQuery estimate: ${formatBytes(bytes)} scanned (threshold ${formatBytes(threshold)})${over}`;
}
