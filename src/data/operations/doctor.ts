/**
 * `evfix doctor`: is this installation ready to fix data? One line per check,
 * each either ok or what to fix: the config, the credentials, the three
 * tables and their columns, every stage table, and dbt when it runs reruns.
 */
import { describePending, pendingRerun } from './pending.js';
import { PROD_MAXIMUM_BYTES_BILLED } from '../config.js';
import { dbtCommandLine, dbtVersion } from '../dbt/runner.js';
import { partitionProblem, type TablePartitioning } from '../engine.js';
import { describeError } from '../errors.js';
import { TABLE_SCHEMAS } from '../model.js';
import type { Context } from './context.js';

export type DoctorCheck = { name: string; ok: boolean; detail: string };

/** What is wrong with a table's columns, or undefined when every expected column is there with its type. */
function columnProblems(found: Map<string, string>, expected: [string, string][]): string | undefined {
  const problems: string[] = [];
  for (const [name, type] of expected) {
    const actual = found.get(name);
    if (actual === undefined) problems.push(`${name} is missing`);
    else if (actual !== type) problems.push(`${name} is ${actual}, expected ${type}`);
  }
  return problems.length ? problems.join('; ') : undefined;
}

/**
 * One table's partitioning as doctor words it. A source table evfix cannot prune fails (plans are refused); a
 * stage table fails only where every read of it would fail (require_partition_filter on another column), and is
 * otherwise a warning: dbt decides its layout, and evfix reads it over the rerun's window only.
 */
function partitionCheck(name: string, table: string, p: TablePartitioning | undefined, source: boolean): { name: string; ok: boolean; detail: string } {
  const required = p?.requireFilter ? ', with require_partition_filter' : '';
  if (!p?.column)
    return {
      name,
      ok: true,
      detail: `${table}: warning: not partitioned, so every read scans the whole table (each under dry_run_threshold_bytes); partition it by DATE(event_created_at) to prune reads to their window`,
    };
  if (p.column === 'event_created_at')
    return { name, ok: true, detail: `${table}: partitioned by event_created_at${required}; evfix's reads are pruned to their window` };
  if (source) return { name, ok: false, detail: `${table}: ${partitionProblem(p)}; until then evfix refuses to plan` };
  const what = p.column === '_PARTITIONTIME' ? 'ingestion time (_PARTITIONTIME)' : p.column;
  return p.requireFilter
    ? {
        name,
        ok: false,
        detail: `${table}: partitioned by ${what}, with require_partition_filter: evfix's reads of the stage table bound event_created_at, so every one fails; drop the option or partition the model by DATE(event_created_at)`,
      }
    : {
        name,
        ok: true,
        detail: `${table}: warning: partitioned by ${what}, so evfix's reads of it (bounded by event_created_at) scan it whole; partition the model by DATE(event_created_at) to prune them`,
      };
}

/**
 * `createAudit` (`evfix doctor --create-audit`): first creates the audit and approvals tables where the engine
 * does not create them itself (BigQuery), so the checks below find them.
 */
export async function runDoctor(ctx: Context, env: NodeJS.ProcessEnv = process.env, options: { createAudit?: boolean } = {}): Promise<DoctorCheck[]> {
  const { config, engine } = ctx;
  const checks: DoctorCheck[] = [];
  const where =
    config.engine.type === 'bigquery'
      ? `BigQuery project ${config.engine.project}${config.engine.location ? ` (${config.engine.location})` : ''}`
      : `DuckDB ${config.engine.path}`;
  const control = `${config.approval === 'required' ? ', approval required' : ''}${config.ticket_pattern ? `, tickets matching ${config.ticket_pattern}` : ''}`;
  checks.push({
    name: 'config',
    ok: true,
    detail: `${config.source}: ${where}, ${config.stages.length} stage table(s), reruns by ${config.rerun.runner}${control}`,
  });
  if (options.createAudit) {
    const both = `${config.tables.audit} and ${config.tables.approvals}`;
    if (config.read_only) checks.push({ name: 'create audit', ok: false, detail: `read-only mode: ${both} were not created` });
    else if (!engine.createAuditTables)
      checks.push({
        name: 'create audit',
        ok: true,
        detail: `evfix creates ${both} itself on this warehouse (with the first apply or approval); nothing to create`,
      });
    else {
      try {
        const created = await engine.createAuditTables();
        checks.push({ name: 'create audit', ok: true, detail: created.length ? `created ${created.join(' and ')}` : `${both} exist already; nothing created` });
      } catch (error) {
        checks.push({ name: 'create audit', ok: false, detail: describeError(error) });
      }
    }
  }

  if (config.engine.type === 'bigquery') {
    const cap = config.engine.maximum_bytes_billed;
    const tib = (b: number) =>
      b >= 1024 ** 4
        ? `${(b / 1024 ** 4).toLocaleString('en-US', { maximumFractionDigits: 2 })} TiB`
        : `${(b / 1024 ** 3).toLocaleString('en-US', { maximumFractionDigits: 2 })} GiB`;
    checks.push({
      name: 'cost',
      ok: true,
      detail:
        cap === undefined
          ? `warning: engine.maximum_bytes_billed is not set, so a job's bytes are not capped (environment ${config.environment}); reads are still dry-run against dry_run_threshold_bytes`
          : `every job is capped at ${tib(cap)} billed${cap === PROD_MAXIMUM_BYTES_BILLED && config.environment === 'prod' ? " (evfix's prod default; set engine.maximum_bytes_billed to choose)" : ''}`,
    });
  }

  let reachable = true;
  try {
    checks.push({ name: 'access', ok: true, detail: await engine.checkAccess() });
  } catch (error) {
    reachable = false;
    checks.push({ name: 'access', ok: false, detail: describeError(error) });
  }

  if (reachable) {
    // The table each stage is rebuilt into: the dbt manifest's relation where there is one, else stage_schema.name.
    const stageTables = config.stages.map((s) =>
      s.relation
        ? config.engine.type === 'bigquery'
          ? `${s.relation.project}.${s.relation.dataset}.${s.relation.table}`
          : `${s.relation.dataset}.${s.relation.table}`
        : `${config.stage_schema}.${s.name}`,
    );
    const relationSource = (s: (typeof config.stages)[number]) =>
      s.relation
        ? s.relation.source === 'config'
          ? 'relation given in the config'
          : `from the dbt manifest's ${s.relation.source === 'relation_name' ? 'relation_name' : 'database, schema and alias'}`
        : 'stage_schema and the model name';
    try {
      const columns = await engine.tableColumns([
        config.tables.events,
        config.tables.exceptions,
        config.tables.exclusions,
        config.tables.audit,
        config.tables.approvals,
        ...stageTables,
      ]);
      for (const role of ['events', 'exceptions', 'exclusions', 'audit', 'approvals'] as const) {
        const name = config.tables[role];
        const found = columns.get(name);
        const own = role === 'audit' || role === 'approvals';
        const why = role === 'audit' ? 'every apply records itself in it' : 'approval is required, and apply reads the approvals in it';
        const missing = !own
          ? `does not exist (or evfix cannot see it); check tables.${role} in the config`
          : config.engine.type === 'duckdb'
            ? `does not exist yet; evfix creates it with the first ${role === 'audit' ? 'apply' : 'approval'}`
            : role === 'approvals' && config.approval !== 'required'
              ? 'does not exist; needed only with approval: required (`evfix doctor --create-audit` creates it)'
              : `does not exist; ${why}, so create it once with \`evfix doctor --create-audit\`, or with:\n${engine.auditTableDdl(role)};`;
        const problem = found ? columnProblems(found, TABLE_SCHEMAS[role]) : missing;
        // Not there and not needed yet: evfix makes it (DuckDB), or nothing reads it (approvals without approval: required).
        if (!found && own && (config.engine.type === 'duckdb' || (role === 'approvals' && config.approval !== 'required'))) {
          checks.push({ name: `table ${role}`, ok: true, detail: `${name}: ${missing}` });
          continue;
        }
        checks.push({ name: `table ${role}`, ok: !problem, detail: problem ? `${name}: ${problem}` : `${name}: ${found!.size} columns as expected` });
      }
      // Whether evfix's reads (each bounds event_created_at) can be pruned to their window, table by table.
      const partitioned = await engine
        .tablePartitioning?.([config.tables.events, config.tables.exceptions, config.tables.exclusions, ...stageTables])
        .catch((error: unknown) => {
          checks.push({ name: 'partitioning', ok: false, detail: `cannot read it from INFORMATION_SCHEMA: ${describeError(error)}` });
          return undefined;
        });
      if (partitioned) {
        for (const role of ['events', 'exceptions', 'exclusions'] as const) {
          const name = config.tables[role];
          if (columns.has(name)) checks.push(partitionCheck(`partitioning ${role}`, name, partitioned.get(name), true));
        }
        config.stages.forEach((stage, i) => {
          if (columns.has(stageTables[i]!)) checks.push(partitionCheck(`partitioning ${stage.name}`, stageTables[i]!, partitioned.get(stageTables[i]!), false));
        });
      }
      for (const [i, stage] of config.stages.entries()) {
        const found = columns.get(stageTables[i]!);
        checks.push({
          name: `stage ${stage.name}`,
          ok: Boolean(found),
          detail: found
            ? `${stageTables[i]} exists (${stage.event_name}; ${relationSource(stage)})`
            : `${stageTables[i]} does not exist (${relationSource(stage)}); build it once with dbt (or check ${stage.relation ? 'the manifest' : 'stage_schema'})`,
        });
        // Not a fault of the setup, but what an operator checking the warehouse needs to know.
        if (found) {
          const pending = await pendingRerun(ctx, stage).catch(() => undefined);
          if (pending !== undefined) {
            checks.push({
              name: `rerun ${stage.name}`,
              ok: true,
              detail: pending ? `${describePending(pending)}: run ${pending.command}` : 'the stage table shows every applied plan',
            });
          }
        }
      }
    } catch (error) {
      checks.push({ name: 'tables', ok: false, detail: describeError(error) });
    }
  }

  const dbt = config.rerun.dbt;
  if (config.rerun.runner === 'dbt' && dbt) {
    try {
      const version = await dbtVersion(dbt, env);
      checks.push({ name: 'dbt', ok: true, detail: `${version}; reruns run: ${dbtCommandLine(dbt, config.stages[0]!, 3)}` });
    } catch (error) {
      checks.push({ name: 'dbt', ok: false, detail: describeError(error) });
    }
  }
  return checks;
}

export const formatDoctor = (checks: readonly DoctorCheck[]) => checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`).join('\n');
