/**
 * The headless CLI's commands, options and help, declared once as data: the
 * parser, `evfix --help` and `evfix COMMAND --help` are all generated from it.
 */
export type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; value?: string; help: string };

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', value: 'FILE', help: 'configuration file (default: evfix.config.json found upward, else the demo warehouse)' },
  json: { type: 'boolean', help: 'print machine-readable JSON' },
  'dry-run': { type: 'boolean', help: 'print the plan and its SQL, write nothing' },
  'plan-out': { type: 'string', value: 'FILE', help: 'save the plan to FILE instead of applying it' },
  yes: { type: 'boolean', help: 'apply without asking (needed to write without a TTY)' },
  'confirm-table': { type: 'string', value: 'STAGE', help: 'with --yes in prod: the stage table name, required for large plans' },
  'read-only': { type: 'boolean', help: 'never write; show plans only' },
  help: { type: 'boolean', help: 'show help' },
};

export type CommandSpec = {
  name: string;
  args: string;
  summary: string;
  example: string;
  positionals: string[];
  options: Record<string, OptionSpec>;
};

const description: OptionSpec = { type: 'string', value: 'TEXT', help: 'why these rows are written (stored with them)' };
const lookback: OptionSpec = { type: 'string', value: 'DAYS', help: 'lookback window in days (default from config, 14)' };
const rerun: OptionSpec = { type: 'boolean', help: 'rerun the stage table right after applying' };

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
  },
  {
    name: 'stages',
    args: '',
    summary: 'list the stage tables with events and unresolved duplicates in the lookback',
    example: 'evfix stages',
    positionals: [],
    options: { lookback },
  },
  {
    name: 'duplicates',
    args: 'STAGE [--by-key PATH] [--lookback DAYS]',
    summary: 'list duplicate groups: by event_id, or by a business key',
    example: "evfix duplicates transaction_was_created_event --by-key '$.transaction_id'",
    positionals: ['STAGE'],
    options: { 'by-key': { type: 'string', value: 'PATH', help: 'group by this event_data path instead of event_id' }, lookback },
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
    },
  },
  {
    name: 'exclude',
    args: 'STAGE --event-id ID [--event-id ID]... --description TEXT',
    summary: 'exclude events (e.g. business-key duplicates) from the stage table',
    example: "evfix exclude transaction_was_created_event --event-id 3f0c...e1 --description 'Duplicate transaction_id'",
    positionals: ['STAGE'],
    options: { 'event-id': { type: 'string', multiple: true, value: 'ID', help: 'event to exclude (repeatable)' }, lookback, description, rerun },
  },
  {
    name: 'update',
    args: 'STAGE (--event-id ID --created-at TS | --from-file FILE | --where PATH=JSON) (--set PATH=JSON | --remove PATH | --replace FILE)... --description TEXT',
    summary: "change events' event_data (written as exception rows)",
    example:
      "evfix update remittance_was_sent_event --event-id 77655190-b2eb-41bd-a7cd-c30834a0a360 --created-at '2024-02-03 15:38:21.224000' --set '$.Status=\"Failed\"' --description 'Remittance was never sent'",
    positionals: ['STAGE'],
    options: {
      'event-id': { type: 'string', multiple: true, value: 'ID', help: 'event to change (repeatable, paired with --created-at)' },
      'created-at': { type: 'string', multiple: true, value: 'TS', help: 'its event_created_at, e.g. 2024-02-03 15:38:21.224000' },
      'from-file': { type: 'string', value: 'FILE', help: 'events to change: CSV, JSON or JSON lines with event_id, event_created_at' },
      where: { type: 'string', value: 'PATH=JSON', help: "every event whose event_data has this value, e.g. '$.Status=\"Pending\"'" },
      from: { type: 'string', value: 'TS', help: 'with --where: created at or after (default: start of the lookback)' },
      until: { type: 'string', value: 'TS', help: 'with --where: created before' },
      set: { type: 'string', multiple: true, value: 'PATH=JSON', help: "set a value, JSON_SET semantics: '$.Status=\"Failed\"', '$.amount=12.5'" },
      remove: { type: 'string', multiple: true, value: 'PATH', help: 'remove a value' },
      replace: { type: 'string', value: 'FILE', help: 'replace the whole document with the JSON in FILE' },
      description,
      rerun,
    },
  },
  {
    name: 'insert',
    args: 'STAGE --from-file FILE --description TEXT',
    summary: 'add events that never arrived (written as exception rows)',
    example: "evfix insert card_was_shipped_event --from-file missing.jsonl --description 'Lost in Kinesis outage'",
    positionals: ['STAGE'],
    options: { 'from-file': { type: 'string', value: 'FILE', help: 'events as CSV, JSON or JSON lines' }, description, rerun },
  },
  {
    name: 'lookup',
    args: 'EVENT_ID [--created-at TS]',
    summary: 'show every row of an event and the version the stage table shows',
    example: 'evfix lookup 77655190-b2eb-41bd-a7cd-c30834a0a360',
    positionals: ['EVENT_ID'],
    options: { 'created-at': { type: 'string', value: 'TS', help: 'only the copies created at this time' } },
  },
  {
    name: 'apply',
    args: 'PLAN_FILE',
    summary: 'apply a saved plan (re-checking that nothing changed since it was made)',
    example: 'evfix apply plan.json --yes',
    positionals: ['PLAN_FILE'],
    options: { rerun },
  },
  {
    name: 'rerun',
    args: 'STAGE [--offset N | --since DATE]',
    summary: 'rebuild the stage table from current_date - N (or DATE) onwards',
    example: 'evfix rerun remittance_was_sent_event --offset 3',
    positionals: ['STAGE'],
    options: {
      offset: { type: 'string', value: 'N', help: 'current_date_offset in days (default: the lookback)' },
      since: { type: 'string', value: 'DATE', help: 'rebuild from this date' },
    },
  },
  {
    name: 'revert',
    args: 'PLAN_ID',
    summary: 'plan the deletion of exactly the rows an applied plan wrote',
    example: 'evfix revert 264be720e41287fe --dry-run',
    positionals: ['PLAN_ID'],
    options: { rerun },
  },
  {
    name: 'history',
    args: '',
    summary: 'list applied plans from the journal, newest first',
    example: 'evfix history --json',
    positionals: [],
    options: {},
  },
  {
    name: 'doctor',
    args: '',
    summary: 'check the config, credentials, tables, stage tables and dbt; one line per check',
    example: 'evfix doctor --config prod.evfix.yaml',
    positionals: [],
    options: {},
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
    "  evfix duplicates card_was_shipped_event",
    '',
    'Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage.',
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
