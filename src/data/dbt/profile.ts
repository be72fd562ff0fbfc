/**
 * The BigQuery target of a dbt profile (profiles.yml), so a team whose dbt
 * project already names its warehouse does not repeat it in evfix's config.
 * Only what evfix needs is read: project, dataset and location of one target.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EvfixError } from '../errors.js';

export type DbtTarget = { project: string; dataset: string; location?: string; file: string; target: string };

const configError = (message: string) => new EvfixError('config', message, 'rerun.dbt');

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw configError(`${file}: cannot be read as YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** `{{ env_var('NAME') }}` and `{{ env_var('NAME', 'default') }}`, the only Jinja profiles commonly use. */
function render(value: unknown, env: NodeJS.ProcessEnv, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  return text.replace(/\{\{\s*env_var\(\s*'([^']+)'\s*(?:,\s*'([^']*)'\s*)?\)\s*\}\}/g, (_, name: string, fallback?: string) => {
    const v = env[name] ?? fallback;
    if (v === undefined) throw configError(`${where} uses env_var('${name}'), which is not set`);
    return v;
  });
}

export function readDbtTarget(
  options: { projectDir: string; profilesDir?: string; profile?: string; target?: string },
  env: NodeJS.ProcessEnv = process.env,
): DbtTarget {
  let profileName = options.profile;
  if (!profileName) {
    const projectFile = join(options.projectDir, 'dbt_project.yml');
    if (!existsSync(projectFile)) throw configError(`rerun.dbt.project_dir: ${projectFile} does not exist`);
    const project = readYaml(projectFile) as { profile?: unknown } | null;
    if (typeof project?.profile !== 'string') throw configError(`${projectFile}: has no "profile:"; set rerun.dbt.profile`);
    profileName = project.profile;
  }
  const dir = options.profilesDir ?? env.DBT_PROFILES_DIR ?? join(homedir(), '.dbt');
  const file = join(dir, 'profiles.yml');
  if (!existsSync(file)) throw configError(`${file} does not exist (set rerun.dbt.profiles_dir)`);
  const profiles = readYaml(file) as Record<string, { target?: unknown; outputs?: Record<string, Record<string, unknown>> }> | null;
  const profile = profiles?.[profileName];
  if (!profile?.outputs) throw configError(`${file}: has no profile "${profileName}" with outputs`);
  const target = options.target ?? render(profile.target, env, `${file}: ${profileName}.target`) ?? 'dev';
  const output = profile.outputs[target];
  if (!output) throw configError(`${file}: profile "${profileName}" has no target "${target}"; targets: ${Object.keys(profile.outputs).join(', ')}`);
  const where = `${file}: ${profileName}.outputs.${target}`;
  if (output.type !== 'bigquery') throw configError(`${where}: type is "${String(output.type)}", not bigquery`);
  const project = render(output.project ?? output.database, env, `${where}.project`);
  const dataset = render(output.dataset ?? output.schema, env, `${where}.dataset`);
  if (!project || !dataset) throw configError(`${where}: needs project and dataset`);
  return { project, dataset, location: render(output.location, env, `${where}.location`), file, target };
}
