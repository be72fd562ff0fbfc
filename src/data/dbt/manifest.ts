/**
 * Stage tables from a compiled dbt manifest (target/manifest.json): the
 * models that carry a tag or live under a path are stage tables. Each model
 * says which event it stages in its meta (`meta: {event_name: ...}`), and may
 * list its business keys and flattened columns there too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { EvfixError } from '../errors.js';

export type ManifestStage = { name: string; event_name: string; business_keys: string[]; columns: { name: string; path: string }[] };
type Node = {
  resource_type?: string;
  name?: string;
  tags?: string[];
  original_file_path?: string;
  meta?: Record<string, unknown>;
  config?: { meta?: Record<string, unknown>; tags?: string[] };
};

export function stagesFromManifest(file: string, select: { tag?: string; path_prefix?: string }): ManifestStage[] {
  if (!existsSync(file)) throw new EvfixError('config', `rerun.dbt.manifest: ${file} does not exist (run \`dbt compile\` first)`, 'rerun.dbt.manifest');
  let manifest: { nodes?: Record<string, Node> };
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new EvfixError('config', `rerun.dbt.manifest: ${file} is not valid JSON: ${(error as Error).message}`, 'rerun.dbt.manifest');
  }
  if (!select.tag && !select.path_prefix) throw new EvfixError('config', 'stages_from_manifest: give tag or path_prefix', 'stages_from_manifest');
  const out: ManifestStage[] = [];
  for (const node of Object.values(manifest.nodes ?? {})) {
    if (node.resource_type !== 'model' || !node.name) continue;
    const tags = [...(node.tags ?? []), ...(node.config?.tags ?? [])];
    const tagged = select.tag !== undefined && tags.includes(select.tag);
    const underPath = select.path_prefix !== undefined && (node.original_file_path ?? '').startsWith(select.path_prefix);
    if (!tagged && !underPath) continue;
    const meta = { ...(node.meta ?? {}), ...(node.config?.meta ?? {}) };
    if (typeof meta.event_name !== 'string') {
      throw new EvfixError('config', `${file}: model ${node.name} is selected as a stage table but has no meta.event_name`, 'stages_from_manifest');
    }
    out.push({
      name: node.name,
      event_name: meta.event_name,
      business_keys: Array.isArray(meta.business_keys) ? meta.business_keys.map(String) : [],
      columns: Array.isArray(meta.columns) ? (meta.columns as { name: string; path: string }[]) : [],
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
