/**
 * Query parameters in the REST shape BigQuery takes (QueryParameter), built
 * here rather than by the client library's type inference: every parameter
 * gets an explicit type, timestamps travel as canonical text (microseconds
 * intact, never a JS Date), and null is a typed null.
 */

export type ScalarType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'JSON';
export type ParamType = { type: ScalarType } | { type: 'ARRAY'; arrayType: ParamType } | { type: 'STRUCT'; structTypes: { name: string; type: ParamType }[] };
export type ParamValue = { value?: string | null; arrayValues?: ParamValue[]; structValues?: Record<string, ParamValue> };
export type QueryParameter = { name: string; parameterType: ParamType; parameterValue: ParamValue };

export type Scalar = string | number | bigint | boolean | null;

const scalarValue = (v: Scalar): ParamValue => ({ value: v === null ? null : typeof v === 'boolean' ? String(v) : String(v) });

export const scalar = (name: string, type: ScalarType, value: Scalar): QueryParameter => ({
  name,
  parameterType: { type },
  parameterValue: scalarValue(value),
});

export const string = (name: string, value: string | null) => scalar(name, 'STRING', value);
export const timestamp = (name: string, value: string) => scalar(name, 'TIMESTAMP', value);
export const int64 = (name: string, value: number | bigint) => scalar(name, 'INT64', value);
export const float64 = (name: string, value: number) => scalar(name, 'FLOAT64', value);
export const bool = (name: string, value: boolean) => scalar(name, 'BOOL', value);
/** A LIMIT's row count (at least 1), as @limit: no number reaches the SQL text either. */
export const limit = (rows: number) => int64('limit', Math.max(1, Math.floor(rows)));

export const stringArray = (name: string, values: readonly string[]): QueryParameter => ({
  name,
  parameterType: { type: 'ARRAY', arrayType: { type: 'STRING' } },
  parameterValue: { arrayValues: values.map((v) => ({ value: v })) },
});

/** ARRAY<STRUCT<...>> from rows; `fields` fixes the order and type of each struct field. */
export function structArray<Row>(name: string, fields: readonly (readonly [keyof Row & string, ScalarType])[], rows: readonly Row[]): QueryParameter {
  return {
    name,
    parameterType: {
      type: 'ARRAY',
      arrayType: { type: 'STRUCT', structTypes: fields.map(([field, type]) => ({ name: field, type: { type } })) },
    },
    parameterValue: {
      arrayValues: rows.map((row) => ({
        structValues: Object.fromEntries(fields.map(([field]) => [field, scalarValue(row[field] as Scalar)])),
      })),
    },
  };
}

/** Named parameters of one statement, added as the SQL is written. */
export class Params {
  readonly list: QueryParameter[] = [];
  private n = 0;
  /** A fresh parameter; returns its reference (@name). */
  add(hint: string, make: (name: string) => QueryParameter): string {
    const p = make(`${hint}_${this.n++}`);
    this.list.push(p);
    return `@${p.name}`;
  }
  /** A parameter by a fixed name (the window, the event name); set again, it is replaced. */
  set(p: QueryParameter): string {
    const i = this.list.findIndex((q) => q.name === p.name);
    if (i >= 0) this.list[i] = p;
    else this.list.push(p);
    return `@${p.name}`;
  }
  /** The parameters a statement names: each statement is sent with those alone, so what it is sent is what it reads. */
  usedBy(sql: string): QueryParameter[] {
    return this.list.filter((p) => new RegExp(`@${p.name}\\b`).test(sql));
  }
}
