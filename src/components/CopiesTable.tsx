/**
 * Copies of one event side by side: a row per column and per event_data leaf,
 * a column per copy. Rows where the copies differ are marked `*` (and coloured).
 *
 * Nothing is cut: a value longer than its column wraps onto as many lines as
 * it needs, inside its column (at a space, else after a `-`, `.`, `_` or `/`,
 * else where the column ends), so the copies' lines stay side by side and a
 * long user_id can be read in full in each copy. A long path wraps in the
 * label column the same way. `offset` counts lines, and `copiesTableLines`
 * says how many there are, so a screen scrolls to the last one.
 */
import { Box, Text } from 'ink';
import fastStringWidth from './fastStringWidth.js';
import { tone } from './theme.js';

export type CopyColumn = { heading: string; values: Record<string, string> };

type Layout = { labelWidth: number; cell: number; lines: { text: string; differs: boolean }[] };

/** A timestamp with microseconds, the widest value every event has: a column fits one where the width allows. */
const TIMESTAMP = 26;
/** A UUID: where the copies' columns can fit one, the label column may be wider than its usual 24. */
const UUID = 36;

const MISSING = '—';

function layout(rows: readonly string[], columns: readonly CopyColumn[], width: number): Layout {
  const copies = Math.max(1, columns.length);
  // The label column gives way before the copies' columns do: a path wraps, a timestamp stays on one line,
  // and the label column grows past 24 only while a UUID still fits each copy's column.
  const longest = Math.max(0, ...rows.map((r) => fastStringWidth(r))) + 1;
  const labelCap = Math.max(24, width - 4 - copies * (UUID + 1));
  const labelWidth = Math.max(8, Math.min(longest, labelCap, width - 4 - copies * (TIMESTAMP + 1)));
  const cell = Math.max(10, Math.floor((width - labelWidth - 4) / copies) - 1);
  const lines: Layout['lines'] = [];
  for (const row of rows) {
    const values = columns.map((c) => c.values[row] ?? MISSING);
    const differs = values.some((v) => v !== values[0]);
    const label = wrapCell(row, labelWidth - 1);
    const cells = values.map((v) => wrapCell(v, cell));
    const height = Math.max(label.length, ...cells.map((c) => c.length));
    for (let i = 0; i < height; i++) {
      const marker = i === 0 && differs ? '* ' : '  ';
      lines.push({ text: marker + pad(label[i] ?? '', labelWidth) + cells.map((c) => `${pad(c[i] ?? '', cell)} `).join(''), differs });
    }
  }
  return { labelWidth, cell, lines };
}

/** How many lines the rows take under the heading at this width: what `offset` can scroll through. */
export function copiesTableLines(rows: readonly string[], columns: readonly CopyColumn[], width: number): number {
  return layout(rows, columns, width).lines.length;
}

export function CopiesTable(props: { rows: readonly string[]; columns: readonly CopyColumn[]; kept: number; width: number; offset: number; height: number }) {
  const { labelWidth, cell, lines } = layout(props.rows, props.columns, props.width);
  const shown = Math.max(1, props.height - 1);
  // Never scrolled past the last line: a screen that counts rows, not lines, still gets a full table.
  const offset = Math.max(0, Math.min(props.offset, lines.length - shown));
  const heading = (text: string) => pad(wrapCell(text, cell)[0]!, cell);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {`  ${''.padEnd(labelWidth)}`}
        {props.columns.map((c, i) => (
          <Text key={i} bold={i === props.kept} inverse={i === props.kept}>
            {heading((i === props.kept ? 'keep ' : '') + c.heading)}{' '}
          </Text>
        ))}
      </Text>
      {lines.slice(offset, offset + shown).map((line, i) => (
        <Text key={offset + i} color={line.differs ? tone('warn') : undefined} wrap="truncate-end">
          {line.text}
        </Text>
      ))}
    </Box>
  );
}

const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - fastStringWidth(text)));

/** Characters after which a value or a path breaks well when it has no space where it must break. */
const BREAK_AFTER = new Set(['-', '.', '_', '/']);

/** `text` in lines of at most `width` columns: at spaces where it can, after a BREAK_AFTER character in a long word, else anywhere. */
export function wrapCell(text: string, width: number): string[] {
  width = Math.max(1, width);
  if (fastStringWidth(text) <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const sep = line ? ' ' : '';
    if (fastStringWidth(line + sep + word) <= width) {
      line += sep + word;
      continue;
    }
    if (line) out.push(line);
    line = '';
    let rest = [...word];
    while (fastStringWidth(rest.join('')) > width) {
      // The longest head that fits, cut after a break character when one lies in its second half.
      let fits = 0;
      for (let used = 0; fits < rest.length && used + fastStringWidth(rest[fits]!) <= width; fits++) used += fastStringWidth(rest[fits]!);
      fits = Math.max(1, fits);
      let cut = fits;
      for (let i = fits; i > fits / 2; i--) {
        if (BREAK_AFTER.has(rest[i - 1]!)) {
          cut = i;
          break;
        }
      }
      out.push(rest.slice(0, cut).join(''));
      rest = rest.slice(cut);
    }
    line = rest.join('');
  }
  out.push(line);
  return out;
}
