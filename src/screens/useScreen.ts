/**
 * A screen's keys: its own bindings plus help, back and quit. Help (`?`, or
 * F1 anywhere, also in a form) opens the overlay, which then takes every key
 * until `?`, F1 or esc closes it; the other actions go to the screen.
 *
 * Back and quit never throw work away with one key: when leaving this screen
 * (esc) or quitting (q, anywhere in the stack) would drop what the operator
 * did, they ask first ("discard 1 change? y/N"); only `y` goes on.
 */
import { useEffect, useState } from 'react';
import { FORM_HELP_BINDING, GLOBAL_BINDINGS, type GlobalAction } from '../components/bindings.js';
import { LAYER, useKeyTarget } from '../components/keyBus.js';
import type { Binding } from '../components/keys.js';
import { useBindings } from '../components/useBindings.js';
import { listed, useUnsavedWork } from '../components/unsavedWork.js';
import type { Nav } from './navigation.js';

/** The footer while a question is asked: what its answers do. */
const ANSWERS: Binding[] = [
  { keys: ['y'], help: 'yes, discard', action: 'yes', footer: 1 },
  { keys: ['n'], help: 'no (or any other key)', action: 'no', footer: 1 },
];

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
  /** What leaving this screen would drop ("1 change", "2 marked groups"), or null: esc and q ask first. */
  unsaved?: string | null;
  /** Nothing under this screen is returned to (apply: every way out goes home): q does not ask for it. */
  endsFlow?: boolean;
}) {
  const [helpOpen, setHelpOpen] = useState(false);
  const work = useUnsavedWork(options.unsaved ?? null, options.endsFlow === true);
  // The question on screen and what `y` then does.
  const [asking, setAsking] = useState<{ question: string; yes: () => void } | null>(null);
  const ask = (question: string, yes: () => void) => setAsking({ question, yes });
  useEffect(() => {
    if (!asking) return;
    work.ask(asking.question);
    return () => work.ask(null);
  }, [asking, work]);
  const back = () => {
    if (options.unsaved && work.enabled) ask(`discard ${options.unsaved}? y/N`, options.nav.pop);
    else options.nav.pop();
  };
  const quit = () => {
    const lost = work.all();
    if (lost.length) ask(`quit and discard ${listed(lost)}? y/N`, options.nav.quit);
    else options.nav.quit();
  };
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
        else if (!options.onBack?.()) back();
      } else if (action === 'quit') quit();
      else options.onAction(action as A);
    },
    options.active && !helpOpen && !asking,
    LAYER.screen,
    false,
    (action) => options.busy === true && action !== 'back',
  );
  // The overlay is over the screen and its fields: every key is its own while it is open.
  useBindings(
    [{ keys: ['?', 'f1', 'escape'], help: 'close', action: 'close' }, ...(keysEnabled ? [{ keys: ['q'], help: 'quit', action: 'quit' }] : [])] as Binding[],
    (action) => (action === 'quit' ? quit() : setHelpOpen(false)),
    options.active && helpOpen && !asking,
    LAYER.overlay,
    true,
  );
  // The question takes every key: `y` does what was asked, any other key (n, esc, enter) is No and does nothing else.
  useKeyTarget(
    {
      claim: () => 'take',
      handle: (name) => {
        const yes = asking?.yes;
        setAsking(null);
        if (name === 'y') yes?.();
      },
      pure: () => false,
    },
    options.active && asking !== null,
    LAYER.overlay,
  );
  const shown: Binding[] = asking ? ANSWERS : keysEnabled ? all : [...(options.formKeys ?? []), FORM_HELP_BINDING, ...all.filter((b) => b.action === 'back')];
  return { helpOpen, bindings: shown };
}
