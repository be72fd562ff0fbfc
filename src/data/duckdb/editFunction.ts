/**
 * evfix_edit: JSON_SET and JSON_REMOVE for DuckDB, which has neither. A scalar function evfix registers on
 * each connection that needs it, computing with edit.ts's semantics (runProgram), so the embedded warehouse
 * edits documents exactly as the review shows them and as BigQuery's JSON_SET does.
 *
 *   evfix_edit(event_data VARCHAR, program VARCHAR, values VARCHAR) -> VARCHAR
 *
 * returns the edited document (compact JSON), '=' when the document is already as asked, or '!' and a
 * problem code (see editProgram.problemCode) when JSON_SET would leave it unchanged. `values` is a JSON
 * object of the event's per-row values by column name (or NULL).
 *
 * DuckDB calls it once per vector of rows, on the thread that runs JavaScript: programs that
 * json_merge_patch can run (most) do not use it (see planSql.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { programFromText, runProgram, type EditProgram } from '../json/editProgram.js';
import { isObject, parseJson, stringifyJson, type Json } from '../json/value.js';
import { loadDuckdb } from './connection.js';

export const EDIT_FUNCTION = 'evfix_edit';

const programs = new Map<string, EditProgram>();
const programOf = (text: string) => {
  let p = programs.get(text);
  if (!p) {
    if (programs.size > 100) programs.clear();
    p = programFromText(text);
    programs.set(text, p);
  }
  return p;
};

/** One row's result, as evfix_edit returns it. */
export function editResult(doc: string | null, programTextValue: string, valuesText: string | null): string {
  const program = programOf(programTextValue);
  let parsed: Json;
  try {
    parsed = doc === null ? null : parseJson(doc, 'event_data');
  } catch {
    return '!root:invalid';
  }
  const values = valuesText === null ? {} : (parseJson(valuesText, 'values') as Json);
  const result = runProgram(program, parsed, isObject(values) ? values : {});
  if ('problem' in result) return `!${result.problem}`;
  return result.changed ? stringifyJson(result.after) : '=';
}

/** Registers evfix_edit on a connection (once per connection). */
export async function registerEditFunction(conn: DuckDBConnection): Promise<void> {
  const { DuckDBScalarFunction, VARCHAR } = await loadDuckdb();
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: EDIT_FUNCTION,
      returnType: VARCHAR,
      parameterTypes: [VARCHAR, VARCHAR, VARCHAR],
      // NULL values (no per-row values) must reach the function, not short-circuit it.
      specialHandling: true,
      mainFunction: (_info, input, output) => {
        const docs = input.getColumnVector(0);
        const program = input.getColumnVector(1);
        const values = input.getColumnVector(2);
        for (let i = 0, n = input.rowCount; i < n; i++) {
          output.setItem(i, editResult(docs.getItem(i) as string | null, program.getItem(i) as string, values.getItem(i) as string | null));
        }
        output.flush();
      },
    }),
  );
}
