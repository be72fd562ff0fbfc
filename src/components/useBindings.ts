/** Runs a screen's bindings: each key from the bus becomes its action, against the latest state. */
import { isListMove } from './bindings.js';
import { useKeyTarget } from './keyBus.js';
import { actionsFor, type Binding } from './keys.js';

/**
 * `keysEnabled` false means a text field has the keys: only the screen's own
 * bindings (esc) are taken from the bus then. Otherwise every key is queued,
 * even one the screen does not bind now, since the key before it may change
 * what is bound (enter closing a view, then d).
 */
export function useBindings<A extends string>(bindings: readonly Binding<A>[], onAction: (action: A) => void, isActive: boolean, keysEnabled = true) {
  useKeyTarget(
    {
      accepts: (name) => keysEnabled || bindings.some((b) => b.keys.includes(name)),
      handle: (name) => {
        for (const action of actionsFor(bindings, [name])) onAction(action);
      },
      // Cursor moves are reducer updates that never read the screen's state: a burst of them needs no render in between.
      pure: (name) => actionsFor(bindings, [name]).every(isListMove),
    },
    isActive,
  );
}
