/** The diff screen's reducer, without rendering: paging through the changes, pages read, the description. */
import { describe, expect, it } from 'vitest';
import { PENDING_DESCRIPTION } from '../../src/data/operations/makePlan.js';
import type { Change, Plan } from '../../src/data/plan.js';
import { diffReducer, initialDiff, type DiffAction, type DiffState } from '../../src/screens/useDiffState.js';

const change = (i: number): Change => ({
  event_id: `00000000-0000-4000-8000-00000000000${i}`,
  event_created_at: '2026-03-10 15:38:21.224000',
  before: '{}',
  after: '{"a":1}',
});
// What the diff reads of a plan: its kind, counts, sample and description.
const plan = (exceptions: number, sample: Change[], description = PENDING_DESCRIPTION) =>
  ({ kind: 'update', counts: { exceptions, exclusions: 0, unchanged: 0 }, sample, description }) as unknown as Plan;
const run = (actions: DiffAction[], from: DiffState) => actions.reduce(diffReducer, from);

describe('diff state', () => {
  it('starts on the summary, with no description while the plan has only the pending one', () => {
    expect(initialDiff(plan(3, [change(1)]))).toMatchObject({ index: -1, total: 3, description: '', editing: false });
    expect(initialDiff(plan(1, [change(1)], 'why')).description).toBe('why');
  });

  it('steps through the changes and back to the summary, never past either end', () => {
    const start = initialDiff(plan(2, [change(1), change(2)]));
    expect(run([{ type: 'step', by: 1 }], start).index).toBe(0);
    expect(
      run(
        [
          { type: 'step', by: 1 },
          { type: 'step', by: 1 },
          { type: 'step', by: 1 },
        ],
        start,
      ).index,
    ).toBe(1);
    expect(run([{ type: 'step', by: -1 }], start).index).toBe(-1);
    expect(run([{ type: 'step', by: 1 }], initialDiff(plan(0, []))).index).toBe(-1);
  });

  it('adds the pages read after the sample; an empty page means the warehouse changed since the plan', () => {
    const start = initialDiff(plan(3, [change(1)]));
    const read = run([{ type: 'page', changes: [change(2), change(3)] }], start);
    expect(read.loaded.map((c) => c.event_id)).toEqual([1, 2, 3].map((i) => change(i).event_id));
    expect(read.changeError).toBeNull();
    expect(run([{ type: 'page', changes: [] }], start).changeError).toMatch(/warehouse changed/);
    expect(run([{ type: 'pageFailed', message: 'timeout' }], start).changeError).toBe('timeout');
  });

  it('opens the description field, saying why, when enter comes before a description', () => {
    const asked = run([{ type: 'askDescription' }], initialDiff(plan(1, [change(1)])));
    expect(asked.editing).toBe(true);
    expect(asked.flash).toEqual({ text: 'write a description first: it is stored with every row', tone: 'warn' });
  });
});
