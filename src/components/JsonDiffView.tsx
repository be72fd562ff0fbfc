/** A line diff of two documents, scrolled to `offset`; `-`/`+` markers carry the meaning without colour. */
import { Box, Text } from 'ink';
import type { DiffLine } from '../data/json/diff.js';
import { tone } from './theme.js';

export function JsonDiffView({ lines, offset, height }: { lines: readonly DiffLine[]; offset: number; height: number }) {
  const visible = lines.slice(offset, offset + height);
  return (
    <Box flexDirection="column">
      {visible.map((line, i) => (
        <Text key={offset + i} color={line.op === '+' ? tone('added') : line.op === '-' ? tone('removed') : undefined} wrap="truncate-end">
          {line.op} {line.text}
        </Text>
      ))}
    </Box>
  );
}
