/**
 * Text taller than its box, scrolled: a document, a diff, a table of copies. The offset is plain state moved
 * by the same actions as a list's cursor (j/k, PgUp/PgDn, g/G); each action carries the bounds of the frame it
 * was pressed on, so the offset never passes the last line that can be at the top, and text that fits stays
 * where it starts.
 */
import { useCallback, useReducer } from 'react';
import type { ListMove } from './bindings.js';

/** What a scroll action knows of the text: its lines, and the rows the box shows. */
export type ScrollBounds = { lines: number; room: number };

export type ScrollAction = { type: 'scroll'; move: ListMove; bounds: ScrollBounds } | { type: 'reset' };

/** The highest offset: the last line at the bottom of the box. */
export const lastOffset = ({ lines, room }: ScrollBounds) => Math.max(0, lines - Math.max(1, room));

const STEP: Record<ListMove, (offset: number, room: number, last: number) => number> = {
  down: (o) => o + 1,
  up: (o) => o - 1,
  pageDown: (o, room) => o + room,
  pageUp: (o, room) => o - room,
  first: () => 0,
  last: (_o, _room, last) => last,
};

export function scrollReducer(offset: number, action: ScrollAction): number {
  switch (action.type) {
    case 'reset':
      return 0;
    case 'scroll': {
      const last = lastOffset(action.bounds);
      // From where the text is shown: an offset past the end (the text got shorter) counts as the end.
      const from = Math.min(offset, last);
      return Math.max(0, Math.min(last, STEP[action.move](from, Math.max(1, action.bounds.room), last)));
    }
  }
}

/** The offset to draw from (`top`), and the actions: `scroll` a move of the bindings, `reset` to the top. */
export function useScroll(bounds: ScrollBounds) {
  const [offset, dispatch] = useReducer(scrollReducer, 0);
  const { lines, room } = bounds;
  const scroll = useCallback((move: ListMove) => dispatch({ type: 'scroll', move, bounds: { lines, room } }), [lines, room]);
  const reset = useCallback(() => dispatch({ type: 'reset' }), []);
  return { top: Math.min(offset, lastOffset(bounds)), scroll, reset };
}
