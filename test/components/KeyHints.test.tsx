/** The footer: built to fit the width by priority, never cutting a hint, always naming help. */
import { describe, expect, it } from 'vitest';
import { GLOBAL_BINDINGS, LIST_BINDINGS, formBindings, FORM_HELP_BINDING } from '../../src/components/bindings.js';
import { footerHints, KeyHints } from '../../src/components/KeyHints.js';
import type { Binding } from '../../src/components/keys.js';
import { renderComponent } from '../helpers/tui.js';

const STAGES: Binding[] = [
  ...LIST_BINDINGS,
  { keys: ['enter'], help: 'actions', action: 'open', footer: 1 },
  { keys: ['/'], help: 'filter', action: 'filter', footer: 1 },
  { keys: ['h'], help: 'history', action: 'history', footer: 2 },
  { keys: ['r'], help: 'reload counts', action: 'reload' },
  ...GLOBAL_BINDINGS,
];

describe('footerHints', () => {
  it('shows every hint with a priority when they fit, pairs of a group as one', () => {
    expect(footerHints(STAGES, 80)).toBe('j/k move  enter actions  / filter  h history  ? help  esc back  q quit');
  });

  it('drops the lowest priorities first when the width is short, whole hints only, and keeps help', () => {
    expect(footerHints(STAGES, 60)).toBe('j/k move  enter actions  / filter  h history  ? help');
    expect(footerHints(STAGES, 40)).toBe('j/k move  enter actions  ? help');
    expect(footerHints(STAGES, 12)).toBe('? help');
    for (const width of [10, 20, 30, 50, 70]) {
      const text = footerHints(STAGES, width);
      expect(text).toContain('? help');
      expect(text.length <= width || text === '? help').toBe(true);
    }
  });

  it('names F1 for help in a form, where ? may be typed, with what enter and tab do', () => {
    const form = [...formBindings({ enter: 'look the event up', fields: true }), FORM_HELP_BINDING, GLOBAL_BINDINGS[1]!];
    expect(footerHints(form, 80)).toBe('enter look the event up  tab/shift-tab field  F1 help  esc back');
  });

  it('draws one line at 80 columns', async () => {
    const view = renderComponent(<KeyHints bindings={STAGES} width={80} />);
    expect(await view.waitForFrame('help')).toMatchInlineSnapshot(`"j/k move  enter actions  / filter  h history  ? help  esc back  q quit"`);
    view.unmount();
  });
});
