/** Renders the real App (or one screen) on a real DuckDB warehouse, and drives it with keys. */
import { render } from 'ink-testing-library';
import { join } from 'node:path';
import type { ReactElement } from 'react';
import { App } from '../../src/App.js';
import { KeyBusProvider } from '../../src/components/keyBus.js';
import { Journal } from '../../src/data/journal.js';
import { createService } from '../../src/data/service/service.js';
import type { Route, Services } from '../../src/screens/navigation.js';
import { tempDir, type TestWarehouse } from './warehouse.js';

export const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));

/** Services as the TUI's: the one service in front of the test's warehouse, a journal in a temporary folder. */
export function testServices(w: TestWarehouse, editText: Services['editText'] = async (t) => t): Services {
  const writes = new Set<Promise<unknown>>();
  const journal = new Journal(join(tempDir(), 'journal.jsonl'));
  return {
    service: createService(w.ctx, journal),
    editText,
    trackWrite: (p) => {
      writes.add(p);
      const done = () => void writes.delete(p);
      p.then(done, done);
      return p;
    },
    writesInFlight: () => writes.size,
    settle: async () => void (await Promise.allSettled([...writes])),
    suspension: { isSuspended: () => false, subscribe: () => () => undefined },
  };
}

/**
 * The plan a screen test reviews and applies, the Pending remittances created from `from` set to Failed, and
 * the TUI opened on its confirm screen (over the stage list), with the services it runs on.
 */
export async function openStatusFix(w: TestWarehouse, from: string) {
  const services = testServices(w);
  const plan = await services.service.call('makePlan', {
    op: 'update',
    stage: 'remittance_was_sent_event',
    selection: { where: ['$.Status="Pending"'], from },
    edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
    description: 'status fix',
  });
  return { services, app: renderApp(services, [{ name: 'stages' }, { name: 'confirm', plan }]) };
}

export type FrameTest = string | RegExp | ((frame: string) => boolean);

const matches = (test: FrameTest, frame: string) => (typeof test === 'string' ? frame.includes(test) : test instanceof RegExp ? test.test(frame) : test(frame));

/**
 * Frames as they are drawn, for a rendered view: waits that resolve on the frame Ink writes, not after a
 * fixed sleep (Shopify cli-kit's waitForContent / sendInputAndWaitForChange).
 */
export function frames(view: ReturnType<typeof render>) {
  const waiters = new Set<() => void>();
  const stdout = view.stdout as unknown as { write: (frame: string) => void };
  const write = stdout.write;
  stdout.write = (frame: string) => {
    write(frame);
    for (const wake of [...waiters]) wake();
  };
  const frame = () => view.lastFrame() ?? '';
  /** Resolves with the first frame (the current one included) that passes `test`; fails after `timeout` ms with the frame. */
  const waitForFrame = (test: FrameTest, timeout = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!matches(test, frame())) return false;
        done();
        // Ink writes the frame during React's commit; its effects (a screen's key subscriptions) run on the
        // next turns. Resolving after them means a key sent next meets the screen just drawn.
        const seen = frame();
        setImmediate(() => setImmediate(() => resolve(seen)));
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(test)}; the frame is:\n${frame()}`));
      }, timeout);
      // A test of state other than the frame (what a callback was given) is also checked between frames.
      const poll = setInterval(check, 10);
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(check);
      };
      if (!check()) waiters.add(check);
    });
  /** Does `act` (typing, usually) and resolves with the first frame drawn after it that differs from the one before. */
  const waitForChange = async (act: () => void = () => undefined, timeout = 5000): Promise<string> => {
    const before = frame();
    const changed = waitForFrame((f) => f !== before, timeout);
    act();
    return changed;
  };
  return { frame, waitForFrame, waitForChange };
}

/**
 * One component as the App renders it: inside the key bus, on an 80x24 terminal. `type` writes its text in
 * one write, as a burst or a paste arrives over SSH.
 */
export function renderComponent(node: ReactElement, size = { columns: 80, rows: 24 }) {
  const view = renderSized(<KeyBusProvider>{node}</KeyBusProvider>, size.columns, size.rows);
  const f = frames(view);
  return {
    ...view,
    ...f,
    /** Renders `node` again in the same key bus (ink-testing-library's own rerender would replace the bus too). */
    rerender: (next: ReactElement) => view.rerender(<KeyBusProvider>{next}</KeyBusProvider>),
    type: (keys: string) => view.stdin.write(keys),
  };
}

/**
 * One component as the TUI renders it before the App exists (the first start's DemoProgress): on an 80x24
 * terminal with no key bus around it, so what it does with keys is its own.
 */
export function renderAlone(node: ReactElement, size = { columns: 80, rows: 24 }) {
  const view = renderSized(node, size.columns, size.rows);
  return { ...view, ...frames(view), type: (keys: string) => view.stdin.write(keys) };
}

/** `startupNotice`: the app's notice on the first frame, as the TUI shows one on a first start. */
export function renderApp(services: Services, initial: Route[] = [{ name: 'stages' }], options: { startupNotice?: string } = {}) {
  let quits = 0;
  let code: number | undefined;
  const onQuit = (c?: number) => {
    quits++;
    code = c;
  };
  const view = renderSized(<App services={services} initial={initial} onQuit={onQuit} startupNotice={options.startupNotice} />, 80, 24);
  const { frame, waitForFrame, waitForChange } = frames(view);
  return {
    ...view,
    frame,
    waitForFrame,
    waitForChange,
    quits: () => quits,
    /** The exit status the last quit asked for: 130 for Ctrl-C, undefined for q. */
    quitCode: () => code,
    /**
     * Waits until the frame contains `text` (or fails after ~5 s with the frame in the message). Keys typed
     * next need no pause: the key bus holds them until the screen that takes them is there.
     */
    waitFor: (text: FrameTest, timeout = 5000): Promise<string> => waitForFrame(text, timeout),
    /** Backspace n times, one key per write as a terminal sends them. */
    async erase(n: number) {
      for (let i = 0; i < n; i++) {
        view.stdin.write('\x7f');
        await tick(20);
      }
      await tick(30);
    },
    /** Types keys one write at a time, letting Ink draw between them (it draws at most every ~33 ms). */
    async press(...keys: string[]) {
      for (const k of keys) {
        view.stdin.write(k);
        await tick(45);
      }
    },
  };
}

/**
 * Renders `node` on a terminal that has the size from its first frame. ink-testing-library's stdout is 100
 * columns with no rows; resizing after `render` left a window in which the first frame, drawn at 100
 * columns, was the one a test saw (a snapshot failed that way on a loaded CI host). An empty tree is drawn
 * first, the size set, and only then the node mounted, so no frame of it is ever drawn at the wrong size.
 */
function renderSized(node: ReactElement, columns: number, rows: number) {
  // biome-ignore lint/complexity/noUselessFragments: an empty tree to size the terminal before the first real frame
  const view = render(<></>);
  resize(view.stdout, columns, rows);
  view.rerender(node);
  return view;
}

/** ink-testing-library's stdout is 100 columns with no rows; operators have 80x24. */
export function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number) {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
  stdout.emit('resize');
}

export const KEY = { enter: '\r', escape: '\x1b', down: '\x1b[B', up: '\x1b[A', right: '\x1b[C', left: '\x1b[D', tab: '\t', ctrlC: '\x03' };
