/**
 * A screen's keys: its own bindings plus help, back and quit. Help (`?`, or
 * F1 anywhere, also in a form) opens the overlay, which then takes every key
 * until `?`, F1 or esc closes it; the other actions go to the screen.
 */
import { useState } from 'react';
import { FORM_HELP_BINDING, GLOBAL_BINDINGS, type GlobalAction } from '../components/bindings.js';
import { LAYER } from '../components/keyBus.js';
import type { Binding } from '../components/keys.js';
import { useBindings } from '../components/useBindings.js';
import type { Nav } from './navigation.js';

export function useScreen<A extends string>(options: {
  bindings: readonly Binding<A>[];
  onAction: (action: A) => void;
  active: boolean;
  nav: Nav;
  /** Overrides esc: return true when the screen handled it (e.g. closed a sub-view). */
  onBack?: () => boolean;
  /** False while a text field has the keys, so typing "q" does not quit. */
  keysEnabled?: boolean;
  /** A screen-level text field: while it is open it has the keys, and esc closes it before going back. */
  field?: { open: boolean; close: () => void };
  /**
   * Not ready for keys yet (a plan being summarised or redescribed): keys wait in the queue, in order, and reach
   * the screen once it is; esc still goes back when it is next.
   */
  busy?: boolean;
  /** The keys of the form that has the keys, shown in the footer and the overlay meanwhile (the fields handle them). */
  formKeys?: readonly Binding[];
}) {
  const [helpOpen, setHelpOpen] = useState(false);
  const all = [...options.bindings, ...GLOBAL_BINDINGS] as Binding<A | GlobalAction>[];
  const keysEnabled = options.keysEnabled !== false && !options.field?.open;
  // While a text field has the keys, the screen hears only what the field passes on: esc (to leave the field),
  // F1, and `?` from a field that is not free text.
  const live = keysEnabled ? all : all.filter((b) => b.action === 'back' || b.action === 'help');
  useBindings(
    live,
    (action) => {
      if (action === 'help') setHelpOpen(true);
      else if (action === 'back') {
        if (options.field?.open) options.field.close();
        else if (!options.onBack?.()) options.nav.pop();
      } else if (action === 'quit') options.nav.quit();
      else options.onAction(action as A);
    },
    options.active && !helpOpen,
    LAYER.screen,
    false,
    (action) => options.busy === true && action !== 'back',
  );
  // The overlay is over the screen and its fields: every key is its own while it is open.
  useBindings(
    [{ keys: ['?', 'f1', 'escape'], help: 'close', action: 'close' }, ...(keysEnabled ? [{ keys: ['q'], help: 'quit', action: 'quit' }] : [])] as Binding[],
    (action) => (action === 'quit' ? options.nav.quit() : setHelpOpen(false)),
    options.active && helpOpen,
    LAYER.overlay,
    true,
  );
  const shown: Binding[] = keysEnabled ? all : [...(options.formKeys ?? []), FORM_HELP_BINDING, ...all.filter((b) => b.action === 'back')];
  return { helpOpen, bindings: shown };
}
