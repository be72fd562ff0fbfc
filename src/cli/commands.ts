/**
 * The headless CLI's commands, declared once as data: the parser, `evfix --help` and `evfix COMMAND --help`
 * are generated from it, and each command says what it asks of the service. A command that writes names the
 * plan it makes (`plan`); the CLI shows it, asks, and applies it. The others read (`read`) and print.
 */
import type { Edit } from '../data/json/edit.js';
import type { Service } from '../data/service/service.js';
import type { PlanRequest } from '../data/operations/makePlan.js';
import * as format from './format.js';
import { EvfixError } from '../data/errors.js';
import { parseEventId, parseEventKey } from '../data/model.js';
import { readText } from '../data/files.js';
import { formatDoctor } from '../data/operations/doctor.js';
import { describePending } from '../data/operations/pending.js';

export type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; value?: string; help: string };

export type Values = Record<string, string | boolean | string[] | undefined>;
export type Parsed = { values: Values; positionals: string[]; edits: Edit[] };

/** What a read prints: JSON for --json, text otherwise, and the exit code (doctor fails on a failed check). */
export type Printed = { json: unknown; text: string; code?: number };

export type CommandAction =
  /** Makes the plan this request describes; the CLI shows it, then saves, stops or applies it. */
  | { type: 'plan'; request: (p: Parsed) => PlanRequest }
  /** Reads and prints. */
  | { type: 'read'; run: (service: Service, p: Parsed) => Promise<Printed> }
  /** A command with a flow of its own (apply a file, rerun, demo). */
  | { type: 'apply-file' }
  | { type: 'approve' }
  | { type: 'rerun' }
  | { type: 'demo' };

export type CommandSpec = {
  name: string;
  args: string;
  summary: string;
  example: string;
  positionals: string[];
  options: Record<string, OptionSpec>;
  action: CommandAction;
};

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', value: 'FILE', help: 'configuration file (default: evfix.config.json found upward, else the demo warehouse)' },
  json: { type: 'boolean', help: 'print machine-readable JSON' },
  'dry-run': { type: 'boolean', help: 'print the plan and its SQL (a rerun: what it would do), write nothing' },
  'plan-out': { type: 'string', value: 'FILE', help: 'save the plan to FILE instead of applying it' },
  yes: { type: 'boolean', help: 'write without asking (needed to write without a TTY)' },
  'confirm-table': { type: 'string', value: 'STAGE', help: 'with --yes in prod: the stage table name, required for large writes' },
  'read-only': { type: 'boolean', help: 'never write; show plans only' },
  help: { type: 'boolean', help: 'show help' },
};

const usage = (message: string) => new EvfixError('usage', message);
const str = (v: Values, name: string) => v[name] as string | undefined;
const list = (v: Values, name: string) => (v[name] as string[] | undefined) ?? [];

/** A whole number option, or a usage error naming it. */
export function integer(text: string | undefined, name: string, min: number, max = 36_500): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw usage(`--${name} ${text}: expected a whole number from ${min} to ${max}`);
  return Number(text);
}

const description: OptionSpec = { type: 'string', value: 'TEXT', help: 'why these rows are written (stored with them)' };
const lookback: OptionSpec = { type: 'string', value: 'DAYS', help: 'lookback window in days (default from config, 14)' };
const rerun: OptionSpec = { type: 'boolean', help: 'rerun the stage table right after applying' };
const ticket: OptionSpec = {
  type: 'string',
  value: 'TICKET',
  help: 'the change ticket, stored in the audit row (required when the config sets ticket_pattern)',
};
const lookbackOf = (p: Parsed) => integer(str(p.values, 'lookback'), 'lookback', 1, 3650);

/** update's selection: keys typed, a key file, a table, or conditions; and the edits in the order typed. */
function updateRequest(p: Parsed): PlanRequest {
  const v = p.values;
  const ids = list(v, 'event-id');
  const createdAts = list(v, 'created-at');
  if (ids.length !== createdAts.length)
    throw usage(`each --event-id needs its --created-at (got ${ids.length} event id(s) and ${createdAts.length} --created-at)`);
  const edits = p.edits.map((e) => (e.op === 'replace' ? { ...e, document: readText(e.document, '--replace document') } : e));
  return {
    op: 'update',
    stage: p.positionals[0]!,
    selection: {
      keys: ids.length ? ids.map((id, i) => parseEventKey(id, createdAts[i]!)) : undefined,
      file: str(v, 'from-file'),
      table: str(v, 'from-table'),
      where: list(v, 'where'),
      from: str(v, 'from'),
      until: str(v, 'until'),
      lookbackDays: lookbackOf(p),
    },
    edits,
    description: str(v, 'description') ?? '',
    skipProblems: Boolean(v['skip-problems']),
  };
}

export const COMMANDS: CommandSpec[] = [
  {
    name: 'demo',
    args: '[--events N] [--seed S] [--reset]',
    summary: 'create the embedded demo warehouse with realistic events',
    example: 'evfix demo --reset --events 50000 --seed 42',
    positionals: [],
    options: {
      events: { type: 'string', value: 'N', help: 'number of events (default 50000)' },
      seed: { type: 'string', value: 'S', help: 'random seed (default 42)' },
      reset: { type: 'boolean', help: 'delete the demo warehouse first' },
    },
    action: { type: 'demo' },
  },
  {
    name: 'stages',
    args: '',
    summary: 'list the stage tables with events and unresolved duplicates in the lookback',
    example: 'evfix stages',
    positionals: [],
    options: { lookback },
    action: {
      type: 'read',
      run: async (service, p) => {
        const rows = [];
        for (const s of service.config.stages) {
          const summary = await service.call('stageSummary', { stage: s.name, lookbackDays: lookbackOf(p) });
          const [pending] = await service.call('pendingReruns', { stage: s.name });
          rows.push({ ...summary, pending: pending ?? null });
        }
        const since = rows[0]?.since ?? '';
        return {
          json: { since, stages: rows.map(({ since: _since, ...r }) => r) },
          text: [
            `Stage tables (events since ${since.slice(0, 10)}; duplicate groups unresolved in the sources / held by the stage table):`,
            ...rows.flatMap((r) => [
              `  ${r.stage.padEnd(34)} ${r.event_name.padEnd(24)} ${String(r.events).padStart(8)} events  duplicates ${r.duplicateGroups} / ${r.stageDuplicateGroups ?? 'not built'}  ${describePending(r.pending)}`,
              ...(r.pending ? [`    ${r.pending.plans.length} applied plan(s) not in the stage table yet; run: ${r.pending.command}`] : []),
            ]),
          ].join('\n'),
        };
      },
    },
  },
  {
    name: 'duplicates',
    args: 'STAGE [--by-key PATH] [--lookback DAYS]',
    summary: 'list duplicate groups: by event_id, or by a business key',
    example: "evfix duplicates transaction_was_created_event --by-key '$.transaction_id'",
    positionals: ['STAGE'],
    options: { 'by-key': { type: 'string', value: 'PATH', help: 'group by this event_data path instead of event_id' }, lookback },
    action: {
      type: 'read',
      run: async (service, p) => {
        const stage = p.positionals[0]!;
        const byKey = str(p.values, 'by-key');
        if (byKey) {
          const groups = await service.call('businessKeyGroups', { stage, path: byKey, lookbackDays: lookbackOf(p) });
          return { json: groups, text: format.formatBusinessKeyGroups(stage, byKey, groups) };
        }
        const summaries = await service.call('duplicateGroups', { stage, lookbackDays: lookbackOf(p) });
        const groups = await service.call('groupCopies', { stage, eventIds: summaries.map((g) => g.event_id), lookbackDays: lookbackOf(p) });
        return { json: groups, text: format.formatDuplicates(stage, groups) };
      },
    },
  },
  {
    name: 'dedupe',
    args: 'STAGE [--event-id ID]... [--keep latest|earliest] [--lookback DAYS] [--description TEXT]',
    summary: 'exclude duplicate copies and re-add one copy per event_id',
    example: 'evfix dedupe card_was_shipped_event --keep earliest --yes',
    positionals: ['STAGE'],
    options: {
      'event-id': { type: 'string', multiple: true, value: 'ID', help: 'only this group (repeatable); all unresolved groups otherwise' },
      keep: { type: 'string', value: 'earliest|latest', help: 'which copy to re-add, by ingestion time (default earliest)' },
      lookback,
      description,
      rerun,
      ticket,
    },
    action: {
      type: 'plan',
      request: (p) => {
        const keep = str(p.values, 'keep');
        if (keep !== undefined && keep !== 'earliest' && keep !== 'latest') throw usage(`--keep ${keep}: expected earliest or latest`);
        return {
          op: 'dedupe',
          stage: p.positionals[0]!,
          eventIds: list(p.values, 'event-id'),
          keep,
          lookbackDays: lookbackOf(p),
          description: str(p.values, 'description'),
        };
      },
    },
  },
  {
    name: 'exclude',
    args: 'STAGE --event-id ID [--event-id ID]... --description TEXT',
    summary: 'exclude events (e.g. business-key duplicates) from the stage table',
    example: "evfix exclude transaction_was_created_event --event-id 3f0c...e1 --description 'Duplicate transaction_id'",
    positionals: ['STAGE'],
    options: { 'event-id': { type: 'string', multiple: true, value: 'ID', help: 'event to exclude (repeatable)' }, lookback, description, rerun, ticket },
    action: {
      type: 'plan',
      request: (p) => ({
        op: 'exclude',
        stage: p.positionals[0]!,
        eventIds: list(p.values, 'event-id'),
        description: str(p.values, 'description') ?? '',
        lookbackDays: lookbackOf(p),
      }),
    },
  },
  {
    name: 'update',
    args: 'STAGE (--where COND... | --event-id ID --created-at TS | --from-file FILE | --from-table TABLE) (--set PATH=JSON | --set PATH=@COLUMN | --remove PATH | --replace FILE)... --description TEXT',
    summary: "change events' event_data (written as exception rows; BigQuery's JSON_SET does the edit)",
    example:
      "evfix update remittance_was_sent_event --where '$.Status=\"Pending\"' --from 2026-11-01 --set '$.Status=\"Failed\"' --description 'Remittances never sent'",
    positionals: ['STAGE'],
    options: {
      where: {
        type: 'string',
        multiple: true,
        value: 'COND',
        help: "events whose event_data (or a column) matches, repeatable, all must hold: '$.Status=\"Pending\"', '$.Status!=\"Sent\"', '$.amount>100', '$.Status in [\"A\",\"B\"]', '$.note is missing', '$.note exists', '$.note is null', 'user_id=u-42', 'event_ingested_at>=2026-11-01'",
      },
      'event-id': { type: 'string', multiple: true, value: 'ID', help: 'event to change (repeatable, paired with --created-at)' },
      'created-at': { type: 'string', multiple: true, value: 'TS', help: 'its event_created_at, e.g. 2024-02-03 15:38:21.224000' },
      'from-file': {
        type: 'string',
        value: 'FILE',
        help: 'events to change: CSV (header event_id,event_created_at[,$.Status][,name]), JSON or JSON lines; a $.path column sets that path per event (values are JSON; name it $.Status:string for plain text)',
      },
      'from-table': {
        type: 'string',
        value: 'TABLE',
        help: 'events to change from a warehouse table (dataset.table) with event_id, event_created_at and value columns for --set PATH=@column',
      },
      from: { type: 'string', value: 'TS', help: "created at or after (default: start of the lookback, or the first key's day)" },
      until: { type: 'string', value: 'TS', help: 'created before' },
      lookback,
      set: {
        type: 'string',
        multiple: true,
        value: 'PATH=JSON',
        help: "set a value, JSON_SET semantics: '$.Status=\"Failed\"', '$.amount=12.5', or each event's own value: '$.Status=@status'",
      },
      remove: { type: 'string', multiple: true, value: 'PATH', help: 'remove a value' },
      replace: { type: 'string', multiple: true, value: 'FILE', help: 'replace the whole document with the JSON in FILE (first, before any --set)' },
      'skip-problems': { type: 'boolean', help: 'leave out events the edits cannot change as asked (by default the plan is refused)' },
      description,
      rerun,
      ticket,
    },
    action: { type: 'plan', request: updateRequest },
  },
  {
    name: 'insert',
    args: 'STAGE --from-file FILE --description TEXT',
    summary: 'add events that never arrived (written as exception rows)',
    example: "evfix insert card_was_shipped_event --from-file missing.jsonl --description 'Lost in Kinesis outage'",
    positionals: ['STAGE'],
    options: { 'from-file': { type: 'string', value: 'FILE', help: 'events as CSV, JSON or JSON lines' }, description, rerun, ticket },
    action: {
      type: 'plan',
      request: (p) => {
        const file = str(p.values, 'from-file');
        if (!file) throw usage('evfix insert needs --from-file FILE');
        return { op: 'insert', stage: p.positionals[0]!, file, description: str(p.values, 'description') ?? '' };
      },
    },
  },
  {
    name: 'lookup',
    args: 'EVENT_ID [--created-at TS]',
    summary: 'show every row of an event and the version the stage table shows',
    example: 'evfix lookup 77655190-b2eb-41bd-a7cd-c30834a0a360',
    positionals: ['EVENT_ID'],
    options: { 'created-at': { type: 'string', value: 'TS', help: 'only the copies created at this time' } },
    action: {
      type: 'read',
      run: async (service, p) => {
        const id = parseEventId(p.positionals[0]!);
        const at = str(p.values, 'created-at');
        const found = await service.call('lookup', { eventId: id, createdAt: at === undefined ? undefined : parseEventKey(id, at).event_created_at });
        return { json: found, text: format.formatLookup(id, found) };
      },
    },
  },
  {
    name: 'apply',
    args: 'PLAN_FILE',
    summary: 'apply a saved plan (re-checking that nothing changed since it was made)',
    example: 'evfix apply plan.json --yes',
    positionals: ['PLAN_FILE'],
    options: { rerun, ticket },
    action: { type: 'apply-file' },
  },
  {
    name: 'approve',
    args: 'PLAN_FILE [--note TEXT]',
    summary: 'approve a saved plan as the second operator (approval: required); it shows the plan, its impact and its SQL first',
    example: 'evfix approve plan.json',
    positionals: ['PLAN_FILE'],
    options: { note: { type: 'string', value: 'TEXT', help: 'a note stored with the approval' } },
    action: { type: 'approve' },
  },
  {
    name: 'rerun',
    args: 'STAGE [--offset N | --since DATE]',
    summary: 'rebuild the stage table from current_date - N (or DATE) onwards',
    example: 'evfix rerun remittance_was_sent_event --offset 3 --dry-run',
    positionals: ['STAGE'],
    options: {
      offset: { type: 'string', value: 'N', help: 'current_date_offset in days (default: the lookback)' },
      since: { type: 'string', value: 'DATE', help: 'rebuild from the start of this day (UTC), e.g. 2026-11-30' },
    },
    action: { type: 'rerun' },
  },
  {
    name: 'revert',
    args: 'PLAN_ID',
    summary: 'plan the deletion of exactly the rows an applied plan wrote',
    example: 'evfix revert 264be720e41287fe --dry-run',
    positionals: ['PLAN_ID'],
    options: { rerun, ticket },
    action: { type: 'plan', request: (p) => ({ op: 'revert', planId: p.positionals[0]! }) },
  },
  {
    name: 'history',
    args: '[--stage STAGE] [--operator NAME] [--since DATE]',
    summary: "list applied plans, newest first, from the warehouse's audit table (every operator, every host)",
    example: 'evfix history --stage remittance_was_sent_event --json',
    positionals: [],
    options: {
      stage: { type: 'string', value: 'STAGE', help: 'only this stage table' },
      operator: { type: 'string', value: 'NAME', help: 'only plans applied by this operator' },
      since: { type: 'string', value: 'DATE', help: 'only plans applied since' },
    },
    action: {
      type: 'read',
      run: async (service, p) => {
        const entries = await service.call('history', { stage: str(p.values, 'stage'), operator: str(p.values, 'operator'), since: str(p.values, 'since') });
        return { json: entries, text: format.formatHistory(entries) };
      },
    },
  },
  {
    name: 'doctor',
    args: '[--create-audit]',
    summary: 'check the config, credentials, tables, stage tables and dbt; one line per check',
    example: 'evfix doctor --config prod.evfix.yaml',
    positionals: [],
    options: {
      'create-audit': { type: 'boolean', help: 'create the audit and approvals tables first where they are missing (BigQuery; DuckDB creates its own)' },
    },
    action: {
      type: 'read',
      run: async (service, p) => {
        const checks = await service.call('doctor', { createAudit: Boolean(p.values['create-audit']) });
        return { json: checks, text: formatDoctor(checks), code: checks.every((c) => c.ok) ? 0 : 1 };
      },
    },
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

const optionLines = (options: Record<string, OptionSpec>) =>
  Object.entries(options).map(([name, o]) => `  --${`${name}${o.value ? ` ${o.value}` : ''}`.padEnd(24)} ${o.help}`);

export function mainHelp(): string {
  return [
    'evfix: fix, dedupe and backfill backend events, then rerun the stage tables',
    '',
    'Usage:',
    '  evfix                       open the TUI',
    ...COMMANDS.map((c) => `  evfix ${`${c.name} ${c.args}`.trim()}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Example:',
    '  evfix duplicates card_was_shipped_event',
    '',
    'Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage, 130 interrupted.',
    "Run 'evfix COMMAND --help' for a command's options.",
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  return [
    `evfix ${spec.name}: ${spec.summary}`,
    '',
    `Usage: evfix ${`${spec.name} ${spec.args}`.trim()}`,
    '',
    ...(Object.keys(spec.options).length ? ['Options:', ...optionLines(spec.options), ''] : []),
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Example:',
    `  ${spec.example}`,
  ].join('\n');
}
