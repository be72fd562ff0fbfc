/**
 * The rows evfix reads and writes, in the warehouse's own column names.
 *
 * Timestamps are canonical microsecond text (see timestamp.ts) and event_data
 * is compact JSON text, so that a row read from the warehouse, shown in a
 * plan and written back is the same bytes at every step.
 */
import * as z from 'zod';
import { inputError } from './errors.js';
import { canonicalTimestamp } from './timestamp.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseEventId(text: string, field = 'event_id'): string {
  const trimmed = text.trim();
  if (!UUID.test(trimmed)) throw inputError(field, `"${text}" is not a UUID (expected 8-4-4-4-12 hex digits)`);
  return trimmed.toLowerCase();
}

export const TimestampText = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/, 'must be YYYY-MM-DD HH:MM:SS.ffffff');
export const EventIdText = z.string().regex(UUID, 'must be a UUID');

export const EventRowSchema = z.strictObject({
  event_created_at: TimestampText,
  event_id: EventIdText,
  event_name: z.string().min(1),
  user_id: z.string().nullable(),
  event_external_reference_id: z.string().nullable(),
  event_advisor_id: z.string().nullable(),
  event_data: z.string(),
  event_ingested_at: TimestampText.nullable(),
});
export type EventRow = z.infer<typeof EventRowSchema>;

export const EVENT_COLUMNS = [
  'event_created_at',
  'event_id',
  'event_name',
  'user_id',
  'event_external_reference_id',
  'event_advisor_id',
  'event_data',
  'event_ingested_at',
] as const satisfies readonly (keyof EventRow)[];

/** A column type in the vocabulary every engine reports its columns in (see Warehouse.tableColumns). */
export type ColumnType = 'TIMESTAMP' | 'STRING' | 'JSON' | 'BOOL';

const EVENT_COLUMN_TYPES: [string, ColumnType][] = [
  ['event_created_at', 'TIMESTAMP'],
  ['event_id', 'STRING'],
  ['event_name', 'STRING'],
  ['user_id', 'STRING'],
  ['event_external_reference_id', 'STRING'],
  ['event_advisor_id', 'STRING'],
  ['event_data', 'JSON'],
  ['event_ingested_at', 'TIMESTAMP'],
];

/** The three tables evfix works on, as production has them: what doctor checks and the SQL analyser's catalog holds. */
export const TABLE_SCHEMAS: Record<'events' | 'exceptions' | 'exclusions', [string, ColumnType][]> = {
  events: EVENT_COLUMN_TYPES,
  exceptions: [...EVENT_COLUMN_TYPES, ['exception_added_timestamp', 'TIMESTAMP'], ['exception_description', 'STRING'], ['is_event_update', 'BOOL']],
  exclusions: [
    ['event_created_at', 'TIMESTAMP'],
    ['event_id', 'STRING'],
    ['event_name', 'STRING'],
    ['exclusion_added_timestamp', 'TIMESTAMP'],
    ['exclusion_description', 'STRING'],
  ],
};

/** An exceptions row as a plan carries it; exception_added_timestamp is the apply time. */
export const ExceptionRowSchema = EventRowSchema.extend({
  exception_description: z.string().min(1),
  is_event_update: z.boolean(),
});
export type ExceptionRow = z.infer<typeof ExceptionRowSchema>;

/** An exclusions row as a plan carries it; exclusion_added_timestamp is the apply time. */
export const ExclusionRowSchema = z.strictObject({
  event_created_at: TimestampText,
  event_id: EventIdText,
  event_name: z.string().min(1),
  exclusion_description: z.string().min(1),
});
export type ExclusionRow = z.infer<typeof ExclusionRowSchema>;

/** An exceptions row as read back, with the timestamp it was added at. */
export type StoredException = ExceptionRow & { exception_added_timestamp: string };
export type StoredExclusion = ExclusionRow & { exclusion_added_timestamp: string };

/** The version of an event the stage table shows: an original, or its latest exception. */
export type EffectiveEvent = EventRow & { source: 'original' | 'exception' };

export type EventKey = { event_id: string; event_created_at: string };
export const keyOf = (row: EventKey) => `${row.event_id}@${row.event_created_at}`;

export function parseEventKey(eventId: string, createdAt: string): EventKey {
  return { event_id: parseEventId(eventId), event_created_at: canonicalTimestamp(createdAt, 'event_created_at') };
}

export function requireDescription(text: string | undefined, field = 'description'): string {
  const trimmed = (text ?? '').trim();
  if (!trimmed) throw inputError(field, 'is required: say why these rows are written (it is stored with them)');
  if (trimmed.length > 10_000) throw inputError(field, `is ${trimmed.length} characters; keep it under 10,000`);
  return trimmed;
}
