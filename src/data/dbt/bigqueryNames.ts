/**
 * What a BigQuery project, dataset and table name may look like, for names
 * that come from outside evfix's own config (a rendered profiles.yml, a
 * manifest's relation_name). Such a name ends up in SQL as a table path, so
 * anything that is not a plain name is refused before it gets there.
 *
 * The rules are Google's (project ids: 6 to 30 lowercase letters, digits and
 * hyphens, starting with a letter; datasets: letters, digits and underscores)
 * narrowed where evfix needs it: table names too are held to letters, digits
 * and underscores, which every dbt model name and alias in practice is.
 * Domain-scoped project ids (example.com:project) are not accepted, as in
 * evfix's own engine.project.
 */

export const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
export const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
export const TABLE_ID = /^[A-Za-z0-9_]{1,1024}$/;
/** A BigQuery location such as EU, US or europe-west1. */
export const LOCATION = /^[A-Za-z0-9-]{2,64}$/;

export const isProjectId = (v: unknown): v is string => typeof v === 'string' && PROJECT_ID.test(v);
export const isDatasetId = (v: unknown): v is string => typeof v === 'string' && DATASET_ID.test(v);
export const isTableId = (v: unknown): v is string => typeof v === 'string' && TABLE_ID.test(v);

/** A value for an error message: quoted, cut short, control characters made visible. */
export function shown(value: unknown): string {
  const text = JSON.stringify(typeof value === 'string' ? value : String(value)) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

export const PROJECT_RULE = 'a Google Cloud project id (6 to 30 lowercase letters, digits or hyphens, starting with a letter)';
export const DATASET_RULE = 'a BigQuery dataset name (letters, digits and underscores)';
export const TABLE_RULE = 'a table name of letters, digits and underscores';
