/**
 * Unsaved work: esc and q never drop what the operator did with one key. Each screen in the stack says what
 * leaving it would drop; esc asks "discard 2 changes? y/N", q asks about the whole stack, bottom first; only y
 * goes on, any other key is No. With nothing unsaved (or in read-only mode) they act at once.
 */
import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { describe, expect, it } from 'vitest';
import { Frame } from '../../src/components/Frame.js';
import { count, listed, UnsavedWorkProvider } from '../../src/components/unsavedWork.js';
import type { Nav } from '../../src/screens/navigation.js';
import { useScreen } from '../../src/screens/useScreen.js';
import { KEY, renderComponent } from '../helpers/tui.js';

/** A screen whose work is counted in `one`s: `a` adds one, `o` opens the next screen of the stack. */
type Route = { name: string; one?: string; many?: string; endsFlow?: boolean };

function Screen(props: { route: Route; active: boolean; nav: Nav & { open: () => void } }) {
  const { route } = props;
  const [work, setWork] = useState(0);
  const { helpOpen, bindings } = useScreen({
    bindings: [
      { keys: ['a'], help: 'add', action: 'add', footer: 1 },
      { keys: ['o'], help: 'open', action: 'open', footer: 1 },
    ],
    onAction: (action) => (action === 'add' ? setWork((w) => w + 1) : props.nav.open()),
    active: props.active,
    nav: props.nav,
    unsaved: route.one && work ? count(work, route.one, route.many) : null,
    endsFlow: route.endsFlow,
  });
  return (
    <Frame title={`evfix · ${route.name}`} status={`${work} done`} width={80} height={5} bindings={bindings} helpOpen={helpOpen}>
      <Text>{route.name} body</Text>
    </Frame>
  );
}

/** The App's stack, cut down: every screen stays mounted, only the top one shown and active. */
function Stack(props: { routes: Route[]; start?: number; readOnly?: boolean; quits: { n: number } }) {
  const [depth, setDepth] = useState(props.start ?? 1);
  const nav = useMemo(
    () => ({
      push: () => undefined,
      open: () => setDepth((d) => Math.min(props.routes.length, d + 1)),
      pop: () => setDepth((d) => Math.max(1, d - 1)),
      home: () => setDepth(1),
      quit: () => void props.quits.n++,
    }),
    [props.routes.length, props.quits],
  );
  return (
    <UnsavedWorkProvider readOnly={props.readOnly}>
      <Box flexDirection="column">
        {props.routes.slice(0, depth).map((route, i) => (
          <Box key={route.name} display={i === depth - 1 ? 'flex' : 'none'}>
            <Screen route={route} active={i === depth - 1} nav={nav} />
          </Box>
        ))}
      </Box>
    </UnsavedWorkProvider>
  );
}

const LIST: Route = { name: 'stage tables' };
const FORM: Route = { name: 'update event data', one: 'change' };
const MARKS: Route = { name: 'duplicates', one: 'marked group' };
const APPLY: Route = { name: 'apply', endsFlow: true };

describe('unsaved work', () => {
  it('asks before esc drops work: the question in the frame, its answers in the footer', async () => {
    const view = renderComponent(<Stack routes={[LIST, FORM]} start={2} quits={{ n: 0 }} />);
    await view.waitForFrame('0 done');
    view.type('aa');
    await view.waitForFrame('2 done');
    view.type(KEY.escape);
    expect(await view.waitForFrame('y/N')).toMatchInlineSnapshot(`
      "evfix · update event data                                                 2 done
      update event data body

      · discard 2 changes? y/N
      y yes, discard  n no (or any other key)"
    `);
    view.unmount();
  });

  it('y drops the work and leaves: the screen is gone, and q below it has nothing to ask about', async () => {
    const quits = { n: 0 };
    const view = renderComponent(<Stack routes={[LIST, FORM]} start={2} quits={quits} />);
    await view.waitForFrame('0 done');
    view.type('a');
    view.type(KEY.escape);
    await view.waitForFrame('discard 1 change? y/N');
    view.type('y');
    await view.waitForFrame('stage tables body');
    view.type('o');
    expect(await view.waitForFrame('update event data body')).toContain('0 done');
    view.type(KEY.escape);
    await view.waitForFrame('stage tables body');
    view.type('q');
    await view.waitForFrame(() => quits.n === 1);
    view.unmount();
  });

  it('n, esc and any other key are No: the question goes, the work stays, and the key does nothing else', async () => {
    const quits = { n: 0 };
    const view = renderComponent(<Stack routes={[LIST, FORM]} start={2} quits={quits} />);
    await view.waitForFrame('0 done');
    view.type('aa');
    await view.waitForFrame('2 done');
    for (const no of ['n', KEY.escape, 'a', 'q']) {
      view.type(KEY.escape);
      await view.waitForFrame('discard 2 changes? y/N');
      view.type(no);
      const frame = await view.waitForFrame((f) => !f.includes('y/N'));
      expect(frame).toContain('update event data body');
      expect(frame).toContain('2 done');
    }
    expect(quits.n).toBe(0);
    view.unmount();
  });

  it('q asks about the work of every screen in the stack, bottom first; n stays, y quits', async () => {
    const quits = { n: 0 };
    const view = renderComponent(<Stack routes={[LIST, MARKS, FORM]} start={2} quits={quits} />);
    await view.waitForFrame('duplicates body');
    view.type('aao');
    await view.waitForFrame('update event data body');
    view.type('a');
    await view.waitForFrame('1 done');
    view.type('q');
    expect(await view.waitForFrame('y/N')).toMatchInlineSnapshot(`
      "evfix · update event data                                                 1 done
      update event data body

      · quit and discard 2 marked groups and 1 change? y/N
      y yes, discard  n no (or any other key)"
    `);
    view.type('n');
    await view.waitForFrame((f) => !f.includes('y/N'));
    expect(quits.n).toBe(0);
    view.type('q');
    await view.waitForFrame('y/N');
    view.type('y');
    await view.waitForFrame(() => quits.n === 1);
    view.unmount();
  });

  it('asks about work made by the key just before, in the same read', async () => {
    const quits = { n: 0 };
    const view = renderComponent(<Stack routes={[LIST, FORM]} start={2} quits={quits} />);
    await view.waitForFrame('0 done');
    view.type('aq');
    await view.waitForFrame('quit and discard 1 change? y/N');
    expect(quits.n).toBe(0);
    view.unmount();
  });

  it('esc and q act at once when nothing is unsaved', async () => {
    const quits = { n: 0 };
    const view = renderComponent(<Stack routes={[LIST, FORM]} start={2} quits={quits} />);
    await view.waitForFrame('update event data body');
    view.type(KEY.escape);
    await view.waitForFrame('stage tables body');
    view.type('oq');
    await view.waitForFrame(() => quits.n === 1);
    expect(view.frame()).not.toContain('y/N');
    view.unmount();
  });

  it('q does not count the work under a screen that ends the flow (apply: every way out goes home)', async () => {
    const quits = { n: 0 };
    const view = renderComponent(<Stack routes={[FORM, APPLY]} quits={quits} />);
    await view.waitForFrame('update event data body');
    view.type('ao');
    await view.waitForFrame('apply body');
    view.type('q');
    await view.waitForFrame(() => quits.n === 1);
    expect(view.frame()).not.toContain('y/N');
    view.unmount();
  });

  it('in read-only mode asks nothing: nothing done there can be written', async () => {
    const quits = { n: 0 };
    const view = renderComponent(<Stack routes={[LIST, FORM]} start={2} readOnly quits={quits} />);
    await view.waitForFrame('0 done');
    view.type('a');
    await view.waitForFrame('1 done');
    view.type(KEY.escape);
    await view.waitForFrame('stage tables body');
    view.type('oa');
    await view.waitForFrame('1 done');
    view.type('q');
    await view.waitForFrame(() => quits.n === 1);
    expect(view.frame()).not.toContain('y/N');
    view.unmount();
  });

  it('words the work as the questions say it', () => {
    expect(count(1, 'change')).toBe('1 change');
    expect(count(1200, 'chosen copy', 'chosen copies')).toBe('1,200 chosen copies');
    expect(listed([])).toBe('');
    expect(listed(['2 marked groups'])).toBe('2 marked groups');
    expect(listed(['2 marked groups', '1 change', '3 marked events'])).toBe('2 marked groups, 1 change and 3 marked events');
  });
});
