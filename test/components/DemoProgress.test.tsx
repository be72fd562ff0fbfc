/**
 * DemoProgress: the first start's screen while the demo warehouse is made, drawn before the App (and its key
 * bus) exists: where the warehouse goes, how far it has got, and q or Ctrl-C to leave.
 */
import { Text } from 'ink';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DemoProgress, demoProgressLine } from '../../src/components/DemoProgress.js';
import { KeyBusProvider } from '../../src/components/keyBus.js';
import { useBindings } from '../../src/components/useBindings.js';
import { KEY, renderAlone } from '../helpers/tui.js';

const PATH = '/home/operator/.local/share/evfix/demo.duckdb';
const CTRL_F1 = '\x1b[1;5P';

describe('DemoProgress', () => {
  // The spinner stands still (its timer is faked and never advanced), so a frame is the same on every run.
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }));
  afterEach(() => void vi.useRealTimers());

  it('says a demo warehouse is being made and where, then counts the events and the stage tables as they are built', async () => {
    const view = renderAlone(<DemoProgress path={PATH} onQuit={() => undefined} />);
    expect(await view.waitForFrame('first start')).toMatchInlineSnapshot(`
      "evfix · first start
      no evfix.config.json: a demo warehouse at
      /home/operator/.local/share/evfix/demo.duckdb

      | creating the demo warehouse…

      q quit"
    `);
    view.rerender(<DemoProgress path={PATH} progress={{ step: 'events', done: 12_500, total: 50_000 }} onQuit={() => undefined} />);
    expect(await view.waitForFrame('12,500')).toMatchInlineSnapshot(`
      "evfix · first start
      no evfix.config.json: a demo warehouse at
      /home/operator/.local/share/evfix/demo.duckdb

      | creating the demo warehouse… 12,500 / 50,000 events

      q quit"
    `);
    view.rerender(<DemoProgress path={PATH} progress={{ step: 'stages', done: 3, total: 7 }} onQuit={() => undefined} />);
    expect(await view.waitForFrame('stage tables')).toMatchInlineSnapshot(`
      "evfix · first start
      no evfix.config.json: a demo warehouse at
      /home/operator/.local/share/evfix/demo.duckdb

      | building the stage tables… 3 / 7

      q quit"
    `);
    view.unmount();
  });

  it('at 80 columns keeps the reason whole with the default path of any home', async () => {
    const path = '/home/a.very.long.operator.name/.local/share/evfix/demo.duckdb';
    const view = renderAlone(<DemoProgress path={path} onQuit={() => undefined} />);
    expect(await view.waitForFrame('first start')).toContain(`no evfix.config.json: a demo warehouse at\n${path}\n`);
    view.unmount();
  });

  it('at 80 columns cuts a long path at its start, keeping the file name', async () => {
    const path = `/mnt/shared/teams/payments/operators/${'nested/'.repeat(8)}evfix/demo.duckdb`;
    const view = renderAlone(<DemoProgress path={path} onQuit={() => undefined} />);
    expect((await view.waitForFrame('first start')).split('\n')[2]).toMatchInlineSnapshot(
      `"…ators/nested/nested/nested/nested/nested/nested/nested/nested/evfix/demo.duckdb"`,
    );
    view.unmount();
  });

  it('q and Ctrl-C quit; other keys do nothing and are not echoed over the screen', async () => {
    let quits = 0;
    const view = renderAlone(<DemoProgress path={PATH} onQuit={() => quits++} />);
    const before = await view.waitForFrame('first start');
    for (const key of ['j', 'x', ' ', 'Q', KEY.escape, KEY.enter, KEY.down]) view.type(key);
    view.type('q');
    await view.waitForFrame(() => quits > 0);
    expect(quits).toBe(1);
    view.type(KEY.ctrlC);
    await view.waitForFrame(() => quits > 1);
    expect(quits).toBe(2);
    expect(view.frame()).toBe(before);
    view.unmount();
  });

  it('survives Ctrl+F1, which Ink 6.8 cannot name, with no key bus around it; q still quits after it', async () => {
    let quits = 0;
    const view = renderAlone(<DemoProgress path={PATH} onQuit={() => quits++} />);
    await view.waitForFrame('first start');
    expect(() => view.type(CTRL_F1)).not.toThrow();
    view.type('q');
    await view.waitForFrame(() => quits === 1);
    view.unmount();
  });

  it('hands the terminal to the App with the App’s own guard in place', async () => {
    function Screen() {
      useBindings([{ keys: ['j'], help: 'down', action: 'down' }], () => undefined, true);
      return <Text>stage tables</Text>;
    }
    const view = renderAlone(<DemoProgress path={PATH} onQuit={() => undefined} />);
    await view.waitForFrame('first start');
    view.rerender(
      <KeyBusProvider>
        <Screen />
      </KeyBusProvider>,
    );
    await view.waitForFrame('stage tables');
    expect(() => view.type(CTRL_F1)).not.toThrow();
    view.unmount();
  });

  it('words the progress line for each step, with thousands separators for events', () => {
    expect(demoProgressLine(undefined)).toBe('creating the demo warehouse…');
    expect(demoProgressLine({ step: 'events', done: 0, total: 50_000 })).toBe('creating the demo warehouse… 0 / 50,000 events');
    expect(demoProgressLine({ step: 'stages', done: 7, total: 7 })).toBe('building the stage tables… 7 / 7');
  });
});
