/** Bindings shared by many screens: list movement and the keys every screen has. */
import type { Binding } from './keys.js';

export type ListMove = 'down' | 'up' | 'pageDown' | 'pageUp' | 'first' | 'last';

export const LIST_BINDINGS: Binding<ListMove>[] = [
  { keys: ['j', 'down'], label: 'j/k', help: 'move', action: 'down', main: true },
  { keys: ['k', 'up'], label: 'k/↑', help: 'move up', action: 'up', main: false },
  { keys: ['pagedown', 'ctrl-f'], label: 'PgDn', help: 'page down', action: 'pageDown', main: false },
  { keys: ['pageup', 'ctrl-b'], label: 'PgUp', help: 'page up', action: 'pageUp', main: false },
  { keys: ['g', 'home'], label: 'g', help: 'first row', action: 'first', main: false },
  { keys: ['G', 'end'], label: 'G', help: 'last row', action: 'last', main: false },
];

export type GlobalAction = 'help' | 'back' | 'quit';

export const GLOBAL_BINDINGS: Binding<GlobalAction>[] = [
  { keys: ['?'], label: '?', help: 'help', action: 'help', main: true },
  { keys: ['escape'], label: 'esc', help: 'back', action: 'back', main: true },
  { keys: ['q'], label: 'q', help: 'quit', action: 'quit', main: true },
];

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
