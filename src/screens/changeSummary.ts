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
