/**
 * Warehouse timestamps as exact microsecond values.
 *
 * BigQuery and DuckDB TIMESTAMPs carry microseconds; a JS Date carries
 * milliseconds, so an event_created_at such as `2024-02-03 15:38:21.224001`
 * would silently lose its last digits and no longer match its row. evfix
 * therefore never puts a timestamp through Date: it keeps the canonical text
 * `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) and converts to and from a bigint count of
 * microseconds since the epoch with integer calendar arithmetic.
 */
import { inputError } from './errors.js';

export type Micros = bigint;

/** The end of an open window: every read is bounded, even "from then on". */
export const FAR_FUTURE = '9999-12-31 23:59:59.999999';
/** The start of all time the warehouse keeps (a demo's first build, a rerun of everything). */
export const BEGINNING = '0001-01-01 00:00:00.000000';

const MICROS_PER_SECOND = 1_000_000n;
const MICROS_PER_DAY = 86_400n * MICROS_PER_SECOND;

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/**
 * Parses an operator-typed timestamp. Accepts a date, or a date and time with
 * up to six fractional digits, and an optional `Z`, `UTC` or `±HH:MM` offset
 * (no offset means UTC, as in BigQuery). More than six fractional digits is an
 * error rather than a silent truncation.
 */
export function parseTimestamp(text: string, field = 'timestamp'): Micros {
  const match = PATTERN.exec(text.trim());
  if (!match) {
    throw inputError(field, `"${text}" is not a timestamp; expected YYYY-MM-DD HH:MM:SS[.ffffff] (UTC)`);
  }
  const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', frac = '', zone] = match;
  const year = Number(ys),
    month = Number(mos),
    day = Number(ds);
  const hour = Number(hs),
    minute = Number(mis),
    second = Number(ss);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw inputError(field, `"${text}" is not a calendar date`);
  }
  if (hour > 23 || minute > 59 || second > 59) {
    throw inputError(field, `"${text}" has a time of day out of range`);
  }
  if (frac.length > 6) {
    throw inputError(field, `"${text}" has ${frac.length} fractional digits; the warehouse keeps at most 6 (microseconds)`);
  }
  let offsetMinutes = 0;
  if (zone && !/^(z|utc)$/i.test(zone)) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2)),
      om = Number(digits.slice(2) || '0');
    if (oh > 14 || om > 59) throw inputError(field, `"${text}" has an invalid UTC offset`);
    offsetMinutes = sign * (oh * 60 + om);
  }
  const days = BigInt(daysFromCivil(year, month, day));
  const seconds = BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  const micros = BigInt(frac.padEnd(6, '0') || '0');
  const result = days * MICROS_PER_DAY + seconds * MICROS_PER_SECOND + micros;
  if (result < MIN_MICROS || result > MAX_MICROS) {
    throw inputError(field, `"${text}" is outside 0001-01-01 .. 9999-12-31`);
  }
  return result;
}

const MIN_MICROS = BigInt(daysFromCivil(1, 1, 1)) * MICROS_PER_DAY;
const MAX_MICROS = BigInt(daysFromCivil(10000, 1, 1)) * MICROS_PER_DAY - 1n;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Canonical text `YYYY-MM-DD HH:MM:SS.ffffff`, the form plans and rows carry. */
export function formatTimestamp(micros: Micros): string {
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  const [year, month, day] = civilFromDays(Number(days));
  const secondsOfDay = Number(rest / MICROS_PER_SECOND);
  const fraction = Number(rest % MICROS_PER_SECOND);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(Math.floor(secondsOfDay / 3600))}:${pad(
    Math.floor(secondsOfDay / 60) % 60,
  )}:${pad(secondsOfDay % 60)}.${pad(fraction, 6)}`;
}

/** Re-renders any accepted timestamp text in canonical form. */
export const canonicalTimestamp = (text: string, field?: string) => formatTimestamp(parseTimestamp(text, field));

export function startOfDay(micros: Micros): Micros {
  const rem = ((micros % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY;
  return micros - rem;
}

export const addDays = (micros: Micros, days: number): Micros => micros + BigInt(days) * MICROS_PER_DAY;

/** Whole UTC days from the day of `earlier` to the day of `later`. */
export const daysBetween = (earlier: Micros, later: Micros): number => Number((startOfDay(later) - startOfDay(earlier)) / MICROS_PER_DAY);

/** The current time as microseconds; Date is fine here because "now" has no digits to lose. */
export const nowMicros = (): Micros => BigInt(Date.now()) * 1000n;

export const datePart = (micros: Micros) => formatTimestamp(micros).slice(0, 10);
