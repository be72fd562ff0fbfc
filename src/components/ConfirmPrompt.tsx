/**
 * The last step before a write. Default is No: only `y` writes. For
 * production the operator types the stage table's name instead.
 */
import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { useState } from 'react';
import { applyLineEditing } from './lineEditing.js';
import { tone } from './theme.js';

export function ConfirmPrompt(props: { typedValue?: string; focus: boolean; onConfirm: () => void }) {
  const [typed, setTyped] = useState('');
  if (!props.typedValue) {
    return (
      <Text>
        <Text bold color={tone('warn')}>Write these rows?</Text> press y to write, esc to go back (nothing is written)
      </Text>
    );
  }
  const matches = typed === props.typedValue;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color={tone('danger')}>Production.</Text> Type the stage table name ({props.typedValue}) and press enter to write:
      </Text>
      <Box>
        <Text>{'> '}</Text>
        <TextInput value={typed} onChange={(v) => setTyped(applyLineEditing(v))} focus={props.focus} onSubmit={() => matches && props.onConfirm()} />
        <Text color={tone('muted')}>{typed && !matches ? '  (does not match)' : ''}</Text>
      </Box>
    </Box>
  );
}
