/**
 * The key bus: keys in order, to the target that claims them, each seeing
 * the state the key before it produced; keys nobody can take yet wait.
 */
import { Text } from 'ink';
import { useReducer, useState } from 'react';
import { describe, expect, it } from 'vitest';
import { LAYER, useKeyTarget } from '../../src/components/keyBus.js';
import { useBindings } from '../../src/components/useBindings.js';
import { renderComponent } from '../helpers/tui.js';

describe('key bus', () => {
  it('hands an action key the state the keys before it made, however many came in one read', async () => {
    const opened: number[] = [];
    function List() {
      const [cursor, move] = useReducer((c: number, by: number) => c + by, 0);
      useBindings(
        [
          { keys: ['j'], help: 'down', action: 'down' },
          { keys: ['enter'], help: 'open', action: 'open' },
        ],
        (a) => (a === 'down' ? move(1) : opened.push(cursor)),
        true,
      );
      return <Text>cursor {cursor}</Text>;
    }
    const view = renderComponent(<List />);
    await view.waitForFrame('cursor 0');
    view.type('jj\rj\r');
    await view.waitForFrame(() => opened.length === 2);
    expect(opened).toEqual([2, 3]);
    view.unmount();
  });

  it('hands over both escs of a double tap that arrives in one read', async () => {
    function Escapes() {
      const [n, count] = useReducer((c: number) => c + 1, 0);
      useBindings([{ keys: ['escape'], help: 'back', action: 'back' }], () => count(), true);
      return <Text>esc {n}</Text>;
    }
    const view = renderComponent(<Escapes />);
    await view.waitForFrame('esc 0');
    view.type('\x1b\x1b');
    expect(await view.waitForFrame('esc 2')).toBe('esc 2');
    view.unmount();
  });

  it('keeps keys while no target is registered, and hands them to the first that is', async () => {
    const got: string[] = [];
    function Later() {
      const [ready, setReady] = useState(false);
      useBindings([{ keys: ['r'], help: 'ready', action: 'ready' }], () => setReady(true), !ready, LAYER.screen);
      return ready ? <Target /> : <Text>waiting</Text>;
    }
    function Target() {
      useKeyTarget({ claim: () => 'take', handle: (k) => got.push(k), pure: () => true }, true);
      return <Text>ready</Text>;
    }
    const view = renderComponent(<Later />);
    await view.waitForFrame('waiting');
    // "r" mounts the target; "abc" is typed before it exists.
    view.type('rabc');
    await view.waitForFrame(() => got.length === 3);
    expect(got).toEqual(['a', 'b', 'c']);
    view.unmount();
  });

  it("holds a key (and every key behind it) while its target says 'wait', then hands them on in order", async () => {
    const got: string[] = [];
    function Busy(props: { ready: boolean }) {
      useBindings([{ keys: ['x'], help: 'x', action: 'x' }], () => got.push('screen x'), true);
      useKeyTarget({ claim: (k) => (k === 'x' ? 'pass' : props.ready ? 'take' : 'wait'), handle: (k) => got.push(k), pure: () => false }, true, LAYER.field);
      return <Text>{props.ready ? 'ready' : 'busy'}</Text>;
    }
    const view = renderComponent(<Busy ready={false} />);
    await view.waitForFrame('busy');
    view.type('yx');
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([]);
    // Its next render is the target's word that it is ready: the waiting keys go, in order.
    view.rerender(<Busy ready />);
    await view.waitForFrame(() => got.length === 2);
    expect(got).toEqual(['y', 'screen x']);
    view.unmount();
  });

  it('gives a key to an overlay before a field, and to a field before its screen', async () => {
    const got: string[] = [];
    function Layers(props: { overlay: boolean }) {
      useBindings([{ keys: ['q'], help: 'quit', action: 'screen' }], (a) => got.push(a), true, LAYER.screen);
      useKeyTarget({ claim: (k) => (k === 'q' ? 'take' : 'pass'), handle: () => got.push('field'), pure: () => true }, true, LAYER.field);
      useBindings([], () => undefined, props.overlay, LAYER.overlay, true);
      return <Text>{props.overlay ? 'overlay' : 'field'}</Text>;
    }
    const view = renderComponent(<Layers overlay={false} />);
    await view.waitForFrame('field');
    view.type('q');
    await view.waitForFrame(() => got.length === 1);
    view.rerender(<Layers overlay />);
    await view.waitForFrame('overlay');
    view.type('qq');
    view.rerender(<Layers overlay={false} />);
    await view.waitForFrame('field');
    view.type('q');
    await view.waitForFrame(() => got.length === 2);
    expect(got).toEqual(['field', 'field']);
    view.unmount();
  });
});
