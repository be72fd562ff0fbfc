/**
 * A screen's keys: its own bindings plus help, back and quit. `?` toggles the
 * overlay (which then takes the keys); the other actions go to the screen.
 */
import { useState } from 'react';
import { GLOBAL_BINDINGS, type GlobalAction } from '../components/bindings.js';
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
}) {
  const [helpOpen, setHelpOpen] = useState(false);
  const all = [...options.bindings, ...GLOBAL_BINDINGS] as Binding<A | GlobalAction>[];
  const keysEnabled = options.keysEnabled !== false && !options.field?.open;
  // While a text field has the keys, only esc still reaches the screen (to leave the field).
  const live = keysEnabled ? all : all.filter((b) => b.action === 'back');
  useBindings(
    live,
    (action) => {
      if (helpOpen) {
        if (action === 'help' || action === 'back') setHelpOpen(false);
        else if (action === 'quit') options.nav.quit();
        return;
      }
      if (action === 'help') setHelpOpen(true);
      else if (action === 'back') {
        if (options.field?.open) options.field.close();
        else if (!options.onBack?.()) options.nav.pop();
      } else if (action === 'quit') options.nav.quit();
      else options.onAction(action as A);
    },
    options.active,
    keysEnabled,
  );
  return { helpOpen, bindings: all };
}
