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

/** A column type in the vocabulary every engine reports its columns in (see Engine.tableColumns). */
export type ColumnType = 'TIMESTAMP' | 'STRING' | 'JSON' | 'BOOL' | 'INT64';

type ColumnSpec = { name: string; type: ColumnType; nullable: boolean };

/**
 * The event row, once: every engine's DDL, column lists, decoders and fingerprints are made from this table,
 * and doctor and the SQL analyser's catalog check the production tables against it.
 */
export const EVENT_COLUMN_SPECS = [
  { name: 'event_created_at', type: 'TIMESTAMP', nullable: false },
  { name: 'event_id', type: 'STRING', nullable: false },
  { name: 'event_name', type: 'STRING', nullable: false },
  { name: 'user_id', type: 'STRING', nullable: true },
  { name: 'event_external_reference_id', type: 'STRING', nullable: true },
  { name: 'event_advisor_id', type: 'STRING', nullable: true },
  { name: 'event_data', type: 'JSON', nullable: true },
  { name: 'event_ingested_at', type: 'TIMESTAMP', nullable: true },
] as const satisfies readonly ColumnSpec[];

export const EVENT_COLUMN_NAMES = EVENT_COLUMN_SPECS.map((c) => c.name) as readonly (keyof EventRow)[];
/** Kept for the first plan format's code. */
export const EVENT_COLUMNS = EVENT_COLUMN_NAMES;

const EXCEPTION_EXTRA = [
  { name: 'exception_added_timestamp', type: 'TIMESTAMP', nullable: false },
  { name: 'exception_description', type: 'STRING', nullable: false },
  { name: 'is_event_update', type: 'BOOL', nullable: false },
] as const satisfies readonly ColumnSpec[];

const EXCLUSION_SPECS = [
  { name: 'event_created_at', type: 'TIMESTAMP', nullable: false },
  { name: 'event_id', type: 'STRING', nullable: false },
  { name: 'event_name', type: 'STRING', nullable: true },
  { name: 'exclusion_added_timestamp', type: 'TIMESTAMP', nullable: false },
  { name: 'exclusion_description', type: 'STRING', nullable: false },
] as const satisfies readonly ColumnSpec[];

/**
 * evfix's audit table: one row per applied plan, written in the same transaction as the plan's rows, so a
 * plan is recorded exactly when it commits, and every operator on every host sees the same history.
 */
export const AUDIT_COLUMN_SPECS = [
  { name: 'plan_id', type: 'STRING', nullable: false },
  { name: 'kind', type: 'STRING', nullable: false },
  { name: 'stage', type: 'STRING', nullable: false },
  { name: 'event_name', type: 'STRING', nullable: false },
  { name: 'description', type: 'STRING', nullable: false },
  { name: 'operator', type: 'STRING', nullable: false },
  { name: 'host', type: 'STRING', nullable: true },
  { name: 'selection', type: 'STRING', nullable: true },
  { name: 'counts', type: 'STRING', nullable: false },
  { name: 'fingerprint', type: 'STRING', nullable: false },
  { name: 'job_id', type: 'STRING', nullable: true },
  { name: 'applied_at', type: 'TIMESTAMP', nullable: false },
  { name: 'window_from', type: 'TIMESTAMP', nullable: false },
  { name: 'window_until', type: 'TIMESTAMP', nullable: false },
  { name: 'oldest', type: 'TIMESTAMP', nullable: true },
  { name: 'ticket', type: 'STRING', nullable: true },
  { name: 'approved_by', type: 'STRING', nullable: true },
  { name: 'approved_at', type: 'TIMESTAMP', nullable: true },
  { name: 'revert_of', type: 'STRING', nullable: true },
  { name: 'plan', type: 'STRING', nullable: false },
] as const satisfies readonly ColumnSpec[];

/**
 * evfix's approvals table: one row per approval of a plan by a second operator (`evfix approve FILE`). An
 * approval holds for the plan it names with the fingerprint it names: a plan made again, or gone stale, needs
 * a new one. With `approval: required`, apply reads it inside its transaction and copies the approver into the
 * audit row.
 */
export const APPROVAL_COLUMN_SPECS = [
  { name: 'plan_id', type: 'STRING', nullable: false },
  { name: 'fingerprint', type: 'STRING', nullable: false },
  { name: 'approved_by', type: 'STRING', nullable: false },
  { name: 'approved_at', type: 'TIMESTAMP', nullable: false },
  { name: 'host', type: 'STRING', nullable: true },
  { name: 'author', type: 'STRING', nullable: false },
  { name: 'kind', type: 'STRING', nullable: false },
  { name: 'stage', type: 'STRING', nullable: false },
  { name: 'description', type: 'STRING', nullable: false },
  { name: 'note', type: 'STRING', nullable: true },
] as const satisfies readonly ColumnSpec[];

const pairs = (specs: readonly ColumnSpec[]): [string, ColumnType][] => specs.map((c) => [c.name, c.type]);

/** The tables evfix works on, as production has them: what doctor checks and the SQL analyser's catalog holds. */
export const TABLE_SCHEMAS: Record<'events' | 'exceptions' | 'exclusions' | 'audit' | 'approvals', [string, ColumnType][]> = {
  events: pairs(EVENT_COLUMN_SPECS),
  exceptions: pairs([...EVENT_COLUMN_SPECS, ...EXCEPTION_EXTRA]),
  exclusions: pairs(EXCLUSION_SPECS),
  audit: pairs(AUDIT_COLUMN_SPECS),
  approvals: pairs(APPROVAL_COLUMN_SPECS),
};
export const TABLE_SPECS = {
  events: EVENT_COLUMN_SPECS as readonly ColumnSpec[],
  exceptions: [...EVENT_COLUMN_SPECS, ...EXCEPTION_EXTRA] as readonly ColumnSpec[],
  exclusions: EXCLUSION_SPECS as readonly ColumnSpec[],
  audit: AUDIT_COLUMN_SPECS as readonly ColumnSpec[],
  approvals: APPROVAL_COLUMN_SPECS as readonly ColumnSpec[],
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
