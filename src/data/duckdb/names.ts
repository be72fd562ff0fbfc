/**
 * Names in DuckDB's SQL: identifiers come from the validated config and are double-quoted (a name cannot
 * carry SQL in); every value is a named parameter ($name), never text in a statement.
 */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const quoteTable = (dotted: string) => dotted.split('.').map(quoteIdent).join('.');

/** The tables as schema.table, and the schema stage tables live in. */
export type TableNames = { events: string; exceptions: string; exclusions: string; audit: string; approvals: string; stageSchema: string };

/** A timestamp column as canonical microsecond text. */
export const TS = (col: string) => `strftime(${col}, '%Y-%m-%d %H:%M:%S.%f')`;
