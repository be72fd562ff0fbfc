/**
 * A modified function key Ink 6.8.0 cannot name (Ctrl+F1, `\x1b[1;5P`) throws inside Ink's useInput and would end
 * the TUI. The key bus drops such an event; the first test pins Ink's own behaviour, so the guard is removed
 * when Ink stops throwing (vadimdemedes/ink#901, fixed in Ink 7).
 */
import { Text, useInput } from 'ink';
import { render } from 'ink-testing-library';
import { useReducer } from 'react';
import { describe, expect, it } from 'vitest';
import { useBindings } from '../../src/components/useBindings.js';
import { renderComponent } from '../helpers/tui.js';

const CTRL_F1 = '\x1b[1;5P';

describe('keys Ink 6.8.0 cannot name', () => {
  it('Ink alone throws on Ctrl+F1 (remove the key bus guard when this fails)', () => {
    function Plain() {
      useInput(() => undefined);
      return <Text>plain</Text>;
    }
    const view = render(<Plain />);
    expect(() => view.stdin.write(CTRL_F1)).toThrow(/startsWith/);
    view.unmount();
  });

  it('in the key bus, Ctrl+F1 is ignored and the keys around it still arrive', async () => {
    function List() {
      const [cursor, move] = useReducer((c: number, by: number) => c + by, 0);
      useBindings([{ keys: ['j'], help: 'down', action: 'down' }], () => move(1), true);
      return <Text>cursor {cursor}</Text>;
    }
    const view = renderComponent(<List />);
    await view.waitForFrame('cursor 0');
    view.type('j');
    view.type(CTRL_F1);
    view.type('jj');
    await view.waitForFrame('cursor 3');
    view.unmount();
  });
});
