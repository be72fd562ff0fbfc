/**
 * profiles.yml as dbt reads it: the Jinja subset profiles use, dbt's lookup
 * order for the profiles dir, the profile and the target, and the values that
 * must never reach SQL. Real files in temp dirs; env is passed in, so the
 * test never depends on (or changes) the machine's DBT_* variables.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProfilesDir, readDbtTarget } from '../../src/data/dbt/profile.js';
import { renderTemplate } from '../../src/data/dbt/profileTemplate.js';
import { tempDir } from '../helpers/warehouse.js';

const site = { file: '/p/profiles.yml', line: 7, field: 'warehouse.outputs.prod.project' };
const render = (text: string, env: NodeJS.ProcessEnv = {}) => renderTemplate(text, env, site);

/** A dbt project dir with dbt_project.yml, and a HOME of its own (so ~/.dbt is the test's). */
function project(profileName = 'warehouse') {
  const root = tempDir();
  const projectDir = join(root, 'dbt');
  mkdirSync(projectDir);
  writeFileSync(join(projectDir, 'dbt_project.yml'), `name: analytics\nversion: '1.0.0'\nprofile: ${profileName}\nmodel-paths: ["models"]\n`);
  return { root, projectDir, home: join(root, 'home') };
}

const PROD = `      type: bigquery
      method: oauth
      project: dw-prod-gwiiag
      dataset: stage
      location: EU
      threads: 8
`;

function profiles(dir: string, text: string) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'profiles.yml'), text);
  return join(dir, 'profiles.yml');
}

describe('rendering the Jinja that profiles use', () => {
  it.each([
    ["{{ env_var('GCP_PROJECT') }}", 'dw-prod-gwiiag'],
    ['{{ env_var("GCP_PROJECT") }}', 'dw-prod-gwiiag'],
    ["{{env_var('GCP_PROJECT')}}", 'dw-prod-gwiiag'],
    ["{{- env_var('GCP_PROJECT') -}}", 'dw-prod-gwiiag'],
    ["  {{- env_var('GCP_PROJECT') -}}  ", 'dw-prod-gwiiag'],
    ["{{ env_var('MISSING', 'dw-dev-gwiiag') }}", 'dw-dev-gwiiag'],
    ['{{ env_var("MISSING", "dw-dev-gwiiag") }}', 'dw-dev-gwiiag'],
    ['{{ env_var( \'MISSING\' , "dw-dev-gwiiag" ) }}', 'dw-dev-gwiiag'],
    ["{{ env_var('PADDED') | trim }}", 'dw-prod-gwiiag'],
    ["{{ env_var('SHOUTED') | lower }}", 'dw-prod-gwiiag'],
    ["{{ env_var('GCP_PROJECT') | upper }}", 'DW-PROD-GWIIAG'],
    ["{{ env_var('PADDED') | trim | upper }}", 'DW-PROD-GWIIAG'],
    ["{{ env_var('GCP_PROJECT') | as_text }}", 'dw-prod-gwiiag'],
    ["{{ env_var('NUMBERY') | as_text }}", '0042'],
    ["dw-{{ env_var('ENV', 'dev') }}-gwiiag", 'dw-dev-gwiiag'],
    ["dw-{{ env_var('ENV_NAME') }}-gwiiag", 'dw-prod-gwiiag'],
    ["{{ env_var('EMPTY', 'not used: set but empty still wins') }}", ''],
    ["{{ env_var('EMPTY') | default('dw-dev-gwiiag', true) }}", 'dw-dev-gwiiag'],
    ["{{ env_var('EMPTY') | default('ignored without true') }}", ''],
    ["{{ env_var('GCP_PROJECT') | default('dw-dev-gwiiag', true) }}", 'dw-prod-gwiiag'],
    ["{# a comment #}{{ env_var('GCP_PROJECT') }}", 'dw-prod-gwiiag'],
    ['no template at all', 'no template at all'],
  ])('%s', (template, expected) => {
    const env = { GCP_PROJECT: 'dw-prod-gwiiag', PADDED: '  dw-prod-gwiiag \n', SHOUTED: 'DW-PROD-GWIIAG', NUMBERY: '0042', ENV_NAME: 'prod', EMPTY: '' };
    expect(render(template, env)).toBe(expected);
  });

  it('keeps a lone env_var text even when it looks like a number, as dbt does', () => {
    expect(render("{{ env_var('N') }}", { N: '10' })).toBe('10');
  });

  it('gives numbers and booleans for as_number, as_bool and int, with Python literal rules', () => {
    expect(render("{{ env_var('N') | as_number }}", { N: '10' })).toBe(10);
    expect(render("{{ env_var('N') | as_number }}", { N: '-2.5e3' })).toBe(-2500);
    expect(render("{{ env_var('N') | as_number }}", { N: '1_000' })).toBe(1000);
    expect(render("{{ env_var('N') | int }}", { N: ' 12 ' })).toBe(12);
    expect(render("{{ env_var('N') | int }}", { N: '12.9' })).toBe(12);
    expect(render("{{ env_var('N') | int }}", { N: 'twelve' })).toBe(0);
    expect(render("{{ env_var('N') | int(5) }}", { N: 'twelve' })).toBe(5);
    expect(render("{{ env_var('B') | as_bool }}", { B: 'True' })).toBe(true);
    expect(render("{{ env_var('B') | as_bool }}", { B: 'False' })).toBe(false);
    // A YAML block scalar ends in a newline; Jinja drops it, so this is the number 10 (a real profile does this for threads).
    expect(render("{{ env_var('DBT_THREADS', 10) }}\n")).toBe(10);
    // Two pieces join as text.
    expect(render("{{ env_var('N') | as_number }}x", { N: '10' })).toBe('10x');
  });

  it('fails as dbt does when as_number or as_bool cannot convert, naming file and line', () => {
    expect(() => render("{{ env_var('N') | as_number }}", { N: 'ten' })).toThrow(
      "/p/profiles.yml:7: warehouse.outputs.prod.project: Could not convert value 'ten' into type 'number'",
    );
    expect(() => render("{{ env_var('N') | as_number }}", { N: '010' })).toThrow("Could not convert value '010' into type 'number'");
    // literal_eval knows True, not true.
    expect(() => render("{{ env_var('B') | as_bool }}", { B: 'true' })).toThrow(
      "/p/profiles.yml:7: warehouse.outputs.prod.project: Could not convert value 'true' into type 'bool'",
    );
  });

  it("fails on a missing env var without a default with dbt's words, the file and the line", () => {
    expect(() => render("{{ env_var('GCP_PROJECT') }}")).toThrow(
      "/p/profiles.yml:7: warehouse.outputs.prod.project: Env var required but not provided: 'GCP_PROJECT'",
    );
    // default() cannot rescue it: env_var fails first, in dbt too.
    expect(() => render("{{ env_var('GCP_PROJECT') | default('x') }}")).toThrow("Env var required but not provided: 'GCP_PROJECT'");
  });

  it.each([
    ["{{ var('project') }}", "evfix cannot render {{ var('project') }}"],
    ["{% if target.name == 'prod' %}dw-prod-gwiiag{% endif %}", "evfix cannot render {% if target.name == 'prod' %}: no {% %} statements"],
    ["{{ env_var('A') ~ '-x' }}", "evfix cannot render {{ env_var('A') ~ '-x' }}"],
    ["{{ env_var('A') | replace('a', 'b') }}", "evfix cannot render {{ env_var('A') | replace('a', 'b') }}"],
    ['{{ env_var(NAME) }}', 'evfix cannot render {{ env_var(NAME) }}'],
    ["{{ env_var('A', 'b', 'c') }}", "evfix cannot render {{ env_var('A', 'b', 'c') }}"],
    ["{{ env_var('A') ", 'unclosed {{'],
    ['{{ }}', 'evfix cannot render an empty {{ }}'],
  ])('refuses %s, naming the line and what it can render', (template, message) => {
    let error: Error | undefined;
    try {
      render(template, { A: 'a' });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(`/p/profiles.yml:7: warehouse.outputs.prod.project: ${message}`);
    expect(error?.message).toContain("evfix renders {{ env_var('NAME') }} and {{ env_var('NAME', 'default') }}");
  });

  it('never shows the text of a secret field', () => {
    const secret = { ...site, field: 'p.outputs.prod.keyfile_json.private_key', secret: true };
    expect(() => renderTemplate("-----BEGIN PRIVATE KEY-----{{ nope('MIIE') }}", {}, secret)).toThrow(
      /keyfile_json\.private_key: evfix cannot render \(a secret field: its text is not shown\)/,
    );
    expect(() => renderTemplate("{{ env_var('K') | as_number }}", { K: 'MIIEsecret' }, secret)).toThrow("Could not convert value '(secret)'");
  });
});

describe('the target read from profiles.yml', () => {
  it('renders project, dataset and location with the line of each failure', () => {
    const p = project();
    const file = profiles(
      p.projectDir,
      `# the warehouse
warehouse:
  target: prod
  outputs:
    prod:
      type: bigquery
      method: oauth
      project: "{{ env_var('GCP_PROJECT') }}"
      dataset: "{{ env_var('STAGE_DATASET', 'stage') | lower }}"
      location: "{{env_var('BQ_LOCATION', 'EU')}}"
`,
    );
    const target = readDbtTarget({ projectDir: p.projectDir }, { GCP_PROJECT: 'dw-prod-gwiiag', STAGE_DATASET: 'Stage_X', HOME: p.home });
    expect(target).toMatchObject({
      file,
      profile: 'warehouse',
      target: 'prod',
      project: 'dw-prod-gwiiag',
      dataset: 'stage_x',
      location: 'EU',
      executionProject: 'dw-prod-gwiiag',
      method: 'oauth',
    });
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home })).toThrow(
      `${file}:8: warehouse.outputs.prod.project: Env var required but not provided: 'GCP_PROJECT'`,
    );
  });

  it('reads YAML anchors and merge keys, as real profiles share settings', () => {
    const p = project();
    profiles(
      p.projectDir,
      `config_global: &config_global
  type: bigquery
  dataset: stage
  project: "dw-{{ env_var('ENV', 'dev') }}-gwiiag"
config_oauth: &config_oauth
  <<: *config_global
  method: oauth
warehouse:
  target: dev
  outputs:
    dev:
      <<: *config_oauth
      dataset: stage_dev
`,
    );
    expect(readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home })).toMatchObject({
      project: 'dw-dev-gwiiag',
      dataset: 'stage_dev',
      method: 'oauth',
      target: 'dev',
    });
  });

  it.each([
    [
      'project',
      '"{{ env_var(\'P\') }}"',
      { P: 'dw-prod`; DROP TABLE x; --' },
      'warehouse.outputs.prod.project: "dw-prod`; DROP TABLE x; --" after rendering is not a Google Cloud project id',
    ],
    ['project', '"{{ env_var(\'P\') }}"', { P: 'DW-PROD' }, 'warehouse.outputs.prod.project: "DW-PROD" after rendering is not a Google Cloud project id'],
    [
      'database',
      '"{{ env_var(\'P\') | as_number }}"',
      { P: '123456' },
      'warehouse.outputs.prod.database: "123456" after rendering is not a Google Cloud project id',
    ],
    ['dataset', '"{{ env_var(\'D\') }}"', { D: 'stage.x' }, 'warehouse.outputs.prod.dataset: "stage.x" after rendering is not a BigQuery dataset name'],
    ['schema', '"{{ env_var(\'D\') }}"', { D: 'stage`\nx' }, 'warehouse.outputs.prod.schema: "stage`\\nx" after rendering is not a BigQuery dataset name'],
    [
      'execution_project',
      '"{{ env_var(\'P\') }}"',
      { P: 'x' },
      'warehouse.outputs.prod.execution_project: "x" after rendering is not a Google Cloud project id',
    ],
  ])('refuses a %s that is not a plain value after rendering, naming the field', (key, value, env, message) => {
    const p = project();
    const base = { project: 'dw-prod-gwiiag', dataset: 'stage' } as Record<string, string>;
    if (key === 'database') delete base.project;
    if (key === 'schema') delete base.dataset;
    base[key] = value;
    const file = profiles(
      p.projectDir,
      `warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      method: oauth\n${Object.entries(base)
        .map(([k, v]) => `      ${k}: ${v}\n`)
        .join('')}`,
    );
    const line = 7 + Object.keys(base).indexOf(key);
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { ...env, HOME: p.home })).toThrow(`${file}:${line}: ${message}`);
  });

  it('knows project/database and dataset/schema are one setting each, and wants method and dataset', () => {
    const p = project();
    const file = profiles(
      p.projectDir,
      `warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      method: oauth\n      database: dw-prod-gwiiag\n      schema: stage\n`,
    );
    expect(readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home })).toMatchObject({ project: 'dw-prod-gwiiag', dataset: 'stage' });
    profiles(
      p.projectDir,
      `warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      method: oauth\n      project: dw-prod-gwiiag\n      database: dw-prod-gwiiag\n      dataset: stage\n`,
    );
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home })).toThrow(
      `${file}:8: warehouse.outputs.prod.database: project and database are the same setting`,
    );
    profiles(p.projectDir, `warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      project: dw-prod-gwiiag\n      dataset: stage\n`);
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home })).toThrow('warehouse.outputs.prod.method: must be set');
    profiles(p.projectDir, `warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: postgres\n      method: oauth\n      dataset: stage\n`);
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home })).toThrow(
      `${file}:5: warehouse.outputs.prod.type: type is "postgres", not bigquery`,
    );
  });

  it('renders only the chosen target: a missing env var elsewhere is no error, as in dbt', () => {
    const p = project();
    profiles(
      p.projectDir,
      `warehouse:\n  target: prod\n  outputs:\n    ci:\n      type: bigquery\n      method: oauth\n      project: "{{ env_var('CI_ONLY') }}"\n      dataset: ci\n    prod:\n${PROD}`,
    );
    expect(readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home }).project).toBe('dw-prod-gwiiag');
  });
});

describe("dbt's lookup order", () => {
  const prodIn = (dir: string, project: string) =>
    profiles(dir, `warehouse:\n  target: prod\n  outputs:\n    prod:\n${PROD.replace('dw-prod-gwiiag', project)}`);

  it('profiles dir: rerun.dbt.profiles_dir, then DBT_PROFILES_DIR, then project_dir (where dbt runs), then ~/.dbt', () => {
    const p = project();
    const explicit = join(p.root, 'explicit');
    const fromEnv = join(p.root, 'from-env');
    prodIn(join(p.home, '.dbt'), 'dw-home-gwiiag');
    const env = { HOME: p.home } as NodeJS.ProcessEnv;
    expect(readDbtTarget({ projectDir: p.projectDir }, env)).toMatchObject({ project: 'dw-home-gwiiag', lookup: { profilesDir: { from: '~/.dbt' } } });
    prodIn(p.projectDir, 'dw-cwd-gwiiag');
    expect(readDbtTarget({ projectDir: p.projectDir }, env)).toMatchObject({
      project: 'dw-cwd-gwiiag',
      lookup: { profilesDir: { dir: p.projectDir, from: 'project_dir' } },
    });
    prodIn(fromEnv, 'dw-env-gwiiag');
    expect(readDbtTarget({ projectDir: p.projectDir }, { ...env, DBT_PROFILES_DIR: fromEnv })).toMatchObject({
      project: 'dw-env-gwiiag',
      lookup: { profilesDir: { from: 'DBT_PROFILES_DIR' } },
    });
    // A relative DBT_PROFILES_DIR is relative to where dbt runs: project_dir.
    expect(readDbtTarget({ projectDir: p.projectDir }, { ...env, DBT_PROFILES_DIR: '../from-env' }).project).toBe('dw-env-gwiiag');
    // An empty variable is unset, as click reads it.
    expect(readDbtTarget({ projectDir: p.projectDir }, { ...env, DBT_PROFILES_DIR: '' }).project).toBe('dw-cwd-gwiiag');
    prodIn(explicit, 'dw-explicit-gwiiag');
    expect(readDbtTarget({ projectDir: p.projectDir, profilesDir: explicit }, { ...env, DBT_PROFILES_DIR: fromEnv })).toMatchObject({
      project: 'dw-explicit-gwiiag',
      file: join(explicit, 'profiles.yml'),
    });
  });

  it('says where it looked when there is no profiles.yml', () => {
    const p = project();
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home })).toThrow(
      `${join(p.home, '.dbt', 'profiles.yml')} does not exist (dbt's default: no rerun.dbt.profiles_dir, no DBT_PROFILES_DIR, no profiles.yml in ${p.projectDir})`,
    );
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { HOME: p.home, DBT_PROFILES_DIR: '/nowhere' })).toThrow(
      '/nowhere/profiles.yml does not exist (DBT_PROFILES_DIR names that directory)',
    );
    expect(findProfilesDir({ projectDir: p.projectDir }, { HOME: p.home })).toEqual({ dir: join(p.home, '.dbt'), from: '~/.dbt' });
  });

  it("profile: rerun.dbt.profile, then DBT_PROFILE, then dbt_project.yml's profile (rendered)", () => {
    const p = project("\"{{ env_var('DBT_PROJECT_PROFILE', 'warehouse') }}\"");
    profiles(
      p.projectDir,
      ['warehouse', 'from_env', 'explicit', 'rendered']
        .map((name, i) => `${name}:\n  target: prod\n  outputs:\n    prod:\n${PROD.replace('dw-prod-gwiiag', `dw-prof${i}-gwiiag`)}`)
        .join(''),
    );
    const env = { HOME: p.home } as NodeJS.ProcessEnv;
    expect(readDbtTarget({ projectDir: p.projectDir }, env)).toMatchObject({ profile: 'warehouse', lookup: { profile: { from: 'dbt_project.yml' } } });
    expect(readDbtTarget({ projectDir: p.projectDir }, { ...env, DBT_PROJECT_PROFILE: 'rendered' }).profile).toBe('rendered');
    expect(readDbtTarget({ projectDir: p.projectDir }, { ...env, DBT_PROFILE: 'from_env' })).toMatchObject({
      profile: 'from_env',
      project: 'dw-prof1-gwiiag',
      lookup: { profile: { from: 'DBT_PROFILE' } },
    });
    expect(readDbtTarget({ projectDir: p.projectDir, profile: 'explicit' }, { ...env, DBT_PROFILE: 'from_env' })).toMatchObject({
      profile: 'explicit',
      project: 'dw-prof2-gwiiag',
    });
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { ...env, DBT_PROFILE: 'nope' })).toThrow(
      'has no profile "nope" (from DBT_PROFILE); profiles: warehouse, from_env, explicit, rendered',
    );
  });

  it('target: rerun.dbt.target, then DBT_TARGET, then the profile\'s target (rendered), then dbt\'s "default"', () => {
    const p = project();
    const outputs = ['prod', 'ci', 'explicit', 'default'].map((name, i) => `    ${name}:\n${PROD.replace('dw-prod-gwiiag', `dw-targ${i}-gwiiag`)}`).join('');
    profiles(p.projectDir, `warehouse:\n  target: "{{ env_var('WHICH', 'prod') }}"\n  outputs:\n${outputs}`);
    const env = { HOME: p.home } as NodeJS.ProcessEnv;
    expect(readDbtTarget({ projectDir: p.projectDir }, env)).toMatchObject({
      target: 'prod',
      project: 'dw-targ0-gwiiag',
      lookup: { target: { from: 'profiles.yml' } },
    });
    expect(readDbtTarget({ projectDir: p.projectDir }, { ...env, WHICH: 'ci' }).target).toBe('ci');
    expect(readDbtTarget({ projectDir: p.projectDir }, { ...env, DBT_TARGET: 'ci' })).toMatchObject({
      target: 'ci',
      project: 'dw-targ1-gwiiag',
      lookup: { target: { from: 'DBT_TARGET' } },
    });
    expect(readDbtTarget({ projectDir: p.projectDir, target: 'explicit' }, { ...env, DBT_TARGET: 'ci' })).toMatchObject({
      target: 'explicit',
      project: 'dw-targ2-gwiiag',
    });
    profiles(p.projectDir, `warehouse:\n  outputs:\n${outputs}`);
    expect(readDbtTarget({ projectDir: p.projectDir }, env)).toMatchObject({
      target: 'default',
      project: 'dw-targ3-gwiiag',
      lookup: { target: { from: 'dbt default' } },
    });
    expect(() => readDbtTarget({ projectDir: p.projectDir }, { ...env, DBT_TARGET: 'qa' })).toThrow(
      'profile "warehouse" has no target "qa" (from DBT_TARGET); targets: prod, ci, explicit, default',
    );
  });
});
