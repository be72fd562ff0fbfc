/**
 * Stored text (descriptions, event_data strings) as it is safe to print: control characters (ESC, BEL, ...)
 * shown escaped, so text another operator stored can never drive this operator's terminal.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const CONTROL_AND_NEWLINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const escaped = (ch: string) => {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** One line of stored text: every control character escaped, line breaks too. */
export const printable = (text: string) => text.replace(CONTROL_AND_NEWLINE, escaped);

/** Text of several lines (a pretty-printed document): line breaks kept, other control characters escaped. */
export const printableLines = (text: string) => text.replace(CONTROL, escaped);

/** A byte count as BigQuery's console shows it, in binary units: `1.2 GiB`. */
export function formatBytes(bytes: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
