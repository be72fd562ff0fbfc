/**
 * REST query parameters (`queryParameters` of a query job) as ZetaSQL named
 * parameters. Values arrive as text (`parameterValue.value`), arrays as
 * `arrayValues`, structs as `structValues` keyed by field name; a missing
 * value is a typed NULL. A value the service would refuse is refused here
 * with the service's reason (`invalid`... as `invalidQuery`).
 */
import { BigqueryError, errors } from './errors.js';
import { fieldType } from './types.js';
import { fromJs, type TypeProto, type ValueProto } from './values.js';
import type { NamedParam } from './zetasql.js';

export type RestParamType = { type: string; arrayType?: RestParamType; structTypes?: { name?: string; type: RestParamType }[] };
export type RestParamValue = { value?: string | null; arrayValues?: RestParamValue[]; structValues?: Record<string, RestParamValue> };
export type RestQueryParameter = { name?: string; parameterType: RestParamType; parameterValue?: RestParamValue };

export function paramType(t: RestParamType): TypeProto {
  const upper = t.type.toUpperCase();
  if (upper === 'ARRAY') return { typeKind: 'TYPE_ARRAY', arrayType: { elementType: paramType(t.arrayType!) } };
  if (upper === 'STRUCT')
    return { typeKind: 'TYPE_STRUCT', structType: { field: (t.structTypes ?? []).map((f) => ({ fieldName: f.name ?? '', fieldType: paramType(f.type) })) } };
  return fieldType({ name: 'parameter', type: upper });
}

function paramValue(type: TypeProto, v: RestParamValue | undefined, name: string): ValueProto {
  if (type.typeKind === 'TYPE_ARRAY') {
    return { arrayValue: { element: (v?.arrayValues ?? []).map((e) => paramValue(type.arrayType!.elementType, e, name)) } };
  }
  if (type.typeKind === 'TYPE_STRUCT') {
    if (!v?.structValues) return {};
    return { structValue: { field: type.structType!.field.map((f) => paramValue(f.fieldType, v.structValues![f.fieldName], name)) } };
  }
  if (v?.value === undefined || v.value === null) return {};
  try {
    return fromJs(type, v.value);
  } catch (e) {
    throw new BigqueryError('invalidQuery', `Invalid value for query parameter ${name}: ${(e as Error).message}`);
  }
}

export function namedParams(params: readonly RestQueryParameter[] | undefined, mode: string | undefined): NamedParam[] {
  if (!params?.length) return [];
  if (mode && mode.toUpperCase() !== 'NAMED') throw errors.notEmulated('only parameterMode NAMED is emulated');
  return params.map((p) => {
    if (!p.name) throw new BigqueryError('invalid', 'Query parameter name is required in NAMED mode');
    const type = paramType(p.parameterType);
    return { name: p.name, type, value: paramValue(type, p.parameterValue, p.name) };
  });
}

/** JSON parameter values as BigQuery holds them: parsed and re-serialized (the evaluator would echo the text as sent). */
export async function canonicalizeJson(params: readonly NamedParam[], canonical: (texts: string[]) => Promise<string[]>) {
  const cells: ValueProto[] = [];
  const collect = (v: ValueProto) => {
    if (v.jsonValue !== undefined) cells.push(v);
    v.arrayValue?.element?.forEach(collect);
    for (const f of v.structValue?.field ?? []) collect(f);
  };
  for (const p of params) collect(p.value);
  if (!cells.length) return;
  const texts = await canonical(cells.map((c) => c.jsonValue!)).catch((e: Error) => {
    throw new BigqueryError('invalidQuery', `Invalid value for a JSON query parameter: ${e.message.replace(/^bigquery emulator: /, '')}`);
  });
  for (const [i, c] of cells.entries()) c.jsonValue = texts[i];
}
