/** ProgressLine: the elapsed time of work in progress. */
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../src/components/ProgressLine.js';
import { renderComponent } from '../helpers/tui.js';

describe('ProgressLine', () => {
  it('never shows a negative time when the work started after the line was drawn', async () => {
    // A task's start is set after the line first drew (an apply starts in an effect): the clock the line read is older.
    const view = renderComponent(<ProgressLine label="writing" startedAt={Date.now() + 60_000} />);
    const frame = await view.waitForFrame('writing');
    expect(frame).toMatch(/writing 0\.0s$/);
    expect(frame).not.toContain('-');
    view.unmount();
  });
});
