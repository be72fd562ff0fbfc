/**
 * What the find-events form turns into: the selection the service lists (and an update plan selects), and
 * the plans of the marked events or of every match. The conditions and the window are read by the data
 * layer's own parsers, so a condition the CLI's `--where` refuses is refused here with the same words.
 */
import { describeError } from '../data/errors.js';
import type { EventKey } from '../data/model.js';
import type { SelectionInput } from '../data/operations/makePlan.js';
import { parseCondition } from '../data/selection.js';
import { canonicalTimestamp, daysBetween, nowMicros, parseTimestamp } from '../data/timestamp.js';

/**
 * Events named one by one in a plan (marked, or every match of an exclusion) travel in the plan as keys: past
 * this many the plan stops being small, and the operator should narrow the conditions instead.
 */
export const MAX_NAMED = 5_000;

/** The parser's message for a condition as typed, or undefined when `--where` would take it. */
export function conditionProblem(text: string): string | undefined {
  try {
    parseCondition(text);
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

/** The parser's message for a window bound (`from`, `until`), or undefined when it is empty or a timestamp. */
export function boundProblem(text: string, field: 'from' | 'until'): string | undefined {
  if (!text.trim()) return undefined;
  try {
    parseTimestamp(text, field);
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

/** A window given with both bounds that ends before it starts (each bound already parses). */
export function windowProblem(from: string, until: string): string | undefined {
  if (!from.trim() || !until.trim()) return undefined;
  const [a, b] = [canonicalTimestamp(from, 'from'), canonicalTimestamp(until, 'until')];
  return a < b ? undefined : `until: ${b} is not after from (${a})`;
}

/** The selection the form describes: the window as typed (empty: the lookback, as `update --where`), the conditions. */
export function findSelection(form: { from: string; until: string; conditions: readonly string[] }): SelectionInput {
  return {
    ...(form.from.trim() ? { from: form.from.trim() } : {}),
    ...(form.until.trim() ? { until: form.until.trim() } : {}),
    where: [...form.conditions],
  };
}

/**
 * The selection of an update of the marked events: their keys, and the conditions again, so an event that no
 * longer matches by the time the plan is made is refused rather than changed. The window is the keys' days.
 */
export function markedSelection(keys: readonly EventKey[], conditions: readonly string[]): SelectionInput {
  return { keys: keys.map((k) => ({ event_id: k.event_id, event_created_at: k.event_created_at })), where: [...conditions] };
}

/**
 * The lookback an exclusion needs to reach a window that starts at `from`: exclusions name event_ids and cover
 * the lookback window, so a find that starts earlier than the lookback widens it to that day. Undefined keeps
 * the configured lookback.
 */
export function lookbackReaching(from: string, now = nowMicros()): number | undefined {
  if (!from.trim()) return undefined;
  const days = daysBetween(parseTimestamp(from, 'from'), now);
  return Math.min(3650, Math.max(1, days));
}
