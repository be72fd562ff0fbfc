/**
 * The headless CLI: the same operations as the TUI, for scripts and runbooks.
 * Every command that writes builds a plan, shows it, and applies it only after
 * confirmation (a TTY answer, or --yes).
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { findStage, loadConfig, type Config } from '../data/config.js';
import { seedDemo, ensureDemoWarehouse, DEMO_EVENTS, DEMO_SEED } from '../data/demo/seed.js';
import { EvfixError, describeError } from '../data/errors.js';
import { parseSetArgument, type Edit } from '../data/json/edit.js';
import { attempts, Journal, journalPath } from '../data/journal.js';
import { parseEventId, parseEventKey } from '../data/model.js';
import { openWarehouse, type EngineOptions } from '../data/openWarehouse.js';
import { readPlanFile, serializePlan, type Plan } from '../data/plan.js';
import { summarizePlan } from '../data/planSummary.js';
import { applyPlan } from '../data/operations/apply.js';
import { findBusinessKeyDuplicates } from '../data/operations/businessKeys.js';
import { defaultOperator, lookbackStart, type Context } from '../data/operations/context.js';
import { buildDedupePlan } from '../data/operations/dedupe.js';
import { findEventIdDuplicates } from '../data/operations/duplicates.js';
import { readEventFile } from '../data/operations/eventFile.js';
import { buildExclusionPlan } from '../data/operations/exclude.js';
import { buildInsertPlan } from '../data/operations/insert.js';
import { lookupEvent } from '../data/operations/lookup.js';
import { describeRerun, rerunStage } from '../data/operations/rerun.js';
import { formatDoctor, runDoctor } from '../data/operations/doctor.js';
import { describeReconciled, reconcileJournal } from '../data/operations/reconcile.js';
import { buildRevertPlan } from '../data/operations/revert.js';
import { buildUpdatePlan, keysFromRecords, type UpdateTargets } from '../data/operations/update.js';
import { nowMicros, type Micros } from '../data/timestamp.js';
import { COMMANDS, GLOBAL_OPTIONS, commandHelp, findCommand, mainHelp, type CommandSpec } from './commands.js';
import * as format from './format.js';

export type CliIO = {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Asks a question on the terminal; undefined when there is no TTY to ask on. */
  ask?: (question: string) => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now?: () => Micros;
  /** Engine wiring that is not configuration (tests hand the BigQuery client its auth this way). */
  engine?: EngineOptions;
};

type Values = Record<string, string | boolean | string[] | undefined>;

const usage = (message: string) => new EvfixError('usage', message);

function parse(spec: CommandSpec, argv: string[]) {
  const options = { ...GLOBAL_OPTIONS, ...spec.options };
  try {
    const { values, positionals, tokens } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, multiple: o.multiple ?? false }])),
    });
    // --set and --remove apply in the order typed, as JSON_SET applies its pairs left to right.
    const edits = tokens.flatMap((t): Edit[] =>
      t.kind !== 'option' || t.value === undefined
        ? []
        : t.name === 'set'
          ? [parseSetArgument(t.value)]
          : t.name === 'remove'
            ? [{ op: 'remove', path: t.value }]
            : [],
    );
    return { values: values as Values, positionals, edits };
  } catch (error) {
    if (error instanceof EvfixError) throw error;
    // Node's messages run over several lines; the operator gets one.
    const message = (error as Error).message;
    const first = message.split('\n')[0]!.replace(/\.$/, '');
    const dash = /ambiguous/.test(message) ? ' (write --option=VALUE for a value that starts with a dash)' : '';
    throw usage(`${first}${dash}; see 'evfix ${spec.name} --help'`);
  }
}

const str = (v: Values, name: string) => v[name] as string | undefined;
const list = (v: Values, name: string) => (v[name] as string[] | undefined) ?? [];

function integer(text: string | undefined, name: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw usage(`--${name} ${text}: expected a whole number of at least ${min}`);
  return Number(text);
}

export { tuiOptions, type TuiOptions } from './tuiOptions.js';

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return 0;
  }
  const spec = findCommand(name);
  if (!spec) {
    io.err(`evfix: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    return 2;
  }
  try {
    const parsed = parse(spec, rest);
    const { values, positionals } = parsed;
    if (values.help) {
      io.out(commandHelp(spec));
      return 0;
    }
    if (positionals.length !== spec.positionals.length) {
      throw usage(`evfix ${spec.name} takes ${spec.positionals.join(' ') || 'no arguments'}; got ${positionals.length ? positionals.join(' ') : 'none'}`);
    }
    const config = loadConfig({ configFile: str(values, 'config'), cwd: io.cwd, env: io.env });
    if (values['read-only']) config.read_only = true;
    const now = io.now ?? nowMicros;
    if (spec.name === 'demo') return await demo(config, values, io, now);
    const seeded = await ensureDemoWarehouse(config);
    if (seeded) io.err(`Created the demo warehouse at ${seeded.path} (${seeded.events} events).`);
    const ctx: Context = { config, warehouse: await openWarehouse(config, now, io.engine), now, operator: defaultOperator(config, io.env) };
    if (!config.read_only) {
      for (const r of await reconcileJournal(ctx, new Journal(journalPath(io.env)))) io.err(`evfix: ${describeReconciled(r)}`);
    }
    return await dispatch(spec, ctx, parsed, io);
  } catch (error) {
    io.err(`evfix ${spec.name}: ${describeError(error)}`);
    return error instanceof EvfixError && error.kind === 'usage' ? 2 : 1;
  }
}

async function demo(config: Config, values: Values, io: CliIO, now: () => Micros): Promise<number> {
  const result = await seedDemo(config, {
    events: integer(str(values, 'events'), 'events', 1) ?? DEMO_EVENTS,
    seed: integer(str(values, 'seed'), 'seed', 0) ?? DEMO_SEED,
    reset: Boolean(values.reset),
    now: now(),
  });
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else io.out([`Demo warehouse ${result.path}: ${result.events} events.`, ...result.stages.map((s) => `  ${s.stage}: ${s.rows} rows`)].join('\n'));
  return 0;
}

type Parsed = { values: Values; positionals: string[]; edits: Edit[] };

async function dispatch(spec: CommandSpec, ctx: Context, parsed: Parsed, io: CliIO): Promise<number> {
  const { values, positionals } = parsed;
  const stage = () => findStage(ctx.config, positionals[0]!);
  const lookback = integer(str(values, 'lookback'), 'lookback', 1);
  const print = (json: unknown, text: string) => io.out(values.json ? JSON.stringify(json, null, 2) : text);
  switch (spec.name) {
    case 'stages': {
      const since = lookbackStart(ctx, lookback);
      const rows = [];
      for (const s of ctx.config.stages) rows.push({ stage: s.name, event_name: s.event_name, ...(await ctx.warehouse.stageSummary(s, since)) });
      print(
        { since, stages: rows },
        [`Stage tables (events since ${since.slice(0, 10)}):`, ...rows.map((r) => `  ${r.stage.padEnd(34)} ${r.event_name.padEnd(24)} ${String(r.events).padStart(8)} events  ${r.duplicateGroups} duplicate group(s)`)].join('\n'),
      );
      return 0;
    }
    case 'duplicates': {
      const s = stage();
      const byKey = str(values, 'by-key');
      if (byKey) {
        const groups = await findBusinessKeyDuplicates(ctx, s, byKey, lookback);
        print(groups, format.formatBusinessKeyGroups(s.name, byKey, groups));
      } else {
        const groups = await findEventIdDuplicates(ctx, s, lookback);
        print(groups, format.formatDuplicates(s.name, groups));
      }
      return 0;
    }
    case 'lookup': {
      const id = parseEventId(positionals[0]!);
      const createdAt = str(values, 'created-at');
      const found = await lookupEvent(ctx, id, createdAt === undefined ? undefined : parseEventKey(id, createdAt).event_created_at);
      print(found, format.formatLookup(id, found));
      return 0;
    }
    case 'rerun': {
      // dbt's output goes to stderr as it comes, so stdout stays the result (and --json stays JSON).
      const result = await rerunStage(ctx, stage(), { offset: integer(str(values, 'offset'), 'offset', 0), since: str(values, 'since') }, (line) => io.err(`  ${line}`));
      print(result, describeRerun(result));
      return 0;
    }
    case 'doctor': {
      const checks = await runDoctor(ctx);
      print(checks, formatDoctor(checks));
      return checks.every((c) => c.ok) ? 0 : 1;
    }
    case 'history': {
      const entries = attempts(new Journal(journalPath(io.env)).read());
      print(entries, format.formatHistory(entries));
      return 0;
    }
    case 'apply':
      return review(readPlanFile(positionals[0]!), ctx, values, io);
    case 'revert':
      return review(await buildRevertPlan(ctx, new Journal(journalPath(io.env)), positionals[0]!), ctx, values, io);
    default:
      return review(await buildPlan(spec.name, ctx, parsed, lookback), ctx, values, io);
  }
}

async function buildPlan(name: string, ctx: Context, { values, positionals, edits }: Parsed, lookback: number | undefined): Promise<Plan> {
  const stage = findStage(ctx.config, positionals[0]!);
  const ids = list(values, 'event-id').map((id) => parseEventId(id));
  const description = str(values, 'description');
  switch (name) {
    case 'dedupe': {
      const keep = str(values, 'keep');
      if (keep !== undefined && keep !== 'earliest' && keep !== 'latest') throw usage(`--keep ${keep}: expected earliest or latest`);
      return buildDedupePlan(ctx, stage, { eventIds: ids, keep, lookbackDays: lookback, description });
    }
    case 'exclude':
      return buildExclusionPlan(ctx, stage, ids, description ?? '', lookback);
    case 'update':
      return buildUpdatePlan(ctx, stage, updateTargets(values, ids), updateEdits(values, edits), description);
    case 'insert': {
      const file = str(values, 'from-file');
      if (!file) throw usage('evfix insert needs --from-file FILE');
      return buildInsertPlan(ctx, stage, readEventFile(file), file, description);
    }
  }
  throw usage(`unknown command ${name}`);
}

function updateTargets(values: Values, ids: string[]): UpdateTargets {
  const createdAts = list(values, 'created-at');
  const file = str(values, 'from-file');
  const where = str(values, 'where');
  const given = [ids.length > 0, file !== undefined, where !== undefined].filter(Boolean).length;
  if (given !== 1) throw usage('evfix update needs exactly one of: --event-id ID --created-at TS, --from-file FILE, --where PATH=JSON');
  if (ids.length) {
    if (createdAts.length !== ids.length) throw usage(`each --event-id needs its --created-at (got ${ids.length} event id(s) and ${createdAts.length} --created-at)`);
    return { keys: ids.map((id, i) => parseEventKey(id, createdAts[i]!)) };
  }
  if (file) return { keys: keysFromRecords(readEventFile(file), file) };
  const edit = parseSetArgument(where!);
  if (edit.op !== 'set') throw usage('--where expects PATH=JSON');
  return { filter: { path: edit.path, value: edit.value, from: str(values, 'from'), until: str(values, 'until') } };
}

/** A --replace document comes first; --set and --remove then apply to it in the order typed. */
function updateEdits(values: Values, ordered: Edit[]): Edit[] {
  const edits = [...ordered];
  const replace = str(values, 'replace');
  if (replace) {
    let document: string;
    try {
      document = readFileSync(replace, 'utf8');
    } catch {
      throw new EvfixError('input', `--replace ${replace}: cannot be read`);
    }
    edits.unshift({ op: 'replace', document });
  }
  return edits;
}

/** Shows a plan, then saves it, stops (dry run, read-only) or applies it after confirmation. */
async function review(plan: Plan, ctx: Context, values: Values, io: CliIO): Promise<number> {
  const summary = await summarizePlan(ctx, plan);
  const sql = ctx.warehouse.applySql(plan);
  if (values.json) io.out(JSON.stringify({ plan, summary, sql: values['dry-run'] ? sql : undefined }, null, 2));
  else io.out(format.formatPlan(plan, summary));
  if (values['dry-run']) {
    if (!values.json) io.out(`\nSQL (dry run, nothing written):\n${sql}`);
    return 0;
  }
  const planOut = str(values, 'plan-out');
  if (planOut) {
    writeFileSync(planOut, serializePlan(plan));
    io.err(`Saved plan to ${planOut}; apply it with: evfix apply ${planOut}`);
    return 0;
  }
  if (ctx.config.read_only) {
    io.err('Read-only mode: nothing was written.');
    return 0;
  }
  const prod = ctx.config.environment === 'prod';
  const rows = plan.exclusions.length + plan.exceptions.length + plan.removals.exclusions.length + plan.removals.exceptions.length;
  const confirmTable = str(values, 'confirm-table');
  if (confirmTable !== undefined && confirmTable !== plan.stage) {
    throw new EvfixError('refused', `not applied: --confirm-table ${confirmTable} does not name this plan's stage table (${plan.stage}); nothing was written`);
  }
  if (values.yes && prod && rows > ctx.config.prod_yes_max_rows && confirmTable === undefined) {
    throw new EvfixError(
      'refused',
      `not applied: this production plan writes ${rows} rows, more than --yes alone may (${ctx.config.prod_yes_max_rows}); add --confirm-table ${plan.stage}. Nothing was written`,
    );
  }
  if (!values.yes) {
    if (!io.ask) throw new EvfixError('refused', 'not applied: there is no terminal to confirm on; pass --yes to write, or --plan-out FILE to save the plan');
    const answer = await io.ask(prod ? `Production: type the stage table name (${plan.stage}) to write: ` : 'Write these rows? [y/N] ');
    if (prod ? answer.trim() !== plan.stage : !/^y(es)?$/i.test(answer.trim())) {
      io.err('Not applied: nothing was written.');
      return 1;
    }
  }
  const result = await applyPlan(ctx, plan, new Journal(journalPath(io.env)));
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else io.out(format.formatApplyResult(result));
  if (values.rerun && result.status === 'applied') {
    const rerun = await rerunStage(ctx, findStage(ctx.config, plan.stage), { offset: result.rerun.current_date_offset }, (line) => io.err(`  ${line}`));
    io.out(describeRerun(rerun));
  }
  return 0;
}

