/** The rerun screen's reducer, without rendering: the offset field, the preview for the offset shown, dbt's last lines. */
import { describe, expect, it } from 'vitest';
import { initialRerun, OUTPUT_LINES, previewLines, rerunReducer, type RerunAction, type RerunState } from '../../src/screens/useRerunState.js';

const run = (actions: RerunAction[], from: RerunState = initialRerun(14)) => actions.reduce(rerunReducer, from);

describe('rerun state', () => {
  it('closes the offset field on enter only when the offset is a whole number of days', () => {
    const typing = run([
      { type: 'edit', editing: true },
      { type: 'typeOffset', text: '7x' },
    ]);
    expect(run([{ type: 'keepOffset' }], typing).editing).toBe(true);
    expect(run([{ type: 'typeOffset', text: '7' }, { type: 'keepOffset' }], typing)).toMatchObject({ editing: false, offset: '7' });
  });

  it('shows the preview only for the offset it was computed for', () => {
    expect(previewLines(initialRerun(14))).toEqual(['counting the rows the rerun would remove and write…']);
    const previewed = run([{ type: 'preview', offset: '14', text: ['removes 3 row(s)'] }]);
    expect(previewLines(previewed)).toEqual(['removes 3 row(s)']);
    expect(previewLines(run([{ type: 'typeOffset', text: '9' }], previewed))).toEqual(['counting the rows the rerun would remove and write…']);
    expect(previewLines(run([{ type: 'typeOffset', text: 'x' }], previewed))[0]).toMatch(/press o to change it/);
  });

  it("keeps dbt's last lines only, and starts them afresh with each run", () => {
    const lines = Array.from({ length: OUTPUT_LINES + 3 }, (_, i) => `line ${i}`);
    const logged = run(lines.map((line) => ({ type: 'output', line })));
    expect(logged.output).toEqual(lines.slice(-OUTPUT_LINES));
    expect(run([{ type: 'started' }], logged).output).toEqual([]);
  });
});
