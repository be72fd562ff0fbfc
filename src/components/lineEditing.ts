/**
 * One line of text being edited, as plain state: the value and the cursor
 * (an index into the value's characters). Each key is an action applied to
 * the state the previous key left, so keys that arrive together (a paste, a
 * held backspace, a fast typist over SSH) edit the line exactly as the same
 * keys typed one by one. Positions count code points, so an emoji or an
 * accented letter is one step of the cursor.
 */
export type LineState = { value: string; cursor: number };

export type LineAction =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'delete' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'home' }
  | { type: 'end' }
  /** ctrl-u: everything before the cursor. */
  | { type: 'deleteToStart' }
  /** ctrl-w: the word before the cursor, and the spaces after it. */
  | { type: 'deleteWord' }
  | { type: 'set'; value: string };

export const lineAt = (value: string): LineState => ({ value, cursor: [...value].length });

export function lineReducer(state: LineState, action: LineAction): LineState {
  const chars = [...state.value];
  const cursor = Math.max(0, Math.min(chars.length, state.cursor));
  const make = (next: string[], at: number): LineState => ({ value: next.join(''), cursor: at });
  switch (action.type) {
    case 'insert': {
      const text = [...action.text].filter((ch) => ch >= ' ' && ch !== '\x7f');
      if (!text.length) return state;
      return make([...chars.slice(0, cursor), ...text, ...chars.slice(cursor)], cursor + text.length);
    }
    case 'backspace':
      return cursor === 0 ? state : make([...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor - 1);
    case 'delete':
      return cursor === chars.length ? state : make([...chars.slice(0, cursor), ...chars.slice(cursor + 1)], cursor);
    case 'left':
      return { ...state, cursor: Math.max(0, cursor - 1) };
    case 'right':
      return { ...state, cursor: Math.min(chars.length, cursor + 1) };
    case 'home':
      return { ...state, cursor: 0 };
    case 'end':
      return { ...state, cursor: chars.length };
    case 'deleteToStart':
      return make(chars.slice(cursor), 0);
    case 'deleteWord': {
      let start = cursor;
      while (start > 0 && chars[start - 1] === ' ') start--;
      while (start > 0 && chars[start - 1] !== ' ') start--;
      return make([...chars.slice(0, start), ...chars.slice(cursor)], start);
    }
    case 'set':
      return lineAt(action.value);
  }
}

/** The line action of a key from the bus, or undefined for a key the line does not edit with. */
export function lineActionFor(name: string): LineAction | undefined {
  switch (name) {
    case 'backspace':
      return { type: 'backspace' };
    case 'delete':
      return { type: 'delete' };
    case 'left':
      return { type: 'left' };
    case 'right':
      return { type: 'right' };
    case 'home':
      return { type: 'home' };
    case 'end':
      return { type: 'end' };
    case 'ctrl-u':
      return { type: 'deleteToStart' };
    case 'ctrl-w':
      return { type: 'deleteWord' };
  }
  return [...name].length === 1 ? { type: 'insert', text: name } : undefined;
}

/**
 * The part of a line that fits in `width` columns, scrolled so the cursor is
 * on it: `before` the cursor, the character `at` it (a space past the end)
 * and `after` it, with … where text is cut off.
 */
export function visibleLine(state: LineState, width: number): { before: string; at: string; after: string } {
  const chars = [...state.value];
  const cursor = Math.max(0, Math.min(chars.length, state.cursor));
  const cells = [...chars, ' '];
  width = Math.max(3, width);
  if (cells.length <= width) return { before: chars.slice(0, cursor).join(''), at: cells[cursor]!, after: chars.slice(cursor + 1).join('') };
  // Keep the cursor in view, with a marker for the cut on each side that has one.
  const start = Math.max(0, Math.min(cursor - Math.floor(width / 2), cells.length - width));
  const end = start + width;
  const shown = cells.slice(start, end);
  if (start > 0) shown[0] = '…';
  if (end < cells.length) shown[shown.length - 1] = '…';
  const at = cursor - start;
  const after = shown.slice(at + 1);
  if (end >= cells.length && after.length) after.pop(); // the cell past the end is only ever the cursor's
  return { before: shown.slice(0, at).join(''), at: shown[at]!, after: after.join('') };
}
