/**
 * Names in GoogleSQL: identifiers come from the validated config and are backquoted (no backquote can occur in
 * them); every value is a named parameter (@name), so no value ever reaches the SQL text.
 */
export type BigqueryTables = {
  events: string;
  exceptions: string;
  exclusions: string;
  audit: string;
  approvals: string;
  /** project.dataset of the stage tables (a stage's manifest relation wins over it). */
  stageDataset: string;
};

/** `project.dataset.table`, as one backquoted path. */
export const quoteTable = (path: string) => `\`${path}\``;
export const quoteIdent = (name: string) => `\`${name}\``;

/** `dataset.table` gets the engine's project; `project.dataset.table` stays as written. */
export const qualify = (project: string, name: string) => (name.split('.').length === 3 ? name : `${project}.${name}`);

/** A timestamp as canonical microsecond text: nothing passes through a JS Date on the way in. */
export const TS = (col: string) => `FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', ${col}, 'UTC')`;
