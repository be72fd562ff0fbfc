/** Plain-text renderings of plans and results for the terminal and for logs. */
import { lineDiff } from '../data/json/diff.js';
import { parseJson, prettyJson } from '../data/json/value.js';
import type { JournalEntry } from '../data/journal.js';
import type { Plan } from '../data/plan.js';
import type { PlanSummary } from '../data/planSummary.js';
import type { ApplyResult } from '../data/operations/apply.js';
import type { BusinessKeyGroup } from '../data/operations/businessKeys.js';
import type { DuplicateGroup } from '../data/operations/duplicates.js';
import type { EventLookup } from '../data/operations/lookup.js';

const MAX_DIFFS = 20;

export function formatPlan(plan: Plan, summary: PlanSummary): string {
  const lines = [
    `Plan ${plan.id}: ${plan.kind} on ${plan.stage}`,
    `  made by ${plan.operator} at ${plan.created_at} on ${plan.warehouse}`,
    `  description: ${plan.description}`,
    ...summary.rows.map((r) => (r.count < 0 ? `  ${String(-r.count).padStart(7)} row(s) deleted from ${r.table}` : `  ${String(r.count).padStart(7)} row(s) -> ${r.table} (${r.note})`)),
    `  events: ${summary.events}, created ${summary.firstCreated} .. ${summary.lastCreated}`,
  ];
  if (summary.edits.length) lines.push(`  edits: ${summary.edits.join('; ')}`);
  if (plan.skipped.length) {
    lines.push(`  skipped: ${plan.skipped.length} event(s), e.g. ${plan.skipped[0]!.event_id}: ${plan.skipped[0]!.reason}`);
  }
  lines.push(`  rerun needed: ${summary.rerun.stage} with current_date_offset = ${summary.rerun.current_date_offset}`);
  const shown = plan.changes.slice(0, MAX_DIFFS);
  for (const change of shown) {
    lines.push('', `  ${change.event_id} @ ${change.event_created_at}${change.before === null ? ' (new event)' : ''}`);
    const diff = lineDiff(change.before === null ? null : parseJson(change.before), parseJson(change.after));
    for (const d of diff) if (change.before === null || d.op !== ' ' || diff.length <= 12) lines.push(`    ${d.op} ${d.text}`);
  }
  if (plan.changes.length > shown.length) lines.push('', `  ... and ${plan.changes.length - shown.length} more changed event(s)`);
  return lines.join('\n');
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
    lines.push('', `  ${path} = ${g.key}${g.differences.length ? `  (differ: ${g.differences.join(', ')})` : ''}`);
    for (const e of g.events) lines.push(`    ${e.event_id}  created ${e.event_created_at}  ${e.source}`);
  }
  return lines.join('\n');
}

export function formatLookup(eventId: string, found: EventLookup): string {
  if (!found.originals.length && !found.exceptions.length) return `No rows for event ${eventId}.`;
  const lines = [`Event ${eventId}`];
  for (const r of found.originals) lines.push(`  original   created ${r.event_created_at}  ingested ${r.event_ingested_at ?? '-'}  ${r.event_name}`);
  for (const r of found.exclusions) lines.push(`  excluded   created ${r.event_created_at}  at ${r.exclusion_added_timestamp}  "${r.exclusion_description}"`);
  for (const r of found.exceptions) {
    lines.push(`  exception  created ${r.event_created_at}  at ${r.exception_added_timestamp}  ${r.is_event_update ? 'update' : 're-added'}  "${r.exception_description}"`);
  }
  if (found.effective) {
    lines.push('', `The stage table shows (${found.effective.source}):`);
    lines.push(...prettyJson(parseJson(found.effective.event_data)).split('\n').map((l) => `  ${l}`));
  } else lines.push('', 'The stage table does not show this event (every copy is excluded).');
  return lines.join('\n');
}

export function formatApplyResult(result: ApplyResult): string {
  const lines = [result.status === 'applied' ? `Applied plan ${result.plan_id}: ${result.message}.` : `${result.message}.`];
  lines.push(`Rerun the stage table to see it: evfix rerun ${result.rerun.stage} --offset ${result.rerun.current_date_offset}`);
  return lines.join('\n');
}

export function formatHistory(entries: JournalEntry[]): string {
  if (entries.length === 0) return 'No plans have been applied yet.';
  return entries
    .map(
      (e) =>
        `${e.time}  ${e.result.padEnd(15)} ${e.kind.padEnd(7)} ${e.stage}  plan ${e.plan_id}  by ${e.operator}` +
        (e.counts ? `  (${e.counts.exclusions} exclusions, ${e.counts.exceptions} exceptions)` : '') +
        (e.message && e.result !== 'applied' && e.result !== 'already-applied' ? `\n    ${e.message}` : ''),
    )
    .join('\n');
}
