/**
 * Query parameters in the REST shape BigQuery takes (QueryParameter), built
 * here rather than by the client library's type inference: every parameter
 * gets an explicit type, timestamps travel as canonical text (microseconds
 * intact, never a JS Date), and null is a typed null.
 */

export type ScalarType = 'STRING' | 'INT64' | 'BOOL' | 'TIMESTAMP' | 'JSON';
export type ParamType =
  | { type: ScalarType }
  | { type: 'ARRAY'; arrayType: ParamType }
  | { type: 'STRUCT'; structTypes: { name: string; type: ParamType }[] };
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

/** How many parameter values a set of parameters carries (BigQuery allows 10,000 per request). */
export function valueCount(params: readonly QueryParameter[]): number {
  const count = (v: ParamValue): number =>
    v.arrayValues ? v.arrayValues.reduce((n, x) => n + count(x), 0) : v.structValues ? Object.values(v.structValues).reduce((n, x) => n + count(x), 0) : 1;
  return params.reduce((n, p) => n + count(p.parameterValue), 0);
}
