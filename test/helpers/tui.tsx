/** Renders the real App (or one screen) on a real DuckDB warehouse, and drives it with keys. */
import { render } from 'ink-testing-library';
import { join } from 'node:path';
import { App } from '../../src/App.js';
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

export function renderApp(services: Services, initial: Route[] = [{ name: 'stages' }]) {
  let quits = 0;
  const view = render(<App services={services} initial={initial} onQuit={() => quits++} />);
  resize(view.stdout, 80, 24);
  const frame = () => view.lastFrame() ?? '';
  return {
    ...view,
    frame,
    quits: () => quits,
    /** Waits until the frame contains `text` (or fails after ~5 s with the frame in the message). */
    async waitFor(text: string | RegExp, timeout = 5000): Promise<string> {
      const deadline = Date.now() + timeout;
      for (;;) {
        const f = frame();
        if (typeof text === 'string' ? f.includes(text) : text.test(f)) {
          // Ink draws during React's commit, before effects subscribe the new screen's keys: let them run.
          await tick(30);
          return f;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; the frame is:\n${f}`);
        await tick();
      }
    },
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

/** ink-testing-library's stdout is 100 columns with no rows; operators have 80x24. */
export function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number) {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
  stdout.emit('resize');
}

export const KEY = { enter: '\r', escape: '\x1b', down: '\x1b[B', up: '\x1b[A', right: '\x1b[C', left: '\x1b[D', tab: '\t', ctrlC: '\x03' };
