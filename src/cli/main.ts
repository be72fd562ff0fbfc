/**
 * The headless CLI: the same operations as the TUI, for scripts and runbooks, through the same service. Every
 * command that writes makes a plan, shows it, and applies it only after confirmation (a TTY answer, or --yes);
 * a rerun is confirmed the same way.
 */
import { confirmsByTypedName, yesAloneRefusal } from '../data/confirmation.js';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { findStage, loadConfig, type Config } from '../data/config.js';
import { seedDemo, ensureDemoWarehouse, DEMO_EVENTS, DEMO_SEED } from '../data/demo/seed.js';
import { EvfixError, describeError } from '../data/errors.js';
import { parseSetArgument, type Edit } from '../data/json/edit.js';
import { Journal, journalPath } from '../data/journal.js';
import type { EngineOptions } from '../data/openWarehouse.js';
import { planRows, serializePlan, type Plan } from '../data/plan.js';
import { defaultOperator, type Context } from '../data/operations/context.js';
import { describeImpact } from '../data/operations/impact.js';
import { refuseApprover, requireTicket } from '../data/operations/approval.js';
import { describeEstimate } from '../data/operations/estimate.js';
import { describeRerun, describeRerunPreview } from '../data/operations/rerun.js';
import { openService } from '../data/service/open.js';
import type { Service } from '../data/service/service.js';
import { nowMicros, type Micros } from '../data/timestamp.js';
import { COMMANDS, GLOBAL_OPTIONS, commandHelp, findCommand, integer, mainHelp, type CommandSpec, type Parsed, type Values } from './commands.js';
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

const usage = (message: string) => new EvfixError('usage', message);

function parse(spec: CommandSpec, argv: string[]): Parsed {
  const options = { ...GLOBAL_OPTIONS, ...spec.options };
  try {
    const { values, positionals, tokens } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, multiple: o.multiple ?? false }])),
    });
    // Edits apply in the order typed, as JSON_SET applies its pairs left to right.
    const edits = tokens.flatMap((t): Edit[] => {
      if (t.kind !== 'option' || t.value === undefined) return [];
      if (t.name === 'set') return [parseSetArgument(t.value)];
      if (t.name === 'remove') return [{ op: 'remove', path: t.value }];
      if (t.name === 'replace') return [{ op: 'replace', document: t.value }];
      return [];
    });
    return { values: values as Values, positionals, edits };
  } catch (error) {
    if (error instanceof EvfixError) throw error;
    // Node's messages run over several lines; the operator gets one, naming the option.
    const message = (error as Error).message;
    const first = message.split('\n')[0]!.replace(/\.$/, '');
    const option = /'(--[\w-]+)/.exec(first)?.[1];
    if (/ambiguous/.test(message) && option) {
      throw usage(`${option}: its value starts with a dash; write ${option}=VALUE (e.g. ${option}=-1); see 'evfix ${spec.name} --help'`);
    }
    throw usage(`${first}; see 'evfix ${spec.name} --help'`);
  }
}

const str = (v: Values, name: string) => v[name] as string | undefined;

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
  // Closed however the command ends.
  let toClose: Service | undefined;
  try {
    const parsed = parse(spec, rest);
    if (parsed.values.help) {
      io.out(commandHelp(spec));
      return 0;
    }
    if (parsed.positionals.length !== spec.positionals.length) {
      throw usage(
        `evfix ${spec.name} takes ${spec.positionals.join(' ') || 'no arguments'}; got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'none'}`,
      );
    }
    const config = loadConfig({ configFile: str(parsed.values, 'config'), cwd: io.cwd, env: io.env });
    if (parsed.values['read-only']) config.read_only = true;
    const now = io.now ?? nowMicros;
    if (spec.action.type === 'demo') return await demo(config, parsed.values, io, now);
    const seeded = await ensureDemoWarehouse(config);
    if (seeded) io.err(`Created the demo warehouse at ${seeded.path} (${seeded.events} events).`);
    const opened = await openService(config, { operator: defaultOperator(config, io.env), journal: new Journal(journalPath(io.env)), now, engine: io.engine });
    const { ctx, service } = opened;
    toClose = service;
    for (const note of opened.notes) io.err(`evfix: ${note}`);
    const print = (json: unknown, text: string) => io.out(parsed.values.json ? JSON.stringify(json, null, 2) : text);
    switch (spec.action.type) {
      case 'read': {
        const printed = await spec.action.run(service, parsed);
        print(printed.json, printed.text);
        return printed.code ?? 0;
      }
      case 'plan': {
        ticketFor(ctx, parsed.values);
        const request = spec.action.request(parsed);
        // With --yes an update is applied as soon as it is shown: its snapshot may be kept for that apply.
        const v = parsed.values;
        const atOnce = v.yes === true && !v['dry-run'] && str(v, 'plan-out') === undefined && !ctx.config.read_only;
        return await review(await service.call('makePlan', request.op === 'update' && atOnce ? { ...request, applyNext: true } : request), service, ctx, v, io);
      }
      case 'apply-file':
        ticketFor(ctx, parsed.values);
        return await review(await service.call('readPlanFile', { file: parsed.positionals[0]! }), service, ctx, parsed.values, io, parsed.positionals[0]);
      case 'approve':
        return await approve(parsed.positionals[0]!, service, ctx, parsed.values, io);
      case 'rerun':
        return await rerun(service, ctx, parsed, io);
    }
    throw usage(`evfix ${spec.name} has nothing to do`);
  } catch (error) {
    io.err(`evfix ${spec.name}: ${describeError(error)}`);
    return error instanceof EvfixError && error.kind === 'usage' ? 2 : 1;
  } finally {
    await toClose?.close();
  }
}

async function demo(config: Config, values: Values, io: CliIO, now: () => Micros): Promise<number> {
  const result = await seedDemo(config, {
    events: integer(str(values, 'events'), 'events', 1, 10_000_000) ?? DEMO_EVENTS,
    seed: integer(str(values, 'seed'), 'seed', 0, 2 ** 31) ?? DEMO_SEED,
    reset: Boolean(values.reset),
    now: now(),
  });
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else io.out([`Demo warehouse ${result.path}: ${result.events} events.`, ...result.stages.map((s) => `  ${s.stage}: ${s.rows} rows`)].join('\n'));
  return 0;
}

/**
 * The impact preview (operations/impact.ts) under the plan. It writes the plan in a transaction it rolls back,
 * so read-only mode, where evfix may not open one, says so instead; a preview that fails does not stop the review.
 */
async function showImpact(plan: Plan, service: Service, ctx: Context, io: CliIO) {
  if (ctx.config.read_only) {
    io.out('\nImpact on the stage table: not computed in read-only mode (it needs a transaction, rolled back).');
    return;
  }
  try {
    io.out(`\n${describeImpact(await service.call('planImpact', { plan: plan.id }))}`);
  } catch (error) {
    io.out(`\nImpact on the stage table: not computed: ${describeError(error)}`);
  }
}

/**
 * What the apply script would scan (the engine's dry run), against the threshold over which applying is refused.
 * Engines without an estimate print nothing; an estimate that fails does not stop the review (apply checks again).
 */
async function showEstimate(plan: Plan, service: Service, io: CliIO) {
  try {
    const estimate = await service.call('estimatePlan', { plan: plan.id });
    if (estimate) io.out(describeEstimate(estimate));
  } catch (error) {
    io.out(`BigQuery estimate: not computed: ${describeError(error)}`);
  }
}

/**
 * The ticket a command that applies a plan carries (--ticket), checked before anything is planned: with
 * `ticket_pattern` in the config, one is required and must match it whole. A dry run or a saved plan applies
 * nothing, and needs none.
 */
function ticketFor(ctx: Context, values: Values): string | undefined {
  if (values['dry-run'] || str(values, 'plan-out') !== undefined || ctx.config.read_only) return str(values, 'ticket');
  return requireTicket(ctx.config, str(values, 'ticket'));
}

/** Shows a plan, then saves it, stops (dry run, read-only) or applies it after confirmation. `file`: where it was read from. */
async function review(plan: Plan, service: Service, ctx: Context, values: Values, io: CliIO, file?: string): Promise<number> {
  if (values.json) io.out(JSON.stringify(plan, null, 2));
  else io.out(format.formatPlan(plan, ctx.config.tables, ctx.now));
  if (values['dry-run']) {
    if (!values.json) {
      await showEstimate(plan, service, io);
      await showImpact(plan, service, ctx, io);
      io.out(`\nSQL (dry run, nothing written):\n${format.formatSql(plan)}`);
    }
    return 0;
  }
  const planOut = str(values, 'plan-out');
  if (planOut) {
    // A plan carries event documents (its sample): private to the operator, as the journal's kept plans are.
    writeFileSync(planOut, serializePlan(plan), { mode: 0o600 });
    io.err(
      ctx.config.approval === 'required'
        ? `Saved plan to ${planOut}; a second operator approves it with: evfix approve ${planOut}; then apply it with: evfix apply ${planOut}`
        : `Saved plan to ${planOut}; apply it with: evfix apply ${planOut}`,
    );
    return 0;
  }
  if (ctx.config.read_only) {
    io.err('Read-only mode: nothing was written.');
    return 0;
  }
  if (plan.kind === 'update' && plan.counts.problems && plan.on_problem === 'refuse') {
    throw new EvfixError(
      'refused',
      `${plan.counts.problems} selected event(s) cannot be changed as asked (JSON_SET would leave them unchanged), e.g. ${plan.problems[0]?.event_id}: ${plan.problems[0]?.reason}. Leave them out with --skip-problems, or narrow the selection. Nothing was written`,
    );
  }
  // An operator about to answer sees what the stage table will become; --yes skips the extra work.
  if (!values.yes && io.ask && !values.json) {
    await showEstimate(plan, service, io);
    await showImpact(plan, service, ctx, io);
  }
  // The question names what happens: a revert deletes rows, most plans write them, a plan may do both.
  const words = format.confirmWords(plan);
  const asked = { stage: plan.stage, rows: planRows(plan), question: words.question, verb: words.verb, nothing: words.nothing };
  if (!(await confirmWrite(ctx, values, io, { ...asked, declined: `Not applied: ${words.nothing}.` }))) return 1;
  const result = await service.call('applyPlan', { plan: plan.id, ticket: ticketFor(ctx, values), file });
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else io.out(format.formatApplyResult(result));
  if (values.rerun && result.status === 'applied') {
    const rerun = await service.call('rerun', { stage: plan.stage, offset: result.rerun.current_date_offset }, { onProgress: (line) => io.err(`  ${line}`) });
    io.out(describeRerun(rerun));
  }
  return 0;
}

/**
 * `evfix approve FILE`: the second operator's review. The plan file is read and verified as `apply FILE` reads
 * it, shown with its impact and SQL (the impact's transaction re-checks that it is not applied and not stale),
 * and, once confirmed, the approval is recorded after the same re-checks. Refused, with nothing written, for the
 * plan's author and for an operator who approved it already.
 */
async function approve(file: string, service: Service, ctx: Context, values: Values, io: CliIO): Promise<number> {
  const plan = await service.call('readPlanFile', { file });
  if (ctx.config.read_only) throw new EvfixError('refused', 'evfix is in read-only mode; nothing was approved');
  // The author, or an operator who approved it already, is refused before the plan is shown (and again when recorded).
  refuseApprover(ctx, plan, plan.operator === ctx.operator ? [] : (await service.call('planApproval', { plan: plan.id })).approvals);
  if (!values.json) {
    io.out(format.formatPlan(plan, ctx.config.tables, ctx.now));
    await showEstimate(plan, service, io);
  }
  // The impact preview is apply's transaction rolled back: a plan applied already, or stale, is refused here.
  const impact = await service.call('planImpact', { plan: plan.id }).catch((error: unknown) => {
    throw new EvfixError('refused', `${describeError(error)} (not approved)`);
  });
  if (!values.json) {
    io.out(`\n${describeImpact(impact)}`);
    io.out(`\nSQL:\n${format.formatSql(plan)}`);
    if (ctx.config.approval !== 'required')
      io.err(`Note: approval is not required by ${ctx.config.source} (approval: ${ctx.config.approval}); the approval is recorded all the same.`);
  }
  if (!values.yes) {
    if (!io.ask) throw new EvfixError('refused', 'not approved: there is no terminal to confirm on; pass --yes to approve');
    const answer = await io.ask(`Approve plan ${plan.id} (made by ${plan.operator}) as ${ctx.operator}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.err('Not approved: nothing was written.');
      return 1;
    }
  }
  const approval = await service.call('approvePlan', { plan: plan.id, note: str(values, 'note') });
  if (values.json) io.out(JSON.stringify(approval, null, 2));
  else
    io.out(
      `Approved plan ${plan.id} as ${approval.approved_by} at ${approval.approved_at} (recorded in ${ctx.config.tables.approvals}).\n${plan.operator} can now apply it with: evfix apply ${file}`,
    );
  return 0;
}

/**
 * The confirmation every write needs, the same for plans and reruns: a TTY answer (in prod, the stage table's
 * name typed), or --yes; in prod --yes alone is capped at prod_yes_max_rows rows without --confirm-table.
 * Returns false when the operator said no; throws when the write may not go ahead at all.
 */
async function confirmWrite(
  ctx: Context,
  values: Values,
  io: CliIO,
  what: { stage: string; rows: number; question: string; declined: string; verb: string; nothing: string },
): Promise<boolean> {
  const prod = confirmsByTypedName(ctx.config);
  const confirmTable = str(values, 'confirm-table');
  if (confirmTable !== undefined && confirmTable !== what.stage) {
    throw new EvfixError('refused', `--confirm-table ${confirmTable} does not name this stage table (${what.stage}); ${what.nothing}`);
  }
  const refusal = values.yes && confirmTable === undefined ? yesAloneRefusal(ctx.config, what.rows, what.stage) : undefined;
  if (refusal) throw new EvfixError('refused', `${refusal}. ${what.nothing[0]!.toUpperCase()}${what.nothing.slice(1)}`);
  if (values.yes) return true;
  if (!io.ask)
    throw new EvfixError(
      'refused',
      `there is no terminal to confirm on, so ${what.nothing}; pass --yes to ${what.verb}, or --dry-run to see what would be done`,
    );
  const answer = await io.ask(prod ? `Production: type the stage table name (${what.stage}) to ${what.verb}: ` : what.question);
  if (prod ? answer.trim() === what.stage : /^y(es)?$/i.test(answer.trim())) return true;
  io.err(what.declined);
  return false;
}

/**
 * `evfix rerun`: a write like any other. --dry-run shows the window, what runs and the rows it would remove
 * and write, and writes nothing; the rerun itself needs the same confirmation as a plan.
 */
async function rerun(service: Service, ctx: Context, { values, positionals }: Parsed, io: CliIO): Promise<number> {
  if (str(values, 'plan-out') !== undefined) {
    throw usage(
      '--plan-out saves a plan, and a rerun has none to save (it rebuilds the stage table from the three source tables); use --dry-run to see what it would do',
    );
  }
  const stage = findStage(ctx.config, positionals[0]!);
  const offset = integer(str(values, 'offset'), 'offset', 0);
  const since = str(values, 'since');
  if (since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(since.trim())) {
    throw new EvfixError(
      'input',
      `--since ${since}: a rerun rebuilds whole days; give a date (YYYY-MM-DD), and the rebuild starts at its midnight UTC`,
      'since',
    );
  }
  if (ctx.config.read_only && !values['dry-run'])
    throw new EvfixError('refused', 'evfix is in read-only mode; the stage table was not rebuilt (--dry-run shows what a rerun would do)');
  const preview = await service.call('rerunPreview', { stage: stage.name, offset, since });
  if (values.json && values['dry-run']) {
    io.out(JSON.stringify(preview, null, 2));
    return 0;
  }
  (values.json ? io.err : io.out)(describeRerunPreview(preview));
  if (values['dry-run']) {
    io.out('\nDry run: nothing was rebuilt.');
    return 0;
  }
  const question = `Rebuild ${stage.name} from ${preview.since.slice(0, 10)}? [y/N] `;
  const rebuild = { stage: stage.name, rows: preview.removes + preview.writes, question, verb: 'rebuild it', nothing: 'nothing was rebuilt' };
  if (!(await confirmWrite(ctx, values, io, { ...rebuild, declined: 'Not rebuilt: the stage table is as it was.' }))) return 1;
  // dbt's output goes to stderr as it comes, so stdout stays the result (and --json stays JSON).
  const result = await service.call('rerun', { stage: stage.name, since: preview.since.slice(0, 10) }, { onProgress: (line) => io.err(`  ${line}`) });
  io.out(values.json ? JSON.stringify(result, null, 2) : describeRerun(result));
  return 0;
}
