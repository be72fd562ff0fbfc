/** Form validators built from the data layer's own parsers, so a field accepts exactly what the operation will. */
import { describeError } from '../data/errors.js';
import { normalizePath } from '../data/json/path.js';
import { parseEventId } from '../data/model.js';
import { canonicalTimestamp } from '../data/timestamp.js';

/** The parser's message without its field prefix (the form shows the field), or undefined when the text parses. */
function validator(parse: (text: string) => unknown, prefix: RegExp) {
  return (text: string): string | undefined => {
    try {
      parse(text);
      return undefined;
    } catch (error) {
      return describeError(error).replace(prefix, '');
    }
  };
}

export const validateEventId = validator(parseEventId, /^event_id: /);
export const validateTimestamp = validator(canonicalTimestamp, /^timestamp: /);
export const validatePath = validator(normalizePath, /^path: /);

/** Whether the end of a JSON path being typed is inside a quoted key ($."what?"), where any character, `?` too, is text. */
export function insideQuotedKey(before: string): boolean {
  let quote: string | null = null;
  for (const ch of before) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
  }
  return quote !== null;
}
