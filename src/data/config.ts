/**
 * evfix.config.json / .yaml: which warehouse, which tables, which stage tables.
 *
 * Found from the working directory upward unless --config names a file. With
 * no file at all, evfix runs on the embedded demo warehouse. Every identifier
 * here ends up quoted in SQL, so the schema also holds identifiers to a strict
 * pattern: a table name cannot smuggle SQL in.
 */
import { readTextOr } from './files.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { EvfixError } from './errors.js';
import { parsePath } from './json/path.js';
import { DATASET_ID, PROJECT_ID, TABLE_ID } from './dbt/bigqueryNames.js';
import { readManifest, stageRelation, stagesFromManifest } from './dbt/manifest.js';
import { readDbtTarget, type DbtTarget } from './dbt/profile.js';
import { PARSE_OPTIONS } from './parseOptions.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** dataset.table, or project.dataset.table where a BigQuery project id may contain hyphens. */
const TABLE = /^(?:[a-z][a-z0-9-]{4,28}[a-z0-9]\.)?[A-Za-z_][A-Za-z0-9_]{0,1023}\.[A-Za-z_][A-Za-z0-9_]{0,1023}$/;

const identifier = z.string().regex(IDENT, 'must be a plain identifier (letters, digits, underscore)');
const tableName = z.string().regex(TABLE, 'must be dataset.table or project.dataset.table (letters, digits, underscore)');
const jsonPath = z.string().superRefine((value, ctx) => {
  try {
    parsePath(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^path: /, '') });
  }
});

const StageSchema = z.strictObject({
  name: identifier,
  event_name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be an event name such as CardWasShipped'),
  business_keys: z.array(jsonPath).default([]),
  columns: z.array(z.strictObject({ name: identifier, path: jsonPath })).default([]),
  /** The table dbt builds for this model (from the manifest), when it is not stage_schema.name. */
  relation: z
    .strictObject({
      project: z.string().regex(PROJECT_ID, 'must be a Google Cloud project id'),
      dataset: z.string().regex(DATASET_ID, 'must be a BigQuery dataset name (letters, digits, underscore)'),
      table: z.string().regex(TABLE_ID, 'must be a table name (letters, digits, underscore)'),
      source: z.enum(['relation_name', 'database/schema/alias', 'config']).default('config'),
    })
    .optional(),
});
export type StageConfig = z.infer<typeof StageSchema>;

const DuckdbEngine = z.strictObject({
  type: z.literal('duckdb'),
  path: z.string().min(1),
  /**
   * DuckDB's working memory (it spills to disk beyond it), e.g. "1GB". The default keeps what a plan of any
   * row count takes flat (DuckDB's own default is 80% of the machine's memory): a scan keeps the blocks it read
   * until the limit is reached, so a plan's process holds about the limit once its rows pass a few hundred
   * thousand events, and less below. At 64MB the bench's evfix process peaked near 215 MB for a 100,000-event
   * update and 220 MB for a million (a 2M-event update of the whole file, 201 MB); at 96MB, 220 and 285 MB.
   * 48MB ran out of memory in the million-row insert. Queries share the limit: sessions take turns
   * (connection.ts). An operation that needs more fails with a message naming this setting.
   */
  memory_limit: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'must be a size such as 256MB')
    .default('64MB'),
});
const projectId = z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id such as dw-prod-gwiiag');
const BigqueryEngine = z.strictObject({
  type: z.literal('bigquery'),
  /** Optional when the dbt profile supplies it (engine.from_dbt_profile). */
  project: projectId.optional(),
  location: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'must be a BigQuery location such as EU or europe-west1')
    .optional(),
  /** Every job evfix runs is capped at this many billed bytes. */
  maximum_bytes_billed: z.number().int().positive().optional(),
  /** Reads estimated (by a dry run) above this many bytes are refused until the operator raises it. */
  dry_run_threshold_bytes: z
    .number()
    .int()
    .positive()
    .default(50 * 1024 ** 3),
  /** How far back a lookup by event_id alone searches, in days (every read names its partitions). */
  lookup_days: z.number().int().min(1).max(3650).default(90),
  /** No longer used (plans keep no scratch tables: many keys go into a session temp table); accepted so older configs still load. */
  scratch_dataset: z.string().regex(IDENT, 'must be a plain identifier (letters, digits, underscore)').optional(),
  /** Read project, dataset and location from the dbt profile of rerun.dbt (profiles.yml). */
  from_dbt_profile: z.boolean().default(false),
  /** A Private Service Connect endpoint such as https://bigquery-myendpoint.p.googleapis.com. */
  api_endpoint: z.string().url().optional(),
});

const DbtRunner = z.strictObject({
  executable: z.string().min(1).default('dbt'),
  project_dir: z.string().min(1),
  profiles_dir: z.string().min(1).optional(),
  profile: z.string().regex(IDENT, 'must be a plain identifier (letters, digits, underscore)').optional(),
  target: z.string().regex(IDENT, 'must be a plain identifier (letters, digits, underscore)').optional(),
  /** Also rebuild the models downstream of the stage table (`--select model+`). */
  downstream: z.boolean().default(false),
  /** A compiled manifest.json; when set, the stage tables can come from it (see stages_from_manifest). */
  manifest: z.string().min(1).optional(),
});

const RerunSettings = z.strictObject({
  /** sql: evfix runs create_stage_table itself; dbt: evfix runs `dbt run --select <model>`. */
  runner: z.enum(['sql', 'dbt']).default('sql'),
  dbt: DbtRunner.optional(),
});

const ManifestStages = z.strictObject({
  /** Models carrying this tag are stage tables. */
  tag: z.string().min(1).optional(),
  /** Or: models whose file path starts with this (e.g. models/stage/). */
  path_prefix: z.string().min(1).optional(),
});

export const ConfigSchema = z.strictObject({
  engine: z.discriminatedUnion('type', [DuckdbEngine, BigqueryEngine]),
  tables: z
    .strictObject({
      events: tableName.default('kinesis.backend_events'),
      exceptions: tableName.default('s3.backend_events_exceptions'),
      exclusions: tableName.default('s3.backend_events_exclusions'),
      /** evfix's audit table: one row per applied plan, written in the plan's transaction (see README). */
      audit: tableName.default('s3.evfix_audit'),
      /** One row per approval of a plan by a second operator (`evfix approve`), read by apply when approval is required. */
      approvals: tableName.default('s3.evfix_approvals'),
    })
    .default({
      events: 'kinesis.backend_events',
      exceptions: 's3.backend_events_exceptions',
      exclusions: 's3.backend_events_exclusions',
      audit: 's3.evfix_audit',
      approvals: 's3.evfix_approvals',
    }),
  stage_schema: identifier.default('stage'),
  stages: z.array(StageSchema).default([]),
  /** Stage tables named by the dbt manifest (rerun.dbt.manifest); each still needs its event_name (meta.event_name). */
  stages_from_manifest: ManifestStages.optional(),
  rerun: RerunSettings.default({ runner: 'sql' }),
  lookback_days: z.number().int().min(1).max(3650).default(14),
  /**
   * How far before a window the stage rules look for an event's exceptions: the latest exception of an event_id
   * is decided over every exception this many days back (bounded, so BigQuery prunes partitions).
   */
  exception_horizon_days: z.number().int().min(1).max(36500).default(365),
  environment: z.enum(['dev', 'staging', 'prod']).default('dev'),
  read_only: z.boolean().default(false),
  /** In prod, `--yes` alone may write plans up to this many rows; larger ones also need `--confirm-table STAGE`. */
  prod_yes_max_rows: z.number().int().min(0).default(100),
  operator: z.string().min(1).optional(),
  /**
   * Four-eyes: with `required`, a plan is applied only once a second operator (neither its author nor the one
   * applying it) has approved it with `evfix approve FILE`; apply checks it inside its transaction.
   */
  approval: z.enum(['none', 'required']).default('none'),
  /** A regular expression every apply's ticket must match as a whole (e.g. `[A-Z]+-[0-9]+`); no ticket asked without it. */
  ticket_pattern: z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      try {
        ticketRegExp(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(error as Error).message}` });
      }
    })
    .optional(),
});

/** The ticket pattern as matched: against the whole ticket, never a part of it. */
export const ticketRegExp = (pattern: string) => new RegExp(`^(?:${pattern})$`, 'u');
export type Config = z.infer<typeof ConfigSchema> & {
  /** Where the config came from, for messages; "demo" for the built-in one. */
  source: string;
  /**
   * With engine.from_dbt_profile: the dbt target the connection came from. Its auth method (oauth, a service
   * account key, impersonation) and execution_project are what the BigQuery client uses (openWarehouse.ts).
   */
  dbtTarget?: DbtTarget;
};

export const DEMO_STAGES: StageConfig[] = [
  { name: 'remittance_was_sent_event', event_name: 'RemittanceWasSent', business_keys: ['$.remittance_id'], columns: [{ name: 'status', path: '$.Status' }] },
  { name: 'card_was_shipped_event', event_name: 'CardWasShipped', business_keys: ['$.shipment_id'], columns: [{ name: 'carrier', path: '$.carrier' }] },
  {
    name: 'transaction_was_created_event',
    event_name: 'TransactionWasCreated',
    business_keys: ['$.transaction_id'],
    columns: [
      { name: 'transaction_id', path: '$.transaction_id' },
      { name: 'amount', path: '$.amount' },
    ],
  },
  { name: 'user_was_registered_event', event_name: 'UserWasRegistered', business_keys: [], columns: [{ name: 'country', path: '$.country' }] },
  { name: 'account_was_opened_event', event_name: 'AccountWasOpened', business_keys: ['$.account_id'], columns: [{ name: 'currency', path: '$.currency' }] },
];

export function demoWarehousePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'evfix', 'demo.duckdb');
}

/**
 * Whether the demo warehouse is still to be created: no config file, and no demo file yet. Here rather than
 * beside the seeding, so the TUI can tell before it loads any engine.
 */
export function demoWarehouseMissing(config: Config): boolean {
  return config.source === 'demo' && config.engine.type === 'duckdb' && !existsSync(config.engine.path);
}

export function demoConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    ...ConfigSchema.parse({ engine: { type: 'duckdb', path: demoWarehousePath(env) }, stages: DEMO_STAGES }, PARSE_OPTIONS),
    source: 'demo',
  };
}

const NAMES = ['evfix.config.json', 'evfix.config.yaml', 'evfix.config.yml'];

export function findConfigFile(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads and validates a config file; every problem names its field. */
export function readConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const text = readTextOr(file, (why) => new EvfixError('config', `${file}: cannot be read (${why})`));
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new EvfixError('config', `${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  const result = ConfigSchema.safeParse(raw, PARSE_OPTIONS);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length
      ? issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')
      : '(top level)';
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem${result.error.issues.length > 2 ? 's' : ''})` : '';
    throw new EvfixError('config', `${file}: ${where}: ${issue.message}${more}`, where);
  }
  const config = result.data;
  const names = new Set<string>();
  for (const stage of config.stages) {
    if (names.has(stage.name)) throw new EvfixError('config', `${file}: stages: "${stage.name}" is listed twice`, 'stages');
    names.add(stage.name);
  }
  const here = (path: string) => (isAbsolute(path) ? path : resolve(dirname(file), path));
  if (config.engine.type === 'duckdb') config.engine.path = here(config.engine.path);
  const dbt = config.rerun.dbt;
  if (dbt) {
    dbt.project_dir = here(dbt.project_dir);
    if (dbt.profiles_dir) dbt.profiles_dir = here(dbt.profiles_dir);
    if (dbt.manifest) dbt.manifest = here(dbt.manifest);
  }
  if (config.rerun.runner === 'dbt' && !dbt) throw new EvfixError('config', `${file}: rerun.dbt: is required when rerun.runner is "dbt"`, 'rerun.dbt');
  if (config.stages_from_manifest && !dbt?.manifest)
    throw new EvfixError('config', `${file}: stages_from_manifest needs rerun.dbt.manifest`, 'rerun.dbt.manifest');
  const manifest = dbt?.manifest ? readManifest(dbt.manifest) : undefined;
  // A stage listed here is a dbt model too: its table is where dbt builds it (custom schema, alias, project).
  for (const stage of config.stages) {
    const relation = stage.relation ?? (manifest && stageRelation(manifest, stage.name));
    if (relation) stage.relation = relation;
  }
  if (manifest && config.stages_from_manifest) {
    for (const stage of stagesFromManifest(manifest, config.stages_from_manifest)) {
      // A stage listed in the config wins over the manifest's description of it.
      if (names.has(stage.name)) continue;
      const parsed = StageSchema.safeParse(stage, PARSE_OPTIONS);
      if (!parsed.success) throw new EvfixError('config', `${manifest.file}: model ${stage.name}: ${parsed.error.issues[0]!.message}`, 'stages_from_manifest');
      config.stages.push(parsed.data);
      names.add(stage.name);
    }
  }
  if (config.stages.length === 0) throw new EvfixError('config', `${file}: stages: must list at least one stage table`, 'stages');
  let dbtTarget: DbtTarget | undefined;
  if (config.engine.type === 'bigquery') {
    if (config.engine.from_dbt_profile) {
      if (!dbt) throw new EvfixError('config', `${file}: engine.from_dbt_profile needs rerun.dbt (project_dir, profiles_dir)`, 'engine.from_dbt_profile');
      const target = readDbtTarget({ projectDir: dbt.project_dir, profilesDir: dbt.profiles_dir, profile: dbt.profile, target: dbt.target }, env);
      dbtTarget = target;
      config.engine.project ??= target.project;
      config.engine.location ??= target.location;
      if (raw && typeof raw === 'object' && !('stage_schema' in raw)) config.stage_schema = target.dataset;
    }
    if (!config.engine.project)
      throw new EvfixError('config', `${file}: engine.project: is required for BigQuery (or set engine.from_dbt_profile)`, 'engine.project');
    // In production every job is capped even when the config forgets to: a mistyped window must not bill a scan
    // of years of events. doctor says which cap is in force.
    if (config.environment === 'prod') config.engine.maximum_bytes_billed ??= PROD_MAXIMUM_BYTES_BILLED;
  }
  return { ...config, source: file, ...(dbtTarget ? { dbtTarget } : {}) };
}

/** The cap on billed bytes per BigQuery job in `environment: prod` when the config sets none: 1 TiB. */
export const PROD_MAXIMUM_BYTES_BILLED = 1024 ** 4;

export function loadConfig(options: { configFile?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const file = options.configFile ?? findConfigFile(options.cwd ?? process.cwd());
  return file ? readConfigFile(file, options.env) : demoConfig(options.env);
}

export function findStage(config: Config, name: string): StageConfig {
  const stage = config.stages.find((s) => s.name === name);
  if (!stage) {
    throw new EvfixError('input', `unknown stage table "${name}"; configured: ${config.stages.map((s) => s.name).join(', ')}`, 'stage');
  }
  return stage;
}
