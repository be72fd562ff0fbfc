/** The footer: the main keys of the current screen, generated from its bindings table. */
import { Text } from 'ink';
import { tone } from './theme.js';

export type KeyBinding = { keys: string; help: string; main?: boolean };

export function KeyHints({ bindings, width }: { bindings: readonly KeyBinding[]; width: number }) {
  const text = bindings
    .filter((b) => b.main !== false)
    .map((b) => `${b.keys} ${b.help}`)
    .join('  ');
  return (
    <Text color={tone('muted')} wrap="truncate-end">
      {text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text}
    </Text>
  );
}
