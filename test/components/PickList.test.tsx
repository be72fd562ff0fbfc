/** PickList: a form's short list of entries; j/k or ↑/↓ choose one, x (del, backspace) removes it, enter takes it back to edit, tab moves on. */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { PickList } from '../../src/components/PickList.js';
import { useBindings } from '../../src/components/useBindings.js';
import { KEY, renderComponent } from '../helpers/tui.js';

const CONDITIONS = ['$.Status="Pending"', '$.amount>100', 'user_id="83dea095-9a6d-43db-830c-3a4f5e6d7c8b"'];

/** The list as the find form holds it: the choice kept on the list, a removal keeping the one after in its place. */
function Conditions(props: { focus?: boolean; items?: string[]; log: string[] }) {
  const [items, setItems] = useState(props.items ?? CONDITIONS);
  const [picked, setPicked] = useState(0);
  useBindings([{ keys: ['q', 'a', 'escape'], help: 'screen', action: 'screen' }], (_a, key) => props.log.push(`screen ${key}`), true);
  return (
    <Box flexDirection="column">
      <PickList
        label="conditions (all must hold)"
        items={items}
        picked={picked}
        focus={props.focus !== false}
        onMove={(delta) => setPicked((p) => Math.max(0, Math.min(items.length - 1, p + delta)))}
        onRemove={() => {
          props.log.push(`remove ${items[picked]}`);
          setItems(items.filter((_, i) => i !== picked));
          setPicked(Math.min(picked, items.length - 2));
        }}
        onEdit={() => props.log.push(`edit ${items[picked]}`)}
        onTab={(d) => props.log.push(`tab ${d}`)}
      />
      <Text>next field</Text>
    </Box>
  );
}

describe('PickList', () => {
  it('numbers the entries under its label and marks the chosen one while it has the focus, none without it', async () => {
    const view = renderComponent(<Conditions log={[]} />);
    expect(await view.waitForFrame('  > 1.')).toMatchInlineSnapshot(`
      "> conditions (all must hold):
        > 1. $.Status="Pending"
          2. $.amount>100
          3. user_id="83dea095-9a6d-43db-830c-3a4f5e6d7c8b"
      next field"
    `);
    view.rerender(<Conditions log={[]} focus={false} />);
    expect(await view.waitForFrame(/^ {2}conditions/)).toMatchInlineSnapshot(`
      "  conditions (all must hold):
          1. $.Status="Pending"
          2. $.amount>100
          3. user_id="83dea095-9a6d-43db-830c-3a4f5e6d7c8b"
      next field"
    `);
    view.unmount();
  });

  it('at 80 columns cuts an entry too long for the line with …, keeping one line per entry', async () => {
    const long = `$.note="${'sent again after the bank rejected the first transfer '.repeat(3).trim()}"`;
    const view = renderComponent(<Conditions log={[]} items={['$.Status="Pending"', long]} />);
    expect(await view.waitForFrame('2.')).toMatchInlineSnapshot(`
      "> conditions (all must hold):
        > 1. $.Status="Pending"
          2. $.note="sent again after the bank rejected the first transfer sent again…
      next field"
    `);
    view.unmount();
  });

  it('j/↓ choose the next entry and k/↑ the one before, stopping at the ends', async () => {
    const view = renderComponent(<Conditions log={[]} />);
    await view.waitForFrame('  > 1.');
    view.type('j');
    await view.waitForFrame('  > 2.');
    view.type(KEY.down);
    await view.waitForFrame('  > 3.');
    view.type('j');
    view.type(KEY.up);
    await view.waitForFrame('  > 2.');
    view.type('kkk');
    expect(await view.waitForFrame('  > 1.')).toMatchInlineSnapshot(`
      "> conditions (all must hold):
        > 1. $.Status="Pending"
          2. $.amount>100
          3. user_id="83dea095-9a6d-43db-830c-3a4f5e6d7c8b"
      next field"
    `);
    view.unmount();
  });

  it('enter takes back the entry the keys before it chose, however many came in one read', async () => {
    const log: string[] = [];
    const view = renderComponent(<Conditions log={log} />);
    await view.waitForFrame('  > 1.');
    view.type('jj\rk\r');
    await view.waitForFrame(() => log.length === 2);
    expect(log).toEqual(['edit user_id="83dea095-9a6d-43db-830c-3a4f5e6d7c8b"', 'edit $.amount>100']);
    view.unmount();
  });

  it('x, del and backspace each remove the chosen entry', async () => {
    const log: string[] = [];
    const view = renderComponent(<Conditions log={log} />);
    await view.waitForFrame('  > 1.');
    view.type('jx');
    expect(await view.waitForFrame((f) => !f.includes('amount'))).toMatchInlineSnapshot(`
      "> conditions (all must hold):
          1. $.Status="Pending"
        > 2. user_id="83dea095-9a6d-43db-830c-3a4f5e6d7c8b"
      next field"
    `);
    view.type('\x1b[3~');
    await view.waitForFrame((f) => !f.includes('user_id'));
    view.type('\x7f');
    await view.waitForFrame(() => log.length === 3);
    expect(log).toEqual(['remove $.amount>100', 'remove user_id="83dea095-9a6d-43db-830c-3a4f5e6d7c8b"', 'remove $.Status="Pending"']);
    view.unmount();
  });

  it('tab and shift-tab move between fields; other keys (q, esc) go to the screen; without the focus it takes none', async () => {
    const log: string[] = [];
    let view = renderComponent(<Conditions log={log} />);
    await view.waitForFrame('  > 1.');
    view.type(KEY.tab);
    view.type('\x1b[Z');
    view.type('q');
    view.type(KEY.escape);
    await view.waitForFrame(() => log.length === 4);
    expect(log).toEqual(['tab 1', 'tab -1', 'screen q', 'screen escape']);
    view.unmount();
    log.length = 0;
    view = renderComponent(<Conditions log={log} focus={false} />);
    await view.waitForFrame('1.');
    view.type('jx\ra');
    await view.waitForFrame(() => log.length === 1);
    expect(log).toEqual(['screen a']);
    expect(view.frame()).toContain('3. user_id');
    view.unmount();
  });
});
