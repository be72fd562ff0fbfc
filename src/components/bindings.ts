/** Bindings shared by many screens: list movement, the keys every screen has, and the keys of a form. */
import type { Binding } from './keys.js';

export type ListMove = 'down' | 'up' | 'pageDown' | 'pageUp' | 'first' | 'last';

// PgDn/PgUp only: ctrl-f/ctrl-b were bound here but never fired (Ink hands ctrl-letters over as ctrl + the
// letter, and the old key names dropped every ctrl key but ctrl-c).
export const LIST_BINDINGS: Binding<ListMove>[] = [
  { keys: ['j', 'down'], help: 'move down', action: 'down', footer: 1, group: 'move' },
  { keys: ['k', 'up'], help: 'move up', action: 'up', footer: 1, group: 'move' },
  { keys: ['pagedown'], help: 'page down', action: 'pageDown' },
  { keys: ['pageup'], help: 'page up', action: 'pageUp' },
  { keys: ['g', 'home'], help: 'first row', action: 'first' },
  { keys: ['G', 'end'], help: 'last row', action: 'last' },
];

/**
 * Scrolling text, on the list's keys and actions (src/components/scrollState.ts): j/k name what scrolls ("the
 * document"), and share a footer hint at `footer` when given.
 */
export function scrollBindings(options: { what?: string; footer?: number } = {}): Binding<ListMove>[] {
  const what = options.what ? ` ${options.what}` : '';
  const footer = options.footer === undefined ? {} : { footer: options.footer, group: 'scroll' };
  return [
    { keys: ['j', 'down'], help: `scroll${what} down`, action: 'down', ...footer },
    { keys: ['k', 'up'], help: `scroll${what} up`, action: 'up', ...footer },
    { keys: ['pagedown'], help: 'page down', action: 'pageDown' },
    { keys: ['pageup'], help: 'page up', action: 'pageUp' },
    { keys: ['g', 'home'], help: 'top', action: 'first' },
    { keys: ['G', 'end'], help: 'bottom', action: 'last' },
  ];
}

export type GlobalAction = 'help' | 'back' | 'quit';

/** Footer 0: the help key is in every footer, whatever else has to go. */
export const HELP_BINDING: Binding<'help'> = { keys: ['?', 'f1'], help: 'help', action: 'help', footer: 0 };

export const GLOBAL_BINDINGS: Binding<GlobalAction>[] = [
  HELP_BINDING,
  { keys: ['escape'], help: 'back', action: 'back', footer: 2 },
  { keys: ['q'], help: 'quit', action: 'quit', footer: 3 },
];

/** While a text field has the keys `?` may be typed, so help is F1 there. */
export const FORM_HELP_BINDING: Binding<'help'> = { ...HELP_BINDING, keys: ['f1'] };

/**
 * The keys of a form, for the footer and the help overlay (the fields handle them): what enter does, tab
 * between fields when there are several, and the line-editing keys.
 */
/** `choice`: the name of what ←/→ choose on a choice row that has the focus ("type"). */
export function formBindings(options: { enter: string; fields?: boolean; choice?: string }): Binding[] {
  return [
    { keys: ['enter'], help: options.enter, action: 'field:enter', footer: 1 },
    ...(options.choice
      ? [
          { keys: ['left'], help: `previous ${options.choice}`, action: 'field:previous-choice', footer: 1, group: `change the ${options.choice}` },
          { keys: ['right', ' '], help: `next ${options.choice}`, action: 'field:next-choice', footer: 1, group: `change the ${options.choice}` },
        ]
      : []),
    ...(options.fields
      ? [
          { keys: ['tab'], help: 'next field', action: 'field:next', footer: 2, group: 'field' },
          { keys: ['shift-tab'], help: 'previous field', action: 'field:previous', footer: 2, group: 'field' },
        ]
      : []),
    ...(options.choice ? [] : [{ keys: ['left', 'right', 'home', 'end'], help: 'move the cursor', action: 'field:cursor' }]),
    { keys: ['backspace', 'delete'], help: 'delete a character', action: 'field:delete' },
    { keys: ['ctrl-u'], help: 'delete to the start of the line', action: 'field:clear' },
    { keys: ['ctrl-w'], help: 'delete the word before the cursor', action: 'field:word' },
  ];
}

/** A list-move action as the list reducer's action. */
export const listMove = (a: ListMove) =>
  ({
    down: { type: 'move', delta: 1 },
    up: { type: 'move', delta: -1 },
    pageDown: { type: 'page', direction: 1 },
    pageUp: { type: 'page', direction: -1 },
    first: { type: 'first' },
    last: { type: 'last' },
  })[a] as import('./listState.js').ListAction;

export const isListMove = (a: string): a is ListMove => ['down', 'up', 'pageDown', 'pageUp', 'first', 'last'].includes(a);
