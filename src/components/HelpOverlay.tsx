/** `?`: every key of the current screen, from the same table the footer and the handler use. */
import { Box, Text } from 'ink';
import type { Binding } from './keys.js';
import { tone } from './theme.js';

export function HelpOverlay({ title, bindings, height }: { title: string; bindings: readonly Binding[]; height: number }) {
  const rows = bindings.slice(0, Math.max(1, height - 2));
  const width = Math.max(...bindings.map((b) => b.label.length), 4) + 2;
  return (
    <Box flexDirection="column">
      <Text bold>Keys: {title}</Text>
      {rows.map((b) => (
        <Text key={b.action + b.label}>
          <Text color={tone('accent')}>{b.label.padEnd(width)}</Text>
          {b.help}
        </Text>
      ))}
      <Text color={tone('muted')}>press ? or esc to close</Text>
    </Box>
  );
}
