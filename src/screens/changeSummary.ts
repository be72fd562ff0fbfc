/**
 * The plan's summary of its changes as lines, for the diff screen's first page: per edited path, each distinct
 * before -> after pair with its event count (the plan keeps the top 20), then how many more.
 */
import { thousands as n } from '../data/counts.js';
import { printable } from '../data/printable.js';
import type { Plan } from '../data/plan.js';

export function summaryLines(plan: Plan): string[] {
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
 * For a dedupe plan, the copy each group keeps, for the confirm screen: every group whose copy the operator chose
 * first, all of them whatever the room, then the other groups of the plan's sample by event_id (all of them when
 * they fit in what is left of `room`), then how many more keep the earliest or latest ingested copy. Empty for
 * other plans.
 */
export function keptCopyLines(plan: Plan, room = 3): string[] {
  if (plan.kind !== 'dedupe') return [];
  const choices = plan.keep?.choices ?? [];
  const chosen = new Set(choices.map(([id]) => id));
  const order = plan.keep?.order === 'latest' ? 'latest' : 'earliest';
  // Each kept copy is the one sample row per group with an after (the sample notes "copy 2 of 3, kept").
  const kept = plan.sample.filter((c) => c.after !== null && /, kept$/.test(c.note ?? ''));
  const copyOf = new Map(kept.map((c) => [c.event_id, c.note!.replace(/, kept$/, '')]));
  // A chosen group past the plan's sample is still named, with the copy chosen (its count of copies unread).
  const lines = choices.map(([id, index]) => `  ${id} keeps ${copyOf.get(id) ?? `copy ${index + 1}`} (chosen)`);
  const others = plan.counts.exceptions - choices.length;
  const left = Math.max(0, room - lines.length);
  const rest = kept.filter((c) => !chosen.has(c.event_id));
  const shown = others <= left ? rest.slice(0, left) : rest.slice(0, Math.max(0, left - 1));
  lines.push(...shown.map((c) => `  ${c.event_id} keeps ${copyOf.get(c.event_id)!} (${order} ingested)`));
  if (others > shown.length) lines.push(`  and ${n(others - shown.length)} more group(s): the ${order} ingested copy`);
  return lines;
}
