/** The help overlay: each binding once, with all of its keys. */
import { describe, expect, it } from 'vitest';
import { GLOBAL_BINDINGS, LIST_BINDINGS } from '../../src/components/bindings.js';
import { HelpOverlay } from '../../src/components/HelpOverlay.js';
import type { Binding } from '../../src/components/keys.js';
import { DUPLICATES_BINDINGS, GROUP_BINDINGS } from '../../src/screens/DuplicatesScreen.js';
import { renderComponent } from '../helpers/tui.js';

describe('HelpOverlay', () => {
  it('lists a list screen’s keys: one row per action, every key of it, pairs both ways', async () => {
    const view = renderComponent(<HelpOverlay title="evfix · history" bindings={[...LIST_BINDINGS, ...GLOBAL_BINDINGS]} height={21} />);
    expect(await view.waitForFrame('Keys:')).toMatchInlineSnapshot(`
      "Keys: evfix · history
      j/↓     move down
      k/↑     move up
      PgDn    page down
      PgUp    page up
      g/Home  first row
      G/End   last row
      ?/F1    help
      esc     back
      q       quit
      press ?, F1 or esc to close"
    `);
    view.unmount();
  });

  it('names both directions of every pair (j/↓ and k/↑, h/← and l/→)', async () => {
    for (const bindings of [DUPLICATES_BINDINGS, GROUP_BINDINGS] as Binding[][]) {
      const view = renderComponent(<HelpOverlay title="duplicates" bindings={[...bindings, ...GLOBAL_BINDINGS]} height={21} />);
      const frame = await view.waitForFrame('Keys:');
      expect(frame).toMatch(/^j\/↓ +\S/m);
      expect(frame).toMatch(/^k\/↑ +\S/m);
      if (bindings === GROUP_BINDINGS) {
        expect(frame).toMatch(/^h\/← +previous copy to keep$/m);
        expect(frame).toMatch(/^l\/→ +next copy to keep$/m);
      }
      expect(frame).toMatch(/^\?\/F1 +help$/m);
      view.unmount();
    }
  });

  it('says how many rows did not fit on a short terminal', async () => {
    const view = renderComponent(<HelpOverlay title="x" bindings={[...LIST_BINDINGS, ...GLOBAL_BINDINGS]} height={6} />);
    expect(await view.waitForFrame('Keys:')).toMatchInlineSnapshot(`
      "Keys: x
      j/↓     move down
      k/↑     move up
      PgDn    page down
      … and 6 more (a taller terminal shows them)
      press ?, F1 or esc to close"
    `);
    view.unmount();
  });
});
