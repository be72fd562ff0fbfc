/**
 * Events that never arrived, as an insert file (or the TUI's editor) gives them: each record checked into the
 * row the exceptions table receives (is_event_update = false). makePlan refuses an event_id the warehouse has.
 */
import type { StageConfig } from '../config.js';
import { EvfixError, inputError } from '../errors.js';
import { isObject, parseJson, stringifyJson, type Json } from '../json/value.js';
import { parseEventId, type ExceptionRow } from '../model.js';
import { canonicalTimestamp } from '../timestamp.js';
import type { FileRecord } from './eventFile.js';

const OPTIONAL_TEXT = ['user_id', 'event_external_reference_id', 'event_advisor_id'] as const;
const KNOWN = new Set(['event_id', 'event_created_at', 'event_name', 'event_data', 'event_ingested_at', ...OPTIONAL_TEXT]);

function text(value: Json | undefined, field: string, where: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw inputError(field, `${where}: must be text`);
  return value;
}

/** Validates one record of an insert file into an exceptions row. */
export function eventFromRecord(record: FileRecord, stage: StageConfig, file: string, description: string, now: string): ExceptionRow {
  const where = `${file}: entry ${record.line}`;
  const f = record.fields;
  const unknown = Object.keys(f).find((k) => !KNOWN.has(k));
  if (unknown) throw inputError(unknown, `${where}: unknown column "${unknown}" (expected ${[...KNOWN].join(', ')})`);
  try {
    const id = text(f.event_id, 'event_id', where);
    const created = text(f.event_created_at, 'event_created_at', where);
    if (!id) throw inputError('event_id', `${where}: event_id is required`);
    if (!created) throw inputError('event_created_at', `${where}: event_created_at is required`);
    const name = text(f.event_name, 'event_name', where) ?? stage.event_name;
    if (name !== stage.event_name) throw inputError('event_name', `${where}: is ${name}, but ${stage.name} holds ${stage.event_name} events`);
    const rawData = f.event_data;
    const data = typeof rawData === 'string' ? parseJson(rawData, `${where}: event_data`) : rawData;
    if (!isObject(data ?? null)) throw inputError('event_data', `${where}: event_data must be a JSON object`);
    const ingested = text(f.event_ingested_at, 'event_ingested_at', where);
    return {
      event_created_at: canonicalTimestamp(created, 'event_created_at'),
      event_id: parseEventId(id),
      event_name: name,
      user_id: text(f.user_id, 'user_id', where),
      event_external_reference_id: text(f.event_external_reference_id, 'event_external_reference_id', where),
      event_advisor_id: text(f.event_advisor_id, 'event_advisor_id', where),
      event_data: stringifyJson(data as Json),
      // An event that never arrived was never ingested; the time it is planned stands in, so stage ordering holds.
      event_ingested_at: ingested ? canonicalTimestamp(ingested, 'event_ingested_at') : now,
      exception_description: description,
      is_event_update: false,
    };
  } catch (error) {
    if (error instanceof EvfixError && error.message.startsWith(file)) throw error;
    throw new EvfixError('input', `${where}: ${(error as Error).message}`, (error as EvfixError).field);
  }
}

/** How many of the stage's events the insert screen compares an event's keys with. */
export const KEY_SAMPLE = 200;

export type KeyComparison = {
  /** Events of the stage compared with (0: the stage has none in the window, so nothing is usual). */
  sampled: number;
  /** Top-level event_data keys most of the sampled events have (at least half) and this event lacks. */
  missing: string[];
  /** Top-level keys of this event that none of the sampled events has. */
  unusual: string[];
};

/**
 * An event's top-level event_data keys against those of the stage's own events: an event shaped for another
 * event name (a remittance written on TransactionWasCreated) lacks the usual keys and has others. An event the
 * editor left unreadable compares as nothing (the plan says what is wrong with it).
 */
export function compareEventKeys(eventText: string, sample: readonly string[]): KeyComparison {
  let keys: string[];
  try {
    const fields = parseJson(eventText, 'event');
    const raw = isObject(fields) ? fields.event_data : undefined;
    const data = typeof raw === 'string' ? parseJson(raw, 'event_data') : raw;
    if (!isObject(data ?? null)) return { sampled: 0, missing: [], unusual: [] };
    keys = Object.keys(data as Record<string, Json>);
  } catch {
    return { sampled: 0, missing: [], unusual: [] };
  }
  const seen = new Map<string, number>();
  let sampled = 0;
  for (const text of sample) {
    let doc: Json;
    try {
      doc = parseJson(text, 'event_data');
    } catch {
      continue;
    }
    if (!isObject(doc)) continue;
    sampled++;
    for (const k of Object.keys(doc)) seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  if (!sampled) return { sampled: 0, missing: [], unusual: [] };
  const has = new Set(keys);
  const missing = [...seen].filter(([k, n]) => n * 2 >= sampled && !has.has(k)).map(([k]) => k);
  const unusual = keys.filter((k) => !seen.has(k));
  return { sampled, missing, unusual };
}
