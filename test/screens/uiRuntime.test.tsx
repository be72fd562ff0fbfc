/**
 * The App, given only a service, loads no engine and no warehouse client: every engine module and both
 * clients are replaced here by stand-ins that record being loaded. The service is a stub that answers from a
 * table and records what it was asked, so it is plainly the one thing the screens reach the data side
 * through. (uiBoundary.test.ts checks the same from the source; this checks what running the UI loads.)
 */
import { describe, expect, it, vi } from 'vitest';

const { loaded, standIn } = vi.hoisted(() => {
  const loaded: string[] = [];
  /** A module's stand-in: loading it is recorded, and it exports nothing. */
  const standIn = (name: string) => () => {
    loaded.push(name);
    return {};
  };
  return { loaded, standIn };
});
vi.mock('@duckdb/node-api', standIn('@duckdb/node-api'));
vi.mock('@google-cloud/bigquery', standIn('@google-cloud/bigquery'));
vi.mock('../../src/data/duckdb/engine.js', standIn('src/data/duckdb/engine.ts'));
vi.mock('../../src/data/duckdb/connection.js', standIn('src/data/duckdb/connection.ts'));
vi.mock('../../src/data/bigquery/engine.js', standIn('src/data/bigquery/engine.ts'));
vi.mock('../../src/data/bigquery/client.js', standIn('src/data/bigquery/client.ts'));
vi.mock('../../src/data/engine.js', standIn('src/data/engine.ts'));
vi.mock('../../src/data/openWarehouse.js', standIn('src/data/openWarehouse.ts'));
vi.mock('../../src/data/service/service.js', standIn('src/data/service/service.ts (the service itself)'));

import { ConfigSchema, DEMO_STAGES, type Config } from '../../src/data/config.js';
import type { Reply, RequestKind } from '../../src/data/service/requests.js';
import type { Service } from '../../src/data/service/service.js';
import type { Services } from '../../src/screens/navigation.js';
import { App } from '../../src/App.js';
import { render } from 'ink-testing-library';

// Not the helpers in tui.tsx: they build real warehouses, and so load the engine this test looks for.
const KEY = { enter: '\r', escape: '\x1b' };

/** The App on an 80x24 terminal (sized before it mounts, as tui.tsx's renderSized does). */
function renderApp(services: Services) {
  // biome-ignore lint/complexity/noUselessFragments: an empty tree to size the terminal before the App mounts
  const view = render(<></>);
  for (const [name, value] of [
    ['columns', 80],
    ['rows', 24],
  ] as const)
    Object.defineProperty(view.stdout, name, { value, configurable: true });
  view.rerender(<App services={services} onQuit={() => undefined} />);
  const waitFor = async (test: string | ((frame: string) => boolean)) => {
    const passes = (f: string) => (typeof test === 'string' ? f.includes(test) : test(f));
    for (let waited = 0; !passes(view.lastFrame() ?? ''); waited += 10) {
      if (waited > 5000) throw new Error(`timed out waiting for ${String(test)}; the frame is:\n${view.lastFrame()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    // Effects of the frame just drawn (the next screen's key subscriptions) run on the following turns.
    await new Promise((r) => setTimeout(r, 20));
  };
  return { ...view, waitFor };
}

/** A service that answers from `replies` and records every call; anything else is refused. */
function stubService(replies: { [K in RequestKind]?: (args: unknown) => Reply<K> }) {
  const calls: string[] = [];
  const config: Config = { ...ConfigSchema.parse({ engine: { type: 'duckdb', path: '/nonexistent/warehouse.duckdb' }, stages: DEMO_STAGES }), source: 'test' };
  const service: Service = {
    config,
    operator: 'tester',
    call: async (kind, args) => {
      calls.push(kind);
      const answer = replies[kind] as ((a: unknown) => never) | undefined;
      if (!answer) throw new Error(`the stub has no ${kind}`);
      return answer(args);
    },
    cancelReads: async () => undefined,
    close: async () => undefined,
  };
  const services: Services = {
    service,
    editText: async (t) => t,
    trackWrite: (p) => p,
    writesInFlight: () => 0,
    settle: async () => undefined,
    suspension: { isSuspended: () => false, subscribe: () => () => undefined },
  };
  return { services, calls };
}

describe('the UI with only a service', () => {
  it('draws the stage tables, an action menu and the history without loading an engine', async () => {
    const { services, calls } = stubService({
      stageSummary: (a) => ({
        stage: (a as { stage: string }).stage,
        event_name: 'E',
        since: '2024-01-01 00:00:00.000000',
        events: 42,
        duplicateGroups: 3,
        stageDuplicateGroups: 0,
      }),
      pendingReruns: () => [],
      history: () => [],
    });
    const app = renderApp(services);
    await app.waitFor((f) => f.includes('remittance_was_sent_event') && (f.match(/ 42 /g) ?? []).length === DEMO_STAGES.length);
    app.stdin.write(KEY.enter);
    await app.waitFor('Duplicates by event_id');
    app.stdin.write(KEY.escape);
    await app.waitFor('evfix · stage tables');
    app.stdin.write('h');
    await app.waitFor('No plan has been applied yet');
    app.unmount();
    expect(new Set(calls)).toEqual(new Set(['stageSummary', 'pendingReruns', 'history']));
    expect(loaded).toEqual([]);
  });
});
