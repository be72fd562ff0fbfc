/**
 * A labelled one-line input that validates as it is typed: the error shows
 * under the field and enter does nothing until the value is valid.
 */
import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { applyLineEditing } from './lineEditing.js';
import { tone } from './theme.js';

export function TextField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
  /** Checks a non-empty value; an empty one is fine unless `required`. */
  validate?: (value: string) => string | undefined;
  required?: boolean;
  focus: boolean;
  placeholder?: string;
  hint?: string;
}) {
  const error = props.value ? props.validate?.(props.value) : undefined;
  return (
    <Box flexDirection="column">
      <Box>
        <Text color={props.focus ? tone('accent') : undefined}>{props.focus ? '> ' : '  '}{props.label}: </Text>
        <TextInput
          value={props.value}
          onChange={(v) => props.onChange(applyLineEditing(v))}
          onSubmit={(v) => {
            if (props.required && !v.trim()) return;
            if (!v || !props.validate?.(v)) props.onSubmit(v);
          }}
          focus={props.focus}
          placeholder={props.placeholder}
          showCursor
        />
      </Box>
      {error ? (
        <Text color={tone('danger')} wrap="truncate-end">
          {'    ! '}
          {error}
        </Text>
      ) : props.hint && props.focus ? (
        <Text color={tone('muted')} wrap="truncate-end">
          {'    '}
          {props.hint}
        </Text>
      ) : null}
    </Box>
  );
}
