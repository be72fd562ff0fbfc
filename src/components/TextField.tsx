/**
 * A labelled one-line input that validates as it is typed. Its keys come from
 * the key bus and its state (value, cursor) lives in a reducer (lineEditing.ts),
 * so each key sees the state the key before it produced, however many arrive
 * in one read: `id⏎ts⏎` pasted fills one field, moves on, fills the next and
 * submits it. Enter is handed over only after a render, so the screen's submit
 * handler reads the value the typed keys made.
 *
 * ink-text-input is not used: it computes every edit from the value of the
 * last render and takes its keys from its own `useInput`, outside the bus, so
 * keys arriving in one turn overwrote each other, an enter typed ahead was
 * lost or submitted a stale value, and keys meant for the next field landed in
 * this one. The wrapper that patched it (rebasing edits, remounts, a deferred
 * enter) is gone with it.
 */
import { Box, Text } from 'ink';
import { useReducer, useRef } from 'react';
import { LAYER, useKeyTarget } from './keyBus.js';
import { isCharacter, type KeyName } from './keys.js';
import { lineActionFor, lineAt, lineReducer, visibleLine, type LineState } from './lineEditing.js';
import { colorEnabled, tone } from './theme.js';
import { useTerminalSize } from './useTerminalSize.js';

export type LineInputOptions = {
  value: string;
  onChange?: (value: string) => void;
  /** Enter: called with the value the keys before it made. */
  onSubmit: (value: string) => void;
  focus: boolean;
  /**
   * Whether `?` is typed (free text) or left to the screen, where it opens help. Default true. A function is
   * asked with the text before the cursor, e.g. true inside a quoted key of a JSON path.
   */
  freeText?: boolean | ((before: string) => boolean);
  /** tab / shift-tab move focus in a form; without it they go to the screen. */
  onTab?: (direction: 1 | -1) => void;
};

/**
 * The line's state and its key target. The value given is followed when the screen changes it (a reset after
 * a submit); otherwise the line keeps its own, which the screen hears about through `onChange` key by key.
 */
export function useLineInput(options: LineInputOptions) {
  const line = useRef<LineState>(lineAt(options.value));
  const given = useRef(options.value);
  const edited = useRef(false);
  if (options.value !== given.current) {
    given.current = options.value;
    if (options.value !== line.current.value) {
      line.current = lineAt(options.value);
      edited.current = false;
    }
  }
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const freeText = (before: string) => (typeof options.freeText === 'function' ? options.freeText(before) : options.freeText !== false);
  const tabs = (name: KeyName) => (name === 'tab' || name === 'shift-tab') && options.onTab !== undefined;
  useKeyTarget(
    {
      claim: (name) => {
        if (name === 'enter' || tabs(name)) return 'take';
        if (name === '?') return freeText([...line.current.value].slice(0, line.current.cursor).join('')) ? 'take' : 'pass';
        return lineActionFor(name) ? 'take' : 'pass';
      },
      pure: (name) => name !== 'enter' && !tabs(name),
      handle: (name) => {
        if (name === 'enter') {
          edited.current = true;
          rerender();
          return options.onSubmit(line.current.value);
        }
        if (tabs(name)) return options.onTab!(name === 'tab' ? 1 : -1);
        const before = line.current.value;
        line.current = lineReducer(line.current, lineActionFor(name)!);
        if (isCharacter(name) || line.current.value !== before) edited.current = true;
        rerender();
        if (line.current.value !== before) options.onChange?.(line.current.value);
      },
    },
    options.focus,
    LAYER.field,
  );
  return { line: line.current, edited: edited.current };
}

/** The line as drawn: the cursor in inverse video, the placeholder while empty, cut to `width` around the cursor. */
export function LineView({ line, focus, width, placeholder }: { line: LineState; focus: boolean; width: number; placeholder?: string }) {
  if (!line.value && placeholder) {
    // Without colour a grey hint would read as a typed value: it is put in parentheses instead.
    const hint = colorEnabled() ? placeholder : `(${placeholder})`;
    return focus ? (
      <Text wrap="truncate-end">
        <Text inverse>{hint[0]}</Text>
        <Text color={tone('muted')}>{hint.slice(1)}</Text>
      </Text>
    ) : (
      <Text color={tone('muted')} wrap="truncate-end">
        {hint}
      </Text>
    );
  }
  const shown = visibleLine(line, width);
  if (!focus) return <Text wrap="truncate-end">{shown.before + (line.cursor < [...line.value].length ? shown.at : '') + shown.after}</Text>;
  return (
    <Text wrap="truncate-end">
      {shown.before}
      <Text inverse>{shown.at}</Text>
      {shown.after}
    </Text>
  );
}

export function TextField(
  props: LineInputOptions & {
    label: string;
    onChange: (value: string) => void;
    /** Checks a non-empty value; an empty one is fine unless `required`. */
    validate?: (value: string) => string | undefined;
    required?: boolean;
    placeholder?: string;
    hint?: string;
    /** Columns the field may take; the terminal's width when not given. */
    width?: number;
  },
) {
  const terminal = useTerminalSize();
  const problem = (v: string) => (props.required && !v.trim() ? 'required: type something first' : v ? props.validate?.(v) : undefined);
  const { line, edited } = useLineInput({
    ...props,
    onSubmit: (v) => {
      if (!problem(v)) props.onSubmit(v);
    },
  });
  // A value the operator has not touched (the initial "$.") is not an error yet: it shows once they type or press enter.
  const error = edited ? problem(line.value) : undefined;
  const prefix = `${props.focus ? '> ' : '  '}${props.label}: `;
  const width = (props.width ?? terminal.columns) - prefix.length - 1;
  return (
    <Box flexDirection="column">
      <Box>
        <Box flexShrink={0}>
          <Text color={props.focus ? tone('accent') : undefined}>{prefix}</Text>
        </Box>
        <LineView line={line} focus={props.focus} width={width} placeholder={props.placeholder} />
      </Box>
      {error ? (
        <Text color={tone('danger')} wrap="wrap">
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
