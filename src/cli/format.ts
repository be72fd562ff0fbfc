/** Plain-text renderings of plans and results for the terminal and for logs. Stored text is printed escaped. */
import { confirmWords as wordsOf } from '../data/confirmation.js';
import { thousands as n } from '../data/counts.js';
import type { AuditEntry, EventRows } from '../data/engine.js';
import { describeEdit } from '../data/json/edit.js';
import { lineDiff } from '../data/json/diff.js';
import { parseJson, prettyJson } from '../data/json/value.js';
import type { ApplyResult } from '../data/operations/apply.js';
import { rerunFor } from '../data/operations/apply.js';
import type { BusinessKeyGroup } from '../data/operations/businessKeys.js';
import type { DuplicateGroup } from '../data/operations/duplicates.js';
import type { Change, Plan } from '../data/plan.js';
import { printable } from '../data/printable.js';
import { describeSelection } from '../data/selection.js';
import type { Micros } from '../data/timestamp.js';

/** Before/after documents the CLI prints of a plan; the plan file holds up to 200. */
const SHOWN_CHANGES = 10;

export function formatRows(plan: Pick<Plan, 'counts'>, tables: { exceptions: string; exclusions: string }, update: boolean): string[] {
  const c = plan.counts;
  const rows: string[] = [];
  if (c.exclusions) rows.push(`  ${n(c.exclusions).padStart(9)} row(s) -> ${tables.exclusions}`);
  if (c.exceptions) rows.push(`  ${n(c.exceptions).padStart(9)} row(s) -> ${tables.exceptions} (is_event_update = ${update})`);
  if (c.deleted.exclusions) rows.push(`  ${n(c.deleted.exclusions).padStart(9)} row(s) deleted from ${tables.exclusions}`);
  if (c.deleted.exceptions) rows.push(`  ${n(c.deleted.exceptions).padStart(9)} row(s) deleted from ${tables.exceptions}`);
  return rows;
}

/**
 * What applying a plan does to rows, in the words its confirmation uses: a plan that only deletes rows (a revert)
 * is asked about as a delete, one that only writes as a write, and one that does both says both.
 */
export function confirmWords(plan: Pick<Plan, 'counts'>): { verb: string; question: string; nothing: string } {
  const words = wordsOf(plan.counts);
  return { verb: words.verb, question: `${words.question} [y/N] `, nothing: `nothing was ${words.done}` };
}

/** The summary of the changes: per edited path, the distinct before -> after values and how many events each. */
export function formatSummary(plan: Plan): string[] {
  const lines: string[] = [];
  for (const p of plan.summary.paths) {
    lines.push(`  ${p.path}:`);
    for (const c of p.changes) lines.push(`    ${printable(c.before ?? '(missing)')} -> ${printable(c.after ?? '(removed)')}  ${n(c.events)} event(s)`);
    if (p.more.pairs) lines.push(`    and ${n(p.more.pairs)} more distinct change(s) (${n(p.more.events)} event(s))`);
  }
  for (const note of plan.summary.notes) lines.push(`  ${printable(note)}`);
  return lines;
}

function formatChange(change: Change): string[] {
  const lines = [
    `  ${change.event_id} @ ${change.event_created_at}${change.before === null ? ' (new event)' : change.after === null ? ' (taken out of the stage table)' : ''}${change.note ? `  ${change.note}` : ''}`,
  ];
  if (change.after === null || change.before === change.after) return lines;
  const diff = lineDiff(change.before === null ? null : parseJson(change.before), parseJson(change.after));
  for (const d of diff) if (change.before === null || d.op !== ' ' || diff.length <= 12) lines.push(`    ${d.op} ${d.text}`);
  return lines;
}

export function formatPlan(plan: Plan, tables: { exceptions: string; exclusions: string }, now: () => Micros): string {
  const rerun = rerunFor({ now }, plan);
  const lines = [
    `Plan ${plan.id}: ${plan.kind} on ${plan.stage}`,
    `  made by ${printable(plan.operator)} at ${plan.created_at} on ${plan.warehouse}`,
    `  description: ${printable(plan.description)}`,
    `  selection: ${printable(describeSelection(plan.selection))}`,
    `  events: ${n(plan.counts.events)}${plan.counts.unchanged ? ` (${n(plan.counts.unchanged)} already as asked)` : ''}${plan.counts.skipped ? ` (${n(plan.counts.skipped)} left alone)` : ''}`,
    ...formatRows(plan, tables, plan.kind === 'update'),
  ];
  if (plan.extent) lines.push(`  created ${plan.extent.oldest} .. ${plan.extent.newest}`);
  if (plan.edits.length) lines.push(`  edits: ${plan.edits.map(describeEdit).map(printable).join('; ')}`);
  const summary = formatSummary(plan);
  if (summary.length) lines.push('  changes:', ...summary.map((l) => `  ${l}`));
  if (plan.counts.problems) {
    lines.push(
      `  ${n(plan.counts.problems)} event(s) cannot be changed as asked (JSON_SET would leave them unchanged)${plan.on_problem === 'skip' ? '; they are left out' : ''}:`,
    );
    for (const p of plan.problems.slice(0, 5)) lines.push(`    ${p.event_id} @ ${p.event_created_at}: ${printable(p.reason)}`);
    if (plan.counts.problems > 5) lines.push(`    and ${n(plan.counts.problems - 5)} more`);
  }
  lines.push(`  rerun needed: ${rerun.stage} with current_date_offset = ${rerun.current_date_offset} (from ${rerun.since.slice(0, 10)})`);
  for (const change of plan.sample.slice(0, SHOWN_CHANGES)) lines.push('', ...formatChange(change));
  const total = plan.counts.exceptions + plan.counts.exclusions + plan.counts.deleted.exceptions + plan.counts.deleted.exclusions;
  if (total > SHOWN_CHANGES && plan.sample.length)
    lines.push('', `  ... the plan file holds ${plan.sample.length} of these; the TUI's diff pages through every one`);
  return lines.join('\n');
}

export function formatSql(plan: Plan): string {
  const statements = plan.sql.statements.map((s) => `-- ${s.label}\n${s.sql};`);
  const params = plan.sql.params.map((p) => `--   @${p.name} ${p.type} = ${printable(JSON.stringify(p.value))}`);
  return [...statements, ...(params.length ? ['-- parameters:', ...params] : [])].join('\n');
}

export function formatDuplicates(stage: string, groups: DuplicateGroup[]): string {
  if (groups.length === 0) return `No unresolved event_id duplicates in ${stage}.`;
  const lines = [`${groups.length} event_id duplicate group(s) in ${stage}:`, ''];
  lines.push(`  ${'event_id'.padEnd(36)}  copies  ${'first ingested'.padEnd(26)}  differences`);
  for (const g of groups) {
    lines.push(
      `  ${g.event_id}  ${String(g.copies.length).padStart(6)}  ${(g.firstIngested ?? '-').padEnd(26)}  ${g.identical ? 'identical' : g.differences.join(', ')}`,
    );
  }
  return lines.join('\n');
}

export function formatBusinessKeyGroups(stage: string, path: string, groups: BusinessKeyGroup[]): string {
  if (groups.length === 0) return `No business-key duplicates on ${path} in ${stage}.`;
  const lines = [`${groups.length} group(s) of different event_ids sharing ${path} in ${stage}:`];
  for (const g of groups) {
    lines.push('', `  ${path} = ${printable(g.key)}${g.differences.length ? `  (differ: ${g.differences.join(', ')})` : ''}`);
    for (const e of g.events) lines.push(`    ${e.event_id}  created ${e.event_created_at}  ${e.source}`);
  }
  return lines.join('\n');
}

export function formatLookup(eventId: string, found: EventRows): string {
  if (!found.originals.length && !found.exceptions.length) return `No rows for event ${eventId}.`;
  const lines = [`Event ${eventId}`];
  for (const r of found.originals) lines.push(`  original   created ${r.event_created_at}  ingested ${r.event_ingested_at ?? '-'}  ${r.event_name}`);
  for (const r of found.exclusions)
    lines.push(`  excluded   created ${r.event_created_at}  at ${r.exclusion_added_timestamp}  "${printable(r.exclusion_description)}"`);
  for (const r of found.exceptions) {
    lines.push(
      `  exception  created ${r.event_created_at}  at ${r.exception_added_timestamp}  ${r.is_event_update ? 'update' : 're-added'}  "${printable(r.exception_description)}"`,
    );
  }
  // "Built from", not "shows": the stage table shows this version only once it is rerun after the last write.
  if (found.effective.length === 0) lines.push('', 'The stage table leaves this event out (every copy is excluded).');
  else if (found.effective.length > 1) {
    lines.push('', `The stage table is built from ${found.effective.length} copies (an unresolved duplicate; dedupe it):`);
    for (const e of found.effective) lines.push(`  created ${e.event_created_at}  ingested ${e.event_ingested_at ?? '-'}  (${e.source})`);
  } else {
    lines.push('', `The stage table is built from the ${found.effective[0]!.source}:`);
    lines.push(
      ...prettyJson(parseJson(found.effective[0]!.event_data))
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return lines.join('\n');
}

export function formatApplyResult(result: ApplyResult): string {
  const lines = [result.status === 'applied' ? `Applied plan ${result.plan_id}: ${result.message}.` : `${printable(result.message)}.`];
  // --since, not --offset: the command stays right when it is run tomorrow.
  lines.push(`Rerun the stage table to see it: evfix rerun ${result.rerun.stage} --since ${result.rerun.since.slice(0, 10)}`);
  return lines.join('\n');
}

export function formatHistory(entries: (AuditEntry & { rerun_state?: string })[]): string {
  if (entries.length === 0) return 'No plans have been applied yet.';
  return entries
    .map(
      (e) =>
        `${e.applied_at.slice(0, 19)}  ${e.kind.padEnd(7)} ${e.stage}  plan ${e.plan_id}  by ${printable(e.operator)}@${printable(e.host)}` +
        `  (${e.counts.exclusions} exclusions, ${e.counts.exceptions} exceptions${e.counts.deleted.exclusions + e.counts.deleted.exceptions ? `, deleted ${e.counts.deleted.exclusions + e.counts.deleted.exceptions}` : ''})` +
        (e.reverted_by ? `  REVERTED by plan ${e.reverted_by}` : '') +
        (e.revert_of ? `  reverts plan ${e.revert_of}` : '') +
        (e.rerun_state ? `  [${e.rerun_state}]` : '') +
        `\n    ${printable(e.description)}` +
        (e.approved_by || e.ticket
          ? `\n    ${[e.ticket ? `ticket ${printable(e.ticket)}` : '', e.approved_by ? `approved by ${printable(e.approved_by)}${e.approved_at ? ` at ${e.approved_at.slice(0, 19)}` : ''}` : ''].filter(Boolean).join(' · ')}`
          : ''),
    )
    .join('\n');
}
