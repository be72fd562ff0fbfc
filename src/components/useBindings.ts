/** Runs a screen's bindings: each key from the bus becomes its action, against the latest state. */
import { isListMove } from './bindings.js';
import { LAYER, useKeyTarget, type Layer } from './keyBus.js';
import { actionFor, type Binding, type KeyName } from './keys.js';

/**
 * A key no binding has is passed (and so dropped, unless a target below takes it). The bus asks only when
 * the key is next, after the keys before it were handled and drawn, so a key the next view binds (enter
 * closing a view, then d) finds that view's bindings.
 */
export function useBindings<A extends string>(
  bindings: readonly Binding<A>[],
  onAction: (action: A, key: KeyName) => void,
  isActive: boolean,
  layer: Layer = LAYER.screen,
  /** An overlay's: every other key is taken too, and ignored, so none reaches what is underneath. */
  swallow = false,
  /** Keys (by their action; undefined for an unbound key) that wait in the queue for now: the screen is not ready for them yet. */
  waits?: (action: A | undefined) => boolean,
) {
  useKeyTarget(
    {
      claim: (name) => {
        const action = actionFor(bindings, name);
        if (waits?.(action)) return 'wait';
        if (action === undefined) return swallow ? 'take' : 'pass';
        return 'take';
      },
      handle: (name) => {
        const action = actionFor(bindings, name);
        if (action !== undefined) onAction(action, name);
      },
      // Cursor moves are reducer updates that never read the screen's state: a burst of them needs no render in between.
      pure: (name) => actionFor(bindings, name) === undefined || isListMove(actionFor(bindings, name)!),
    },
    isActive,
    layer,
  );
}
