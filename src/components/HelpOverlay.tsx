/**
 * The help overlay: every binding of the current screen once, with all of its
 * keys ("j/↓  move down"), from the same table the footer and the handler use.
 */
import { Box, Text } from 'ink';
import { bindingLabel, type Binding } from './keys.js';
import { tone } from './theme.js';

export function HelpOverlay({ title, bindings, height }: { title: string; bindings: readonly Binding[]; height: number }) {
  const rows = bindings.map((b) => ({ label: bindingLabel(b), help: b.help, key: b.action + b.keys.join() }));
  const room = Math.max(1, height - 2);
  const shown = rows.length > room ? rows.slice(0, room - 1) : rows;
  const width = Math.max(4, ...rows.map((r) => r.label.length)) + 2;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        Keys: {title}
      </Text>
      {shown.map((r) => (
        <Text key={r.key} wrap="truncate-end">
          <Text color={tone('accent')}>{r.label.padEnd(width)}</Text>
          {r.help}
        </Text>
      ))}
      {shown.length < rows.length ? <Text color={tone('muted')}>… and {rows.length - shown.length} more (a taller terminal shows them)</Text> : null}
      <Text color={tone('muted')}>press ?, F1 or esc to close</Text>
    </Box>
  );
}
