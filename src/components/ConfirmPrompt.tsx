/**
 * The last step before a write. Default is No: only `y` writes. For
 * production the operator types the stage table's name instead, on a line
 * that takes its keys from the bus like every text field.
 */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { LineView, useLineInput } from './TextField.js';
import { tone } from './theme.js';

/** `deletes`: the plan only deletes rows (a revert), and the question says so. */
export function ConfirmPrompt(props: { typedValue?: string; focus: boolean; onConfirm: () => void; deletes?: boolean }) {
  const verb = props.deletes ? 'delete' : 'write';
  if (!props.typedValue) {
    return (
      <Text wrap="wrap">
        <Text bold color={tone('warn')}>{props.deletes ? 'Delete these rows?' : 'Write these rows?'}</Text> press y to {verb}, esc to go back (nothing is{' '}
        {props.deletes ? 'deleted' : 'written'})
      </Text>
    );
  }
  return <TypedConfirm typedValue={props.typedValue} focus={props.focus} onConfirm={props.onConfirm} verb={verb} />;
}

function TypedConfirm(props: { typedValue: string; focus: boolean; onConfirm: () => void; verb: string }) {
  const [typed, setTyped] = useState('');
  const { line } = useLineInput({
    value: typed,
    onChange: setTyped,
    focus: props.focus,
    // Stage table names have no `?`: it opens help here.
    freeText: false,
    onSubmit: (v) => v === props.typedValue && props.onConfirm(),
  });
  const matches = typed === props.typedValue;
  return (
    <Box flexDirection="column">
      <Text wrap="wrap">
        <Text bold color={tone('danger')}>Production.</Text> Type the stage table name ({props.typedValue}) and press enter to {props.verb}:
      </Text>
      <Box>
        <Text>{'> '}</Text>
        <LineView line={line} focus={props.focus} width={Math.max(10, props.typedValue.length + 2)} />
        <Text color={tone('muted')}>{typed && !matches ? '  (does not match)' : ''}</Text>
      </Box>
    </Box>
  );
}
