/** ChoiceField: a short fixed choice on one line; ←/→ or space change it, enter submits it, tab moves on, other keys are the screen's. */
import { Box } from 'ink';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { ChoiceField } from '../../src/components/ChoiceField.js';
import { useBindings } from '../../src/components/useBindings.js';
import { KEY, renderComponent } from '../helpers/tui.js';

const TYPES = ['string', 'number', 'boolean', 'null', 'json'] as const;

/** The field as a form holds it, under a screen that records the keys the field passes on. */
function Form(props: { focus?: boolean; tabs?: boolean; submitted: string[]; tabbed?: number[]; screen?: string[]; options?: readonly string[] }) {
  const options = props.options ?? TYPES;
  const [value, setValue] = useState<string>(options[1]!);
  useBindings([{ keys: ['q', 'j', 'tab', ' '], help: 'screen', action: 'screen' }], (_a, key) => props.screen?.push(key), true);
  return (
    <Box flexDirection="column">
      <ChoiceField
        label="type"
        options={options}
        value={value}
        onChange={setValue}
        onSubmit={(v) => props.submitted.push(v)}
        onTab={props.tabs === false ? undefined : (d) => props.tabbed?.push(d)}
        focus={props.focus !== false}
        hint="←/→ or space change the type; enter goes on"
      />
    </Box>
  );
}

describe('ChoiceField', () => {
  it('shows every option on one line with the chosen one in brackets, and its hint under it while it has the focus', async () => {
    const view = renderComponent(<Form submitted={[]} />);
    expect(await view.waitForFrame('[number]')).toMatchInlineSnapshot(`
      "> type:  string  [number]  boolean   null   json
          ←/→ or space change the type; enter goes on"
    `);
    view.rerender(<Form submitted={[]} focus={false} />);
    expect(await view.waitForFrame((f) => !f.includes('>'))).toMatchInlineSnapshot(`"  type:  string  [number]  boolean   null   json"`);
    view.unmount();
  });

  it('at 80 columns cuts a choice too long for the line with …, on its one line', async () => {
    const options = ['exceptions only', 'exclusions only', 'exceptions and exclusions', 'every row of the stage table', 'nothing at all'];
    const view = renderComponent(<Form submitted={[]} options={options} />);
    expect(await view.waitForFrame('[exclusions only]')).toMatchInlineSnapshot(`
      "> type:  exceptions only  [exclusions only]  exceptions and exclusions   every …
          ←/→ or space change the type; enter goes on"
    `);
    view.unmount();
  });

  it('→ and space choose the next option, ← the one before, going round at either end', async () => {
    const view = renderComponent(<Form submitted={[]} />);
    await view.waitForFrame('[number]');
    view.type(KEY.right);
    await view.waitForFrame('[boolean]');
    view.type(' ');
    await view.waitForFrame('[null]');
    view.type('  ');
    await view.waitForFrame('[string]');
    view.type(KEY.left);
    await view.waitForFrame('[json]');
    view.type(KEY.left);
    expect(await view.waitForFrame('[null]')).toMatchInlineSnapshot(`
      "> type:  string   number   boolean  [null]  json
          ←/→ or space change the type; enter goes on"
    `);
    view.unmount();
  });

  it('enter submits the value the keys before it chose, however many came in one read', async () => {
    const submitted: string[] = [];
    const view = renderComponent(<Form submitted={submitted} />);
    await view.waitForFrame('[number]');
    view.type('  \r \r');
    await view.waitForFrame(() => submitted.length === 2);
    expect(submitted).toEqual(['null', 'json']);
    view.unmount();
  });

  it('tab and shift-tab move to the next and previous field; q, j and the rest go to the screen', async () => {
    const tabbed: number[] = [];
    const screen: string[] = [];
    const view = renderComponent(<Form submitted={[]} tabbed={tabbed} screen={screen} />);
    await view.waitForFrame('[number]');
    view.type(KEY.tab);
    view.type('\x1b[Z');
    view.type('qj');
    await view.waitForFrame(() => screen.length === 2);
    expect(tabbed).toEqual([1, -1]);
    expect(screen).toEqual(['q', 'j']);
    expect(view.frame()).toContain('[number]');
    view.unmount();
  });

  it('leaves tab to the screen when it has no next field, and every key to it while it has not the focus', async () => {
    const screen: string[] = [];
    let view = renderComponent(<Form submitted={[]} tabs={false} screen={screen} />);
    await view.waitForFrame('[number]');
    view.type(KEY.tab);
    await view.waitForFrame(() => screen.length === 1);
    expect(screen).toEqual(['tab']);
    view.unmount();
    screen.length = 0;
    const submitted: string[] = [];
    view = renderComponent(<Form submitted={submitted} focus={false} screen={screen} />);
    await view.waitForFrame('[number]');
    view.type(` ${KEY.right}\r`);
    view.type(KEY.tab);
    await view.waitForFrame(() => screen.length === 2);
    expect(screen).toEqual([' ', 'tab']);
    expect(submitted).toEqual([]);
    expect(view.frame()).toContain('[number]');
    view.unmount();
  });
});
