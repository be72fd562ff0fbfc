/**
 * Reading lists of events from files: a JSON array, JSON lines, or CSV with a
 * header row. Used by `update --from-file` (keys) and `insert --from-file`
 * (whole events).
 */
import { readTextOr } from '../files.js';
import { EvfixError } from '../errors.js';
import { isObject, parseJson, type Json } from '../json/value.js';

/** One entry; JSON files keep JSON values exactly (big numbers included), CSV fields are text. */
export type FileRecord = { line: number; fields: Record<string, Json> };

function parseCsv(text: string, file: string): FileRecord[] {
  const records: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) {
        records.push(row);
        lines.push(rowLine);
      }
      row = [];
      field = '';
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (quoted) throw new EvfixError('input', `${file}: line ${rowLine}: unterminated quoted field`);
  row.push(field);
  if (row.some((f) => f !== '')) {
    records.push(row);
    lines.push(rowLine);
  }
  const [header, ...body] = records;
  if (!header) return [];
  return body.map((values, i) => {
    if (values.length !== header.length) {
      throw new EvfixError('input', `${file}: line ${lines[i + 1]}: ${values.length} fields, the header has ${header.length}`);
    }
    return { line: lines[i + 1]!, fields: Object.fromEntries(header.map((h, j) => [h.trim(), values[j] ?? ''])) };
  });
}

export function readEventFile(file: string): FileRecord[] {
  const text = readTextOr(file, (why) => new EvfixError('input', `${file}: cannot be read (${why})`));
  if (text.includes('\uFFFD')) throw new EvfixError('input', `${file}: is not valid UTF-8`);
  const trimmed = text.trimStart();
  const asObject = (value: Json, line: number): FileRecord => {
    if (!isObject(value)) throw new EvfixError('input', `${file}: entry ${line} is not an object`);
    return { line, fields: value };
  };
  if (trimmed.startsWith('[')) {
    const parsed = parseJson(text, file);
    return (parsed as Json[]).map((v, i) => asObject(v, i + 1));
  }
  if (trimmed.startsWith('{')) {
    return text
      .split('\n')
      .map((l, i) => [l, i + 1] as const)
      .filter(([l]) => l.trim())
      .map(([l, line]) => {
        return asObject(parseJson(l, `${file}: line ${line}`), line);
      });
  }
  return parseCsv(text, file);
}
