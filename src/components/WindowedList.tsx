/**
 * A list that renders only its visible rows. Marks are shown with `[x]` and
 * the cursor with `>`, so selection reads without colour too.
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { rangeNote, type ListState } from './listState.js';
import { tone } from './theme.js';
import { thousands } from '../data/counts.js';

export function WindowedList<T>(props: {
  items: readonly T[];
  state: ListState;
  render: (item: T, index: number) => string | ReactNode;
  markable?: boolean;
  empty?: string;
}) {
  const { items, state } = props;
  if (items.length === 0) return <Text color={tone('muted')}>{props.empty ?? 'Nothing to show.'}</Text>;
  const visible = items.slice(state.top, state.top + state.height);
  return (
    <Box flexDirection="column">
      {visible.map((item, i) => {
        const index = state.top + i;
        const isCursor = index === state.cursor;
        const mark = props.markable ? (state.marked.has(index) ? '[x] ' : '[ ] ') : '';
        const body = props.render(item, index);
        return (
          <Box key={index} height={1}>
            <Text inverse={isCursor} wrap="truncate-end">
              {isCursor ? '> ' : '  '}
              {mark}
              {body}
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}

/** "7/3,450 (rows 1-20)" for the status line, and "· range from row 3" while a range is open. */
export function listPosition(state: ListState): string {
  if (state.count === 0) return '0 rows';
  const last = Math.min(state.count, state.top + state.height);
  const range = rangeNote(state);
  return `${state.cursor + 1}/${thousands(state.count)}${state.count > state.height ? ` (rows ${state.top + 1}-${last})` : ''}${range ? ` · ${range}` : ''}`;
}
