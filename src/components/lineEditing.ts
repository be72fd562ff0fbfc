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
