/**
 * A short fixed choice on one line of a form (the JSON type of a value):
 * ←/→ or space change it, enter submits it, tab/shift-tab move on. Its keys
 * come from the key bus, like a text field's, so a burst that reaches it is
 * taken in order; any other key goes to the screen.
 *
 * ink-select-input was tried here and for the other short menus and left out:
 * it is a vertical list read with its own `useInput`, outside the bus, that
 * matches a read only when it is exactly one key ("jj⏎" in one read does
 * nothing) and computes each move from the last render (two reads in one turn
 * move one row), so it fails the burst tests the bus passes.
 */
import { Box, Text } from 'ink';
import { LAYER, useKeyTarget } from './keyBus.js';
import { tone } from './theme.js';

export function ChoiceField<T extends string>(props: {
  label: string;
  options: readonly T[];
  value: T;
  onChange: (value: T) => void;
  onSubmit: (value: T) => void;
  focus: boolean;
  onTab?: (direction: 1 | -1) => void;
  hint?: string;
}) {
  const step = (by: number) => {
    const i = props.options.indexOf(props.value);
    return props.options[(i + by + props.options.length) % props.options.length]!;
  };
  const tabs = (name: string) => (name === 'tab' || name === 'shift-tab') && props.onTab !== undefined;
  useKeyTarget(
    {
      claim: (name) => (['left', 'right', ' ', 'enter'].includes(name) || tabs(name) ? 'take' : 'pass'),
      // A change reads the value the key before it chose: one render per key.
      pure: () => false,
      handle: (name) => {
        if (name === 'enter') props.onSubmit(props.value);
        else if (tabs(name)) props.onTab!(name === 'tab' ? 1 : -1);
        else props.onChange(step(name === 'left' ? -1 : 1));
      },
    },
    props.focus,
    LAYER.field,
  );
  return (
    <Box flexDirection="column">
      <Text color={props.focus ? tone('accent') : undefined} wrap="truncate-end">
        {props.focus ? '> ' : '  '}
        {props.label}: {props.options.map((t) => (t === props.value ? `[${t}]` : ` ${t} `)).join(' ')}
      </Text>
      {props.focus && props.hint ? (
        <Text color={tone('muted')} wrap="truncate-end">
          {'    '}
          {props.hint}
        </Text>
      ) : null}
    </Box>
  );
}
