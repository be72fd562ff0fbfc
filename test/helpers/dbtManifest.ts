/**
 * manifest.json files shaped like the ones dbt-bigquery writes, for schema
 * v10 (dbt 1.6), v11 (dbt 1.7) and v12 (dbt 1.8+). The node and metadata
 * fields per version are those of dbt-core's own artifacts
 * (tests/functional/artifacts/data/state/v10..v12/manifest.json); the names
 * are resolved as dbt-bigquery resolves them at compile time: the default
 * generate_schema_name (`<target dataset>_<custom schema>`), alias or name,
 * and relation_name with every part backquoted (null for ephemeral models).
 * child_map and parent_map are built from depends_on as dbt builds them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type ManifestVersion = 10 | 11 | 12;

export type ModelSpec = {
  name: string;
  /** config.schema: the custom schema (dbt then builds in `<target dataset>_<custom>`). */
  customSchema?: string;
  /** config.database: another project. */
  database?: string;
  alias?: string;
  materialized?: 'table' | 'view' | 'incremental' | 'ephemeral';
  tags?: string[];
  /** config.meta (dbt >= 1.10 style) */
  meta?: Record<string, unknown>;
  /** Top-level meta (from a schema.yml's `meta:`, older style). */
  nodeMeta?: Record<string, unknown>;
  path?: string;
  /** unique_ids this model selects from (ref/source). */
  dependsOn?: string[];
  version?: number;
  /** Overrides what dbt would write, for malformed manifests. */
  relationName?: string | null;
};

export const DBT_VERSION: Record<ManifestVersion, string> = { 10: '1.6.18', 11: '1.7.19', 12: '1.11.2' };

export const modelId = (name: string, version?: number) => `model.analytics.${name}${version ? `.v${version}` : ''}`;

function modelNode(version: ManifestVersion, spec: ModelSpec, target: { project: string; dataset: string }) {
  const database = spec.database ?? target.project;
  const schema = spec.customSchema ? `${target.dataset}_${spec.customSchema.trim()}` : target.dataset;
  const alias = spec.alias ?? (spec.version ? `${spec.name}_v${spec.version}` : spec.name);
  const materialized = spec.materialized ?? 'incremental';
  const path = spec.path ?? `models/stage/${spec.name}.sql`;
  const id = modelId(spec.name, spec.version);
  const config: Record<string, unknown> = {
    enabled: true,
    alias: spec.alias ?? null,
    schema: spec.customSchema ?? null,
    database: spec.database ?? null,
    tags: spec.tags ?? [],
    meta: spec.meta ?? {},
    group: null,
    materialized,
    incremental_strategy: materialized === 'incremental' ? 'merge' : null,
    persist_docs: {},
    'post-hook': [],
    'pre-hook': [],
    quoting: {},
    column_types: {},
    full_refresh: null,
    unique_key: materialized === 'incremental' ? 'event_id' : null,
    on_schema_change: 'ignore',
    on_configuration_change: 'apply',
    grants: {},
    packages: [],
    docs: { show: true, node_color: null },
    contract: version >= 11 ? { enforced: false, alias_types: true } : { enforced: false },
    partition_by: { field: 'event_created_at', data_type: 'timestamp', granularity: 'day' },
    ...(version >= 11 ? { access: 'protected' } : {}),
    ...(version >= 12 ? { event_time: null, batch_size: null, lookback: 1, begin: null, concurrent_batches: null, freshness: null } : {}),
  };
  const node: Record<string, unknown> = {
    database,
    schema,
    name: spec.name,
    resource_type: 'model',
    package_name: 'analytics',
    path: path.replace(/^models\//, ''),
    original_file_path: path,
    unique_id: id,
    fqn: [
      'analytics',
      ...path
        .replace(/^models\//, '')
        .replace(/\.sql$/, '')
        .split('/'),
    ],
    alias,
    checksum: { name: 'sha256', checksum: '3ea0f972fa1b56aa2dc2f56ee784b6a5796312f9a813d59ae70fd8855f10d16d' },
    config,
    tags: spec.tags ?? [],
    description: '',
    columns: {},
    meta: spec.nodeMeta ?? {},
    group: null,
    docs: { show: true, node_color: null },
    patch_path: 'analytics://models/stage/schema.yml',
    build_path: null,
    ...(version <= 11 ? { deferred: false } : {}),
    unrendered_config: { materialized, ...(spec.customSchema ? { schema: spec.customSchema } : {}), ...(spec.alias ? { alias: spec.alias } : {}) },
    created_at: 1759423716.418234,
    relation_name: spec.relationName !== undefined ? spec.relationName : materialized === 'ephemeral' ? null : `\`${database}\`.\`${schema}\`.\`${alias}\``,
    raw_code: `select * from {{ ref('x') }}`,
    ...(version >= 12 ? { doc_blocks: [] } : {}),
    language: 'sql',
    refs: [],
    sources: [],
    metrics: [],
    ...(version >= 12 ? { functions: [] } : {}),
    depends_on: { macros: [], nodes: spec.dependsOn ?? [] },
    compiled_path: `target/compiled/analytics/${path}`,
    contract: { enforced: false, alias_types: true, checksum: null },
    access: 'protected',
    constraints: [],
    version: spec.version ?? null,
    latest_version: spec.version ?? null,
    deprecation_date: null,
    ...(version >= 12 ? { primary_key: [], time_spine: null } : {}),
  };
  return [id, node] as const;
}

/** Other resources that hang off models in a real project: data tests, a snapshot, a seed, an exposure. */
export type OtherSpec =
  | { kind: 'test'; name: string; on: string }
  | { kind: 'snapshot'; name: string; dependsOn: string[] }
  | { kind: 'seed'; name: string }
  | { kind: 'exposure'; name: string; dependsOn: string[] }
  | { kind: 'unit_test'; name: string; on: string }
  | { kind: 'source'; name: string };

export function bigqueryManifest(
  version: ManifestVersion,
  models: ModelSpec[],
  others: OtherSpec[] = [],
  target = { project: 'dw-prod-gwiiag', dataset: 'stage' },
): Record<string, unknown> {
  const nodes: Record<string, Record<string, unknown>> = Object.fromEntries(models.map((m) => modelNode(version, m, target)));
  const sources: Record<string, unknown> = {};
  const exposures: Record<string, unknown> = {};
  const unitTests: Record<string, unknown> = {};
  const deps: Record<string, string[]> = Object.fromEntries(Object.entries(nodes).map(([id, n]) => [id, (n.depends_on as { nodes: string[] }).nodes]));
  for (const o of others) {
    // Unit tests came with dbt 1.8 (manifest v12).
    if (o.kind === 'unit_test' && version < 12) continue;
    if (o.kind === 'test') {
      const id = `test.analytics.${o.name}`;
      nodes[id] = {
        database: target.project,
        schema: `${target.dataset}_dbt_test__audit`,
        name: o.name,
        resource_type: 'test',
        unique_id: id,
        alias: o.name,
        relation_name: null,
        attached_node: o.on,
        config: { materialized: 'test', severity: 'ERROR' },
        depends_on: { macros: ['macro.dbt.test_not_null'], nodes: [o.on] },
        tags: [],
        meta: {},
      };
      deps[id] = [o.on];
    } else if (o.kind === 'snapshot') {
      const id = `snapshot.analytics.${o.name}`;
      nodes[id] = {
        database: target.project,
        schema: 'snapshots',
        name: o.name,
        resource_type: 'snapshot',
        unique_id: id,
        alias: o.name,
        relation_name: `\`${target.project}\`.\`snapshots\`.\`${o.name}\``,
        config: { materialized: 'snapshot', strategy: 'timestamp' },
        depends_on: { macros: [], nodes: o.dependsOn },
        tags: [],
        meta: {},
      };
      deps[id] = o.dependsOn;
    } else if (o.kind === 'seed') {
      const id = `seed.analytics.${o.name}`;
      nodes[id] = {
        database: target.project,
        schema: target.dataset,
        name: o.name,
        resource_type: 'seed',
        unique_id: id,
        alias: o.name,
        relation_name: `\`${target.project}\`.\`${target.dataset}\`.\`${o.name}\``,
        config: { materialized: 'seed' },
        depends_on: { macros: [] },
        tags: [],
        meta: {},
      };
      deps[id] = [];
    } else if (o.kind === 'exposure') {
      const id = `exposure.analytics.${o.name}`;
      exposures[id] = {
        name: o.name,
        resource_type: 'exposure',
        unique_id: id,
        type: 'dashboard',
        owner: { email: 'ops@example.com' },
        depends_on: { macros: [], nodes: o.dependsOn },
      };
      deps[id] = o.dependsOn;
    } else if (o.kind === 'unit_test') {
      const id = `unit_test.analytics.${o.on.split('.').pop()}.${o.name}`;
      unitTests[id] = { model: o.on.split('.').pop(), name: o.name, resource_type: 'unit_test', unique_id: id, depends_on: { macros: [], nodes: [o.on] } };
      deps[id] = [o.on];
    } else {
      const id = `source.analytics.kinesis.${o.name}`;
      sources[id] = {
        database: target.project,
        schema: 'kinesis',
        name: o.name,
        resource_type: 'source',
        unique_id: id,
        relation_name: `\`${target.project}\`.\`kinesis\`.\`${o.name}\``,
      };
      deps[id] = [];
    }
  }
  // dbt's build_node_edges: every member gets an entry; children sorted.
  const childMap: Record<string, string[]> = Object.fromEntries(Object.keys(deps).map((id) => [id, []]));
  for (const [id, parents] of Object.entries(deps)) for (const p of parents) if (childMap[p]) childMap[p]!.push(id);
  for (const list of Object.values(childMap)) list.sort();
  const metadata: Record<string, unknown> = {
    dbt_schema_version: `https://schemas.getdbt.com/dbt/manifest/v${version}.json`,
    dbt_version: DBT_VERSION[version],
    generated_at: '2026-03-10T06:00:01.000000Z',
    invocation_id: '44bddff0-d7eb-4be7-8e0c-f4e1709ae7fe',
    ...(version >= 12 ? { invocation_started_at: '2026-03-10T05:59:58.000000+00:00' } : {}),
    env: {},
    project_name: 'analytics',
    project_id: '098f6bcd4621d373cade4e832627b4f6',
    user_id: null,
    send_anonymous_usage_stats: false,
    adapter_type: 'bigquery',
    ...(version >= 12 ? { quoting: { database: true, schema: true, identifier: true, column: null }, run_started_at: '2026-03-10T05:59:58.100000+00:00' } : {}),
  };
  return {
    metadata,
    nodes,
    sources,
    macros: {},
    docs: {},
    exposures,
    metrics: {},
    groups: {},
    selectors: {},
    disabled: {},
    parent_map: Object.fromEntries(Object.entries(deps).map(([id, p]) => [id, [...p].sort()])),
    child_map: childMap,
    group_map: {},
    ...(version >= 11 ? { saved_queries: {} } : {}),
    semantic_models: {},
    ...(version >= 12 ? { unit_tests: unitTests, functions: {} } : {}),
  };
}

export function writeManifest(dir: string, manifest: unknown, name = 'manifest.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return file;
}
