/**
 * Values in the three shapes the emulator meets them: ZetaSQL's ValueProto
 * (what the evaluator reads and returns), BigQuery's REST encoding (what the
 * client library receives), and plain JS values (what tests put in and read
 * back). Timestamps are exact microseconds as bigint and canonical text
 * `YYYY-MM-DD HH:MM:SS.ffffff` (UTC); nothing goes through a JS Date, and
 * 64-bit integers stay decimal strings or bigint.
 */
import { formatDate, formatDatetime, formatTime, formatTimestamp, MICROS_PER_SECOND, parseDate, parseDatetime, parseTime, parseTimestamp } from './civil.js';

export type TypeProto = { typeKind: string; arrayType?: { elementType: TypeProto }; structType?: { field: { fieldName: string; fieldType: TypeProto }[] } };

export type ValueProto = {
  int64Value?: string;
  boolValue?: boolean;
  doubleValue?: number;
  stringValue?: string;
  bytesValue?: Buffer;
  dateValue?: number;
  timestampValue?: { seconds?: string; nanos?: number };
  datetimeValue?: { bitFieldDatetimeSeconds?: string; nanos?: number };
  timeValue?: string;
  numericValue?: Buffer;
  bignumericValue?: Buffer;
  jsonValue?: string;
  arrayValue?: { element?: ValueProto[] };
  structValue?: { field?: ValueProto[] };
  /** proto-loader's name of the field that is set; absent on NULL. */
  value?: string;
};

export const NULL: ValueProto = {};
export const isNull = (v: ValueProto | undefined) => !v || Object.keys(v).every((k) => k === 'value' || (v as Record<string, unknown>)[k] === undefined);

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

export const timestampValue = (micros: bigint): ValueProto => {
  const seconds = floorDiv(micros, MICROS_PER_SECOND);
  return { timestampValue: { seconds: String(seconds), nanos: Number(micros - seconds * MICROS_PER_SECOND) * 1000 } };
};
export const timestampMicros = (v: ValueProto) =>
  BigInt(v.timestampValue?.seconds ?? '0') * MICROS_PER_SECOND + BigInt(Math.floor((v.timestampValue?.nanos ?? 0) / 1000));

// NUMERIC is a little-endian two's complement integer scaled by 10^9, BIGNUMERIC by 10^38.
const SCALE = { TYPE_NUMERIC: 9, TYPE_BIGNUMERIC: 38 } as Record<string, number>;
function decodeScaled(bytes: Buffer | undefined, scale: number): string {
  const b = bytes ?? Buffer.alloc(0);
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  if (b.length && b[b.length - 1]! & 0x80) n -= 1n << BigInt(8 * b.length);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
function encodeScaled(text: string, scale: number): Buffer {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (!m[2] && !m[3])) throw new Error(`Invalid NUMERIC value: '${text}'`);
  const frac = m[3] ?? '';
  if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) throw new Error(`Invalid NUMERIC value: '${text}' (too many fractional digits)`);
  let n = BigInt((m[2] || '0') + (frac + '0'.repeat(scale)).slice(0, scale));
  if (m[1] === '-') n = -n;
  const out: number[] = [];
  for (;;) {
    out.push(Number(n & 0xffn));
    n >>= 8n;
    const sign = out[out.length - 1]! & 0x80;
    if ((n === 0n && !sign) || (n === -1n && sign)) break;
  }
  return Buffer.from(out);
}

/** BigQuery REST prints FLOAT64 (and legacy float-second timestamps) the way Java prints a double. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

export type RestFormat = { useInt64Timestamp: boolean; iso8601: boolean };

/** One cell in the REST encoding of tabledata / getQueryResults (`{v: ...}` holds what this returns). */
export function toRest(type: TypeProto, v: ValueProto | undefined, format: RestFormat): unknown {
  if (type.typeKind === 'TYPE_ARRAY') return (v?.arrayValue?.element ?? []).map((e) => ({ v: toRest(type.arrayType!.elementType, e, format) }));
  if (!v || isNull(v)) return null;
  switch (type.typeKind) {
    case 'TYPE_STRUCT':
      return { f: type.structType!.field.map((f, i) => ({ v: toRest(f.fieldType, v.structValue?.field?.[i], format) })) };
    case 'TYPE_INT64':
      return v.int64Value!;
    case 'TYPE_DOUBLE':
      return javaDouble(v.doubleValue!);
    case 'TYPE_BOOL':
      return String(v.boolValue);
    case 'TYPE_STRING':
      return v.stringValue!;
    case 'TYPE_BYTES':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'TYPE_TIMESTAMP': {
      const micros = timestampMicros(v);
      if (format.iso8601) return `${formatTimestamp(micros).replace(' ', 'T')}Z`;
      return format.useInt64Timestamp ? String(micros) : javaDouble(Number(micros) / 1e6);
    }
    case 'TYPE_DATE':
      return formatDate(v.dateValue ?? 0);
    case 'TYPE_DATETIME':
      return formatDatetime(v);
    case 'TYPE_TIME':
      return formatTime(v);
    case 'TYPE_NUMERIC':
      return decodeScaled(v.numericValue, 9);
    case 'TYPE_BIGNUMERIC':
      return decodeScaled(v.bignumericValue, 38);
    case 'TYPE_JSON':
      return v.jsonValue!;
    default:
      throw new Error(`bigquery emulator: no REST encoding for ${type.typeKind}`);
  }
}

export type JsValue = string | number | bigint | boolean | null | Buffer | JsValue[] | { [field: string]: JsValue };

/** A cell as a test reads it: INT64 bigint, TIMESTAMP canonical text, JSON its text, NUMERIC decimal text. */
export function toJs(type: TypeProto, v: ValueProto | undefined): JsValue {
  if (type.typeKind === 'TYPE_ARRAY') return (v?.arrayValue?.element ?? []).map((e) => toJs(type.arrayType!.elementType, e));
  if (!v || isNull(v)) return null;
  switch (type.typeKind) {
    case 'TYPE_STRUCT':
      return Object.fromEntries(type.structType!.field.map((f, i) => [f.fieldName, toJs(f.fieldType, v.structValue?.field?.[i])]));
    case 'TYPE_INT64':
      return BigInt(v.int64Value!);
    case 'TYPE_DOUBLE':
      return v.doubleValue!;
    case 'TYPE_BOOL':
      return v.boolValue!;
    case 'TYPE_BYTES':
      return Buffer.from(v.bytesValue ?? []);
    case 'TYPE_TIMESTAMP':
      return formatTimestamp(timestampMicros(v));
    case 'TYPE_DATETIME':
      return formatDatetime(v, ' ');
    default:
      return toRest(type, v, { useInt64Timestamp: true, iso8601: false }) as string;
  }
}

const describe = (x: unknown) => (typeof x === 'bigint' ? `${x}n` : JSON.stringify(x));

/** A JS value (test rows, load-job JSON lines, REST parameter text) as a ValueProto of `type`. */
export function fromJs(type: TypeProto, x: unknown): ValueProto {
  if (type.typeKind === 'TYPE_ARRAY') {
    if (x === null || x === undefined) return { arrayValue: { element: [] } };
    if (!Array.isArray(x)) throw new Error(`expected an array, got ${describe(x)}`);
    return { arrayValue: { element: x.map((e) => fromJs(type.arrayType!.elementType, e)) } };
  }
  if (x === null || x === undefined) return {};
  const bad = () => new Error(`${describe(x)} is not a valid ${type.typeKind.replace('TYPE_', '')} value`);
  switch (type.typeKind) {
    case 'TYPE_STRUCT': {
      if (typeof x !== 'object' || Array.isArray(x)) throw bad();
      const o = x as Record<string, unknown>;
      return { structValue: { field: type.structType!.field.map((f) => fromJs(f.fieldType, o[f.fieldName])) } };
    }
    case 'TYPE_INT64': {
      const text = typeof x === 'bigint' ? String(x) : typeof x === 'number' && Number.isSafeInteger(x) ? String(x) : typeof x === 'string' ? x.trim() : '';
      if (!/^[+-]?\d+$/.test(text)) throw bad();
      const n = BigInt(text);
      if (n < -(2n ** 63n) || n >= 2n ** 63n) throw bad();
      return { int64Value: String(n) };
    }
    case 'TYPE_DOUBLE': {
      const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
      if (typeof x === 'string' && !/^\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf(inity)?|nan)\s*$/i.test(x)) throw bad();
      return { doubleValue: typeof x === 'string' && /inf/i.test(x) ? (x.includes('-') ? -Infinity : Infinity) : n };
    }
    case 'TYPE_BOOL':
      if (typeof x === 'boolean') return { boolValue: x };
      if (typeof x === 'string' && /^(true|false)$/i.test(x)) return { boolValue: x.toLowerCase() === 'true' };
      throw bad();
    case 'TYPE_STRING':
      if (typeof x !== 'string') throw bad();
      return { stringValue: x };
    case 'TYPE_BYTES':
      return { bytesValue: Buffer.isBuffer(x) ? x : Buffer.from(String(x), 'base64') };
    case 'TYPE_TIMESTAMP':
      if (typeof x === 'bigint') return timestampValue(x);
      if (typeof x !== 'string') throw bad();
      return timestampValue(parseTimestamp(x));
    case 'TYPE_DATE':
      if (typeof x !== 'string') throw bad();
      return { dateValue: parseDate(x) };
    case 'TYPE_DATETIME':
      if (typeof x !== 'string') throw bad();
      return parseDatetime(x);
    case 'TYPE_TIME':
      if (typeof x !== 'string') throw bad();
      return parseTime(x);
    case 'TYPE_NUMERIC':
    case 'TYPE_BIGNUMERIC': {
      const bytes = encodeScaled(String(x), SCALE[type.typeKind]!);
      return type.typeKind === 'TYPE_NUMERIC' ? { numericValue: bytes } : { bignumericValue: bytes };
    }
    case 'TYPE_JSON':
      // Canonicalised by the store through ZetaSQL; objects are taken as their JSON text.
      return { jsonValue: typeof x === 'string' ? x : JSON.stringify(x) };
    default:
      throw new Error(`bigquery emulator: no values of ${type.typeKind}`);
  }
}

/**
 * Logical bytes of a value as BigQuery bills them (docs "Data size
 * calculation"): STRING/BYTES 2 + length, INT64/FLOAT64/TIMESTAMP/DATE/
 * DATETIME/TIME 8, BOOL 1, NUMERIC 16, BIGNUMERIC 32, JSON its UTF-8 text,
 * ARRAY/STRUCT the sum of their parts, NULL 0.
 */
export function valueBytes(type: TypeProto, v: ValueProto | undefined): number {
  if (!v || isNull(v)) return 0;
  switch (type.typeKind) {
    case 'TYPE_ARRAY':
      return (v.arrayValue?.element ?? []).reduce((n, e) => n + valueBytes(type.arrayType!.elementType, e), 0);
    case 'TYPE_STRUCT':
      return type.structType!.field.reduce((n, f, i) => n + valueBytes(f.fieldType, v.structValue?.field?.[i]), 0);
    case 'TYPE_STRING':
      return 2 + Buffer.byteLength(v.stringValue ?? '');
    case 'TYPE_BYTES':
      return 2 + (v.bytesValue?.length ?? 0);
    case 'TYPE_BOOL':
      return 1;
    case 'TYPE_NUMERIC':
      return 16;
    case 'TYPE_BIGNUMERIC':
      return 32;
    case 'TYPE_JSON':
      return Buffer.byteLength(v.jsonValue ?? '');
    default:
      return 8;
  }
}

/** A ValueProto without proto-loader's `value` marker, safe to send back. */
export function clean(v: ValueProto): ValueProto {
  const out: ValueProto = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'value' || x === undefined || x === null) continue;
    if (k === 'arrayValue') out.arrayValue = { element: ((x as { element?: ValueProto[] }).element ?? []).map(clean) };
    else if (k === 'structValue') out.structValue = { field: ((x as { field?: ValueProto[] }).field ?? []).map(clean) };
    else (out as Record<string, unknown>)[k] = x;
  }
  return out;
}
