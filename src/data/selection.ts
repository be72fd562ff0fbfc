/**
 * Which events an operation works on, as a definition the warehouse evaluates (never a list of rows fetched
 * into evfix): the events the stage table shows in a created-at window, narrowed by conditions on event_data
 * paths and on columns, and optionally limited to explicit keys (typed, or from a file the warehouse reads
 * through a temporary table) or to the keys of a table the operator names. Keys from a file or a table can
 * carry a value per event for `--set PATH=@column`.
 */
import * as z from 'zod';
import { inputError } from './errors.js';
import { firstOutsideQuotes, formatPath, parsePath } from './json/path.js';
import { jsonType, parseJson, stringifyJson, type Json } from './json/value.js';
import { EventIdText, TimestampText } from './model.js';
import { canonicalTimestamp } from './timestamp.js';

/** Columns of the event row a condition may name, and what their values are. */
export const CONDITION_COLUMNS = {
  user_id: 'string',
  event_external_reference_id: 'string',
  event_advisor_id: 'string',
  event_ingested_at: 'timestamp',
} as const;
export type ConditionColumn = keyof typeof CONDITION_COLUMNS;

const scalarJson = z.string();

export const ConditionSchema = z.discriminatedUnion('on', [
  z.strictObject({
    on: z.literal('data'),
    /** A JSON path in BigQuery's form, as formatPath writes it. */
    path: z.string(),
    op: z.enum(['=', '!=', '<', '<=', '>', '>=', 'in', 'missing', 'exists', 'null']),
    /** JSON text of scalars: one for comparisons, several for `in`, none for missing/exists/null. */
    values: z.array(scalarJson),
  }),
  z.strictObject({
    on: z.literal('column'),
    column: z.enum(Object.keys(CONDITION_COLUMNS) as [ConditionColumn, ...ConditionColumn[]]),
    op: z.enum(['=', '!=', '<', '<=', '>', '>=', 'in', 'null']),
    /** Plain text (timestamps canonical). */
    values: z.array(z.string()),
  }),
]);
export type Condition = z.infer<typeof ConditionSchema>;

/** The type of a per-event value column, as the value is set into event_data. */
export const ValueTypeSchema = z.enum(['string', 'number', 'boolean', 'json']);
export type ValueType = z.infer<typeof ValueTypeSchema>;
export const ValueColumnSchema = z.strictObject({ name: z.string(), type: ValueTypeSchema });
export type ValueColumn = z.infer<typeof ValueColumnSchema>;

export const KeyRowSchema = z.strictObject({
  event_id: EventIdText,
  event_created_at: TimestampText,
  /** JSON text of this event's value per value column, by column name. */
  values: z.record(z.string(), z.string()).optional(),
});
export type KeyRow = z.infer<typeof KeyRowSchema>;

export const KeySourceSchema = z.discriminatedUnion('kind', [
  /** Keys given inline (typed, or a small file): the plan holds them. */
  z.strictObject({ kind: z.literal('keys'), rows: z.array(KeyRowSchema).min(1), columns: z.array(ValueColumnSchema) }),
  /** A large file of keys: the plan names it and its digest, and apply reads it again (and refuses it changed). */
  z.strictObject({
    kind: z.literal('file'),
    file: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    rows: z.number().int().positive(),
    columns: z.array(ValueColumnSchema),
  }),
  /** A table (or view) of the warehouse with event_id, event_created_at and optional value columns. */
  z.strictObject({ kind: z.literal('table'), table: z.string(), columns: z.array(ValueColumnSchema) }),
]);
export type KeySource = z.infer<typeof KeySourceSchema>;

export const SelectionSchema = z.strictObject({
  /** [from, until) on event_created_at: every read and write of the operation stays inside it. */
  window: z.strictObject({ from: TimestampText, until: TimestampText }),
  conditions: z.array(ConditionSchema),
  keys: KeySourceSchema.optional(),
  /** event_ids named without their created-at (exclude, dedupe): every copy of each in the window. */
  ids: z.array(EventIdText).optional(),
});
export type Selection = z.infer<typeof SelectionSchema>;

/** Keys of a plan's source: the inline ones, or none when the engine reads them from a file or table. */
export const inlineKeys = (s: Selection): KeyRow[] | undefined => (s.keys?.kind === 'keys' ? s.keys.rows : undefined);
export const valueColumns = (s: Selection): ValueColumn[] => s.keys?.columns ?? [];

/** The operators a --where accepts, longest first so that `<=` is not read as `<`. */
const OPERATORS = ['!=', '<=', '>=', '=', '<', '>'] as const;

/** The first of `OPERATORS` outside a quoted path key or a JSON string. */
function findOperator(text: string): { at: number; op: (typeof OPERATORS)[number] } | undefined {
  const hit = firstOutsideQuotes(text, (i) => OPERATORS.find((op) => text.startsWith(op, i)));
  return hit && { at: hit.at, op: hit.found };
}

const WORD_FORMS: [RegExp, 'missing' | 'exists' | 'null' | 'in'][] = [
  [/\s+is\s+missing$/i, 'missing'],
  [/\s+(?:exists|is\s+present)$/i, 'exists'],
  [/\s+is\s+null$/i, 'null'],
  [/\s+in\s+(\[.*\])$/is, 'in'],
];

const EXAMPLES = `e.g. '$.Status="Pending"', '$.amount>100', '$.Status in ["A","B"]', '$.note is missing', 'user_id=u-42', 'event_ingested_at>=2026-11-01'`;

/**
 * Parses one `--where` condition: a path or a column, an operator, a value. Values on paths are JSON
 * (strings quoted, as in --set); on columns, plain text or a JSON string.
 */
export function parseCondition(text: string, field = 'where'): Condition {
  const trimmed = text.trim();
  const fail = (why: string): never => {
    throw inputError(field, `${JSON.stringify(text)}: ${why} (${EXAMPLES})`);
  };
  for (const [pattern, op] of WORD_FORMS) {
    const m = pattern.exec(trimmed);
    if (!m) continue;
    const subject = trimmed.slice(0, m.index).trim();
    if (op === 'in') {
      let list: Json;
      try {
        list = parseJson(m[1]!, `${field} list`);
      } catch (error) {
        return fail((error as Error).message.replace(/^[^:]+: /, ''));
      }
      if (!Array.isArray(list) || list.length === 0) return fail('`in` takes a non-empty JSON array');
      if (subject.startsWith('$')) return { on: 'data', path: pathOf(subject, field), op: 'in', values: list.map((v) => scalar(v, field, text)) };
      return {
        on: 'column',
        column: columnOf(subject, field, text),
        op: 'in',
        values: list.map((v) => columnText(stringifyJson(v), columnOf(subject, field, text), field)),
      };
    }
    if (subject.startsWith('$')) return { on: 'data', path: pathOf(subject, field), op, values: [] };
    if (op === 'null') return { on: 'column', column: columnOf(subject, field, text), op: 'null', values: [] };
    return fail(`${op} applies to event_data paths only`);
  }
  const found = findOperator(trimmed);
  if (!found) return fail('expected PATH or COLUMN, an operator (= != < <= > >= in, is missing, exists, is null) and a value');
  const subject = trimmed.slice(0, found.at).trim();
  const valueText = trimmed.slice(found.at + found.op.length).trim();
  if (!subject) return fail('nothing before the operator');
  if (!valueText) return fail(`no value after ${found.op}`);
  if (subject.startsWith('$')) {
    const path = pathOf(subject, field);
    let value: Json;
    try {
      value = parseJson(valueText, `${field} value for ${path}`);
    } catch (error) {
      // The condition is named: with several --where, the parser's position alone does not say which one is wrong.
      const why = (error as Error).message.replace(/^[^:]+: /, '');
      const hint =
        found.op === '=' && valueText.startsWith('=')
          ? ` (compare with one =: ${path}=${valueText.slice(1).trim() || 'VALUE'})`
          : /^[A-Za-z]/.test(valueText) && !/^(true|false|null)$/.test(valueText)
            ? ` (strings need quotes: ${path}${found.op}"${valueText}")`
            : '';
      throw inputError(field, `${JSON.stringify(text)}: the value is not JSON: ${why}${hint}`);
    }
    if (found.op !== '=' && found.op !== '!=' && jsonType(value) !== 'number') return fail(`${found.op} compares numbers; ${valueText} is ${jsonType(value)}`);
    return { on: 'data', path, op: found.op, values: [scalar(value, field, text)] };
  }
  const column = columnOf(subject, field, text);
  if (CONDITION_COLUMNS[column] === 'string' && found.op !== '=' && found.op !== '!=') return fail(`${column} is text: use = or !=`);
  return { on: 'column', column, op: found.op, values: [columnText(valueText, column, field)] };
}

function pathOf(subject: string, field: string): string {
  return formatPath(parsePath(subject, `${field} path`));
}

function columnOf(subject: string, field: string, text: string): ConditionColumn {
  if (subject in CONDITION_COLUMNS) return subject as ConditionColumn;
  throw inputError(
    field,
    `${JSON.stringify(text)}: "${subject}" is neither a path ($...) nor a column evfix can filter on (${Object.keys(CONDITION_COLUMNS).join(', ')})`,
  );
}

/** A condition value on a path must be a JSON scalar: objects and arrays are compared by a path inside them. */
function scalar(value: ReturnType<typeof parseJson>, field: string, text: string): string {
  const type = jsonType(value);
  if (type === 'object' || type === 'array') throw inputError(field, `${JSON.stringify(text)}: compare a scalar; name a path inside the ${type} instead`);
  if (type === 'null') throw inputError(field, `${JSON.stringify(text)}: write 'PATH is null' to match null values`);
  return stringifyJson(value);
}

function columnText(valueText: string, column: ConditionColumn, field: string): string {
  let text = valueText;
  if (text.startsWith('"')) {
    try {
      const parsed = parseJson(text, field);
      if (typeof parsed === 'string') text = parsed;
    } catch {
      // a plain value that happens to start with a quote
    }
  }
  return CONDITION_COLUMNS[column] === 'timestamp' ? canonicalTimestamp(text, column) : text;
}

/** The condition as the operator would type it again (plans, the confirm screen, history). */
export function describeCondition(c: Condition): string {
  const subject = c.on === 'data' ? c.path : c.column;
  if (c.op === 'missing') return `${subject} is missing`;
  if (c.op === 'exists') return `${subject} exists`;
  if (c.op === 'null') return `${subject} is null`;
  if (c.op === 'in') return `${subject} in [${c.values.join(', ')}]`;
  return `${subject} ${c.op} ${c.on === 'data' ? c.values[0] : JSON.stringify(c.values[0])}`;
}

/** The whole selection in a line or two of words. */
export function describeSelection(s: Selection): string {
  const parts = [`created ${s.window.from.slice(0, 19)} .. ${s.window.until.startsWith('9999') ? '(no end)' : s.window.until.slice(0, 19)}`];
  if (s.keys?.kind === 'keys') parts.push(`${s.keys.rows.length} event(s) named by key`);
  if (s.keys?.kind === 'file') parts.push(`the ${s.keys.rows} key(s) in ${s.keys.file}`);
  if (s.keys?.kind === 'table') parts.push(`the keys in table ${s.keys.table}`);
  if (s.ids) parts.push(`${s.ids.length} event_id(s)`);
  for (const c of s.conditions) parts.push(describeCondition(c));
  return parts.join('; ');
}
