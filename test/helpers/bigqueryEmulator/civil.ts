/**
 * Calendar arithmetic and the text forms of BigQuery's civil and absolute
 * times, exact to the microsecond with integers only (no JS Date): days
 * since the epoch (Howard Hinnant's days_from_civil), canonical timestamp
 * text `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), and ZetaSQL's packed DATETIME and
 * TIME encodings.
 */
import type { ValueProto } from './values.js';

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d];
}

const pad = (n: number | bigint, width: number) => String(n).padStart(width, '0');
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_DAY = 86_400n * MICROS_PER_SECOND;

export const formatDate = (days: number) => {
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
};

/** Canonical text of a timestamp in microseconds since the epoch. */
export function formatTimestamp(micros: bigint): string {
  const days = floorDiv(micros, MICROS_PER_DAY);
  let rest = micros - days * MICROS_PER_DAY;
  const h = rest / 3_600_000_000n;
  rest -= h * 3_600_000_000n;
  const mi = rest / 60_000_000n;
  rest -= mi * 60_000_000n;
  const s = rest / MICROS_PER_SECOND;
  const f = rest - s * MICROS_PER_SECOND;
  return `${formatDate(Number(days))} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(f, 6)}`;
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/i;

/** Microseconds of timestamp text as BigQuery accepts it (offsets applied; more than microsecond precision refused). */
export function parseTimestamp(text: string): bigint {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (!m) throw new Error(`Invalid timestamp: '${text}'`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  if (frac.length > 6 && /[1-9]/.test(frac.slice(6))) throw new Error(`Invalid timestamp: '${text}' (more than microsecond precision)`);
  const month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) throw new Error(`Invalid timestamp: '${text}'`);
  const days = daysFromCivil(Number(y), month, day);
  if (formatDate(days) !== `${pad(Number(y), 4)}-${pad(month, 2)}-${pad(day, 2)}`) throw new Error(`Invalid timestamp: '${text}'`);
  let micros = BigInt(days) * MICROS_PER_DAY + BigInt(hour * 3600 + minute * 60 + second) * MICROS_PER_SECOND + BigInt(`${frac}000000`.slice(0, 6));
  if (zone && !/^(z|utc)$/i.test(zone)) {
    const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone)!;
    const offset = BigInt(Number(z[2]) * 3600 + Number(z[3] ?? 0) * 60) * MICROS_PER_SECOND;
    micros += z[1] === '+' ? -offset : offset;
  }
  return micros;
}

export function parseDate(text: string): number {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!m) throw new Error(`Invalid date: '${text}'`);
  const days = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  if (formatDate(days) !== `${m[1]}-${pad(Number(m[2]), 2)}-${pad(Number(m[3]), 2)}`) throw new Error(`Invalid date: '${text}'`);
  return days;
}

// ZetaSQL's packed civil times: DATETIME seconds = year<<26 | month<<22 | day<<17 | hour<<12 | minute<<6 | second; TIME = hour<<42 | minute<<36 | second<<30 | nanos.
function datetimeParts(v: ValueProto) {
  const bits = BigInt(v.datetimeValue?.bitFieldDatetimeSeconds ?? '0');
  const f = (shift: bigint, mask: bigint) => Number((bits >> shift) & mask);
  return {
    y: Number(bits >> 26n),
    mo: f(22n, 0xfn),
    d: f(17n, 0x1fn),
    h: f(12n, 0x1fn),
    mi: f(6n, 0x3fn),
    s: f(0n, 0x3fn),
    nanos: v.datetimeValue?.nanos ?? 0,
  };
}
const fraction = (nanos: number) => (nanos ? `.${pad(Math.floor(nanos / 1000), 6)}` : '');
export function formatDatetime(v: ValueProto, separator = 'T') {
  const p = datetimeParts(v);
  return `${pad(p.y, 4)}-${pad(p.mo, 2)}-${pad(p.d, 2)}${separator}${pad(p.h, 2)}:${pad(p.mi, 2)}:${pad(p.s, 2)}${fraction(p.nanos)}`;
}
export function parseDatetime(text: string): ValueProto {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(text.trim());
  if (!m) throw new Error(`Invalid datetime: '${text}'`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const bits = (BigInt(y!) << 26n) | (BigInt(mo!) << 22n) | (BigInt(d!) << 17n) | (BigInt(h) << 12n) | (BigInt(mi) << 6n) | BigInt(s);
  return { datetimeValue: { bitFieldDatetimeSeconds: String(bits), nanos: Number(`${frac}000000`.slice(0, 6)) * 1000 } };
}
export function formatTime(v: ValueProto) {
  const bits = BigInt(v.timeValue ?? '0');
  const part = (shift: bigint, mask: bigint) => Number((bits >> shift) & mask);
  return `${pad(part(42n, 0x1fn), 2)}:${pad(part(36n, 0x3fn), 2)}:${pad(part(30n, 0x3fn), 2)}${fraction(part(0n, 0x3fffffffn))}`;
}
export function parseTime(text: string): ValueProto {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) throw new Error(`Invalid time: '${text}'`);
  const nanos = BigInt(Number(`${m[4] ?? ''}000000`.slice(0, 6)) * 1000);
  return { timeValue: String((BigInt(m[1]!) << 42n) | (BigInt(m[2]!) << 36n) | (BigInt(m[3]!) << 30n) | nanos) };
}
