/** The edit form's typed values: the JSON type is chosen explicitly, and the text is validated as that type. */
import { parseJson, stringifyJson } from '../data/json/value.js';

export const VALUE_TYPES = ['string', 'number', 'boolean', 'null', 'json'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** The JSON text for a typed value, or an error message. */
export function typedValue(type: ValueType, text: string): { json: string } | { error: string } {
  switch (type) {
    case 'string':
      return { json: JSON.stringify(text) };
    case 'number':
      return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text.trim()) ? { json: text.trim() } : { error: `"${text}" is not a number` };
    case 'boolean':
      return text === 'true' || text === 'false' ? { json: text } : { error: 'type true or false' };
    case 'null':
      return { json: 'null' };
    case 'json':
      try {
        return { json: stringifyJson(parseJson(text, 'value')) };
      } catch (error) {
        return { error: (error as Error).message.replace(/^value: /, '') };
      }
  }
}

/**
 * The path as the operator meant it: the path field starts at "$.", so one who types the whole path ("$.Status")
 * gets "$.$.Status", read as "$.Status". (A top-level key named "$" is written $."$".)
 */
export const typedPath = (p: string) => (/^\$\.\$[.[]/.test(p) ? p.slice(2) : p);
