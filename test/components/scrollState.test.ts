import { describe, expect, it } from 'vitest';
import type { ListMove } from '../../src/components/bindings.js';
import { lastOffset, scrollReducer, type ScrollBounds } from '../../src/components/scrollState.js';

const scroll = (moves: ListMove[], bounds: ScrollBounds = { lines: 30, room: 10 }, from = 0) =>
  moves.reduce((offset, move) => scrollReducer(offset, { type: 'scroll', move, bounds }), from);

describe('scroll state', () => {
  it('moves by a line, a page, or to either end, never past the last line at the bottom', () => {
    expect(scroll(['down', 'down'])).toBe(2);
    expect(scroll(['pageDown'])).toBe(10);
    expect(scroll(['pageDown', 'pageDown', 'pageDown'])).toBe(20);
    expect(scroll(['last'])).toBe(20);
    expect(scroll(['last', 'down'])).toBe(20);
    expect(scroll(['last', 'pageUp', 'up'])).toBe(9);
    expect(scroll(['down', 'pageUp', 'up'])).toBe(0);
    expect(scroll(['last', 'first'])).toBe(0);
  });

  it('leaves text that fits where it starts', () => {
    expect(scroll(['down', 'pageDown', 'last'], { lines: 8, room: 10 })).toBe(0);
    expect(lastOffset({ lines: 8, room: 10 })).toBe(0);
  });

  it('counts an offset past the end of text that got shorter as the end: one k moves up from what is shown', () => {
    expect(scroll(['up'], { lines: 12, room: 10 }, 20)).toBe(1);
  });

  it('resets to the top', () => {
    expect(scrollReducer(7, { type: 'reset' })).toBe(0);
  });
});
