/** The footer: the main keys of the current screen, generated from its bindings table. */
import { Text } from 'ink';
import type { Binding } from './keys.js';
import { tone } from './theme.js';

export function keyHintsText(bindings: readonly Binding[]): string {
  return bindings
    .filter((b) => b.main)
    .map((b) => `${b.label} ${b.help}`)
    .join('  ');
}

export function KeyHints({ bindings, width }: { bindings: readonly Binding[]; width: number }) {
  const text = keyHintsText(bindings);
  return (
    <Text color={tone('muted')} wrap="truncate-end">
      {text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text}
    </Text>
  );
}
