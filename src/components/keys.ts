/**
 * Keys as names, and bindings as data. Every screen declares a table of
 * bindings; the footer, the help overlay and the key handler are all read from
 * it, so they cannot disagree with what the keys do.
 */
export type KeyName = string;

export type Binding<A extends string = string> = {
  /**
   * Key names: single characters ('j', 'G', ' ', '?') or 'up', 'down', 'left', 'right', 'pageup', 'pagedown',
   * 'home', 'end', 'enter', 'escape', 'tab', 'shift-tab', 'backspace', 'delete', 'f1', 'ctrl-u', 'ctrl-w'.
   * The first is the one the footer names; the help overlay names them all.
   */
  keys: readonly KeyName[];
  help: string;
  action: A;
  /** Shown in the footer when it fits, lower numbers first (1 is kept longest); absent: only in the help overlay. */
  footer?: number;
  /** Bindings with the same group share one footer hint: their first keys and the group, e.g. "j/k move". */
  group?: string;
};

const SHOWN: Record<string, string> = {
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  enter: 'enter',
  escape: 'esc',
  tab: 'tab',
  'shift-tab': 'shift-tab',
  backspace: 'backspace',
  delete: 'del',
  f1: 'F1',
  ' ': 'space',
};

/** How one key is written on screen: 'j', '↓', 'PgDn', 'F1', 'ctrl-u'. */
export const keyLabel = (name: KeyName): string => SHOWN[name] ?? name;

/** Every key of a binding, as the help overlay lists them: 'j/↓', 'g/Home'. */
export const bindingLabel = (b: Pick<Binding, 'keys'>): string => b.keys.map(keyLabel).join('/');

/** The escape sequences terminals send for the keys evfix binds (xterm, VT220, rxvt/PuTTY, the Linux console). */
const SEQUENCES: Record<string, KeyName> = {
  '\x1b': 'escape',
  '\x1b[A': 'up',
  '\x1b[B': 'down',
  '\x1b[C': 'right',
  '\x1b[D': 'left',
  '\x1bOA': 'up',
  '\x1bOB': 'down',
  '\x1bOC': 'right',
  '\x1bOD': 'left',
  '\x1b[H': 'home',
  '\x1b[F': 'end',
  '\x1bOH': 'home',
  '\x1bOF': 'end',
  '\x1b[1~': 'home',
  '\x1b[4~': 'end',
  '\x1b[7~': 'home',
  '\x1b[8~': 'end',
  '\x1b[5~': 'pageup',
  '\x1b[6~': 'pagedown',
  '\x1b[3~': 'delete',
  '\x1b[Z': 'shift-tab',
  '\x1bOP': 'f1',
  '\x1b[11~': 'f1',
  '\x1b[[A': 'f1',
};

/** Control characters with a meaning of their own; every other one is dropped. */
const CONTROLS: Record<string, KeyName> = {
  '\r': 'enter',
  '\n': 'enter',
  '\t': 'tab',
  '\x7f': 'backspace',
  '\b': 'backspace',
  '\x03': 'ctrl-c',
  '\x01': 'home',
  '\x05': 'end',
  '\x15': 'ctrl-u',
  '\x17': 'ctrl-w',
};

/**
 * The keys in one read from the terminal, in order. Ink's parser hands over
 * either one escape sequence or a run of text; in a run every character is a
 * key of its own, so "jjjj" (key repeat over SSH) moves four rows and a paste
 * of "id\rts\r" is typed, entered, typed and entered. CR LF is one enter.
 * Unknown sequences (F5, mouse reports) are no keys at all; esc followed by a character is esc, then that key.
 */
export function parseKeys(raw: string): KeyName[] {
  if (raw.startsWith('\x1b')) {
    const name = SEQUENCES[raw];
    if (name) return [name];
    // Esc and the next key typed fast arrive in one read ("\x1bj"), as alt-j would: evfix binds no alt key, so it
    // is esc, then the key, and neither is lost. Unknown CSI/SS3 sequences (F5, mouse reports) stay no keys.
    // Esc pressed twice in one read ("\x1b\x1b", which Ink hands over as one meta-escape) is two escs: back twice,
    // or a question and its No, as the same keys typed slowly.
    if (raw.length > 1 && raw[1] !== '[' && raw[1] !== 'O') return ['escape', ...parseKeys(raw.slice(1))];
    return [];
  }
  const out: KeyName[] = [];
  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\r' && chars[i + 1] === '\n') continue;
    if (ch >= ' ' && ch !== '\x7f') out.push(ch);
    else if (CONTROLS[ch]) out.push(CONTROLS[ch]);
  }
  return out;
}

/** A key that types a character (as opposed to a named key such as 'enter' or 'ctrl-u'). */
export const isCharacter = (name: KeyName): boolean => [...name].length === 1;

/** The action a key triggers, if any binding has it. */
export function actionFor<A extends string>(bindings: readonly Binding<A>[], name: KeyName): A | undefined {
  return bindings.find((b) => b.keys.includes(name))?.action;
}
