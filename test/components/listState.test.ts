import { describe, expect, it } from 'vitest';
import { initialList, listReducer, type ListAction } from '../../src/components/listState.js';

const run = (actions: ListAction[], count = 100, height = 10) => actions.reduce(listReducer, initialList(count, height));
describe('list state', () => {
  it('keeps the cursor inside a window that follows it', () => {
    expect(run([{ type: 'move', delta: 12 }])).toMatchObject({ cursor: 12, top: 3 });
    expect(run([{ type: 'last' }])).toMatchObject({ cursor: 99, top: 90 });
    expect(run([{ type: 'last' }, { type: 'page', direction: -1 }])).toMatchObject({ cursor: 89, top: 89 });
    expect(run([{ type: 'move', delta: -5 }])).toMatchObject({ cursor: 0, top: 0 });
    expect(
      run([
        { type: 'move', delta: 3 },
        { type: 'resize', height: 2 },
      ]),
    ).toMatchObject({ cursor: 3, top: 2 });
  });

  it('marks, marks all, and marks ranges', () => {
    expect([...run([{ type: 'toggle' }, { type: 'move', delta: 2 }, { type: 'toggle' }]).marked]).toEqual([0, 2]);
    expect(run([{ type: 'markAll' }]).marked.size).toBe(100);
    expect(run([{ type: 'markAll' }, { type: 'markAll' }]).marked.size).toBe(0);
    const ranged = run([{ type: 'move', delta: 5 }, { type: 'range' }, { type: 'move', delta: 3 }, { type: 'range' }, { type: 'move', delta: 5 }]);
    expect([...ranged.marked].sort((a, b) => a - b)).toEqual([5, 6, 7, 8]);
  });

  it('resets to the top, and a second reset to the same size changes nothing', () => {
    const moved = run([{ type: 'move', delta: 5 }, { type: 'toggle' }]);
    const reset = listReducer(moved, { type: 'reset', count: 100 });
    expect(reset).toMatchObject({ cursor: 0, top: 0, marked: new Set() });
    expect(listReducer(reset, { type: 'reset', count: 100 })).toBe(reset);
  });

  it('is a no-op on an empty list', () => {
    expect(run([{ type: 'move', delta: 1 }, { type: 'toggle' }, { type: 'last' }], 0)).toMatchObject({ cursor: 0, marked: new Set() });
  });
});
