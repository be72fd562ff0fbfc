/**
 * Column types between BigQuery's schema (REST `TableFieldSchema`, DDL type
 * names) and ZetaSQL's TypeProto. The REST API answers with the legacy names
 * (INTEGER, FLOAT, BOOLEAN, RECORD) in schemas, which is also what the client
 * library's row parser expects; INFORMATION_SCHEMA speaks GoogleSQL names.
 */
import { errors } from './errors.js';
import type { TypeProto } from './values.js';

export type Mode = 'NULLABLE' | 'REQUIRED' | 'REPEATED';
export type SchemaField = { name: string; type: string; mode?: Mode; fields?: SchemaField[] };

const KIND: Record<string, string> = {
  STRING: 'TYPE_STRING',
  INT64: 'TYPE_INT64',
  INTEGER: 'TYPE_INT64',
  FLOAT64: 'TYPE_DOUBLE',
  FLOAT: 'TYPE_DOUBLE',
  BOOL: 'TYPE_BOOL',
  BOOLEAN: 'TYPE_BOOL',
  TIMESTAMP: 'TYPE_TIMESTAMP',
  DATE: 'TYPE_DATE',
  DATETIME: 'TYPE_DATETIME',
  TIME: 'TYPE_TIME',
  NUMERIC: 'TYPE_NUMERIC',
  BIGNUMERIC: 'TYPE_BIGNUMERIC',
  JSON: 'TYPE_JSON',
  BYTES: 'TYPE_BYTES',
};
const REST_NAME: Record<string, string> = {
  TYPE_STRING: 'STRING',
  TYPE_INT64: 'INTEGER',
  TYPE_DOUBLE: 'FLOAT',
  TYPE_BOOL: 'BOOLEAN',
  TYPE_TIMESTAMP: 'TIMESTAMP',
  TYPE_DATE: 'DATE',
  TYPE_DATETIME: 'DATETIME',
  TYPE_TIME: 'TIME',
  TYPE_NUMERIC: 'NUMERIC',
  TYPE_BIGNUMERIC: 'BIGNUMERIC',
  TYPE_JSON: 'JSON',
  TYPE_BYTES: 'BYTES',
};
const SQL_NAME: Record<string, string> = { ...REST_NAME, TYPE_INT64: 'INT64', TYPE_DOUBLE: 'FLOAT64', TYPE_BOOL: 'BOOL' };

export function fieldType(field: SchemaField): TypeProto {
  const upper = field.type.toUpperCase();
  let base: TypeProto;
  if (upper === 'RECORD' || upper === 'STRUCT') {
    base = { typeKind: 'TYPE_STRUCT', structType: { field: (field.fields ?? []).map((f) => ({ fieldName: f.name, fieldType: fieldType(f) })) } };
  } else {
    const kind = KIND[upper];
    if (!kind) throw errors.notEmulated(`type ${field.type} (${field.name}) is not emulated`);
    base = { typeKind: kind };
  }
  return field.mode === 'REPEATED' ? { typeKind: 'TYPE_ARRAY', arrayType: { elementType: base } } : base;
}

/** A result column or table column in REST form: `{name, type, mode, fields?}`. */
export function restField(name: string, type: TypeProto, mode?: Mode): SchemaField {
  if (type.typeKind === 'TYPE_ARRAY') return restField(name, type.arrayType!.elementType, 'REPEATED');
  if (type.typeKind === 'TYPE_STRUCT') {
    return { name, type: 'RECORD', mode: mode ?? 'NULLABLE', fields: type.structType!.field.map((f) => restField(f.fieldName, f.fieldType)) };
  }
  const rest = REST_NAME[type.typeKind];
  if (!rest) throw errors.notEmulated(`no REST type for ${type.typeKind}`);
  return { name, type: rest, mode: mode ?? 'NULLABLE' };
}

/** The REST form of a schema a test or load job gave (legacy names, modes filled in). */
export const restSchema = (fields: readonly SchemaField[]): SchemaField[] =>
  fields.map((f) => {
    const r = restField(f.name, fieldType({ ...f, mode: f.mode === 'REPEATED' ? 'REPEATED' : 'NULLABLE' }));
    return { ...r, mode: f.mode ?? 'NULLABLE' };
  });

/** GoogleSQL type name, as INFORMATION_SCHEMA.COLUMNS.data_type and DDL print it. */
export function sqlTypeName(type: TypeProto): string {
  if (type.typeKind === 'TYPE_ARRAY') return `ARRAY<${sqlTypeName(type.arrayType!.elementType)}>`;
  if (type.typeKind === 'TYPE_STRUCT') return `STRUCT<${type.structType!.field.map((f) => `${f.fieldName} ${sqlTypeName(f.fieldType)}`).join(', ')}>`;
  return SQL_NAME[type.typeKind] ?? type.typeKind.replace('TYPE_', '');
}
