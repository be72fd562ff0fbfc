/**
 * The BigQuery target of a dbt profile (profiles.yml), found and rendered the
 * way dbt finds and renders it, so that evfix reads the same warehouse, with
 * the same credentials, that `dbt run` in rerun.dbt.project_dir would use.
 *
 * Followed from dbt-core 1.11 (tag v1.11.14); the lookup order is the same
 * since dbt 1.3 (core/dbt/flags.py there, core/dbt/cli/ since 1.5):
 * - profiles dir: `--profiles-dir` (evfix: rerun.dbt.profiles_dir), else
 *   DBT_PROFILES_DIR, else the current directory if it holds a profiles.yml,
 *   else ~/.dbt (core/dbt/cli/params.py `profiles_dir`,
 *   core/dbt/cli/resolvers.py `default_profiles_dir`). evfix runs dbt with its
 *   working directory in project_dir, so "the current directory" is
 *   project_dir, and a relative DBT_PROFILES_DIR is relative to it too. An
 *   empty variable counts as unset (click reads env vars that way).
 * - profile: `--profile` (evfix: rerun.dbt.profile), else DBT_PROFILE, else
 *   dbt_project.yml's `profile:`, rendered (params.py `profile`;
 *   core/dbt/config/profile.py `pick_profile_name`, project.py
 *   `render_profile_name`).
 * - target: `--target` (evfix: rerun.dbt.target), else DBT_TARGET, else the
 *   profile's `target:` rendered, else "default" (params.py `target`;
 *   profile.py `render_profile`).
 * - Only the chosen target is rendered, so a missing env var in another target
 *   is no error (profile.py `render_profile`). evfix renders only the fields it
 *   uses (below); dbt itself will report the rest when it runs.
 * - Field names and defaults are dbt-bigquery's
 *   (dbt/adapters/bigquery/credentials.py): `project` is an alias of
 *   `database`, `dataset` of `schema` (both at once is an error), `method` and
 *   the dataset are required, execution_project defaults to the project, and
 *   the scopes default to bigquery, cloud-platform and drive.
 * - YAML is read as YAML 1.1 with merge keys (`<<: *defaults`), as PyYAML
 *   reads it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { EvfixError } from '../errors.js';
import { DATASET_RULE, isDatasetId, isProjectId, LOCATION, PROJECT_RULE, shown } from './bigqueryNames.js';
import { renderTemplate, type Rendered } from './profileTemplate.js';

export type BigqueryMethod = 'oauth' | 'service-account' | 'service-account-json' | 'oauth-secrets';
const METHODS: readonly BigqueryMethod[] = ['oauth', 'service-account', 'service-account-json', 'oauth-secrets'];

/** dbt-bigquery's default scopes (credentials.py `scopes`). */
export const DBT_BIGQUERY_SCOPES = [
  'https://www.googleapis.com/auth/bigquery',
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/drive',
];

/** Where each choice came from, for doctor and for messages. */
export type DbtLookup = {
  profilesDir: { dir: string; from: 'rerun.dbt.profiles_dir' | 'DBT_PROFILES_DIR' | 'project_dir' | '~/.dbt' };
  profile: { name: string; from: 'rerun.dbt.profile' | 'DBT_PROFILE' | 'dbt_project.yml' };
  target: { name: string; from: 'rerun.dbt.target' | 'DBT_TARGET' | 'profiles.yml' | 'dbt default' };
};

export type DbtTarget = {
  /** The profiles.yml that was read. */
  file: string;
  profile: string;
  target: string;
  lookup: DbtLookup;
  /** Where the data lives (project/database). Absent: dbt falls back to the environment's default project. */
  project?: string;
  /** The target dataset (dataset/schema): models without a custom schema live here. */
  dataset: string;
  location?: string;
  /** Where jobs run and are billed (execution_project); dbt defaults it to the project. */
  executionProject?: string;
  method: BigqueryMethod;
  /** service-account: the key file, resolved against project_dir (dbt's working directory). */
  keyfile?: string;
  impersonateServiceAccount?: string;
  scopes: string[];
  /**
   * service-account-json: the key itself (a mapping, or base64 of the JSON), and
   * oauth-secrets: the tokens. Not enumerable: never printed, logged or copied
   * along with the target.
   */
  readonly secrets?: {
    keyfileJson?: Record<string, unknown> | string;
    token?: string;
    refreshToken?: string;
    clientId?: string;
    clientSecret?: string;
    tokenUri?: string;
  };
};

export type DbtProfileOptions = { projectDir: string; profilesDir?: string; profile?: string; target?: string };

const configError = (message: string) => new EvfixError('config', message, 'rerun.dbt');

// ---- YAML with line numbers ----

type Located =
  | { kind: 'scalar'; value: unknown; line: number }
  | { kind: 'map'; entries: Map<string, Located>; line: number }
  | { kind: 'seq'; items: Located[]; line: number };

type YamlFile = { file: string; root: Located | undefined };

function readYaml(file: string): YamlFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError(`${file}: cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const lines = new LineCounter();
  // PyYAML (which dbt uses) lets a later duplicate key win; so does this.
  const doc = parseDocument(text, { version: '1.1', lineCounter: lines, uniqueKeys: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const at = e.linePos?.[0]?.line;
    // Only the first line of the message: the rest quotes the file, which may hold a key.
    throw configError(`${file}${at ? `:${at}` : ''}: cannot be read as YAML: ${e.message.split('\n')[0]}`);
  }
  const lineOf = (node: { range?: [number, number, number] | null }) => (node.range ? lines.linePos(node.range[0]).line : 0);
  const locate = (node: unknown, depth: number): Located | undefined => {
    if (depth > 64) throw configError(`${file}: YAML aliases nest too deep`);
    if (node === null || node === undefined) return undefined;
    if (isAlias(node)) return locate(node.resolve(doc as Document), depth + 1);
    if (isScalar(node)) return { kind: 'scalar', value: node.value, line: lineOf(node) };
    if (isSeq(node))
      return { kind: 'seq', items: node.items.map((i) => locate(i, depth + 1)).filter((i): i is Located => i !== undefined), line: lineOf(node) };
    if (isMap(node)) {
      const entries = new Map<string, Located>();
      const merged: Located[] = [];
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        const value = locate(pair.value, depth + 1);
        if (key === '<<' || typeof key === 'symbol') {
          // A merge key: its mapping(s) fill in what the mapping itself does not set; earlier ones win.
          if (value?.kind === 'map') merged.push(value);
          else if (value?.kind === 'seq') merged.push(...value.items.filter((i) => i.kind === 'map'));
          continue;
        }
        if (value !== undefined) entries.set(String(key), value);
        else entries.delete(String(key));
      }
      for (const m of merged) if (m.kind === 'map') for (const [k, v] of m.entries) if (!entries.has(k)) entries.set(k, v);
      return { kind: 'map', entries, line: lineOf(node) };
    }
    return undefined;
  };
  return { file, root: locate(doc.contents, 0) };
}

/** A located value as plain JS (for mappings such as keyfile_json), every string rendered. */
function renderDeep(node: Located, env: NodeJS.ProcessEnv, file: string, field: string, secret: boolean): unknown {
  if (node.kind === 'scalar') return typeof node.value === 'string' ? renderTemplate(node.value, env, { file, line: node.line, field, secret }) : node.value;
  if (node.kind === 'seq') return node.items.map((item, i) => renderDeep(item, env, file, `${field}[${i}]`, secret));
  return Object.fromEntries([...node.entries].map(([k, v]) => [k, renderDeep(v, env, file, `${field}.${k}`, secret)]));
}

// ---- where dbt looks ----

/** The directory dbt would read profiles.yml from, and why (see the header). */
export function findProfilesDir(
  options: Pick<DbtProfileOptions, 'projectDir' | 'profilesDir'>,
  env: NodeJS.ProcessEnv = process.env,
): DbtLookup['profilesDir'] {
  if (options.profilesDir) return { dir: resolve(options.projectDir, options.profilesDir), from: 'rerun.dbt.profiles_dir' };
  if (env.DBT_PROFILES_DIR) return { dir: resolve(options.projectDir, env.DBT_PROFILES_DIR), from: 'DBT_PROFILES_DIR' };
  if (existsSync(join(options.projectDir, 'profiles.yml'))) return { dir: options.projectDir, from: 'project_dir' };
  // Python's Path.home() reads HOME first, as does Node's homedir(); env may be a test's own.
  return { dir: join(env.HOME || homedir(), '.dbt'), from: '~/.dbt' };
}

function projectProfileName(projectDir: string, env: NodeJS.ProcessEnv): string {
  const file = join(projectDir, 'dbt_project.yml');
  if (!existsSync(file)) throw configError(`rerun.dbt.project_dir: ${file} does not exist`);
  const { root } = readYaml(file);
  const node = root?.kind === 'map' ? root.entries.get('profile') : undefined;
  if (node?.kind !== 'scalar' || node.value === null || node.value === undefined || node.value === '') {
    throw configError(`${file}: has no "profile:"; dbt cannot run without one (set it there, or rerun.dbt.profile, or DBT_PROFILE)`);
  }
  const name = typeof node.value === 'string' ? renderTemplate(node.value, env, { file, line: node.line, field: 'profile' }) : node.value;
  return String(name);
}

/** Reads the chosen BigQuery target of the dbt profile; every problem names the file, the line and the field. */
export function readDbtTarget(options: DbtProfileOptions, env: NodeJS.ProcessEnv = process.env): DbtTarget {
  const profilesDir = findProfilesDir(options, env);
  const profile: DbtLookup['profile'] = options.profile
    ? { name: options.profile, from: 'rerun.dbt.profile' }
    : env.DBT_PROFILE
      ? { name: env.DBT_PROFILE, from: 'DBT_PROFILE' }
      : { name: projectProfileName(options.projectDir, env), from: 'dbt_project.yml' };

  const file = join(profilesDir.dir, 'profiles.yml');
  if (!existsSync(file)) {
    const why = {
      'rerun.dbt.profiles_dir': 'rerun.dbt.profiles_dir names that directory',
      DBT_PROFILES_DIR: 'DBT_PROFILES_DIR names that directory',
      project_dir: 'project_dir holds it',
      '~/.dbt': `dbt's default: no rerun.dbt.profiles_dir, no DBT_PROFILES_DIR, no profiles.yml in ${options.projectDir}`,
    }[profilesDir.from];
    throw configError(`${file} does not exist (${why})`);
  }
  const { root } = readYaml(file);
  const profileNode = root?.kind === 'map' ? root.entries.get(profile.name) : undefined;
  if (profileNode?.kind !== 'map') {
    const names = root?.kind === 'map' ? [...root.entries.keys()].filter((k) => k !== 'config') : [];
    throw configError(`${file}: has no profile "${profile.name}" (from ${profile.from}); profiles: ${names.join(', ') || 'none'}`);
  }
  const outputs = profileNode.entries.get('outputs');
  if (outputs?.kind !== 'map') throw configError(`${file}:${profileNode.line}: ${profile.name}: outputs not specified in profile '${profile.name}'`);

  let target: DbtLookup['target'];
  const targetNode = profileNode.entries.get('target');
  if (options.target) target = { name: options.target, from: 'rerun.dbt.target' };
  else if (env.DBT_TARGET) target = { name: env.DBT_TARGET, from: 'DBT_TARGET' };
  else if (targetNode?.kind === 'scalar' && targetNode.value !== null) {
    const v =
      typeof targetNode.value === 'string'
        ? renderTemplate(targetNode.value, env, { file, line: targetNode.line, field: `${profile.name}.target` })
        : targetNode.value;
    target = { name: String(v), from: 'profiles.yml' };
  } else target = { name: 'default', from: 'dbt default' };

  const output = outputs.entries.get(target.name);
  const where = `${profile.name}.outputs.${target.name}`;
  if (!output) {
    throw configError(
      `${file}: profile "${profile.name}" has no target "${target.name}" (from ${target.from}); targets: ${[...outputs.entries.keys()].join(', ')}`,
    );
  }
  if (output.kind !== 'map') throw configError(`${file}:${output.line}: ${where}: is not a mapping of connection settings`);

  /** A rendered field of the target, with its line; undefined when absent or null. */
  const read = (key: string, secret = false): { value: Rendered; line: number } | undefined => {
    const node = output.entries.get(key);
    if (!node || (node.kind === 'scalar' && (node.value === null || node.value === undefined))) return undefined;
    if (node.kind !== 'scalar') throw configError(`${file}:${node.line}: ${where}.${key}: must be a single value`);
    const value =
      typeof node.value === 'string' ? renderTemplate(node.value, env, { file, line: node.line, field: `${where}.${key}`, secret }) : (node.value as Rendered);
    return { value, line: node.line };
  };
  const at = (key: string, line: number) => `${file}:${line}: ${where}.${key}`;
  /** One of two alias names (dbt-bigquery's _ALIASES), never both. */
  const aliased = (name: string, canonical: string) => {
    const a = read(name);
    const b = read(canonical);
    if (a && b) throw configError(`${at(canonical, b.line)}: ${name} and ${canonical} are the same setting in dbt-bigquery; keep one`);
    return a ? { ...a, key: name } : b ? { ...b, key: canonical } : undefined;
  };
  const text = (key: string, secret = false): string | undefined => {
    const f = read(key, secret);
    if (!f) return undefined;
    if (typeof f.value !== 'string') throw configError(`${at(key, f.line)}: must be text, not ${typeof f.value}`);
    return f.value;
  };

  const type = read('type');
  if (!type) throw configError(`${file}:${output.line}: ${where}: required field "type" not found`);
  if (type.value !== 'bigquery') throw configError(`${at('type', type.line)}: type is ${shown(type.value)}, not bigquery; evfix reads BigQuery targets only`);

  const method = read('method');
  if (!method)
    throw configError(
      `${file}:${output.line}: ${where}.method: must be set (dbt-bigquery: "Must specify authentication method"): one of ${METHODS.join(', ')}`,
    );
  if (!METHODS.includes(method.value as BigqueryMethod))
    throw configError(`${at('method', method.line)}: ${shown(method.value)} is not a BigQuery method; one of ${METHODS.join(', ')}`);

  const project = aliased('project', 'database');
  if (project && !isProjectId(project.value))
    throw configError(`${at(project.key, project.line)}: ${shown(project.value)} after rendering is not ${PROJECT_RULE}`);
  const dataset = aliased('dataset', 'schema');
  if (!dataset) throw configError(`${file}:${output.line}: ${where}.dataset: must be set (dbt-bigquery: "Must specify schema")`);
  if (!isDatasetId(dataset.value)) throw configError(`${at(dataset.key, dataset.line)}: ${shown(dataset.value)} after rendering is not ${DATASET_RULE}`);
  const execution = read('execution_project');
  if (execution && !isProjectId(execution.value))
    throw configError(`${at('execution_project', execution.line)}: ${shown(execution.value)} after rendering is not ${PROJECT_RULE}`);
  const location = read('location');
  if (location && (typeof location.value !== 'string' || !LOCATION.test(location.value))) {
    throw configError(`${at('location', location.line)}: ${shown(location.value)} after rendering is not a BigQuery location such as EU or europe-west1`);
  }
  const impersonate = read('impersonate_service_account');
  if (impersonate && (typeof impersonate.value !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(impersonate.value))) {
    throw configError(`${at('impersonate_service_account', impersonate.line)}: ${shown(impersonate.value)} is not a service account email`);
  }

  let scopes = DBT_BIGQUERY_SCOPES;
  const scopesNode = output.entries.get('scopes');
  if (scopesNode && !(scopesNode.kind === 'scalar' && scopesNode.value === null)) {
    const rendered = renderDeep(scopesNode, env, file, `${where}.scopes`, false);
    if (!Array.isArray(rendered) || !rendered.every((s) => typeof s === 'string'))
      throw configError(`${file}:${scopesNode.line}: ${where}.scopes: must be a list of scope URLs`);
    scopes = rendered as string[];
  }

  const result: DbtTarget = {
    file,
    profile: profile.name,
    target: target.name,
    lookup: { profilesDir, profile, target },
    ...(project ? { project: project.value as string } : {}),
    dataset: dataset.value as string,
    ...(location ? { location: location.value as string } : {}),
    // dbt-bigquery: "`execution_project` default to dataset/project".
    ...(execution || project ? { executionProject: (execution ?? project)!.value as string } : {}),
    method: method.value as BigqueryMethod,
    ...(impersonate ? { impersonateServiceAccount: impersonate.value as string } : {}),
    scopes,
  };

  if (result.method === 'service-account') {
    const keyfile = text('keyfile');
    if (!keyfile) throw configError(`${file}:${method.line}: ${where}.keyfile: must be set for method service-account`);
    // dbt opens it from its working directory, which evfix makes project_dir.
    result.keyfile = resolve(options.projectDir, keyfile);
  }
  const secrets: NonNullable<DbtTarget['secrets']> = {};
  if (result.method === 'service-account-json') {
    const node = output.entries.get('keyfile_json');
    if (!node) throw configError(`${file}:${method.line}: ${where}.keyfile_json: must be set for method service-account-json`);
    const json = renderDeep(node, env, file, `${where}.keyfile_json`, true);
    if (typeof json === 'string' || (json && typeof json === 'object' && !Array.isArray(json))) secrets.keyfileJson = json as Record<string, unknown> | string;
    else throw configError(`${file}:${node.line}: ${where}.keyfile_json: must be the key's fields (or its JSON in base64)`);
  }
  if (result.method === 'oauth-secrets') {
    secrets.token = text('token', true);
    secrets.refreshToken = text('refresh_token', true);
    secrets.clientId = text('client_id', true);
    secrets.clientSecret = text('client_secret', true);
    secrets.tokenUri = text('token_uri');
    if (!secrets.token && !secrets.refreshToken) throw configError(`${file}:${method.line}: ${where}: method oauth-secrets needs token or refresh_token`);
  }
  Object.defineProperty(result, 'secrets', { value: secrets, enumerable: false });
  return result;
}
