/** An operation's failure in full, where it happened, with what the operator can do next. */
import { Box, Text } from 'ink';
import { tone } from './theme.js';

export function ErrorPanel({ title, message, hint }: { title: string; message: string; hint?: string }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={tone('danger')} paddingX={1}>
      <Text bold color={tone('danger')}>
        ! {title}
      </Text>
      <Text wrap="wrap">{message}</Text>
      <Text color={tone('muted')}>{hint ?? 'esc goes back; r tries again'}</Text>
    </Box>
  );
}
