/** Said plainly instead of drawing a broken layout. */
import { Text } from 'ink';
import { MIN_SIZE, type TerminalSize } from './useTerminalSize.js';

export function TooSmall({ size }: { size: TerminalSize }) {
  return (
    <Text wrap="wrap">
      Terminal is {size.columns}x{size.rows}; evfix needs at least {MIN_SIZE.columns}x{MIN_SIZE.rows}. Enlarge the window, or press q to
      quit.
    </Text>
  );
}
