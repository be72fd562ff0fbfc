/**
 * The impact preview: what the stage table will become once the plan is applied and the stage rerun, shown on
 * confirm before anything is written. The engine computes it in the warehouse (the plan's writes in a
 * transaction that is rolled back, the stage rules read over them); this file words it for the CLI and the TUI.
 */
import { findStage } from '../config.js';
import type { StageImpact } from '../engine.js';
import type { Plan } from '../plan.js';
import { printable } from '../printable.js';
import { rerunFor } from './apply.js';
import type { Context } from './context.js';
import { inputsOf } from './makePlan.js';

/** The stage table after the plan and the rerun it needs (from the day of its oldest event), against it now. */
export async function previewImpact(ctx: Context, plan: Plan): Promise<StageImpact> {
  const stage = findStage(ctx.config, plan.stage);
  return ctx.engine.stageImpact(stage, plan, inputsOf(plan), rerunFor(ctx, plan).since);
}

/** The top-level event_data keys whose values differ, as `Status: "Pending" -> "Failed"`. */
export function describeDocChange(before: string | null, after: string | null): string {
  if (before === null || after === null) return '';
  let a: Record<string, unknown>;
  let b: Record<string, unknown>;
  try {
    a = JSON.parse(before) as Record<string, unknown>;
    b = JSON.parse(after) as Record<string, unknown>;
  } catch {
    return '';
  }
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return '';
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  if (keys.length === 0) return 'same event_data, other columns differ';
  const show = (v: unknown) => (v === undefined ? '(missing)' : JSON.stringify(v));
  return (
    keys
      .slice(0, 3)
      .map((k) => `${printable(k)}: ${printable(show(a[k]))} -> ${printable(show(b[k]))}`)
      .join(', ') + (keys.length > 3 ? ` and ${keys.length - 3} more key(s)` : '')
  );
}

/** The headline: rows added, removed and changed in the stage table by the rerun after this plan. */
export function describeImpactCounts(i: StageImpact): string {
  return `the stage table after the rerun from ${i.since.slice(0, 10)}: ${i.added} row(s) added, ${i.removed} removed, ${i.changed} changed, ${i.unchanged} unchanged`;
}

/** One line per sampled row. */
export function describeImpactSample(i: StageImpact): string[] {
  const mark = { added: '+', removed: '-', changed: '~' } as const;
  return i.sample.map((r) => {
    const change = r.change === 'changed' ? `: ${describeDocChange(r.before, r.after)}` : '';
    return `${mark[r.change]} ${r.change.padEnd(7)} ${r.event_id} @ ${r.event_created_at}${change}`;
  });
}

/** The preview in words, for the CLI's --dry-run and its confirmation. */
export function describeImpact(i: StageImpact): string {
  const total = i.added + i.removed + i.changed;
  const more = total > i.sample.length ? [`  … and ${total - i.sample.length} more`] : [];
  return [`Impact on ${describeImpactCounts(i)}`, ...describeImpactSample(i).map((l) => `  ${l}`), ...more].join('\n');
}
