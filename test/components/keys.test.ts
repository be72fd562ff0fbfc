/** Keys from the terminal's bytes, and the labels the footer and the help overlay show for them. */
import { describe, expect, it } from 'vitest';
import { LIST_BINDINGS } from '../../src/components/bindings.js';
import { actionFor, bindingLabel, parseKeys } from '../../src/components/keys.js';

describe('parseKeys', () => {
  it('turns a burst of key repeat into one key per character', () => {
    expect(parseKeys('jjjj').map((k) => actionFor(LIST_BINDINGS, k))).toEqual(['down', 'down', 'down', 'down']);
    expect(parseKeys('jkG').map((k) => actionFor(LIST_BINDINGS, k))).toEqual(['down', 'up', 'last']);
  });

  it('makes every CR or LF of a paste an enter, in order, and CR LF one enter', () => {
    expect(parseKeys('id\rts\r')).toEqual(['i', 'd', 'enter', 't', 's', 'enter']);
    expect(parseKeys('a\nb\r\nc')).toEqual(['a', 'enter', 'b', 'enter', 'c']);
  });

  it('names backspace (DEL or BS), forward delete, and the editing ctrl keys; drops other control characters', () => {
    expect(parseKeys('\x7f\x7f3')).toEqual(['backspace', 'backspace', '3']);
    expect(parseKeys('\b')).toEqual(['backspace']);
    expect(parseKeys('\x1b[3~')).toEqual(['delete']);
    expect(parseKeys('\x15\x17\x01\x05')).toEqual(['ctrl-u', 'ctrl-w', 'home', 'end']);
    expect(parseKeys('\x03')).toEqual(['ctrl-c']);
    // ctrl-f and ctrl-b are not keys evfix binds: nothing comes of them.
    expect(parseKeys('\x06\x02')).toEqual([]);
  });

  it('names the sequences of arrows, paging, tab and F1 as xterm, VT220, PuTTY and the Linux console send them', () => {
    expect(parseKeys('\x1b[B')).toEqual(['down']);
    expect(parseKeys('\x1bOA')).toEqual(['up']);
    expect(parseKeys('\x1b[5~')).toEqual(['pageup']);
    expect(parseKeys('\x1b[6~')).toEqual(['pagedown']);
    expect(parseKeys('\t')).toEqual(['tab']);
    expect(parseKeys('\x1b[Z')).toEqual(['shift-tab']);
    for (const f1 of ['\x1bOP', '\x1b[11~', '\x1b[[A']) expect(parseKeys(f1)).toEqual(['f1']);
    expect(parseKeys('\x1b')).toEqual(['escape']);
    expect(parseKeys('\x1b[15~')).toEqual([]); // F5: not a key evfix knows
    // Esc and the key typed right after it in one read (fast typing over SSH): both, in order (no alt keys are bound).
    expect(parseKeys('\x1bx')).toEqual(['escape', 'x']);
    expect(parseKeys('\x1bj\r')).toEqual(['escape', 'j', 'enter']);
    // Esc tapped twice in one read (tmux send-keys, a fast double tap over SSH) is two escs, not one.
    expect(parseKeys('\x1b\x1b')).toEqual(['escape', 'escape']);
    expect(parseKeys('\x1b\x1b\x1b[A')).toEqual(['escape', 'escape', 'up']);
  });
});

describe('bindingLabel', () => {
  it('names every key of a binding, so the overlay lists each action once with all its keys', () => {
    expect(LIST_BINDINGS.map(bindingLabel)).toEqual(['j/↓', 'k/↑', 'PgDn', 'PgUp', 'g/Home', 'G/End']);
    expect(bindingLabel({ keys: ['?', 'f1'] })).toBe('?/F1');
    expect(bindingLabel({ keys: [' ', 'escape', 'enter'] })).toBe('space/esc/enter');
  });
});
