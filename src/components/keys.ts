/**
 * Keys as names, and bindings as data. Every screen declares a table of
 * bindings; the footer, the `?` overlay and the key handler are all read from
 * it, so they cannot disagree with what the keys do.
 */
import type { Key } from 'ink';

export type KeyName = string;

export type Binding<A extends string = string> = {
  /** Key names: single characters ('j', 'G', ' ') or 'up', 'down', 'left', 'right', 'pageup', 'pagedown', 'home', 'end', 'enter', 'escape', 'tab', 'backspace'. */
  keys: readonly KeyName[];
  /** How the keys are shown, e.g. 'j/k'. */
  label: string;
  help: string;
  action: A;
  /** Shown in the footer (all bindings are in the `?` overlay). */
  main?: boolean;
};

/**
 * The key names in one input event. Over SSH, key repeat arrives as one
 * string ("jjjj"): each character is its own key, so it moves four rows.
 */
export function keyNames(input: string, key: Key): KeyName[] {
  if (key.ctrl && input === 'c') return ['ctrl-c'];
  if (key.escape) return ['escape'];
  if (key.return) return ['enter'];
  if (key.upArrow) return ['up'];
  if (key.downArrow) return ['down'];
  if (key.leftArrow) return ['left'];
  if (key.rightArrow) return ['right'];
  if (key.pageUp) return ['pageup'];
  if (key.pageDown) return ['pagedown'];
  if (key.home) return ['home'];
  if (key.end) return ['end'];
  if (key.tab) return [key.shift ? 'shift-tab' : 'tab'];
  // Ink reports Backspace as `delete` on most terminals.
  if (key.backspace || key.delete) return ['backspace'];
  if (key.ctrl || key.meta) return [];
  return [...input].map((ch) => (ch === '\r' ? 'enter' : ch === '\x7f' || ch === '\b' ? 'backspace' : ch));
}

/** The actions the keys of one input event trigger, in order. */
export function actionsFor<A extends string>(bindings: readonly Binding<A>[], names: readonly KeyName[]): A[] {
  const out: A[] = [];
  for (const name of names) {
    const binding = bindings.find((b) => b.keys.includes(name));
    if (binding) out.push(binding.action);
  }
  return out;
}
