/**
 * The start-up reference: a minimal Ink app drawing a 20-row list, bundled
 * like evfix. evfix's first frame is budgeted relative to this one.
 */
import { Box, render, Text, useApp, useInput } from 'ink';

function List() {
  const { exit } = useApp();
  useInput((input) => {
    if (input === 'q') exit();
  });
  return (
    <Box flexDirection="column">
      <Text>reference · list</Text>
      {Array.from({ length: 20 }, (_, i) => (
        <Text key={i}>{`${i === 0 ? '>' : ' '} row ${i + 1}`}</Text>
      ))}
    </Box>
  );
}

render(<List />, { exitOnCtrlC: true });
