/**
 * What evfix needs from a compiled dbt manifest (target/manifest.json): the
 * stage models, the BigQuery table each one really is, and the models
 * downstream of each.
 *
 * Stage models are the models that carry a tag or live under a path. Each
 * says which event it stages in its meta (`meta: {event_name: ...}`), and may
 * list its business keys and flattened columns there too.
 *
 * A model's table is not `<stage_schema>.<model name>`: dbt's
 * generate_schema_name puts a model with a custom schema in
 * `<target dataset>_<custom>`, an alias renames the table, and a model may set
 * its own database (project). The manifest holds the result: `relation_name`
 * (for BigQuery `` `project`.`dataset`.`table` ``, each part backquoted unless
 * quoting is turned off), and `database` / `schema` / `alias` beside it. Those
 * are resolved for the target the manifest was compiled with, so the manifest
 * must be compiled for the same target evfix works on.
 *
 * Manifests of schema v10 (dbt 1.6), v11 (dbt 1.7) and v12 (dbt 1.8 and
 * later) are read. What evfix reads is the same in all three (nodes with
 * resource_type, name, database, schema, alias, relation_name, tags, meta,
 * config.meta, config.materialized, original_file_path, depends_on.nodes, and
 * child_map); what differs is elsewhere: v11 added saved_queries, v12 dropped
 * nodes' `deferred` and added unit_tests (and, with dbt 1.11, functions),
 * whose ids then also appear in child_map. Checked against dbt-core's
 * schemas/dbt/manifest/v10.json..v12.json and its real fixtures
 * tests/functional/artifacts/data/state/v10..v12/manifest.json.
 */
import { readTextOr } from '../files.js';
import { EvfixError } from '../errors.js';
import { DATASET_RULE, isDatasetId, isProjectId, isTableId, PROJECT_RULE, shown, TABLE_RULE } from './bigqueryNames.js';

export type RelationSource = 'relation_name' | 'database/schema/alias';
export type Relation = { project: string; dataset: string; table: string; source: RelationSource };

export type ManifestModel = {
  uniqueId: string;
  name: string;
  materialized?: string;
  tags: string[];
  originalFilePath: string;
  meta: Record<string, unknown>;
  database?: string | null;
  schema?: string | null;
  alias?: string | null;
  relationName?: string | null;
};

export type Manifest = {
  file: string;
  schemaVersion: number;
  dbtVersion?: string;
  adapterType?: string;
  models: Map<string, ManifestModel>;
  /** unique_id -> the unique_ids that depend on it directly (every resource type). */
  childMap: Map<string, string[]>;
};

export type ManifestStage = {
  name: string;
  event_name: string;
  business_keys: string[];
  columns: { name: string; path: string }[];
  relation?: Relation;
};

export type DownstreamModel = {
  uniqueId: string;
  name: string;
  /** 1 for a model that selects from the stage model itself, 2 for one further, ... */
  depth: number;
  materialized?: string;
  /** Undefined for an ephemeral model (no table) or when the manifest's names are not usable (see relationProblem). */
  relation?: Relation;
  relationProblem?: string;
};

export const MANIFEST_VERSIONS = [10, 11, 12] as const;
const DBT_OF: Record<number, string> = { 5: '1.1', 6: '1.2', 7: '1.3', 8: '1.4', 9: '1.5', 10: '1.6', 11: '1.7', 12: '1.8+' };

const manifestError = (message: string) => new EvfixError('config', message, 'rerun.dbt.manifest');

type RawNode = {
  resource_type?: string;
  name?: string;
  unique_id?: string;
  database?: string | null;
  schema?: string | null;
  alias?: string | null;
  relation_name?: string | null;
  tags?: string[];
  original_file_path?: string;
  meta?: Record<string, unknown>;
  config?: { meta?: Record<string, unknown>; tags?: string[] | string; materialized?: string };
  depends_on?: { nodes?: string[] };
};

/** Reads and checks a manifest; a missing, unreadable or unknown one is one message naming the file. */
export function readManifest(file: string): Manifest {
  const text = readTextOr(file, (why, code) =>
    manifestError(
      code === 'ENOENT'
        ? `rerun.dbt.manifest: ${file} does not exist; run \`dbt compile\` (or \`dbt parse\`) in the dbt project for the target evfix uses`
        : `rerun.dbt.manifest: ${file} cannot be read: ${code ?? why}`,
    ),
  );
  let raw: {
    metadata?: { dbt_schema_version?: unknown; dbt_version?: unknown; adapter_type?: unknown };
    nodes?: Record<string, RawNode>;
    child_map?: Record<string, string[]> | null;
  };
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw manifestError(`rerun.dbt.manifest: ${file} is not valid JSON (${(error as Error).message.slice(0, 120)}); is it a dbt manifest.json?`);
  }
  const schema = raw?.metadata?.dbt_schema_version;
  const m = typeof schema === 'string' ? /\/manifest\/v(\d+)\.json$/.exec(schema) : null;
  if (!m) throw manifestError(`rerun.dbt.manifest: ${file} is not a dbt manifest: it has no metadata.dbt_schema_version naming a manifest schema`);
  const version = Number(m[1]);
  const dbtVersion = typeof raw.metadata?.dbt_version === 'string' ? raw.metadata.dbt_version : undefined;
  if (!(MANIFEST_VERSIONS as readonly number[]).includes(version)) {
    const written = `manifest schema v${version}${dbtVersion ? ` (written by dbt ${dbtVersion})` : DBT_OF[version] ? ` (dbt ${DBT_OF[version]})` : ''}`;
    throw manifestError(`rerun.dbt.manifest: ${file} is ${written}; evfix reads v10 (dbt 1.6), v11 (dbt 1.7) and v12 (dbt 1.8 and later)`);
  }
  if (!raw.nodes || typeof raw.nodes !== 'object') throw manifestError(`rerun.dbt.manifest: ${file} has no nodes`);

  const models = new Map<string, ManifestModel>();
  for (const [id, node] of Object.entries(raw.nodes)) {
    if (node.resource_type !== 'model' || !node.name) continue;
    const configTags = node.config?.tags;
    models.set(id, {
      uniqueId: id,
      name: node.name,
      ...(node.config?.materialized ? { materialized: node.config.materialized } : {}),
      tags: [...new Set([...(node.tags ?? []), ...(typeof configTags === 'string' ? [configTags] : (configTags ?? []))])],
      originalFilePath: node.original_file_path ?? '',
      meta: { ...(node.meta ?? {}), ...(node.config?.meta ?? {}) },
      database: node.database,
      schema: node.schema,
      alias: node.alias,
      relationName: node.relation_name,
    });
  }
  // child_map is written with every manifest since dbt 1.0; rebuilt from depends_on as dbt builds it
  // (core/dbt/contracts/graph/manifest.py build_node_edges) when a tool stripped it.
  const childMap = new Map<string, string[]>();
  if (raw.child_map && typeof raw.child_map === 'object') {
    for (const [id, children] of Object.entries(raw.child_map)) childMap.set(id, Array.isArray(children) ? children : []);
  } else {
    for (const [id, node] of Object.entries(raw.nodes)) {
      for (const parent of node.depends_on?.nodes ?? []) childMap.set(parent, [...(childMap.get(parent) ?? []), id]);
    }
  }
  return {
    file,
    schemaVersion: version,
    ...(dbtVersion ? { dbtVersion } : {}),
    ...(typeof raw.metadata?.adapter_type === 'string' ? { adapterType: raw.metadata.adapter_type } : {}),
    models,
    childMap,
  };
}

/**
 * The three parts of a BigQuery relation_name, read exactly: each part
 * backquoted (dbt-bigquery's quote character) or, with quoting off, bare.
 * Anything else (two parts, stray quotes, spaces) is undefined.
 */
export function parseRelationName(text: string): { project: string; dataset: string; table: string } | undefined {
  const part = '(?:`([^`\\\\]+)`|([A-Za-z0-9_-]+))';
  const m = new RegExp(`^${part}\\.${part}\\.${part}$`).exec(text);
  if (!m) return undefined;
  return { project: (m[1] ?? m[2])!, dataset: (m[3] ?? m[4])!, table: (m[5] ?? m[6])! };
}

/** The BigQuery table a model is built as; throws with the file, the model and the field when it is not usable. */
export function modelRelation(manifest: Manifest, model: ManifestModel): Relation {
  const where = `${manifest.file}: model ${model.uniqueId}`;
  if (manifest.adapterType && manifest.adapterType !== 'bigquery')
    throw manifestError(`${where}: the manifest is for ${manifest.adapterType}; evfix reads relations from BigQuery manifests`);
  if (model.materialized === 'ephemeral') throw manifestError(`${where}: is ephemeral; dbt builds no table for it`);
  let parts: { project: string; dataset: string; table: string };
  let source: RelationSource;
  let fields: [string, string, string];
  if (model.relationName) {
    const parsed = parseRelationName(model.relationName);
    if (!parsed) throw manifestError(`${where}: relation_name ${shown(model.relationName)} is not \`project\`.\`dataset\`.\`table\``);
    parts = parsed;
    source = 'relation_name';
    fields = ['relation_name (project)', 'relation_name (dataset)', 'relation_name (table)'];
  } else {
    const table = model.alias || model.name;
    if (!model.database || !model.schema)
      throw manifestError(`${where}: has no relation_name and no database/schema; compile the manifest with dbt 1.6 or later`);
    parts = { project: model.database, dataset: model.schema, table };
    source = 'database/schema/alias';
    fields = ['database', 'schema', model.alias ? 'alias' : 'name'];
  }
  if (!isProjectId(parts.project)) throw manifestError(`${where}: ${fields[0]} ${shown(parts.project)} is not ${PROJECT_RULE}`);
  if (!isDatasetId(parts.dataset)) throw manifestError(`${where}: ${fields[1]} ${shown(parts.dataset)} is not ${DATASET_RULE}`);
  if (!isTableId(parts.table)) throw manifestError(`${where}: ${fields[2]} ${shown(parts.table)} is not ${TABLE_RULE}`);
  return { ...parts, source };
}

/** The models of that name (several when a model has versions), or that one unique_id. */
export function modelsNamed(manifest: Manifest, nameOrId: string): ManifestModel[] {
  const byId = manifest.models.get(nameOrId);
  if (byId) return [byId];
  return [...manifest.models.values()].filter((m) => m.name === nameOrId);
}

/**
 * The models that `dbt run --select <model>+` would also rebuild: every model
 * reachable through child_map, direct or not. The walk passes through other
 * resources (a snapshot between two models) but lists models only: tests,
 * seeds, snapshots, exposures, metrics and unit tests are not run by `dbt run`.
 */
export function downstreamModels(manifest: Manifest, nameOrId: string): DownstreamModel[] {
  const start = modelsNamed(manifest, nameOrId);
  if (start.length === 0) throw manifestError(`${manifest.file}: has no model ${shown(nameOrId)}`);
  // Depth counts models only (a model behind a snapshot is one level down): a 0-1 breadth-first walk.
  const depth = new Map<string, number>(start.map((m) => [m.uniqueId, 0]));
  const queue = start.map((m) => m.uniqueId);
  while (queue.length) {
    const id = queue.shift()!;
    for (const child of manifest.childMap.get(id) ?? []) {
      const step = manifest.models.has(child) ? 1 : 0;
      const d = depth.get(id)! + step;
      if (depth.has(child) && depth.get(child)! <= d) continue;
      depth.set(child, d);
      if (step === 0) queue.unshift(child);
      else queue.push(child);
    }
  }
  const out: DownstreamModel[] = [];
  for (const [id, d] of depth) {
    const model = manifest.models.get(id);
    if (!model || d === 0) continue;
    const entry: DownstreamModel = { uniqueId: id, name: model.name, depth: d, ...(model.materialized ? { materialized: model.materialized } : {}) };
    if (model.materialized !== 'ephemeral') {
      try {
        entry.relation = modelRelation(manifest, model);
      } catch (error) {
        entry.relationProblem = (error as Error).message;
      }
    }
    out.push(entry);
  }
  return out.sort((a, b) => a.depth - b.depth || a.name.localeCompare(b.name));
}

/** The stage models a selector picks, each with its relation (BigQuery manifests) and its meta. */
export function stagesFromManifest(source: string | Manifest, select: { tag?: string; path_prefix?: string }): ManifestStage[] {
  if (!select.tag && !select.path_prefix) throw new EvfixError('config', 'stages_from_manifest: give tag or path_prefix', 'stages_from_manifest');
  const manifest = typeof source === 'string' ? readManifest(source) : source;
  const out: ManifestStage[] = [];
  const seen = new Map<string, string>();
  for (const model of manifest.models.values()) {
    const tagged = select.tag !== undefined && model.tags.includes(select.tag);
    const underPath = select.path_prefix !== undefined && model.originalFilePath.startsWith(select.path_prefix);
    if (!tagged && !underPath) continue;
    if (typeof model.meta.event_name !== 'string') {
      throw new EvfixError('config', `${manifest.file}: model ${model.name} is selected as a stage table but has no meta.event_name`, 'stages_from_manifest');
    }
    const twin = seen.get(model.name);
    if (twin)
      throw new EvfixError(
        'config',
        `${manifest.file}: ${twin} and ${model.uniqueId} are both stage model "${model.name}"; evfix needs one model per stage name`,
        'stages_from_manifest',
      );
    seen.set(model.name, model.uniqueId);
    out.push({
      name: model.name,
      event_name: model.meta.event_name,
      business_keys: Array.isArray(model.meta.business_keys) ? model.meta.business_keys.map(String) : [],
      columns: Array.isArray(model.meta.columns) ? (model.meta.columns as { name: string; path: string }[]) : [],
      // Other adapters (the embedded DuckDB) keep evfix's own stage_schema.name.
      ...(!manifest.adapterType || manifest.adapterType === 'bigquery' ? { relation: modelRelation(manifest, model) } : {}),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The relation of a stage listed in evfix's config by model name: undefined
 * when the manifest is not BigQuery's or has no single model of that name
 * (the stage then keeps stage_schema.name); throws when the model's names
 * are not usable.
 */
export function stageRelation(manifest: Manifest, name: string): Relation | undefined {
  if (manifest.adapterType && manifest.adapterType !== 'bigquery') return undefined;
  const models = modelsNamed(manifest, name);
  return models.length === 1 ? modelRelation(manifest, models[0]!) : undefined;
}
