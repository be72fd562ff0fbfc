/**
 * The last step before a write. Default is No: only `y` writes. For
 * production the operator types the stage table's name instead, on a line
 * that takes its keys from the bus like every text field.
 */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { confirmWords, type RowCounts } from '../data/confirmation.js';
import { LineView, useLineInput } from './TextField.js';
import { tone } from './theme.js';

type Counts = RowCounts;

/** The words of the question, as the CLI asks it (src/data/confirmation.ts); `deletes` alone: a plan that only deletes. */
export function wordsOf(props: { deletes?: boolean; counts?: Counts }) {
  const none = { exceptions: 0, exclusions: 0 };
  return confirmWords(
    props.counts ?? (props.deletes ? { ...none, deleted: { exceptions: 1, exclusions: 0 } } : { exceptions: 1, exclusions: 0, deleted: none }),
  );
}

/** `counts`: the plan's, which say whether it writes rows, deletes them, or both; `deletes` says it only deletes. */
export function ConfirmPrompt(props: { typedValue?: string; focus: boolean; onConfirm: () => void; deletes?: boolean; counts?: Counts }) {
  const { question, verb, done } = wordsOf(props);
  if (!props.typedValue) {
    return (
      <Text wrap="wrap">
        <Text bold color={tone('warn')}>
          {question}
        </Text>{' '}
        press y to {verb}, esc to go back (nothing is {done})
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
        <Text bold color={tone('danger')}>
          Production.
        </Text>{' '}
        Type the stage table name ({props.typedValue}) and press enter to {props.verb}:
      </Text>
      <Box>
        <Text>{'> '}</Text>
        <LineView line={line} focus={props.focus} width={Math.max(10, props.typedValue.length + 2)} />
        <Text color={tone('muted')}>{typed && !matches ? '  (does not match)' : ''}</Text>
      </Box>
    </Box>
  );
}
