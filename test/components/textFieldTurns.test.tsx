import { render } from 'ink-testing-library';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { TextField } from '../../src/components/TextField.js';
import { rebaseEdit } from '../../src/components/lineEditing.js';

const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms));

function Field(props: { initial: string; submitted: string[] }) {
  const [value, setValue] = useState(props.initial);
  return <TextField label="path" value={value} onChange={setValue} onSubmit={(v) => props.submitted.push(v)} focus />;
}

/** Writes each key separately, all in one turn: as Ink hands over reads that arrived together. */
const oneTurn = (stdin: { write(s: string): void }, keys: string[]) => keys.forEach((k) => stdin.write(k));

describe('TextField, several reads in one turn', () => {
  it('applies every backspace, not one of them', async () => {
    const view = render(<Field initial="$.$.StatusStatus" submitted={[]} />);
    await tick();
    oneTurn(view.stdin, Array(12).fill('\x7f'));
    await tick();
    expect(view.lastFrame()).toBe('> path: $.$.');
    view.unmount();
  });

  it('keeps every typed read, and the cursor at the end for what comes next', async () => {
    const submitted: string[] = [];
    const view = render(<Field initial="$." submitted={submitted} />);
    await tick();
    oneTurn(view.stdin, ['St', 'a', 'tus']);
    await tick();
    view.stdin.write('X');
    await tick();
    oneTurn(view.stdin, ['\x7f', '\r']);
    await tick();
    expect(view.lastFrame()).toBe('> path: $.Status');
    expect(submitted).toEqual(['$.Status']);
    view.unmount();
  });

  it('carries an edit onto the later value at the same distance from the end', () => {
    expect(rebaseEdit('abc', 'abcd', 'abcX')).toBe('abcXd');
    expect(rebaseEdit('abc', 'ab', 'ab')).toBe('a');
    expect(rebaseEdit('aa', 'a', 'a')).toBe('');
    expect(rebaseEdit('abc', 'abc', 'abcd')).toBe('abcd');
    expect(rebaseEdit('', 'x', '')).toBe('x');
  });
});
