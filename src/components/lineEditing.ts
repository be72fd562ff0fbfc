/**
 * ink-text-input treats one input event as one key, so a burst over SSH
 * ("\x7f\x7f3": two backspaces and a 3 in one read) arrives as text with DEL
 * characters in it. The field applies them as the terminal meant: each DEL or
 * BS removes the character before it, and other control characters are dropped.
 */
export function applyLineEditing(value: string): string {
  const out: string[] = [];
  for (const ch of value) {
    if (ch === '\x7f' || ch === '\b') out.pop();
    else if (ch >= ' ') out.push(ch);
  }
  return out.join('');
}

/**
 * The edit that turned `before` into `after` (what changed between their common start and common end),
 * made instead to `onto`, a later value of the same text: at the same distance from the end, which is
 * where the cursor was when the edits came in one after another.
 */
export function rebaseEdit(before: string, after: string, onto: string): string {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const removed = before.length - start - end;
  const inserted = after.slice(start, after.length - end);
  const at = Math.max(0, onto.length - end - removed);
  return onto.slice(0, at) + inserted + onto.slice(at + removed);
}
