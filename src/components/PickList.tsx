/**
 * A short list of entries in a form (the conditions of a find), focusable like a field: j/k or ↑/↓ choose an
 * entry, x (or del, backspace) removes it, enter takes it back to be edited, tab/shift-tab move on. Its keys
 * come from the key bus at the field layer, like a text field's, so a burst that reaches it is taken in order.
 */
import { Box, Text } from 'ink';
import { LAYER, useKeyTarget } from './keyBus.js';
import type { Binding } from './keys.js';
import { tone } from './theme.js';

const MOVES: Record<string, number> = { j: 1, down: 1, k: -1, up: -1 };
const REMOVES = ['x', 'delete', 'backspace'];

/** The list's keys for the footer and the help overlay while it has the focus (the list handles them). */
export const PICK_LIST_KEYS: Binding[] = [
  { keys: ['j', 'down'], help: 'next entry', action: 'pick:down', footer: 1, group: 'choose' },
  { keys: ['k', 'up'], help: 'previous entry', action: 'pick:up', footer: 1, group: 'choose' },
  { keys: ['x', 'delete', 'backspace'], help: 'remove it', action: 'pick:remove', footer: 1 },
  { keys: ['enter'], help: 'edit it', action: 'pick:edit', footer: 1 },
  { keys: ['tab'], help: 'next field', action: 'field:next', footer: 2, group: 'field' },
  { keys: ['shift-tab'], help: 'previous field', action: 'field:previous', footer: 2, group: 'field' },
];

export function PickList(props: {
  label: string;
  items: readonly string[];
  picked: number;
  focus: boolean;
  onMove: (delta: number) => void;
  onRemove: () => void;
  onEdit: () => void;
  onTab: (direction: 1 | -1) => void;
}) {
  useKeyTarget(
    {
      claim: (name) => (name in MOVES || REMOVES.includes(name) || name === 'enter' || name === 'tab' || name === 'shift-tab' ? 'take' : 'pass'),
      // Each key reads the entry the key before it chose: one render per key.
      pure: () => false,
      handle: (name) => {
        if (name in MOVES) props.onMove(MOVES[name]!);
        else if (REMOVES.includes(name)) props.onRemove();
        else if (name === 'enter') props.onEdit();
        else props.onTab(name === 'tab' ? 1 : -1);
      },
    },
    props.focus,
    LAYER.field,
  );
  return (
    <Box flexDirection="column">
      <Text color={props.focus ? tone('accent') : undefined}>
        {props.focus ? '> ' : '  '}
        {props.label}:
      </Text>
      {props.items.map((item, i) => {
        const here = props.focus && i === props.picked;
        return (
          <Text key={i} inverse={here} wrap="truncate-end">
            {here ? '  > ' : '    '}
            {i + 1}. {item}
          </Text>
        );
      })}
    </Box>
  );
}
