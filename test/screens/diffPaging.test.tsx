/**
 * The diff screen's paging past the plan's sample, against a real warehouse: however many keys move on while a
 * page is read, each page is read once (a burst of n used to start a read per key, hundreds at once).
 */
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { join } from 'node:path';
import { useEffect } from 'react';
import { describe, expect, it } from 'vitest';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { Journal } from '../../src/data/journal.js';
import { SAMPLE_SIZE, type Plan } from '../../src/data/plan.js';
import { createService, type Service } from '../../src/data/service/service.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { useDiffState } from '../../src/screens/useDiffState.js';
import { event, insertOriginals, makeWarehouse, NOW } from '../helpers/warehouse.js';

/** The hook, stepped one change per render until `steps`, as keys typed ahead arrive; shows where it is. */
function Stepper({ service, plan, steps }: { service: Service; plan: Plan; steps: number }) {
  const { state, dispatch, change } = useDiffState(service, plan);
  useEffect(() => {
    if (state.index + 1 < steps) dispatch({ type: 'step', by: 1 });
  }, [dispatch, state.index, steps]);
  return <Text>{`${state.index + 1}/${state.total} loaded ${state.loaded.length} ${change ? change.event_id : 'reading'}`}</Text>;
}

describe('diff paging', () => {
  it('reads each page past the sample once, whatever number of keys arrive while it is read', async () => {
    const t = await makeWarehouse();
    const events = Array.from({ length: SAMPLE_SIZE + 30 }, (_, i) =>
      event({ event_created_at: `2026-03-14 10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000` }),
    );
    await insertOriginals(t.warehouse, events);
    const statements: string[] = [];
    const engine = new DuckdbEngine(t.config as never, () => parseTimestamp(NOW), { onSql: (s) => statements.push(s) });
    const service = createService({ ...t.ctx, engine }, new Journal(join(t.dir, 'state', 'journal.jsonl')));
    const plan = await service.call('makePlan', {
      op: 'update',
      stage: 'remittance_was_sent_event',
      selection: { where: ['$.Status="Pending"'] },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'paging',
    });
    expect(plan.sample).toHaveLength(SAMPLE_SIZE);
    const reads = () => statements.filter((s) => s.startsWith('CREATE OR REPLACE TEMP TABLE evfix_selected')).length;
    const before = reads();
    // One step onto each change past the sample, all before the first page can arrive.
    const view = render(<Stepper service={service} plan={plan} steps={SAMPLE_SIZE + 30} />);
    const last = [...events].sort((a, b) => a.event_created_at.localeCompare(b.event_created_at)).at(-1)!;
    for (let i = 0; i < 200 && !view.lastFrame()?.includes(last.event_id); i++) await new Promise((r) => setTimeout(r, 25));
    expect(view.lastFrame()).toBe(`${SAMPLE_SIZE + 30}/${SAMPLE_SIZE + 30} loaded ${SAMPLE_SIZE + 30} ${last.event_id}`);
    // The 30 changes past the sample are one page: read once.
    expect(reads() - before).toBe(1);
    view.unmount();
  });
});
