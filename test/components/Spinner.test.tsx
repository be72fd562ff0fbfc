/** Spinner: one ASCII character that turns while work goes on, with what the work is; its timer ends with it. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Spinner } from '../../src/components/Spinner.js';
import { renderComponent } from '../helpers/tui.js';

describe('Spinner', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('turns through | / - \\ and back to |, one step per tick, with its label after it', async () => {
    // Only the spinner's own timer is faked: its steps come when the test says, not after a sleep.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const view = renderComponent(<Spinner label="counting" />);
    const seen = [await view.waitForFrame('counting')];
    for (let i = 0; i < 4; i++) seen.push(await view.waitForChange(() => vi.advanceTimersByTime(120)));
    expect(seen).toEqual(['| counting', '/ counting', '- counting', '\\ counting', '| counting']);
    view.unmount();
  });

  it('is the character alone without a label', async () => {
    const view = renderComponent(<Spinner />);
    expect(await view.waitForFrame(/^[|/\\-]$/)).toMatch(/^[|/\\-]$/);
    view.unmount();
  });

  it('stops its timer when it goes: a spinner left behind would keep evfix from exiting', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const view = renderComponent(<Spinner label="loading" />);
    await view.waitForFrame('| loading');
    expect(vi.getTimerCount()).toBe(1);
    view.unmount();
    expect(vi.getTimerCount()).toBe(0);
  });
});
