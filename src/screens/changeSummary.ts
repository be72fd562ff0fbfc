/**
 * The plan's summary of its changes as lines, for the diff screen's first page: per edited path, each distinct
 * before -> after pair with its event count (the plan keeps the top 20), then how many more.
 */
import { printable } from '../data/printable.js';
import type { Plan } from '../data/plan.js';

export function summaryLines(plan: Plan): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const c = plan.counts;
  const lines = [
    `Summary: ${n(c.exceptions + c.exclusions)} row(s) to write for ${n(c.events)} selected event(s)` +
      `${c.unchanged ? `, ${n(c.unchanged)} already as asked` : ''}${c.problems ? `, ${n(c.problems)} cannot be changed as asked` : ''}.`,
  ];
  for (const p of plan.summary.paths) {
    lines.push('', `${p.path}:`);
    for (const ch of p.changes) lines.push(`  ${printable(ch.before ?? '(missing)')} -> ${printable(ch.after ?? '(removed)')}   ×${n(ch.events)}`);
    if (p.more.pairs) lines.push(`  and ${n(p.more.pairs)} more pair(s), ${n(p.more.events)} event(s)`);
  }
  for (const note of plan.summary.notes) lines.push('', printable(note));
  lines.push('', 'n or → goes through the events one at a time.');
  return lines;
}

/**
 * For a dedupe plan, the copy each group keeps, for the confirm screen: the first groups of the plan's sample by
 * event_id (all of them when there are at most `room`), then how many more. Empty for other plans.
 */
export function keptCopyLines(plan: Plan, room = 3): string[] {
  if (plan.kind !== 'dedupe') return [];
  const chosen = new Set((plan.keep?.choices ?? []).map(([id]) => id));
  const order = plan.keep?.order === 'latest' ? 'latest' : 'earliest';
  // Each kept copy is the one sample row per group with an after (the sample notes "copy 2 of 3, kept").
  const kept = plan.sample.filter((c) => c.after !== null && /, kept$/.test(c.note ?? ''));
  const groups = plan.counts.exceptions;
  const shown = groups <= room ? kept.slice(0, room) : kept.slice(0, room - 1);
  const lines = shown.map((c) => `  ${c.event_id} keeps ${c.note!.replace(/, kept$/, '')}${chosen.has(c.event_id) ? ' (chosen)' : ` (${order} ingested)`}`);
  if (groups > shown.length) lines.push(`  and ${(groups - shown.length).toLocaleString('en-US')} more group(s): the ${order} ingested copy${chosen.size ? ', or the one chosen' : ''}`);
  return lines;
}
