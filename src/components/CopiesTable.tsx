/**
 * Copies of one event side by side: a row per column and per event_data leaf,
 * a column per copy. Rows where the copies differ are marked `*` (and coloured).
 */
import { Box, Text } from 'ink';
import { tone } from './theme.js';

export type CopyColumn = { heading: string; values: Record<string, string> };

export function CopiesTable(props: { rows: readonly string[]; columns: readonly CopyColumn[]; kept: number; width: number; offset: number; height: number }) {
  const labelWidth = Math.min(24, Math.max(8, ...props.rows.map((r) => r.length)) + 1);
  const cell = Math.max(10, Math.floor((props.width - labelWidth - 4) / Math.max(1, props.columns.length)) - 1);
  const fit = (s: string) => (s.length > cell ? s.slice(0, cell - 1) + '…' : s.padEnd(cell));
  const visible = props.rows.slice(props.offset, props.offset + props.height - 1);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {'  ' + ''.padEnd(labelWidth)}
        {props.columns.map((c, i) => (
          <Text key={i} bold={i === props.kept} inverse={i === props.kept}>
            {fit((i === props.kept ? 'keep ' : '') + c.heading)}{' '}
          </Text>
        ))}
      </Text>
      {visible.map((row) => {
        const values = props.columns.map((c) => c.values[row] ?? '—');
        const differs = values.some((v) => v !== values[0]);
        return (
          <Text key={row} color={differs ? tone('warn') : undefined} wrap="truncate-end">
            {(differs ? '* ' : '  ') + (row.length > labelWidth - 1 ? row.slice(0, labelWidth - 2) + '…' : row).padEnd(labelWidth)}
            {values.map((v) => fit(v) + ' ').join('')}
          </Text>
        );
      })}
    </Box>
  );
}
