/**
 * A labelled one-line input that validates as it is typed: the error shows
 * under the field and enter does nothing until the value is valid.
 */
import { Box, Text } from 'ink';
import { useEffect, useRef, useState } from 'react';
import TextInput from 'ink-text-input';
import { applyLineEditing, rebaseEdit } from './lineEditing.js';
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
  const submit = (v: string) => {
    if (props.required && !v.trim()) return;
    if (!v || !props.validate?.(v)) props.onSubmit(v);
  };
  // An enter that came in one read with text is submitted once the screen holds that text: screens' submit
  // handlers read their own state, which the same read's change has not reached yet.
  const enterAfterChange = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (enterAfterChange.current === undefined || enterAfterChange.current !== props.value) return;
    enterAfterChange.current = undefined;
    submit(props.value);
  });
  // Several reads handled in one turn (keys sent one by one over a slow link, a held backspace) each reach
  // ink-text-input before the screen re-renders, so each is computed from the same, stale value: the edit
  // each one made is carried onto the value the turn's earlier reads made, and the input is remounted so
  // that its cursor, stale the same way, goes back to the end.
  const rendered = props.value;
  const latest = useRef(rendered);
  const sameTurn = useRef(false);
  const [mount, setMount] = useState(0);
  useEffect(() => {
    latest.current = props.value;
    sameTurn.current = false;
  });
  return (
    <Box flexDirection="column">
      <Box>
        <Text color={props.focus ? tone('accent') : undefined}>{props.focus ? '> ' : '  '}{props.label}: </Text>
        <TextInput
          key={mount}
          value={props.value}
          onChange={(computed) => {
            const stale = sameTurn.current;
            const v = stale ? rebaseEdit(rendered, computed, latest.current) : computed;
            if (stale) setMount((m) => m + 1);
            // Text and enter in one read (typed fast or pasted over SSH) reach here as text with a CR in it:
            // the line up to the CR is the value, and the CR is the enter the operator pressed.
            const enter = v.search(/[\r\n]/);
            const value = applyLineEditing(enter === -1 ? v : v.slice(0, enter));
            latest.current = value;
            // Until the screen re-renders, the next read in this turn is computed from the same stale value.
            if (value !== rendered) sameTurn.current = true;
            if (enter !== -1 && value === props.value) return submit(value);
            if (enter !== -1) enterAfterChange.current = value;
            props.onChange(value);
          }}
          // An enter after another read in the same turn: submitted once the screen holds that read's value.
          onSubmit={(v) => (sameTurn.current ? (enterAfterChange.current = latest.current) : submit(v))}
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
